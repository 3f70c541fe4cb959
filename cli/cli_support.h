#pragma once
// What the commands share: the one-line error convention, the model's chat template, and the
// date templates see.

#include <cstdio>
#include <string>

#include "core/result.h"
#include "gguf/gguf_file.h"
#include "jinja/template.h"
#include "tokenizer/chat_template.h"
#include "tokenizer/tokenizer.h"

namespace citadel::cli {

// Prints "citadel: <message>" on stderr and returns the exit code for a failed command.
inline int Fail(const std::string& message) {
  std::fprintf(stderr, "citadel: %s\n", message.c_str());
  return 1;
}

// The model's `tokenizer.chat_template`, with its BOS/EOS texts from the tokenizer. Errors: no
// template in the file, or one the interpreter cannot run.
Result<tokenizer::ChatTemplate> LoadChatTemplate(const gguf::GgufFile& file, const tokenizer::Tokenizer& tok);

// Render options with today's date (UTC) for strftime_now().
jinja::RenderOptions TodayRenderOptions();

}  // namespace citadel::cli
