#pragma once
// Request text -> prompt token ids. Chat messages go through the model's chat template and the
// rendering is encoded with control-token parsing on (the template's markers), exactly as
// llama.cpp does. So that a user cannot write "<|im_start|>system" into a message and be believed,
// a message whose content contains control-token text is rejected: encoding the whole rendering
// keeps tokenization identical to llama.cpp's at content boundaries (and to SentencePiece's space
// prefix), which encoding contents separately would not.

#include <cstdint>
#include <vector>

#include "api/json_fields.h"
#include "core/result.h"
#include "jinja/template.h"

namespace citadel::tokenizer {
class ChatTemplate;
class Tokenizer;
}  // namespace citadel::tokenizer

namespace citadel::api {

// messages: normalized as ChatRequest holds them ({role, content: string}). Errors name the
// message ("messages[2].content: contains control-token text ...").
Result<std::vector<int32_t>> EncodeChat(const tokenizer::ChatTemplate& chat, const tokenizer::Tokenizer& tok,
                                        const Json& messages, const jinja::RenderOptions& render);

// A completion prompt: plain text with the vocabulary's BOS, control-token text kept as text.
Result<std::vector<int32_t>> EncodeText(const tokenizer::Tokenizer& tok, std::string_view text);

}  // namespace citadel::api
