#pragma once
// Turns a stream of token ids into text that is always complete UTF-8: a character split across
// tokens (common for CJK and emoji in byte-level vocabularies) is held back until its last byte
// arrives, so an SSE chunk never carries half a character.

#include <cstdint>
#include <string>

#include "tokenizer/tokenizer.h"

namespace citadel::tokenizer {

class StreamingDecoder {
 public:
  explicit StreamingDecoder(const Tokenizer& tokenizer, DecodeOptions options = {});

  // The text that became complete with this token (possibly empty).
  std::string Push(int32_t id);
  // Bytes appended directly (used by tests and by callers that already hold token bytes).
  std::string PushBytes(std::string_view bytes);
  // End of stream: a still-incomplete character is emitted as U+FFFD.
  std::string Finish();

 private:
  const Tokenizer& tokenizer_;
  DecodeOptions options_;
  bool strip_pending_;
  std::string pending_;
};

}  // namespace citadel::tokenizer
