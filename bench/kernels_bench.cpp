// Matrix x vector (decode) throughput per weight type, single thread, at a 4096 x 4096 shape: the
// kernel-level number behind decode speed (GB/s of weights streamed).

#include <benchmark/benchmark.h>

#include <random>
#include <vector>

#include "kernels/matvec.h"
#include "quant/quant.h"

namespace {

using citadel::gguf::TensorType;

void BM_MatVec(benchmark::State& state, TensorType type) {
  constexpr size_t kRows = 4096, kCols = 4096;
  std::mt19937 rng(1);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::vector<float> values(kRows * kCols), x(kCols), y(kRows);
  for (float& v : values) v = dist(rng);
  for (float& v : x) v = dist(rng);
  const auto& info = citadel::gguf::Info(type);
  std::vector<std::byte> weights(kRows * kCols / info.block_elements * info.block_bytes);
  if (!citadel::quant::Quantize(type, values, weights)) {
    state.SkipWithError("quantize failed");
    return;
  }
  const citadel::kernels::MatrixView w{type, weights, kRows, kCols};
  citadel::kernels::PreparedInput scratch;
  for (auto _ : state) {
    auto r = citadel::kernels::MatVec(w, x, scratch, y);
    benchmark::DoNotOptimize(r);
    benchmark::DoNotOptimize(y.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * weights.size()));
}

}  // namespace

BENCHMARK_CAPTURE(BM_MatVec, F32, TensorType::kF32)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_MatVec, F16, TensorType::kF16)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_MatVec, Q8_0, TensorType::kQ8_0)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_MatVec, Q4_0, TensorType::kQ4_0)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_MatVec, Q4_K, TensorType::kQ4_K)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_MatVec, Q6_K, TensorType::kQ6_K)->Unit(benchmark::kMicrosecond);

BENCHMARK_MAIN();
