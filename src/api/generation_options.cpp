#include "api/generation_options.h"

#include <charconv>
#include <limits>

namespace citadel::api {
namespace {

template <class T>
Result<void> ReadFloat(const Json& body, std::string_view key, T& out) {
  CITADEL_ASSIGN_OR_RETURN(auto v, OptionalNumber(body, key));
  if (v) out = static_cast<T>(*v);
  return Ok();
}

Result<std::map<int32_t, float>> ReadLogitBias(const Json& body) {
  std::map<int32_t, float> out;
  const auto it = body.find("logit_bias");
  if (it == body.end() || it->is_null()) return out;
  if (!it->is_object()) return Err("logit_bias: expected an object of token id -> bias, got {}", TypeName(*it));
  for (const auto& [key, value] : it->items()) {
    int32_t id = 0;
    const auto [end, ec] = std::from_chars(key.data(), key.data() + key.size(), id);
    if (ec != std::errc() || end != key.data() + key.size()) return Err("logit_bias: key '{}' is not a token id", key);
    if (!value.is_number()) return Err("logit_bias: the bias of token {} is {}, expected a number", key, TypeName(value));
    out[id] = value.get<float>();
  }
  return out;
}

}  // namespace

Result<GenerationOptions> ParseGenerationOptions(const Json& body, int32_t vocab_size) {
  GenerationOptions o;
  CITADEL_ASSIGN_OR_RETURN(auto model, OptionalString(body, "model"));
  if (!model) return Err("model: you must provide a model parameter");
  o.model = std::move(*model);
  CITADEL_ASSIGN_OR_RETURN(auto n, OptionalInteger(body, "n", 1, kMaxChoices));
  o.n = static_cast<int>(n.value_or(1));
  CITADEL_ASSIGN_OR_RETURN(auto stream, OptionalBool(body, "stream"));
  o.stream = stream.value_or(false);
  if (auto it = body.find("stream_options"); it != body.end() && !it->is_null()) {
    if (!it->is_object()) return Err("stream_options: expected an object, got {}", TypeName(*it));
    if (!o.stream) return Err("stream_options: only allowed when stream is true");
    auto usage = OptionalBool(*it, "include_usage");
    if (!usage) return Err("stream_options.{}", usage.error().message);
    o.include_usage = usage->value_or(false);
  }
  engine::SamplingParams& s = o.sampling;
  CITADEL_RETURN_IF_ERROR(ReadFloat(body, "temperature", s.temperature));
  CITADEL_RETURN_IF_ERROR(ReadFloat(body, "top_p", s.top_p));
  CITADEL_RETURN_IF_ERROR(ReadFloat(body, "min_p", s.min_p));
  CITADEL_RETURN_IF_ERROR(ReadFloat(body, "presence_penalty", s.presence_penalty));
  CITADEL_RETURN_IF_ERROR(ReadFloat(body, "frequency_penalty", s.frequency_penalty));
  CITADEL_RETURN_IF_ERROR(ReadFloat(body, "repetition_penalty", s.repetition_penalty));
  CITADEL_ASSIGN_OR_RETURN(auto top_k, OptionalInteger(body, "top_k", 0, std::numeric_limits<int32_t>::max()));
  s.top_k = static_cast<int32_t>(top_k.value_or(0));
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min(), kMax = std::numeric_limits<int64_t>::max();
  CITADEL_ASSIGN_OR_RETURN(auto seed, OptionalInteger(body, "seed", kMin, kMax));
  if (seed) s.seed = static_cast<uint64_t>(*seed);
  CITADEL_ASSIGN_OR_RETURN(auto max_tokens, OptionalInteger(body, "max_tokens", 1, std::numeric_limits<int32_t>::max()));
  if (max_tokens) s.max_tokens = static_cast<int32_t>(*max_tokens);
  CITADEL_ASSIGN_OR_RETURN(auto stop, OptionalStrings(body, "stop"));
  s.stop_strings = stop.value_or(std::vector<std::string>());
  CITADEL_ASSIGN_OR_RETURN(s.logit_bias, ReadLogitBias(body));
  CITADEL_RETURN_IF_ERROR(OptionalString(body, "user"));  // accepted for compatibility; only its type is checked
  CITADEL_RETURN_IF_ERROR(s.Validate(vocab_size));
  return o;
}

}  // namespace citadel::api
