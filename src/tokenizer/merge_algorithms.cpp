#include "tokenizer/merge_algorithms.h"

#include <fmt/format.h>

namespace citadel::tokenizer::internal {
namespace {

// Length of the UTF-8 sequence a lead byte announces; a stray byte counts as one.
uint32_t Utf8Length(uint8_t lead) {
  static constexpr uint8_t kLengths[16] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4};
  return kLengths[lead >> 4];
}

constexpr std::string_view kSpmSpace = "\xE2\x96\x81";  // U+2581

}  // namespace

std::vector<int32_t> SpmByteTokens(const Vocab& vocab) {
  std::vector<int32_t> byte_tokens(256, kNoToken);
  for (int b = 0; b < 256; ++b) byte_tokens[b] = vocab.Find(fmt::format("<0x{:02X}>", b));
  return byte_tokens;
}

bool SpmCanSplitAtWordStarts(const Vocab& vocab) {
  for (const std::string& token : vocab.tokens) {
    std::string_view rest = token;
    while (rest.starts_with(kSpmSpace)) rest.remove_prefix(kSpmSpace.size());
    if (rest.find(kSpmSpace) != std::string_view::npos) return false;
  }
  return true;
}

SpmEncoder::SpmEncoder(const Vocab& vocab, const std::vector<int32_t>& byte_tokens, bool split_at_word_starts)
    : vocab_(vocab), byte_tokens_(byte_tokens), split_at_word_starts_(split_at_word_starts) {}

// Cuts the text before each U+2581 whose three preceding bytes are not U+2581, at a boundary of
// the symbols the whole text would start from. A token joining the two sides would have to hold
// those preceding bytes followed by U+2581, i.e. U+2581 after something other than a leading run
// of U+2581, which SpmCanSplitAtWordStarts ruled out; and merges in one segment never change
// the pairs of another, so each segment's merges happen in the same relative order as they
// would in the whole text.
void SpmEncoder::Encode(std::string_view text, std::vector<int32_t>& out) {
  if (!split_at_word_starts_) {
    EncodeSegment(text, out);
    return;
  }
  size_t start = 0;
  for (size_t offset = 0; offset < text.size();) {
    const bool space = text.compare(offset, kSpmSpace.size(), kSpmSpace) == 0;
    if (space && offset > start && (offset < 3 || text.compare(offset - 3, kSpmSpace.size(), kSpmSpace) != 0)) {
      EncodeSegment(text.substr(start, offset - start), out);
      start = offset;
    }
    offset += std::min<size_t>(Utf8Length(static_cast<uint8_t>(text[offset])), text.size() - offset);
  }
  EncodeSegment(text.substr(start), out);
}

void SpmEncoder::TryAddBigram(std::string_view text, int32_t left, int32_t right) {
  if (left < 0 || right < 0) return;
  const Symbol& l = symbols_[left];
  const uint32_t length = l.length + symbols_[right].length;
  const int32_t id = vocab_.Find(text.substr(l.offset, length));
  if (id == kNoToken || !vocab_.IsMergeable(id)) return;
  queue_.push(Bigram{vocab_.scores[id], left, right, length});
}

void SpmEncoder::EncodeSegment(std::string_view text, std::vector<int32_t>& out) {
  symbols_.clear();
  for (uint32_t offset = 0; offset < text.size();) {
    const uint32_t length =
        std::min<uint32_t>(Utf8Length(static_cast<uint8_t>(text[offset])), static_cast<uint32_t>(text.size()) - offset);
    const auto index = static_cast<int32_t>(symbols_.size());
    symbols_.push_back(Symbol{index - 1, offset + length == text.size() ? -1 : index + 1, offset, length, kNoToken});
    offset += length;
  }
  for (int32_t i = 1; i < static_cast<int32_t>(symbols_.size()); ++i) TryAddBigram(text, i - 1, i);

  while (!queue_.empty()) {
    const Bigram bigram = queue_.top();
    queue_.pop();
    Symbol& left = symbols_[bigram.left];
    Symbol& right = symbols_[bigram.right];
    // A bigram is stale once either side has been merged into something else.
    if (left.length == 0 || right.length == 0 || left.length + right.length != bigram.length) continue;
    left.length += right.length;
    right.length = 0;
    left.next = right.next;
    if (right.next >= 0) symbols_[right.next].prev = bigram.left;
    TryAddBigram(text, left.prev, bigram.left);
    TryAddBigram(text, bigram.left, left.next);
  }

  for (int32_t i = 0; i >= 0 && i < static_cast<int32_t>(symbols_.size()); i = symbols_[i].next) {
    const Symbol& s = symbols_[i];
    const std::string_view piece = text.substr(s.offset, s.length);
    if (const int32_t id = vocab_.Find(piece); id != kNoToken && vocab_.IsMergeable(id)) {
      out.push_back(id);
      continue;
    }
    for (char c : piece) {
      const int32_t byte_token = byte_tokens_[static_cast<uint8_t>(c)];
      out.push_back(byte_token != kNoToken ? byte_token : vocab_.unk);
    }
  }
}

BpeEncoder::BpeEncoder(const Vocab& vocab, const MergeTable& merges, const std::vector<int32_t>& byte_tokens,
                       const ByteLevelAlphabet& alphabet)
    : vocab_(vocab), merges_(merges), byte_tokens_(byte_tokens), alphabet_(alphabet) {}

void BpeEncoder::TryAddBigram(int32_t left, int32_t right) {
  if (left < 0 || right < 0) return;
  const int32_t left_id = symbols_[left].id;
  const int32_t right_id = symbols_[right].id;
  const auto it = merges_.find(PairKey(left_id, right_id));
  if (it == merges_.end()) return;
  queue_.push(Bigram{it->second.rank, left, right, left_id, right_id, it->second.merged});
}

void BpeEncoder::Encode(std::string_view word, std::vector<int32_t>& out) {
  if (vocab_.ignore_merges) {
    encoded_.clear();
    for (char c : word) encoded_ += alphabet_.Encode(static_cast<uint8_t>(c));
    if (const int32_t id = vocab_.Find(encoded_); id != kNoToken && vocab_.IsMergeable(id)) {
      out.push_back(id);
      return;
    }
  }
  symbols_.clear();
  const auto n = static_cast<int32_t>(word.size());
  for (int32_t i = 0; i < n; ++i) {
    symbols_.push_back(Symbol{i - 1, i + 1 == n ? -1 : i + 1, static_cast<uint32_t>(i), 1,
                              byte_tokens_[static_cast<uint8_t>(word[i])]});
  }
  for (int32_t i = 1; i < n; ++i) TryAddBigram(i - 1, i);

  while (!queue_.empty()) {
    const Bigram bigram = queue_.top();
    queue_.pop();
    Symbol& left = symbols_[bigram.left];
    Symbol& right = symbols_[bigram.right];
    // Stale when either side has merged since: its id (or liveness) no longer matches.
    if (left.length == 0 || right.length == 0 || left.id != bigram.left_id || right.id != bigram.right_id) continue;
    left.id = bigram.merged;
    left.length += right.length;
    right.length = 0;
    left.next = right.next;
    if (right.next >= 0) symbols_[right.next].prev = bigram.left;
    TryAddBigram(left.prev, bigram.left);
    TryAddBigram(bigram.left, left.next);
  }
  for (int32_t i = 0; i >= 0 && i < n; i = symbols_[i].next) out.push_back(symbols_[i].id);
}

}  // namespace citadel::tokenizer::internal
