#include "api/responses.h"

#include "tokenizer/tokenizer.h"

namespace citadel::api {
namespace {

Json TokenBytesJson(const std::string& bytes) {
  Json out = Json::array();
  for (unsigned char c : bytes) out.push_back(static_cast<int>(c));
  return out;
}

Json FinishJson(engine::Finish finish) {
  return finish == engine::Finish::kNone ? Json(nullptr) : Json(std::string(FinishReason(finish)));
}

Json Envelope(const ResponseMeta& meta, std::string_view object) {
  return Json{{"id", meta.id},
              {"object", object},
              {"created", meta.created},
              {"model", meta.model},
              {"system_fingerprint", meta.system_fingerprint}};
}

}  // namespace

std::string Dump(const Json& value) { return value.dump(-1, ' ', false, Json::error_handler_t::replace); }

std::string_view FinishReason(engine::Finish finish) {
  return finish == engine::Finish::kLength ? "length" : "stop";
}

Json UsageJson(const engine::Usage& usage) {
  return Json{{"prompt_tokens", usage.prompt_tokens},
              {"completion_tokens", usage.completion_tokens},
              {"total_tokens", usage.prompt_tokens + usage.completion_tokens},
              {"prompt_tokens_details", {{"cached_tokens", usage.cached_prompt_tokens}}}};
}

void AddUsage(engine::Usage& total, const engine::Usage& part) {
  total.prompt_tokens += part.prompt_tokens;
  total.cached_prompt_tokens += part.cached_prompt_tokens;
  total.completion_tokens += part.completion_tokens;
}

Json ChatLogprobs(const tokenizer::Tokenizer& tok, std::span<const engine::SampledToken> tokens) {
  Json content = Json::array();
  for (const engine::SampledToken& t : tokens) {
    const std::string text = tok.TokenBytes(t.token);
    Json top = Json::array();
    for (const engine::TokenLogprob& alt : t.top_logprobs()) {
      const std::string alt_text = tok.TokenBytes(alt.token);
      top.push_back({{"token", alt_text}, {"logprob", alt.logprob}, {"bytes", TokenBytesJson(alt_text)}});
    }
    content.push_back({{"token", text}, {"logprob", t.logprob}, {"bytes", TokenBytesJson(text)}, {"top_logprobs", top}});
  }
  return Json{{"content", std::move(content)}, {"refusal", nullptr}};
}

Json CompletionLogprobs(const tokenizer::Tokenizer& tok, std::span<const engine::SampledToken> tokens,
                        size_t first_offset) {
  Json texts = Json::array(), logprobs = Json::array(), tops = Json::array(), offsets = Json::array();
  size_t offset = first_offset;
  for (const engine::SampledToken& t : tokens) {
    const std::string text = tok.TokenBytes(t.token);
    texts.push_back(text);
    logprobs.push_back(t.logprob);
    Json top = Json::object();
    for (const engine::TokenLogprob& alt : t.top_logprobs()) top[tok.TokenBytes(alt.token)] = alt.logprob;
    tops.push_back(std::move(top));
    offsets.push_back(offset);
    offset += text.size();
  }
  return Json{{"tokens", texts}, {"token_logprobs", logprobs}, {"top_logprobs", tops}, {"text_offset", offsets}};
}

std::string ChatCompletionBody(const ResponseMeta& meta, std::span<const Choice> choices, const engine::Usage& usage,
                               const tokenizer::Tokenizer& tok, bool logprobs) {
  Json body = Envelope(meta, "chat.completion");
  Json list = Json::array();
  for (size_t i = 0; i < choices.size(); ++i) {
    const Choice& c = choices[i];
    list.push_back({{"index", i},
                    {"message", {{"role", "assistant"}, {"content", c.text}, {"refusal", nullptr}}},
                    {"logprobs", logprobs ? ChatLogprobs(tok, c.logprobs) : Json(nullptr)},
                    {"finish_reason", FinishReason(c.finish)}});
  }
  body["choices"] = std::move(list);
  body["usage"] = UsageJson(usage);
  return Dump(body);
}

std::string ChatChunk(const ResponseMeta& meta, int index, const std::optional<std::string>& role,
                      const std::optional<std::string>& content, const Json& logprobs, engine::Finish finish,
                      bool include_usage) {
  Json body = Envelope(meta, "chat.completion.chunk");
  Json delta = Json::object();
  if (role) delta["role"] = *role;
  if (content) delta["content"] = *content;
  body["choices"] = Json::array(
      {{{"index", index}, {"delta", std::move(delta)}, {"logprobs", logprobs}, {"finish_reason", FinishJson(finish)}}});
  if (include_usage) body["usage"] = nullptr;
  return Dump(body);
}

std::string UsageChunk(const ResponseMeta& meta, std::string_view object, const engine::Usage& usage) {
  Json body = Envelope(meta, object);
  body["choices"] = Json::array();
  body["usage"] = UsageJson(usage);
  return Dump(body);
}

std::string CompletionBody(const ResponseMeta& meta, std::span<const Choice> choices, const engine::Usage& usage,
                           const tokenizer::Tokenizer& tok, bool logprobs, std::span<const size_t> text_offsets) {
  Json body = Envelope(meta, "text_completion");
  Json list = Json::array();
  for (size_t i = 0; i < choices.size(); ++i) {
    const Choice& c = choices[i];
    const size_t offset = i < text_offsets.size() ? text_offsets[i] : 0;
    list.push_back({{"index", i},
                    {"text", c.text},
                    {"logprobs", logprobs ? CompletionLogprobs(tok, c.logprobs, offset) : Json(nullptr)},
                    {"finish_reason", FinishReason(c.finish)}});
  }
  body["choices"] = std::move(list);
  body["usage"] = UsageJson(usage);
  return Dump(body);
}

std::string CompletionChunk(const ResponseMeta& meta, int index, const std::string& text, const Json& logprobs,
                            engine::Finish finish, bool include_usage) {
  Json body = Envelope(meta, "text_completion");
  body["choices"] = Json::array(
      {{{"index", index}, {"text", text}, {"logprobs", logprobs}, {"finish_reason", FinishJson(finish)}}});
  if (include_usage) body["usage"] = nullptr;
  return Dump(body);
}

Json ModelObject(const std::string& id, int64_t created) {
  return Json{{"id", id}, {"object", "model"}, {"created", created}, {"owned_by", "citadel"}};
}

std::string ModelsBody(const std::string& id, int64_t created) {
  return Dump(Json{{"object", "list"}, {"data", Json::array({ModelObject(id, created)})}});
}

}  // namespace citadel::api
