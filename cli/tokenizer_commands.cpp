#include "tokenizer_commands.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <optional>
#include <sstream>
#include <string>

#include "cli_support.h"
#include "gguf/gguf_file.h"
#include "tokenizer/chat_template.h"
#include "tokenizer/tokenizer.h"

namespace citadel::cli {
namespace {

Result<std::string> ReadInput(const std::string& text, const std::string& file) {
  if (!file.empty()) {
    std::istream* in = &std::cin;
    std::ifstream f;
    if (file != "-") {
      f.open(file, std::ios::binary);
      if (!f) return Err("cannot read '{}'", file);
      in = &f;
    }
    return std::string(std::istreambuf_iterator<char>(*in), std::istreambuf_iterator<char>());
  }
  if (text == "-") return std::string(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  return text;
}

struct Loaded {
  gguf::GgufFile file;
  tokenizer::Tokenizer tokenizer;
};

Result<Loaded> LoadTokenizer(const std::string& model) {
  auto file = gguf::GgufFile::Open(model);
  if (!file) return file.error().Wrap(model);
  auto t = tokenizer::Tokenizer::FromGguf(*file);
  if (!t) return t.error().Wrap(model);
  return Loaded{std::move(*file), std::move(*t)};
}

struct TokenizeArgs {
  std::string model, text, file;
  bool special = false, no_bos = false, pieces = false, count = false;
};

int RunTokenize(const TokenizeArgs& a) {
  auto loaded = LoadTokenizer(a.model);
  if (!loaded) return Fail(loaded.error().message);
  auto input = ReadInput(a.text, a.file);
  if (!input) return Fail(input.error().message);
  auto ids = loaded->tokenizer.Encode(*input, {.add_special = !a.no_bos, .parse_special = a.special});
  if (!ids) return Fail(ids.error().message);
  if (a.count) {
    std::printf("%zu\n", ids->size());
  } else if (a.pieces) {
    nlohmann::ordered_json out = nlohmann::ordered_json::array();
    for (int32_t id : *ids) {
      out.push_back({{"id", id}, {"piece", std::string(loaded->tokenizer.Piece(id))},
                     {"bytes", loaded->tokenizer.TokenBytes(id, true)}});
    }
    std::printf("%s\n", out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
  } else {
    std::printf("%s\n", nlohmann::json(*ids).dump().c_str());
  }
  return 0;
}

int RunDetokenize(const std::string& model, const std::string& ids_text, bool special) {
  auto loaded = LoadTokenizer(model);
  if (!loaded) return Fail(loaded.error().message);
  std::string source = ids_text;
  if (source == "-") source.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  // Accepts a JSON array ("[1, 2]") or ids separated by spaces or commas.
  std::vector<int32_t> ids;
  std::string cleaned;
  for (char c : source) cleaned += (c == '[' || c == ']' || c == ',') ? ' ' : c;
  std::istringstream in(cleaned);
  for (std::string word; in >> word;) {
    char* end = nullptr;
    const long id = std::strtol(word.c_str(), &end, 10);
    if (*end != '\0' || id < 0 || id >= loaded->tokenizer.vocab_size()) {
      return Fail("'" + word + "' is not a token id of this model (0 to " +
                  std::to_string(loaded->tokenizer.vocab_size() - 1) + ")");
    }
    ids.push_back(static_cast<int32_t>(id));
  }
  const std::string text = loaded->tokenizer.Decode(ids, {.render_special = special});
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fputc('\n', stdout);
  return 0;
}

struct ChatArgs {
  std::string model, messages_file, tools_file;
  bool no_generation_prompt = false;
};

int RunChatTemplate(const ChatArgs& a) {
  auto file = gguf::GgufFile::Open(a.model);
  if (!file) return Fail(a.model + ": " + file.error().message);
  auto t = tokenizer::Tokenizer::FromGguf(*file);
  if (!t) return Fail(a.model + ": " + t.error().message);
  auto chat = LoadChatTemplate(*file, *t);
  if (!chat) return Fail(a.model + ": " + chat.error().message);

  auto parse_json = [](const std::string& path) -> Result<nlohmann::ordered_json> {
    auto text = ReadInput("", path);
    if (!text) return text.error();
    auto j = nlohmann::ordered_json::parse(*text, nullptr, false);
    if (j.is_discarded()) return Err("'{}' is not valid JSON", path);
    return j;
  };
  auto messages = parse_json(a.messages_file);
  if (!messages) return Fail(messages.error().message);
  // Either a bare array of messages or an OpenAI request body with "messages" (and "tools").
  nlohmann::ordered_json tools = nullptr;
  if (messages->is_object()) {
    if (messages->contains("tools")) tools = (*messages)["tools"];
    *messages = (*messages).value("messages", nlohmann::ordered_json());
  }
  if (!messages->is_array()) return Fail("messages must be a JSON array of {role, content} objects");
  if (!a.tools_file.empty()) {
    auto t_json = parse_json(a.tools_file);
    if (!t_json) return Fail(t_json.error().message);
    tools = *t_json;
  }
  auto prompt = chat->Render(*messages, tools, !a.no_generation_prompt, nlohmann::ordered_json::object(),
                             TodayRenderOptions());
  if (!prompt) return Fail("chat template: " + prompt.error().message);
  std::fwrite(prompt->data(), 1, prompt->size(), stdout);
  return 0;
}

}  // namespace

void AddTokenizerCommands(CLI::App& app, int& exit_code) {
  auto tok = std::make_shared<TokenizeArgs>();
  auto* tokenize = app.add_subcommand("tokenize", "Print the token ids of a text as JSON");
  tokenize->add_option("--model,-m", tok->model, "GGUF model (or vocabulary-only) file")->required();
  tokenize->add_option("text", tok->text, "text to tokenize, or - for standard input");
  tokenize->add_option("--file,-f", tok->file, "read the text from this file (- for standard input)");
  tokenize->add_flag("--special", tok->special, "recognize control-token text such as <|im_start|>");
  tokenize->add_flag("--no-bos", tok->no_bos, "do not add BOS/EOS even where the vocabulary asks");
  tokenize->add_flag("--pieces", tok->pieces, "print each token's id, vocabulary piece and bytes");
  tokenize->add_flag("--count", tok->count, "print only the number of tokens");
  tokenize->callback([tok, &exit_code] {
    if (tok->text.empty() == tok->file.empty()) {
      exit_code = Fail("tokenize: give either TEXT or --file");
      return;
    }
    exit_code = RunTokenize(*tok);
  });

  auto detok_model = std::make_shared<std::string>();
  auto detok_ids = std::make_shared<std::string>();
  auto detok_special = std::make_shared<bool>(false);
  auto* detokenize = app.add_subcommand("detokenize", "Print the text of token ids");
  detokenize->add_option("--model,-m", *detok_model, "GGUF model (or vocabulary-only) file")->required();
  detokenize->add_option("ids", *detok_ids, "ids as a JSON array or separated by spaces, or - for standard input")
      ->required();
  detokenize->add_flag("--special", *detok_special, "print control tokens as their text");
  detokenize->callback([=, &exit_code] { exit_code = RunDetokenize(*detok_model, *detok_ids, *detok_special); });

  auto chat = std::make_shared<ChatArgs>();
  auto* chat_template = app.add_subcommand("chat-template", "Render messages with the model's chat template");
  chat_template->add_option("--model,-m", chat->model, "GGUF model file")->required();
  chat_template->add_option("--messages", chat->messages_file,
                            "JSON file: an array of messages or an OpenAI request body (- for stdin)")
      ->required();
  chat_template->add_option("--tools", chat->tools_file, "JSON file with an array of tool definitions");
  chat_template->add_flag("--no-generation-prompt", chat->no_generation_prompt,
                          "do not end with the assistant turn's opening");
  chat_template->callback([chat, &exit_code] { exit_code = RunChatTemplate(*chat); });
}

}  // namespace citadel::cli
