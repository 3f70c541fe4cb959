#include "cli_support.h"

#include <ctime>

namespace citadel::cli {

Result<tokenizer::ChatTemplate> LoadChatTemplate(const gguf::GgufFile& file, const tokenizer::Tokenizer& tok) {
  auto source = file.Get<std::string>("tokenizer.chat_template");
  if (!source) return Err("the model has no chat template ({})", source.error().message);
  auto text_of = [&tok](int32_t id) { return id >= 0 ? std::string(tok.Piece(id)) : std::string(); };
  auto chat = tokenizer::ChatTemplate::Create(*source, text_of(tok.bos()), text_of(tok.eos()));
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

}  // namespace citadel::cli
