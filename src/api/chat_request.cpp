#include "api/chat_request.h"

#include <algorithm>
#include <array>
#include <limits>

namespace citadel::api {
namespace {

constexpr std::array<std::string_view, 5> kRoles = {"system", "developer", "user", "assistant", "tool"};

Result<std::string> ContentText(const Json& content, const std::string& where, std::string_view role) {
  if (content.is_string()) return content.get<std::string>();
  if (content.is_null()) {
    if (role == "assistant") return std::string();
    return Err("{}: content is required for role '{}'", where, role);
  }
  if (!content.is_array()) return Err("{}: expected a string or an array of content parts, got {}", where, TypeName(content));
  std::string text;
  for (size_t j = 0; j < content.size(); ++j) {
    const Json& part = content[j];
    const std::string at = fmt::format("{}[{}]", where, j);
    if (!part.is_object()) return Err("{}: expected a content part object, got {}", at, TypeName(part));
    CITADEL_ASSIGN_OR_RETURN(auto type, OptionalString(part, "type"));
    const std::string kind = type ? std::move(*type) : std::string("null");
    if (kind != "text") return Err("{}.type: '{}' is not supported (text parts only)", at, kind);
    CITADEL_ASSIGN_OR_RETURN(auto part_text, OptionalString(part, "text"));
    if (!part_text) return Err("{}.text: a text part needs a string 'text'", at);
    if (!text.empty()) text += '\n';
    text += *part_text;
  }
  return text;
}

Result<Json> NormalizeMessages(const Json& body) {
  const auto it = body.find("messages");
  if (it == body.end() || it->is_null()) return Err("messages: you must provide a messages parameter");
  if (!it->is_array()) return Err("messages: expected an array, got {}", TypeName(*it));
  if (it->empty()) return Err("messages: must contain at least one message");
  Json out = Json::array();
  for (size_t i = 0; i < it->size(); ++i) {
    const Json& m = (*it)[i];
    const std::string where = fmt::format("messages[{}]", i);
    if (!m.is_object()) return Err("{}: expected an object, got {}", where, TypeName(m));
    auto role = OptionalString(m, "role");
    if (!role) return Err("{}.{}", where, role.error().message);
    if (!*role) return Err("{}.role: required", where);
    if (std::find(kRoles.begin(), kRoles.end(), **role) == kRoles.end()) {
      return Err("{}.role: '{}' is not one of system, developer, user, assistant, tool", where, **role);
    }
    const auto content = m.find("content");
    CITADEL_ASSIGN_OR_RETURN(std::string text, ContentText(content == m.end() ? Json() : *content,
                                                           where + ".content", **role));
    Json normalized = {{"role", **role == "developer" ? std::string("system") : **role}, {"content", std::move(text)}};
    if (auto name = m.find("name"); name != m.end() && name->is_string()) normalized["name"] = *name;
    out.push_back(std::move(normalized));
  }
  return out;
}

}  // namespace

Result<ChatRequest> ParseChatRequest(const Json& body, int32_t vocab_size) {
  ChatRequest r;
  CITADEL_ASSIGN_OR_RETURN(r.messages, NormalizeMessages(body));
  CITADEL_ASSIGN_OR_RETURN(r.options, ParseGenerationOptions(body, vocab_size));
  engine::SamplingParams& s = r.options.sampling;
  CITADEL_ASSIGN_OR_RETURN(auto max_completion,
                           OptionalInteger(body, "max_completion_tokens", 1, std::numeric_limits<int32_t>::max()));
  if (max_completion) s.max_tokens = static_cast<int32_t>(*max_completion);
  CITADEL_ASSIGN_OR_RETURN(auto logprobs, OptionalBool(body, "logprobs"));
  s.logprobs = logprobs.value_or(false);
  CITADEL_ASSIGN_OR_RETURN(auto top, OptionalInteger(body, "top_logprobs", 0, engine::kMaxTopLogprobs));
  if (top && *top > 0 && !s.logprobs) return Err("top_logprobs: requires logprobs to be true");
  s.top_logprobs = static_cast<int32_t>(top.value_or(0));
  return r;
}

}  // namespace citadel::api
