#pragma once
// Decides when a generation stops and which text may be streamed. Stop tokens (the request's
// stop_token_ids and the tokenizer's end-of-generation tokens) end it at once and are not emitted.
// Stop strings are matched over the decoded text: text that could still turn out to be the start
// of a stop string is held back until the next delta decides it; on a match the text before the
// stop string is released and the stop string itself, and everything after it, is dropped (as
// OpenAI does). Among several stop strings the one completed first wins, so the result does not
// depend on how the text was cut into deltas.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace citadel::tokenizer {
class Tokenizer;
}

namespace citadel::engine {

// Every id the tokenizer reports as end of generation, sorted. One scan of the vocabulary: the
// engine computes it once per model and hands it to each request's StopChecker.
std::vector<int32_t> EndOfGenerationTokens(const tokenizer::Tokenizer& tokenizer);

class StopChecker {
 public:
  // stop_strings must be non-empty valid UTF-8 (SamplingParams::Validate checks).
  StopChecker(std::span<const int32_t> stop_token_ids, std::span<const int32_t> end_of_generation,
              std::vector<std::string> stop_strings);

  bool IsStopToken(int32_t id) const;

  struct Step {
    std::string_view text;  // may be streamed now; valid until the next call
    bool stopped = false;   // a stop string matched: nothing more will be released
  };
  // delta: complete UTF-8 from StreamingDecoder. After a stop, further deltas release nothing.
  Step Push(std::string_view delta);
  // End of generation (stop token, length, or the end of the model's output): releases the text
  // still held back. Returns nothing after a stop-string match.
  std::string_view Flush();

  bool stopped() const { return stopped_; }

 private:
  size_t HeldSuffixLength() const;
  std::string_view Release(size_t bytes);

  std::vector<int32_t> stop_tokens_;  // sorted, unique
  std::vector<std::string> stop_strings_;
  std::string pending_;   // text not yet released: at most the longest stop string minus one byte
  std::string released_;  // what the last call returned
  bool stopped_ = false;
};

}  // namespace citadel::engine
