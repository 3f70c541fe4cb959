#include "bench_command.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "bench_engine.h"
#include "cli_support.h"
#include "core/thread_pool.h"
#include "model/forward.h"
#include "model/kv_cache.h"
#include "model/model.h"

namespace citadel::cli {
namespace {

using Clock = std::chrono::steady_clock;

struct BenchArgs {
  std::string model;
  int prompt_tokens = 512;
  int gen_tokens = 128;
  int threads = 0;
  int repetitions = 3;
  bool json = false;
};

// Runs `count` tokens (random ids, fixed seed) from an empty cache, `batch` tokens per forward pass;
// returns the seconds taken.
Result<double> Measure(model::Forward& forward, model::KvCache& cache, int count, int batch, int n_vocab) {
  std::mt19937 rng(1234);
  std::uniform_int_distribution<int32_t> pick(0, n_vocab - 1);
  std::vector<int32_t> blocks(static_cast<size_t>(cache.blocks()));
  for (size_t b = 0; b < blocks.size(); ++b) blocks[b] = static_cast<int32_t>(b);
  const std::vector<std::span<const int32_t>> tables = {blocks};
  std::vector<float> logits(static_cast<size_t>(n_vocab));
  std::vector<int32_t> tokens, positions, sequences;
  std::vector<uint8_t> want;
  const auto start = Clock::now();
  for (int begin = 0; begin < count; begin += batch) {
    const int n = std::min(batch, count - begin);
    tokens.resize(static_cast<size_t>(n));
    positions.resize(static_cast<size_t>(n));
    for (int i = 0; i < n; ++i) {
      tokens[static_cast<size_t>(i)] = pick(rng);
      positions[static_cast<size_t>(i)] = begin + i;
    }
    sequences.assign(static_cast<size_t>(n), 0);
    want.assign(static_cast<size_t>(n), 0);
    want.back() = 1;
    CITADEL_RETURN_IF_ERROR(forward.Run({tokens, positions, sequences, want, tables}, cache, logits));
  }
  return std::chrono::duration<double>(Clock::now() - start).count();
}

int Bench(const BenchArgs& a) {
  if (a.prompt_tokens < 0 || a.gen_tokens < 0 || a.repetitions < 1 || a.threads < 0) {
    return Fail("-p and -n must be >= 0, -r >= 1, --threads >= 1");
  }
  auto model = model::Model::Load(a.model);
  if (!model) return Fail(model.error().message);
  const model::HParams& h = model->hparams();
  const int context = std::max({a.prompt_tokens, a.gen_tokens, 1});
  constexpr int kBlockTokens = 16;
  auto cache = model::KvCache::Create(h, (context + kBlockTokens - 1) / kBlockTokens, kBlockTokens);
  if (!cache) return Fail(cache.error().message);
  ThreadPool pool(a.threads > 0 ? a.threads : ThreadPool::DefaultThreadCount());
  auto forward = model::Forward::Create(*model, pool, std::max(1, std::min(a.prompt_tokens, 512)), context);
  if (!forward) return Fail(forward.error().message);

  nlohmann::ordered_json results = nlohmann::ordered_json::array();
  for (const auto& [name, count, batch] :
       {std::tuple{fmt::format("pp{}", a.prompt_tokens), a.prompt_tokens, 512}, {fmt::format("tg{}", a.gen_tokens), a.gen_tokens, 1}}) {
    if (count == 0) continue;
    if (auto warm = Measure(**forward, *cache, std::min(count, 16), batch, h.n_vocab); !warm) {
      return Fail(warm.error().message);
    }
    std::vector<double> rates;
    for (int r = 0; r < a.repetitions; ++r) {
      auto seconds = Measure(**forward, *cache, count, batch, h.n_vocab);
      if (!seconds) return Fail(seconds.error().message);
      rates.push_back(count / *seconds);
    }
    const double median = Median(rates);
    results.push_back({{"test", name}, {"tokens_per_second", median}, {"threads", pool.size()}, {"repetitions", a.repetitions}});
    if (!a.json) std::printf("%-8s %10.2f tokens/s  (median of %d, %d threads)\n", name.c_str(), median, a.repetitions, pool.size());
  }
  if (a.json) std::printf("%s\n", results.dump().c_str());
  return 0;
}

}  // namespace

void AddBenchCommand(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<BenchArgs>();
  auto engine_args = std::make_shared<EngineBenchArgs>();
  auto* bench = app.add_subcommand("bench", "Measure prompt and generation speed (as llama-bench does)");
  bench->add_option("--model,-m", args->model, "GGUF model file")->required();
  bench->add_option("-p,--prompt-tokens", args->prompt_tokens, "prompt tokens, one batch (default 512; 0 skips)");
  bench->add_option("-n,--gen-tokens", args->gen_tokens, "generated tokens, one at a time (default 128; 0 skips)");
  bench->add_option("--threads,-t", args->threads, "threads (default: physical cores)");
  bench->add_option("-r,--repetitions", args->repetitions, "repetitions; the median is reported (default 3)");
  bench->add_flag("--json", args->json, "print the results as JSON");
  bench->add_option("--parallel", engine_args->parallel,
                    "serving benchmark: for each N (comma-separated), N streams of -p random prompt tokens and -n "
                    "generated tokens through the engine at once, as llama-batched-bench -npl")
      ->delimiter(',');
  bench->add_option("--prefix-cache", engine_args->prefix_tokens,
                    "time to first token after an N-token prefix, uncached vs cached");
  bench->add_option("--kv-type", engine_args->kv_type, "KV cache type of --parallel and --prefix-cache: f16 (default) or q8_0");
  bench->callback([args, engine_args, &exit_code] {
    if (engine_args->parallel.empty() && engine_args->prefix_tokens == 0) {
      exit_code = Bench(*args);
      return;
    }
    EngineBenchArgs& e = *engine_args;
    e.model = args->model;
    e.prompt_tokens = args->prompt_tokens;
    e.gen_tokens = args->gen_tokens;
    e.threads = args->threads;
    e.repetitions = args->repetitions;
    e.json = args->json;
    exit_code = e.parallel.empty() ? BenchPrefixCache(e) : BenchParallel(e);
  });
}

}  // namespace citadel::cli
