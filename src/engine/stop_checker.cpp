#include "engine/stop_checker.h"

#include <algorithm>

#include "tokenizer/tokenizer.h"

namespace citadel::engine {

std::vector<int32_t> EndOfGenerationTokens(const tokenizer::Tokenizer& tokenizer) {
  std::vector<int32_t> ids;
  for (int32_t id = 0; id < tokenizer.vocab_size(); ++id) {
    if (tokenizer.IsEndOfGeneration(id)) ids.push_back(id);
  }
  return ids;
}

StopChecker::StopChecker(std::span<const int32_t> stop_token_ids, std::span<const int32_t> end_of_generation,
                         std::vector<std::string> stop_strings)
    : stop_strings_(std::move(stop_strings)) {
  stop_tokens_.assign(stop_token_ids.begin(), stop_token_ids.end());
  stop_tokens_.insert(stop_tokens_.end(), end_of_generation.begin(), end_of_generation.end());
  std::sort(stop_tokens_.begin(), stop_tokens_.end());
  stop_tokens_.erase(std::unique(stop_tokens_.begin(), stop_tokens_.end()), stop_tokens_.end());
  size_t longest = 0;
  for (const std::string& stop : stop_strings_) longest = std::max(longest, stop.size());
  pending_.reserve(longest + 64);
}

bool StopChecker::IsStopToken(int32_t id) const {
  return std::binary_search(stop_tokens_.begin(), stop_tokens_.end(), id);
}

// The longest suffix of pending_ that is a proper prefix of some stop string: the bytes that the
// next delta could still complete into a match. Released text never contains such a start, so a
// match can only begin inside pending_.
size_t StopChecker::HeldSuffixLength() const {
  const std::string_view text = pending_;
  size_t held = 0;
  for (const std::string& stop : stop_strings_) {
    for (size_t n = std::min(stop.size() - 1, text.size()); n > held; --n) {
      if (text.substr(text.size() - n) == std::string_view(stop).substr(0, n)) {
        held = n;
        break;
      }
    }
  }
  return held;
}

std::string_view StopChecker::Release(size_t bytes) {
  released_.assign(pending_, 0, bytes);
  pending_.erase(0, bytes);
  return released_;
}

StopChecker::Step StopChecker::Push(std::string_view delta) {
  if (stopped_) return {};
  pending_.append(delta);
  // Generation stops where the first stop string is complete: the match that ends first wins,
  // ties going to the one that starts first (the longer). Choosing by start instead would make
  // the output depend on how the text was cut into deltas: with stops "abc" and "b", the delta
  // "ab" already ends on "b".
  size_t match = std::string::npos;
  size_t match_end = std::string::npos;
  for (const std::string& stop : stop_strings_) {
    const size_t at = pending_.find(stop);
    if (at == std::string::npos) continue;
    const size_t end = at + stop.size();
    if (end < match_end || (end == match_end && at < match)) {
      match = at;
      match_end = end;
    }
  }
  if (match != std::string::npos) {
    stopped_ = true;
    Step step{Release(match), true};
    pending_.clear();
    return step;
  }
  // A held suffix starts with a stop string's first byte, which in valid UTF-8 is never a
  // continuation byte: what is released always ends on a character boundary.
  return {Release(pending_.size() - HeldSuffixLength()), false};
}

std::string_view StopChecker::Flush() {
  if (stopped_) return {};
  return Release(pending_.size());
}

}  // namespace citadel::engine
