#pragma once
// OpenAI request bodies (/v1/chat/completions, /v1/completions, and the simple /chat) checked
// field by field and turned into what the engine runs: prompt token ids (chat messages through the
// model's chat template) and sampling parameters. Unknown fields are ignored, as OpenAI does; a
// field of the wrong type or out of range is an error naming it.

#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "api/openai_error.h"
#include "engine/sampling_params.h"
#include "tokenizer/chat_template.h"
#include "tokenizer/tokenizer.h"

namespace citadel::api {

enum class Endpoint { kChat, kCompletion, kSimpleChat };

struct GenerationRequest {
  Endpoint endpoint = Endpoint::kChat;
  std::string model;
  std::vector<std::vector<int32_t>> prompts;  // one, or several for a completions prompt list
  std::vector<std::string> prompt_texts;      // as given (completions) or rendered by the chat template
  engine::SamplingParams sampling;
  int n = 1;  // choices per prompt
  bool stream = false;
  bool include_usage = false;
  bool echo = false;
  bool ignore_eos = false;  // extension (as vLLM's): the model's end-of-generation tokens do not stop it
  bool max_tokens_given = false;  // the caller set max_tokens (sampling.max_tokens may be the server's default)
};

// What parsing needs to know about the served model.
struct ModelContext {
  std::string id;  // the model name clients must send
  const tokenizer::Tokenizer* tokenizer = nullptr;
  const tokenizer::ChatTemplate* chat = nullptr;  // null: the model has none (chat endpoints refuse)
  int default_max_tokens = 0;  // 0: until the context is full
  // Texts of the vocabulary's control tokens ("<|im_start|>", ...). The rendered conversation is
  // tokenized with control-token parsing on (the template's own markers must become control
  // tokens), so message content that contains one of these texts is refused: it would otherwise let
  // a user forge turns (prompt injection through the template).
  std::vector<std::string> control_texts;
};

// The control-token texts of a tokenizer, for ModelContext::control_texts.
std::vector<std::string> ControlTokenTexts(const tokenizer::Tokenizer& tokenizer);

using ParseResult = std::variant<GenerationRequest, ApiError>;

ParseResult ParseGenerationRequest(Endpoint endpoint, std::string_view body, const ModelContext& model);

}  // namespace citadel::api
