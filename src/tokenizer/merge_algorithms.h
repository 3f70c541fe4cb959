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
  explicit SpmEncoder(const Vocab& vocab);
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

  const Vocab& vocab_;
  std::vector<int32_t> byte_tokens_;  // <0xXX> ids, kNoToken where absent
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

inline uint64_t PairKey(int32_t left, int32_t right) {
  return (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) | static_cast<uint32_t>(right);
}

}  // namespace citadel::tokenizer::internal
