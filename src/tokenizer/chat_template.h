#pragma once
// Renders an OpenAI-style conversation into a model's prompt with the model's own Jinja chat
// template (GGUF `tokenizer.chat_template`), the way Hugging Face transformers does: trim_blocks
// and lstrip_blocks on, tojson without ASCII escaping, raise_exception() and strftime_now().

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

#include "core/result.h"
#include "gguf/gguf_file.h"
#include "jinja/template.h"
#include "tokenizer/tokenizer.h"

namespace citadel::tokenizer {

struct ChatRenderRequest {
  nlohmann::ordered_json messages = nlohmann::ordered_json::array();  // [{role, content, ...}]
  nlohmann::ordered_json tools;                                        // array, or null for none
  bool add_generation_prompt = true;
  // Extra template variables (e.g. {"enable_thinking": false}); the standard names above and the
  // special tokens take precedence over same-named entries here.
  nlohmann::ordered_json extra = nlohmann::ordered_json::object();
};

class ChatTemplate {
 public:
  // Parses `source` once; fails (naming the construct and line) if the template uses anything the
  // interpreter does not support, so a bad model is rejected at load.
  static Result<ChatTemplate> Create(std::string_view source, std::string bos_token, std::string eos_token,
                                     const jinja::ParseOptions& options = {});

  // `render.today` feeds strftime_now(); callers pass the current date from their injected clock.
  Result<std::string> Render(const ChatRenderRequest& request, const jinja::RenderOptions& render = {}) const;

  // Convenience form of the above.
  Result<std::string> Render(const nlohmann::ordered_json& messages, const nlohmann::ordered_json& tools,
                             bool add_generation_prompt,
                             const nlohmann::ordered_json& extra = nlohmann::ordered_json::object(),
                             const jinja::RenderOptions& render = {}) const;

  const std::string& bos_token() const { return bos_token_; }
  const std::string& eos_token() const { return eos_token_; }

 private:
  ChatTemplate(jinja::Template tmpl, std::string bos_token, std::string eos_token)
      : template_(std::move(tmpl)), bos_token_(std::move(bos_token)), eos_token_(std::move(eos_token)) {}

  jinja::Template template_;
  std::string bos_token_;
  std::string eos_token_;
};

// The model's own template (GGUF `tokenizer.chat_template`) with its BOS/EOS texts from the
// tokenizer. Errors: no template in the file, or one the interpreter cannot run.
Result<ChatTemplate> LoadChatTemplate(const gguf::GgufFile& file, const Tokenizer& tok);

// Render options with today's date (UTC) for strftime_now().
jinja::RenderOptions TodayRenderOptions();

}  // namespace citadel::tokenizer
