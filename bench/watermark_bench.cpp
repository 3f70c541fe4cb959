// Output watermark costs: what embedding adds to every generated token (the green-list bias over a
// Qwen-sized 151,936-entry logits row, through the processor as the sampler calls it), and how
// long detection takes for a 1,000-token text under 100 tenant keys.

#include <benchmark/benchmark.h>

#include <random>
#include <string>
#include <vector>

#include "watermark/detector.h"
#include "watermark/green_list.h"
#include "watermark/processor.h"

namespace {

namespace wm = citadel::watermark;

wm::WatermarkKeys Master() {
  const std::vector<uint8_t> bytes(citadel::kKeyBytes, 0x11);
  return wm::WatermarkKeys(citadel::SecretKey(bytes));
}

// One generation step's watermark: context seed + bias over the whole row.
void BM_ProcessorStep(benchmark::State& state) {
  const size_t vocab = static_cast<size_t>(state.range(0));
  const wm::WatermarkSettings settings{.context_width = static_cast<int>(state.range(1)),
                                       .scheme = state.range(2) == 0 ? wm::Scheme::kPrevious : wm::Scheme::kMinHash};
  auto processor = wm::MakeProcessor(Master().ForTenant("acme"), settings);
  std::mt19937_64 rng(1);
  std::vector<float> logits(vocab);
  for (float& x : logits) x = static_cast<float>(rng() % 1000) * 0.01f;
  const std::vector<int32_t> prompt = {1, 2, 3, 4, 5, 6, 7, 8};
  std::vector<int32_t> generated = {9};
  for (auto _ : state) {
    generated[0] = static_cast<int32_t>(rng() % vocab);  // a new context every step
    processor->Process(logits, {prompt, generated});
    benchmark::DoNotOptimize(logits.data());
  }
  state.counters["ns/entry"] = benchmark::Counter(static_cast<double>(vocab) * static_cast<double>(state.iterations()),
                                                  benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_ProcessorStep)->Args({151936, 1, 0})->Args({151936, 4, 1})->Args({32000, 1, 0})->Unit(benchmark::kMicrosecond);

// The context seed alone (one SipHash for kPrevious).
void BM_ContextSeed(benchmark::State& state) {
  const wm::TenantKey key = Master().ForTenant("acme");
  int32_t t = 0;
  for (auto _ : state) {
    const int32_t window[1] = {t++};
    benchmark::DoNotOptimize(wm::ContextSeed(key, wm::Scheme::kPrevious, window));
  }
}
BENCHMARK(BM_ContextSeed);

// Detection of 1,000 tokens under 100 (or 10) tenant keys; range(2) = 1 for h = 4 min-hash, which
// also keeps a per-key set of the coins it has counted.
void BM_Detect(benchmark::State& state) {
  const wm::WatermarkKeys master = Master();
  std::vector<wm::TenantKey> keys;
  for (int i = 0; i < state.range(1); ++i) keys.push_back(master.ForTenant("tenant-" + std::to_string(i)));
  std::mt19937_64 rng(2);
  std::vector<int32_t> tokens(static_cast<size_t>(state.range(0)));
  for (int32_t& t : tokens) t = static_cast<int32_t>(rng() % 151936);
  wm::WatermarkSettings settings;
  if (state.range(2) == 1) settings = {.context_width = 4, .scheme = wm::Scheme::kMinHash};
  for (auto _ : state) benchmark::DoNotOptimize(wm::Detect(tokens, keys, settings));
}
BENCHMARK(BM_Detect)->Args({1000, 100, 0})->Args({1000, 10, 0})->Args({1000, 100, 1})->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
