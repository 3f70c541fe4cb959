#include "api/responses.h"

namespace citadel::api {
namespace {

Json NullIfEmpty(const std::string& s) { return s.empty() ? Json() : Json(s); }

Json Bytes(const std::string& text) {
  Json bytes = Json::array();
  for (const unsigned char c : text) bytes.push_back(c);
  return bytes;
}

}  // namespace

std::string Dump(const Json& j) { return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); }

Json UsageJson(int prompt_tokens, int completion_tokens, int cached_prompt_tokens) {
  return {{"prompt_tokens", prompt_tokens},
          {"completion_tokens", completion_tokens},
          {"total_tokens", prompt_tokens + completion_tokens},
          {"prompt_tokens_details", {{"cached_tokens", cached_prompt_tokens}}}};
}

Json ChatLogprobsJson(const tokenizer::Tokenizer& tok, std::span<const int32_t> tokens,
                      std::span<const engine::SampledToken> logprobs) {
  Json content = Json::array();
  for (size_t i = 0; i < tokens.size() && i < logprobs.size(); ++i) {
    const std::string text = tok.TokenBytes(tokens[i]);
    Json top = Json::array();
    for (const engine::TokenLogprob& alt : logprobs[i].top_logprobs()) {
      const std::string alt_text = tok.TokenBytes(alt.token);
      top.push_back({{"token", alt_text}, {"logprob", alt.logprob}, {"bytes", Bytes(alt_text)}});
    }
    content.push_back({{"token", text}, {"logprob", logprobs[i].logprob}, {"bytes", Bytes(text)}, {"top_logprobs", top}});
  }
  return {{"content", content}, {"refusal", nullptr}};
}

Json CompletionLogprobsJson(const tokenizer::Tokenizer& tok, std::span<const int32_t> tokens,
                            std::span<const engine::SampledToken> logprobs, size_t text_offset) {
  Json texts = Json::array(), values = Json::array(), tops = Json::array(), offsets = Json::array();
  for (size_t i = 0; i < tokens.size() && i < logprobs.size(); ++i) {
    const std::string text = tok.TokenBytes(tokens[i]);
    texts.push_back(text);
    values.push_back(logprobs[i].logprob);
    Json top = Json::object();
    for (const engine::TokenLogprob& alt : logprobs[i].top_logprobs()) top[tok.TokenBytes(alt.token)] = alt.logprob;
    tops.push_back(top);
    offsets.push_back(text_offset);
    text_offset += text.size();
  }
  return {{"tokens", texts}, {"token_logprobs", values}, {"top_logprobs", tops}, {"text_offset", offsets}};
}

Json ChatChoiceJson(size_t index, const std::string& content, const std::string& finish_reason, const Json& logprobs) {
  return {{"index", index},
          {"message", {{"role", "assistant"}, {"content", content}, {"refusal", nullptr}}},
          {"logprobs", logprobs},
          {"finish_reason", NullIfEmpty(finish_reason)}};
}

Json ChatCompletionJson(const std::string& id, int64_t created, const std::string& model,
                        const std::vector<Json>& choices, const Json& usage) {
  return {{"id", id},           {"object", "chat.completion"}, {"created", created}, {"model", model},
          {"choices", choices}, {"usage", usage},              {"system_fingerprint", "citadel"}};
}

Json ChatChunkJson(const std::string& id, int64_t created, const std::string& model, size_t index, const Json& delta,
                   const std::string& finish_reason, const Json& logprobs) {
  return {{"id", id},
          {"object", "chat.completion.chunk"},
          {"created", created},
          {"model", model},
          {"system_fingerprint", "citadel"},
          {"choices",
           Json::array({{{"index", index}, {"delta", delta}, {"logprobs", logprobs}, {"finish_reason", NullIfEmpty(finish_reason)}}})}};
}

Json CompletionChoiceJson(size_t index, const std::string& text, const std::string& finish_reason, const Json& logprobs) {
  return {{"index", index}, {"text", text}, {"logprobs", logprobs}, {"finish_reason", NullIfEmpty(finish_reason)}};
}

Json CompletionJson(const std::string& id, int64_t created, const std::string& model, const std::vector<Json>& choices,
                    const Json& usage) {
  return {{"id", id},           {"object", "text_completion"}, {"created", created}, {"model", model},
          {"choices", choices}, {"usage", usage},              {"system_fingerprint", "citadel"}};
}

Json UsageChunkJson(const std::string& id, const char* object, int64_t created, const std::string& model,
                    const Json& usage) {
  return {{"id", id}, {"object", object}, {"created", created}, {"model", model}, {"choices", Json::array()}, {"usage", usage}};
}

Json ModelJson(const std::string& id, int64_t created) {
  return {{"id", id}, {"object", "model"}, {"created", created}, {"owned_by", "citadel"}};
}

Json ModelListJson(const std::string& id, int64_t created) {
  return {{"object", "list"}, {"data", Json::array({ModelJson(id, created)})}};
}

}  // namespace citadel::api
