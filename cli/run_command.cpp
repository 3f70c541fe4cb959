#include "run_command.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "cli_support.h"
#include "engine/engine.h"
#include "model/model.h"
#include "tokenizer/chat_template.h"
#include "tokenizer/tokenizer.h"

namespace citadel::cli {
namespace {

using Clock = std::chrono::steady_clock;

struct RunArgs {
  std::string model;
  std::vector<std::string> prompts;
  std::string prompts_file;
  int parallel = 1;
  int max_tokens = 64;
  engine::SamplingParams sampling{.temperature = 0.0f, .seed = 0};  // greedy unless asked
  int threads = 0;
  int batch = 512;
  std::string kv_type = "f16";
  bool chat = false;
  bool json = false;
};

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

// Resident set size of this process, from /proc (0 where unavailable).
size_t ResidentBytes() {
  std::ifstream statm("/proc/self/statm");
  size_t pages = 0, resident = 0;
  if (!(statm >> pages >> resident)) return 0;
  return resident * 4096;
}

Result<std::string> RenderChat(const gguf::GgufFile& file, const tokenizer::Tokenizer& tok, const std::string& prompt) {
  CITADEL_ASSIGN_OR_RETURN(auto chat, LoadChatTemplate(file, tok));
  const nlohmann::ordered_json messages = nlohmann::ordered_json::array({{{"role", "user"}, {"content", prompt}}});
  return chat.Render(messages, nullptr, true, nlohmann::ordered_json::object(), TodayRenderOptions());
}

// One request's stream as the CLI sees it.
struct Output {
  std::vector<int32_t> tokens;
  std::string text;
  engine::Finish finish = engine::Finish::kNone;
  engine::Usage usage;
  Clock::time_point first, last;
  std::string error;
};

Result<std::vector<int32_t>> EncodePrompt(const model::Model& model, const tokenizer::Tokenizer& tok,
                                          const std::string& prompt, bool chat) {
  std::string text = prompt;
  tokenizer::EncodeOptions encode;
  if (chat) {
    auto rendered = RenderChat(model.file(), tok, prompt);
    if (!rendered) return Err("--chat: {}", rendered.error().message);
    text = std::move(*rendered);
    encode.parse_special = true;  // the template's own markers; the user's text is inside them as data
    encode.add_special = !tok.vocab().add_bos || text.rfind(std::string(tok.Piece(tok.bos())), 0) != 0;
  }
  CITADEL_ASSIGN_OR_RETURN(auto ids, tok.Encode(text, encode));
  if (ids.empty()) return Err("the prompt is empty after tokenization");
  return ids;
}

int Run(const RunArgs& a) {
  if (a.max_tokens < 1) return Fail("-n must be >= 1");
  if (a.threads < 0) return Fail("--threads must be >= 1");
  if (a.batch < 1) return Fail("--batch must be >= 1");
  if (a.parallel < 1) return Fail("--parallel must be >= 1");
  const auto kv_type = model::ParseKvType(a.kv_type);
  if (!kv_type) return Fail(kv_type.error().Wrap("--kv-type").message);
  std::vector<std::string> prompts = a.prompts;
  if (!a.prompts_file.empty()) {
    std::ifstream in(a.prompts_file);
    if (!in) return Fail(fmt::format("{}: cannot open", a.prompts_file));
    for (std::string line; std::getline(in, line);) {
      if (!line.empty()) prompts.push_back(line);
    }
  }
  if (prompts.empty()) return Fail("give a prompt with -p (or --prompts-file)");
  const auto load_start = Clock::now();
  auto model = model::Model::Load(a.model);
  if (!model) return Fail(model.error().message);
  auto tok = tokenizer::Tokenizer::FromGguf(model->file());
  if (!tok) return Fail(fmt::format("{}: {}", a.model, tok.error().message));
  const double load_seconds = Seconds(Clock::now() - load_start);

  // Request i runs prompt i mod the number of prompts, with seed S + i.
  const size_t n = std::max(static_cast<size_t>(a.parallel), prompts.size());
  std::vector<std::vector<int32_t>> encoded;
  for (const std::string& p : prompts) {
    auto ids = EncodePrompt(*model, *tok, p, a.chat);
    if (!ids) return Fail(ids.error().message);
    encoded.push_back(std::move(*ids));
  }
  // A KV pool that holds exactly these requests (each to its last token), so a run allocates only
  // what it uses.
  int64_t kv_tokens = 0;
  for (size_t i = 0; i < n; ++i) kv_tokens += static_cast<int64_t>(encoded[i % encoded.size()].size()) + a.max_tokens + 16;
  engine::EngineOptions options{.threads = a.threads,
                                .kv_tokens = static_cast<int>(std::min<int64_t>(kv_tokens, 1 << 30)),
                                .kv_type = *kv_type,
                                .max_batch_tokens = a.batch,
                                .max_running = static_cast<int>(n)};
  auto engine = engine::Engine::Create(*model, *tok, options);
  if (!engine) return Fail(engine.error().message);

  engine::EventQueue queue;
  std::map<engine::RequestId, size_t> index;
  std::vector<Output> outputs(n);
  const auto start = Clock::now();
  for (size_t i = 0; i < n; ++i) {
    engine::Request r;
    r.prompt = encoded[i % encoded.size()];
    r.sampling = a.sampling;
    r.sampling.max_tokens = a.max_tokens;
    r.sampling.seed = a.sampling.seed.value_or(0) + i;
    auto id = (*engine)->Submit(std::move(r), queue.Sink());
    if (!id) return Fail(id.error().message);
    index[*id] = i;
  }
  const bool stream = n == 1 && !a.json;
  for (size_t done = 0; done < n;) {
    auto event = queue.Pop(std::chrono::hours(1));
    if (!event) return Fail("the engine stopped responding");
    Output& o = outputs[index.at(event->id)];
    if (o.first == Clock::time_point{}) o.first = event->time;
    o.last = event->time;
    o.tokens.insert(o.tokens.end(), event->tokens.begin(), event->tokens.end());
    o.text += event->text;
    if (stream) {
      std::fwrite(event->text.data(), 1, event->text.size(), stdout);
      std::fflush(stdout);
    }
    if (event->finish != engine::Finish::kNone) {
      o.finish = event->finish;
      o.usage = event->usage;
      o.error = event->error;
      ++done;
    }
  }
  const double wall = Seconds(Clock::now() - start);
  for (const Output& o : outputs) {
    if (o.finish == engine::Finish::kError) return Fail(o.error);
  }

  const auto stats_of = [&](const Output& o) {
    const double ttft = Seconds(o.first - start);
    const double gen = o.tokens.size() > 1 ? static_cast<double>(o.tokens.size() - 1) / Seconds(o.last - o.first) : 0.0;
    return std::pair{ttft, gen};
  };
  size_t generated = 0, prompt_tokens = 0;
  for (const Output& o : outputs) {
    generated += o.tokens.size();
    prompt_tokens += static_cast<size_t>(o.usage.prompt_tokens);
  }
  const double aggregate = static_cast<double>(generated) / wall;
  if (n == 1) {
    const Output& o = outputs[0];
    const auto [ttft, gen_tps] = stats_of(o);
    const double prompt_tps = static_cast<double>(o.usage.prompt_tokens) / ttft;
    if (a.json) {
      const nlohmann::ordered_json result = {
          {"prompt_tokens", o.usage.prompt_tokens}, {"completion_tokens", o.usage.completion_tokens},
          {"tokens", o.tokens}, {"text", o.text}, {"finish_reason", engine::FinishName(o.finish)},
          {"prompt_tokens_per_second", prompt_tps}, {"generation_tokens_per_second", gen_tps},
          {"time_to_first_token_ms", ttft * 1e3}, {"load_seconds", load_seconds}, {"resident_bytes", ResidentBytes()},
          {"packed_weight_bytes", model->packed_bytes()},
          {"threads", (*engine)->Stats().threads}};
      std::printf("%s\n", result.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
      return 0;
    }
    std::printf("\n");
    std::fprintf(stderr,
                 "prompt %d tokens at %.1f tokens/s | generation %zu tokens at %.1f tokens/s | time to first token "
                 "%.0f ms | load %.2f s, resident %.0f MiB (%.0f MiB weights repacked at load), %d threads\n",
                 o.usage.prompt_tokens, prompt_tps, o.tokens.size(), gen_tps, ttft * 1e3, load_seconds,
                 static_cast<double>(ResidentBytes()) / (1 << 20), static_cast<double>(model->packed_bytes()) / (1 << 20),
                 (*engine)->Stats().threads);
    return 0;
  }
  if (a.json) {
    nlohmann::ordered_json requests = nlohmann::ordered_json::array();
    for (const Output& o : outputs) {
      const auto [ttft, gen_tps] = stats_of(o);
      requests.push_back({{"prompt_tokens", o.usage.prompt_tokens},
                          {"cached_prompt_tokens", o.usage.cached_prompt_tokens},
                          {"completion_tokens", o.usage.completion_tokens}, {"tokens", o.tokens}, {"text", o.text},
                          {"finish_reason", engine::FinishName(o.finish)}, {"time_to_first_token_ms", ttft * 1e3},
                          {"generation_tokens_per_second", gen_tps}});
    }
    const nlohmann::ordered_json result = {{"requests", requests},
                                           {"parallel", n},
                                           {"generated_tokens", generated},
                                           {"seconds", wall},
                                           {"aggregate_tokens_per_second", aggregate},
                                           {"preemptions", (*engine)->Stats().preemptions}};
    std::printf("%s\n", result.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    return 0;
  }
  for (size_t i = 0; i < n; ++i) {
    std::printf("--- request %zu (%s, %d tokens)\n%s\n", i, std::string(engine::FinishName(outputs[i].finish)).c_str(),
                outputs[i].usage.completion_tokens, outputs[i].text.c_str());
  }
  std::fprintf(stderr,
               "%zu requests: %zu prompt and %zu generated tokens in %.2f s | aggregate generation %.1f tokens/s | "
               "load %.2f s, resident %.0f MiB (%.0f MiB weights repacked at load), %d threads\n",
               n, prompt_tokens, generated, wall, aggregate, load_seconds, static_cast<double>(ResidentBytes()) / (1 << 20),
               static_cast<double>(model->packed_bytes()) / (1 << 20), (*engine)->Stats().threads);
  return 0;
}

}  // namespace

void AddRunCommand(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<RunArgs>();
  auto* run = app.add_subcommand("run", "Generate a continuation of a prompt");
  run->add_option("--model,-m", args->model, "GGUF model file")->required();
  run->add_option("--prompt,-p", args->prompts, "prompt text (repeatable)");
  run->add_option("--prompts-file", args->prompts_file, "file with one prompt per line");
  run->add_option("--parallel", args->parallel,
                  "run this many requests at once through the engine (prompts reused in turn, seed S+i)");
  run->add_option("-n,--max-tokens", args->max_tokens, "tokens to generate (default 64)");
  engine::SamplingParams& sampling = args->sampling;
  run->add_option("--temp", sampling.temperature, "sampling temperature in [0, 2]; 0 is greedy (default)");
  run->add_option("--top-k", sampling.top_k, "keep the k most likely tokens (0: off)");
  run->add_option("--top-p", sampling.top_p, "keep the smallest set of tokens with this total probability (1: off)");
  run->add_option("--min-p", sampling.min_p, "drop tokens below this fraction of the top probability (0: off)");
  run->add_option("--repeat-penalty", sampling.repetition_penalty, "repetition penalty over prompt and output (1: off)");
  run->add_option("--stop", sampling.stop_strings, "stop string (repeatable); not printed");
  run->add_option("--seed", sampling.seed, "random seed for sampling (default 0)");
  run->add_option("--threads,-t", args->threads, "threads (default: physical cores)");
  run->add_option("--batch", args->batch, "tokens per forward pass (default 512)");
  run->add_option("--kv-type", args->kv_type, "KV cache type: f16 (default) or q8_0");
  run->add_flag("--chat", args->chat, "wrap the prompt as a user message in the model's chat template");
  run->add_flag("--json", args->json, "print one JSON object (tokens, text, speeds) instead of the text");
  run->callback([args, &exit_code] { exit_code = Run(*args); });
}

}  // namespace citadel::cli
