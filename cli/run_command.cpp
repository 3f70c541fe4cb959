#include "run_command.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "cli_support.h"
#include "core/thread_pool.h"
#include "engine/sampler.h"
#include "engine/stop_checker.h"
#include "model/forward.h"
#include "model/kv_cache.h"
#include "model/model.h"
#include "tokenizer/chat_template.h"
#include "tokenizer/streaming_decoder.h"
#include "tokenizer/tokenizer.h"

namespace citadel::cli {
namespace {

using Clock = std::chrono::steady_clock;

struct RunArgs {
  std::string model, prompt;
  int max_tokens = 64;
  engine::SamplingParams sampling{.temperature = 0.0f, .seed = 0};  // greedy unless asked
  int threads = 0;
  int batch = 512;
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

int Run(const RunArgs& a) {
  if (a.max_tokens < 0) return Fail("-n must be >= 0");
  if (a.threads < 0) return Fail("--threads must be >= 1");
  if (a.batch < 1) return Fail("--batch must be >= 1");
  const auto load_start = Clock::now();
  auto model = model::Model::Load(a.model);
  if (!model) return Fail(fmt::format("{}: {}", a.model, model.error().message));
  auto tok = tokenizer::Tokenizer::FromGguf(model->file());
  if (!tok) return Fail(fmt::format("{}: {}", a.model, tok.error().message));
  const double load_seconds = Seconds(Clock::now() - load_start);

  const engine::SamplingParams& params = a.sampling;
  auto sampler = engine::Sampler::Create(params, model->hparams().n_vocab, /*seed_if_unset=*/0);
  if (!sampler) return Fail(sampler.error().message);
  const std::vector<int32_t> end_of_generation = engine::EndOfGenerationTokens(*tok);
  engine::StopChecker stop(params.stop_token_ids, end_of_generation, params.stop_strings);

  std::string text = a.prompt;
  tokenizer::EncodeOptions encode;
  if (a.chat) {
    auto rendered = RenderChat(model->file(), *tok, a.prompt);
    if (!rendered) return Fail(fmt::format("--chat: {}", rendered.error().message));
    text = std::move(*rendered);
    encode.parse_special = true;  // the template's own markers; the user's text is inside them as data
    encode.add_special = !tok->vocab().add_bos || text.rfind(std::string(tok->Piece(tok->bos())), 0) != 0;
  }
  auto prompt = tok->Encode(text, encode);
  if (!prompt) return Fail(prompt.error().message);
  if (prompt->empty()) return Fail("the prompt is empty after tokenization");

  const model::HParams& h = model->hparams();
  const int context = static_cast<int>(prompt->size()) + a.max_tokens;
  if (h.n_ctx > 0 && context > h.n_ctx) {
    return Fail(fmt::format("{} prompt tokens + {} to generate exceed the model's context of {}", prompt->size(),
                            a.max_tokens, h.n_ctx));
  }
  constexpr int kBlockTokens = 16;
  auto cache = model::KvCache::Create(h, (context + kBlockTokens - 1) / kBlockTokens, kBlockTokens);
  if (!cache) return Fail(cache.error().message);
  ThreadPool pool(a.threads > 0 ? a.threads : ThreadPool::DefaultThreadCount());
  const int batch_limit = std::min(a.batch, static_cast<int>(prompt->size()));
  auto forward = model::Forward::Create(*model, pool, batch_limit, context);
  if (!forward) return Fail(forward.error().message);
  std::vector<int32_t> blocks(static_cast<size_t>(cache->blocks()));
  for (size_t b = 0; b < blocks.size(); ++b) blocks[b] = static_cast<int32_t>(b);
  const std::vector<std::span<const int32_t>> tables = {blocks};

  std::vector<float> logits(static_cast<size_t>(h.n_vocab));
  std::vector<int32_t> tokens, positions, sequences;
  std::vector<uint8_t> want;
  auto step = [&](std::span<const int32_t> ids, int first_pos) -> Result<void> {
    tokens.assign(ids.begin(), ids.end());
    positions.resize(ids.size());
    for (size_t i = 0; i < ids.size(); ++i) positions[i] = first_pos + static_cast<int>(i);
    sequences.assign(ids.size(), 0);
    want.assign(ids.size(), 0);
    want.back() = 1;
    return (*forward)->Run({tokens, positions, sequences, want, tables}, *cache, logits);
  };

  const auto prompt_start = Clock::now();
  for (size_t begin = 0; begin < prompt->size(); begin += static_cast<size_t>(batch_limit)) {
    const size_t count = std::min(static_cast<size_t>(batch_limit), prompt->size() - begin);
    if (auto ok = step(std::span(*prompt).subspan(begin, count), static_cast<int>(begin)); !ok) {
      return Fail(ok.error().message);
    }
  }
  const double prompt_seconds = Seconds(Clock::now() - prompt_start);

  engine::SamplerWorkspace workspace;
  tokenizer::StreamingDecoder decoder(*tok);
  std::vector<int32_t> generated;
  std::string output;
  double ttft = 0;
  const auto emit = [&](std::string_view text) {
    output += text;
    if (!a.json) {
      std::fwrite(text.data(), 1, text.size(), stdout);
      std::fflush(stdout);
    }
  };
  const auto gen_start = Clock::now();
  int pos = static_cast<int>(prompt->size());
  for (int i = 0; i < a.max_tokens && !stop.stopped(); ++i) {
    const int32_t next = sampler->Sample(logits, {*prompt, generated}, workspace).token;
    if (i == 0) ttft = Seconds(Clock::now() - prompt_start);
    if (stop.IsStopToken(next)) break;
    generated.push_back(next);
    emit(stop.Push(decoder.Push(next)).text);
    if (i + 1 == a.max_tokens || stop.stopped()) break;  // no logits needed after the last token
    if (auto ok = step(std::span(&next, 1), pos++); !ok) return Fail(ok.error().message);
  }
  if (!stop.stopped()) emit(stop.Push(decoder.Finish()).text);
  emit(stop.Flush());
  const double gen_seconds = Seconds(Clock::now() - gen_start);
  const double prompt_tps = static_cast<double>(prompt->size()) / prompt_seconds;
  const double gen_tps = generated.size() > 1 ? static_cast<double>(generated.size() - 1) / gen_seconds : 0.0;
  if (a.json) {
    const nlohmann::ordered_json result = {
        {"prompt_tokens", prompt->size()}, {"completion_tokens", generated.size()}, {"tokens", generated},
        {"text", output}, {"prompt_tokens_per_second", prompt_tps}, {"generation_tokens_per_second", gen_tps},
        {"time_to_first_token_ms", ttft * 1e3}, {"load_seconds", load_seconds}, {"resident_bytes", ResidentBytes()},
        {"threads", pool.size()}};
    std::printf("%s\n", result.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    return 0;
  }
  std::printf("\n");
  std::fprintf(stderr,
               "prompt %zu tokens at %.1f tokens/s | generation %zu tokens at %.1f tokens/s | time to first token "
               "%.0f ms | load %.2f s, resident %.0f MiB, %d threads\n",
               prompt->size(), prompt_tps, generated.size(), gen_tps, ttft * 1e3, load_seconds,
               static_cast<double>(ResidentBytes()) / (1 << 20), pool.size());
  return 0;
}

}  // namespace

void AddRunCommand(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<RunArgs>();
  auto* run = app.add_subcommand("run", "Generate a continuation of a prompt");
  run->add_option("--model,-m", args->model, "GGUF model file")->required();
  run->add_option("--prompt,-p", args->prompt, "prompt text")->required();
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
  run->add_option("--batch", args->batch, "prompt tokens per forward pass (default 512)");
  run->add_flag("--chat", args->chat, "wrap the prompt as a user message in the model's chat template");
  run->add_flag("--json", args->json, "print one JSON object (tokens, text, speeds) instead of the text");
  run->callback([args, &exit_code] { exit_code = Run(*args); });
}

}  // namespace citadel::cli
