#pragma once
// The two merge algorithms, each over one piece of text. Internal to tokenizer/; the Tokenizer
// class owns the vocabulary and splits text into pieces first.

#include <cstdint>
#include <queue>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "tokenizer/byte_level.h"
#include "tokenizer/vocab.h"

namespace citadel::tokenizer::internal {

// One symbol of a word being merged: a span of the text, linked to its neighbours.
struct Symbol {
  int32_t prev;
  int32_t next;
  uint32_t offset;
  uint32_t length;  // 0 once merged into the symbol on its left
  int32_t id;       // BPE only
};

// SentencePiece-style BPE: repeatedly merge the adjacent pair whose concatenation is the
// highest-scoring token (ties: leftmost); pieces that are no token fall back to <0xXX> bytes.
class SpmEncoder {
 public:
  // `byte_tokens`: the <0xXX> id of each byte, kNoToken where absent (SpmByteTokens).
  // `split_at_word_starts`: the vocabulary passed SpmCanSplitAtWordStarts, so the text may be
  // merged word by word instead of as one sequence.
  SpmEncoder(const Vocab& vocab, const std::vector<int32_t>& byte_tokens, bool split_at_word_starts);
  // `text` has spaces already replaced by U+2581.
  void Encode(std::string_view text, std::vector<int32_t>& out);

 private:
  struct Bigram {
    float score;
    int32_t left;
    int32_t right;
    uint32_t length;
    bool operator<(const Bigram& o) const { return score < o.score || (score == o.score && left > o.left); }
  };
  void TryAddBigram(std::string_view text, int32_t left, int32_t right);
  void EncodeSegment(std::string_view text, std::vector<int32_t>& out);

  const Vocab& vocab_;
  const std::vector<int32_t>& byte_tokens_;
  bool split_at_word_starts_;
  std::vector<Symbol> symbols_;
  std::priority_queue<Bigram> queue_;
};

// Byte-level BPE: a word's bytes start as byte tokens and the adjacent pair with the lowest merge
// rank is merged until none is left (ties: leftmost).
class BpeEncoder {
 public:
  struct Merge {
    int32_t rank;
    int32_t merged;
  };
  using MergeTable = std::unordered_map<uint64_t, Merge>;

  BpeEncoder(const Vocab& vocab, const MergeTable& merges, const std::vector<int32_t>& byte_tokens,
             const ByteLevelAlphabet& alphabet);
  void Encode(std::string_view word, std::vector<int32_t>& out);

 private:
  struct Bigram {
    int32_t rank;
    int32_t left;
    int32_t right;
    int32_t left_id;
    int32_t right_id;
    int32_t merged;
    bool operator<(const Bigram& o) const { return rank > o.rank || (rank == o.rank && left > o.left); }
  };
  void TryAddBigram(int32_t left, int32_t right);

  const Vocab& vocab_;
  const MergeTable& merges_;
  const std::vector<int32_t>& byte_tokens_;
  const ByteLevelAlphabet& alphabet_;
  std::vector<Symbol> symbols_;
  std::priority_queue<Bigram> queue_;
  std::string encoded_;
};

// The <0xXX> byte-fallback token of each byte, kNoToken where the vocabulary lacks it.
std::vector<int32_t> SpmByteTokens(const Vocab& vocab);

// True when no token has U+2581 after a character other than U+2581 (the space marker appears
// only as a leading run). Then no merge can ever join a word-starting U+2581 to the character
// before it, and merging each word separately gives exactly the ids of merging the whole text,
// with a queue the size of a word instead of the size of the input.
bool SpmCanSplitAtWordStarts(const Vocab& vocab);

inline uint64_t PairKey(int32_t left, int32_t right) {
  return (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) | static_cast<uint32_t>(right);
}

}  // namespace citadel::tokenizer::internal
