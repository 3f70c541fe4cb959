#include "tokenizer/merge_algorithms.h"

#include <fmt/format.h>

namespace citadel::tokenizer::internal {
namespace {

// Length of the UTF-8 sequence a lead byte announces; a stray byte counts as one.
uint32_t Utf8Length(uint8_t lead) {
  static constexpr uint8_t kLengths[16] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4};
  return kLengths[lead >> 4];
}

}  // namespace

SpmEncoder::SpmEncoder(const Vocab& vocab) : vocab_(vocab), byte_tokens_(256, kNoToken) {
  for (int b = 0; b < 256; ++b) byte_tokens_[b] = vocab.Find(fmt::format("<0x{:02X}>", b));
}

void SpmEncoder::TryAddBigram(std::string_view text, int32_t left, int32_t right) {
  if (left < 0 || right < 0) return;
  const Symbol& l = symbols_[left];
  const uint32_t length = l.length + symbols_[right].length;
  const int32_t id = vocab_.Find(text.substr(l.offset, length));
  if (id == kNoToken) return;
  queue_.push(Bigram{vocab_.scores[id], left, right, length});
}

void SpmEncoder::Encode(std::string_view text, std::vector<int32_t>& out) {
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
    if (const int32_t id = vocab_.Find(piece); id != kNoToken) {
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
    if (const int32_t id = vocab_.Find(encoded_); id != kNoToken) {
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
