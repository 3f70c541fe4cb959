#include "bench_engine.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <random>

#include "cli_support.h"
#include "engine/engine.h"
#include "model/model.h"
#include "tokenizer/tokenizer.h"

namespace citadel::cli {
namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

struct Loaded {
  model::Model model;
  tokenizer::Tokenizer tokenizer;
};

Result<Loaded> Load(const std::string& path) {
  CITADEL_ASSIGN_OR_RETURN(auto model, model::Model::Load(path));
  CITADEL_ASSIGN_OR_RETURN(auto tok, tokenizer::Tokenizer::FromGguf(model.file()));
  return Loaded{std::move(model), std::move(tok)};
}

// Distinct random prompts (no two share a first token's block, so the prefix cache cannot help).
std::vector<int32_t> RandomTokens(std::mt19937& rng, int count, int32_t vocab) {
  std::uniform_int_distribution<int32_t> pick(0, vocab - 1);
  std::vector<int32_t> v(static_cast<size_t>(count));
  for (int32_t& t : v) t = pick(rng);
  return v;
}

engine::Request Greedy(std::vector<int32_t> prompt, int max_tokens) {
  engine::Request r;
  r.prompt = std::move(prompt);
  r.sampling.temperature = 0.0f;
  r.sampling.max_tokens = max_tokens;
  r.ignore_end_of_generation = true;
  return r;
}

struct Round {
  double seconds = 0;          // submit to last token
  double generation_rate = 0;  // tokens/s once every stream has its first token
  double ttft_median = 0;
  double kv_use = 0;           // mean of stored / allocated token slots while all streams decode
  int generated = 0;
};

Result<Round> RunRound(engine::Engine& engine, int streams, int prompt_tokens, int gen_tokens, std::mt19937& rng,
                       int32_t vocab) {
  engine::EventQueue queue;
  std::map<engine::RequestId, int> generated;
  const auto start = Clock::now();
  for (int i = 0; i < streams; ++i) {
    CITADEL_ASSIGN_OR_RETURN(auto id,
                             engine.Submit(Greedy(RandomTokens(rng, prompt_tokens, vocab), gen_tokens), queue.Sink()));
    generated[id] = 0;
  }
  Round round;
  std::vector<double> ttft;
  Clock::time_point all_started{};
  int after_all_started = 0, done = 0;
  double kv_sum = 0;
  int kv_samples = 0;
  while (done < streams) {
    auto event = queue.Pop(std::chrono::minutes(10));
    if (!event) return Err("no event for 10 minutes");
    if (event->finish == engine::Finish::kError) return Err("{}", event->error);
    int& count = generated.at(event->id);
    if (count == 0 && !event->tokens.empty()) {
      ttft.push_back(Seconds(event->time - start));
      if (static_cast<int>(ttft.size()) == streams) all_started = event->time;
    }
    count += static_cast<int>(event->tokens.size());
    round.generated += static_cast<int>(event->tokens.size());
    if (all_started != Clock::time_point{} && event->time > all_started) {
      after_all_started += static_cast<int>(event->tokens.size());
    }
    if (event->finish != engine::Finish::kNone) ++done;
    if (all_started != Clock::time_point{} && done == 0) {
      const engine::EngineStats s = engine.Stats();
      if (s.kv_blocks_used > 0) {
        kv_sum += static_cast<double>(s.kv_tokens_stored) / (static_cast<double>(s.kv_blocks_used) * s.block_tokens);
        ++kv_samples;
      }
    }
  }
  const auto end = Clock::now();
  round.seconds = Seconds(end - start);
  round.generation_rate = all_started != Clock::time_point{} && end > all_started
                              ? after_all_started / Seconds(end - all_started)
                              : 0.0;
  round.ttft_median = Median(ttft);
  round.kv_use = kv_samples > 0 ? kv_sum / kv_samples : 0.0;
  return round;
}

}  // namespace

int BenchParallel(const EngineBenchArgs& a) {
  if (a.prompt_tokens < 1 || a.gen_tokens < 1 || a.repetitions < 1 || a.threads < 0) {
    return Fail("--parallel needs -p >= 1, -n >= 1, -r >= 1 and --threads >= 0");
  }
  for (const int n : a.parallel) {
    if (n < 1 || n > 4096) return Fail(fmt::format("--parallel {} is outside [1, 4096]", n));
  }
  const auto kv_type = model::ParseKvType(a.kv_type);
  if (!kv_type) return Fail(kv_type.error().Wrap("--kv-type").message);
  auto loaded = Load(a.model);
  if (!loaded) return Fail(loaded.error().message);
  const int32_t vocab = loaded->model.hparams().n_vocab;
  std::mt19937 rng(1234);
  nlohmann::ordered_json results = nlohmann::ordered_json::array();
  for (const int streams : a.parallel) {
    const int64_t per_request = a.prompt_tokens + a.gen_tokens;
    const engine::EngineOptions options{.threads = a.threads,
                                        .kv_tokens = static_cast<int>(std::min<int64_t>(streams * (per_request + 16), 1 << 30)),
                                        .kv_type = *kv_type,
                                        .max_batch_tokens = 512,
                                        .max_running = streams,
                                        .max_context = static_cast<int>(per_request)};
    auto engine = engine::Engine::Create(loaded->model, loaded->tokenizer, options);
    if (!engine) return Fail(engine.error().message);
    if (auto warm = RunRound(**engine, 1, std::min(a.prompt_tokens, 16), 4, rng, vocab); !warm) {
      return Fail(warm.error().message);
    }
    std::vector<double> seconds, rates, ttfts, kv;
    int generated = 0;
    for (int r = 0; r < a.repetitions; ++r) {
      auto round = RunRound(**engine, streams, a.prompt_tokens, a.gen_tokens, rng, vocab);
      if (!round) return Fail(round.error().message);
      seconds.push_back(round->seconds);
      rates.push_back(round->generation_rate);
      ttfts.push_back(round->ttft_median);
      kv.push_back(round->kv_use);
      generated = round->generated;
    }
    const double t = Median(seconds);
    const double total_rate = static_cast<double>(streams) * static_cast<double>(per_request) / t;
    results.push_back({{"parallel", streams},
                       {"prompt_tokens", a.prompt_tokens},
                       {"gen_tokens", a.gen_tokens},
                       {"seconds", t},
                       {"total_tokens_per_second", total_rate},
                       {"aggregate_generation_tokens_per_second", generated / t},
                       {"generation_phase_tokens_per_second", Median(rates)},
                       {"time_to_first_token_ms", Median(ttfts) * 1e3},
                       {"kv_stored_over_allocated", Median(kv)},
                       {"threads", (*engine)->Stats().threads},
                       {"repetitions", a.repetitions}});
    if (!a.json) {
      std::printf(
          "parallel %3d: %7.2f s | %8.2f tokens/s total | generation %8.2f tokens/s aggregate, %8.2f once all "
          "streams run | ttft %7.0f ms | kv stored/allocated %.3f\n",
          streams, t, total_rate, generated / t, Median(rates), Median(ttfts) * 1e3, Median(kv));
      std::fflush(stdout);
    }
  }
  if (a.json) std::printf("%s\n", results.dump().c_str());
  return 0;
}

int BenchPrefixCache(const EngineBenchArgs& a) {
  if (a.prefix_tokens < 1 || a.repetitions < 1 || a.threads < 0) return Fail("--prefix-cache needs N >= 1 and -r >= 1");
  const auto kv_type = model::ParseKvType(a.kv_type);
  if (!kv_type) return Fail(kv_type.error().Wrap("--kv-type").message);
  auto loaded = Load(a.model);
  if (!loaded) return Fail(loaded.error().message);
  const int32_t vocab = loaded->model.hparams().n_vocab;
  constexpr int kSuffix = 24;
  const engine::EngineOptions options{.threads = a.threads,
                                      .kv_tokens = 4 * (a.prefix_tokens + kSuffix + 32),
                                      .kv_type = *kv_type,
                                      .max_batch_tokens = 512,
                                      .max_running = 4,
                                      .max_context = a.prefix_tokens + kSuffix + 1};
  auto engine = engine::Engine::Create(loaded->model, loaded->tokenizer, options);
  if (!engine) return Fail(engine.error().message);
  std::mt19937 rng(99);
  const auto ttft = [&](std::vector<int32_t> prompt) -> Result<std::pair<double, int>> {
    engine::EventQueue queue;
    const auto start = Clock::now();
    CITADEL_RETURN_IF_ERROR((*engine)->Submit(Greedy(std::move(prompt), 1), queue.Sink()));
    auto event = queue.Pop(std::chrono::minutes(10));
    if (!event || event->finish == engine::Finish::kError) return Err("the request failed");
    return std::pair{Seconds(event->time - start), event->usage.cached_prompt_tokens};
  };
  std::vector<double> cold, warm;
  int cached = 0;
  for (int r = 0; r < a.repetitions + 1; ++r) {  // the first round warms up
    const std::vector<int32_t> prefix = RandomTokens(rng, a.prefix_tokens, vocab);
    auto with = [&] {
      std::vector<int32_t> p = prefix;
      const auto suffix = RandomTokens(rng, kSuffix, vocab);
      p.insert(p.end(), suffix.begin(), suffix.end());
      return p;
    };
    auto first = ttft(with());
    auto second = ttft(with());
    if (!first || !second) return Fail(!first ? first.error().message : second.error().message);
    if (r == 0) continue;
    cold.push_back(first->first);
    warm.push_back(second->first);
    cached = second->second;
  }
  const double c = Median(cold) * 1e3, w = Median(warm) * 1e3;
  if (a.json) {
    std::printf("%s\n", nlohmann::ordered_json{{"prefix_tokens", a.prefix_tokens},
                                               {"suffix_tokens", kSuffix},
                                               {"cached_prompt_tokens", cached},
                                               {"uncached_ttft_ms", c},
                                               {"cached_ttft_ms", w},
                                               {"speedup", c / w}}
                            .dump()
                            .c_str());
  } else {
    std::printf("prefix %d + %d tokens: time to first token %.1f ms uncached, %.1f ms with %d tokens cached (%.1fx)\n",
                a.prefix_tokens, kSuffix, c, w, cached, c / w);
  }
  return 0;
}

}  // namespace citadel::cli
