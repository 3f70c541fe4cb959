#include "tokenizer/chat_template.h"

#include <ctime>

namespace citadel::tokenizer {

Result<ChatTemplate> ChatTemplate::Create(std::string_view source, std::string bos_token, std::string eos_token,
                                          const jinja::ParseOptions& options) {
  auto parsed = jinja::Template::Parse(source, options);
  if (!parsed) return std::move(parsed).error().Wrap("chat template");
  return ChatTemplate(std::move(parsed).value(), std::move(bos_token), std::move(eos_token));
}

Result<std::string> ChatTemplate::Render(const ChatRenderRequest& request, const jinja::RenderOptions& render) const {
  if (!request.messages.is_array()) return Err("chat template: messages must be a JSON array");
  for (std::size_t i = 0; i < request.messages.size(); ++i) {
    if (!request.messages[i].is_object()) return Err("chat template: message {} is not a JSON object", i);
  }
  if (!request.tools.is_null() && !request.tools.is_array()) {
    return Err("chat template: tools must be a JSON array or null");
  }
  if (!request.extra.is_null() && !request.extra.is_object()) {
    return Err("chat template: extra variables must be a JSON object");
  }
  nlohmann::ordered_json context = request.extra.is_object() ? request.extra : nlohmann::ordered_json::object();
  context["messages"] = request.messages;
  // Hugging Face passes tools=None when there are none, so `tools` is defined but none.
  context["tools"] = request.tools;
  context["add_generation_prompt"] = request.add_generation_prompt;
  context["bos_token"] = bos_token_;
  context["eos_token"] = eos_token_;
  auto text = template_.Render(context, render);
  if (!text) return std::move(text).error().Wrap("chat template");
  return text;
}

Result<std::string> ChatTemplate::Render(const nlohmann::ordered_json& messages, const nlohmann::ordered_json& tools,
                                         bool add_generation_prompt, const nlohmann::ordered_json& extra,
                                         const jinja::RenderOptions& render) const {
  ChatRenderRequest request;
  request.messages = messages;
  request.tools = tools;
  request.add_generation_prompt = add_generation_prompt;
  request.extra = extra;
  return Render(request, render);
}

Result<ChatTemplate> LoadChatTemplate(const gguf::GgufFile& file, const Tokenizer& tok) {
  auto source = file.Get<std::string>("tokenizer.chat_template");
  if (!source) return Err("the model has no chat template ({})", source.error().message);
  auto text_of = [&tok](int32_t id) { return id >= 0 ? std::string(tok.Piece(id)) : std::string(); };
  auto chat = ChatTemplate::Create(*source, text_of(tok.bos()), text_of(tok.eos()));
  if (!chat) return Err("chat template: {}", chat.error().message);
  return std::move(*chat);
}

jinja::RenderOptions TodayRenderOptions() {
  jinja::RenderOptions options;
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  options.today = jinja::CivilDate{utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday};
  return options;
}

}  // namespace citadel::tokenizer
