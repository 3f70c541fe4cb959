#include "api/prompt.h"

#include "tokenizer/chat_template.h"
#include "tokenizer/tokenizer.h"

namespace citadel::api {
namespace {

// True when `text` encodes differently with control-token parsing on: it spells a control token.
Result<bool> SpellsControlToken(const tokenizer::Tokenizer& tok, const std::string& text) {
  CITADEL_ASSIGN_OR_RETURN(auto parsed, tok.Encode(text, {.add_special = false, .parse_special = true}));
  CITADEL_ASSIGN_OR_RETURN(auto plain, tok.Encode(text, {.add_special = false, .parse_special = false}));
  return parsed != plain;
}

}  // namespace

Result<std::vector<int32_t>> EncodeChat(const tokenizer::ChatTemplate& chat, const tokenizer::Tokenizer& tok,
                                        const Json& messages, const jinja::RenderOptions& render) {
  for (size_t i = 0; i < messages.size(); ++i) {
    CITADEL_ASSIGN_OR_RETURN(bool spells, SpellsControlToken(tok, messages[i]["content"].get<std::string>()));
    if (spells) return Err("messages[{}].content: contains control-token text of the model's chat format", i);
  }
  CITADEL_ASSIGN_OR_RETURN(std::string text, chat.Render(messages, nullptr, true, Json::object(), render));
  // The template writes BOS itself when the vocabulary wants one; add it only when it did not.
  const bool template_wrote_bos = tok.bos() >= 0 && text.rfind(std::string(tok.Piece(tok.bos())), 0) == 0;
  tokenizer::EncodeOptions options{.add_special = !tok.vocab().add_bos || !template_wrote_bos, .parse_special = true};
  CITADEL_ASSIGN_OR_RETURN(auto ids, tok.Encode(text, options));
  if (ids.empty()) return Err("messages: the prompt is empty after tokenization");
  return ids;
}

Result<std::vector<int32_t>> EncodeText(const tokenizer::Tokenizer& tok, std::string_view text) {
  CITADEL_ASSIGN_OR_RETURN(auto ids, tok.Encode(text, tokenizer::EncodeOptions{.add_special = true}));
  if (ids.empty()) return Err("prompt: the prompt is empty after tokenization");
  return ids;
}

}  // namespace citadel::api
