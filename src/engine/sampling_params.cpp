#include "engine/sampling_params.h"

#include <cmath>

#include "core/utf8.h"

namespace citadel::engine {
namespace {

// NaN fails every comparison, so each range check is written to reject it.
Result<void> CheckRange(const char* field, float value, float lo, float hi) {
  if (!(value >= lo && value <= hi)) return Err("{}: {} is outside [{}, {}]", field, value, lo, hi);
  return Ok();
}

Result<void> CheckTokenId(const char* field, int32_t id, int32_t vocab_size) {
  if (id < 0 || id >= vocab_size) {
    return Err("{}: token id {} is outside [0, {})", field, id, vocab_size);
  }
  return Ok();
}

}  // namespace

Result<void> SamplingParams::Validate(int32_t vocab_size) const {
  CITADEL_RETURN_IF_ERROR(CheckRange("temperature", temperature, 0.0f, 2.0f));
  if (top_k < 0) return Err("top_k: {} is negative (0 = off, otherwise >= 1)", top_k);
  if (!(top_p > 0.0f && top_p <= 1.0f)) return Err("top_p: {} is outside (0, 1]", top_p);
  CITADEL_RETURN_IF_ERROR(CheckRange("min_p", min_p, 0.0f, 1.0f));
  if (!(repetition_penalty > 0.0f && repetition_penalty <= 2.0f)) {
    return Err("repetition_penalty: {} is outside (0, 2]", repetition_penalty);
  }
  CITADEL_RETURN_IF_ERROR(CheckRange("presence_penalty", presence_penalty, -2.0f, 2.0f));
  CITADEL_RETURN_IF_ERROR(CheckRange("frequency_penalty", frequency_penalty, -2.0f, 2.0f));
  for (const auto& [id, bias] : logit_bias) {
    CITADEL_RETURN_IF_ERROR(CheckTokenId("logit_bias", id, vocab_size));
    if (!(bias >= -100.0f && bias <= 100.0f)) {
      return Err("logit_bias: value {} for token {} is outside [-100, 100]", bias, id);
    }
  }
  if (max_tokens && *max_tokens < 1) return Err("max_tokens: {} is below 1", *max_tokens);
  for (int32_t id : stop_token_ids) CITADEL_RETURN_IF_ERROR(CheckTokenId("stop_token_ids", id, vocab_size));
  if (stop_strings.size() > kMaxStopStrings) {
    return Err("stop: {} strings, at most {} allowed", stop_strings.size(), kMaxStopStrings);
  }
  for (const std::string& stop : stop_strings) {
    if (stop.empty()) return Err("stop: empty string");
    if (stop.size() > kMaxStopStringBytes) {
      return Err("stop: a string of {} bytes, at most {} allowed", stop.size(), kMaxStopStringBytes);
    }
    // A stop string is matched against complete UTF-8 text; invalid bytes could never match.
    if (!IsValidUtf8(stop)) return Err("stop: a string is not valid UTF-8");
  }
  if (top_logprobs < 0 || top_logprobs > kMaxTopLogprobs) {
    return Err("top_logprobs: {} is outside [0, {}]", top_logprobs, kMaxTopLogprobs);
  }
  if (top_logprobs > 0 && !logprobs) return Err("top_logprobs: {} requires logprobs = true", top_logprobs);
  return Ok();
}

}  // namespace citadel::engine
