// Scalar reference dequantization throughput per block format: the baseline the SIMD kernels of
// the inference core are measured against (bytes of quantized weights decoded per second).

#include <benchmark/benchmark.h>

#include <random>
#include <vector>

#include "gguf/tensor_type.h"
#include "quant/quant.h"

namespace {

using citadel::gguf::TensorType;

void BM_Dequantize(benchmark::State& state, TensorType type) {
  constexpr size_t kElements = 256 * 1024;
  std::mt19937 rng(1);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::vector<float> values(kElements);
  for (float& v : values) v = dist(rng);
  const auto& info = citadel::gguf::Info(type);
  std::vector<std::byte> blocks(kElements / info.block_elements * info.block_bytes);
  if (!citadel::quant::Quantize(type, values, blocks)) {
    state.SkipWithError("quantize failed");
    return;
  }
  for (auto _ : state) {
    auto r = citadel::quant::Dequantize(type, blocks, values);
    benchmark::DoNotOptimize(values.data());
    benchmark::DoNotOptimize(r);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * blocks.size()));
  state.counters["elements/s"] =
      benchmark::Counter(static_cast<double>(state.iterations() * kElements), benchmark::Counter::kIsRate);
}

}  // namespace

BENCHMARK_CAPTURE(BM_Dequantize, F16, TensorType::kF16);
BENCHMARK_CAPTURE(BM_Dequantize, BF16, TensorType::kBF16);
BENCHMARK_CAPTURE(BM_Dequantize, Q4_0, TensorType::kQ4_0);
BENCHMARK_CAPTURE(BM_Dequantize, Q4_1, TensorType::kQ4_1);
BENCHMARK_CAPTURE(BM_Dequantize, Q5_0, TensorType::kQ5_0);
BENCHMARK_CAPTURE(BM_Dequantize, Q5_1, TensorType::kQ5_1);
BENCHMARK_CAPTURE(BM_Dequantize, Q8_0, TensorType::kQ8_0);
BENCHMARK_CAPTURE(BM_Dequantize, Q2_K, TensorType::kQ2_K);
BENCHMARK_CAPTURE(BM_Dequantize, Q3_K, TensorType::kQ3_K);
BENCHMARK_CAPTURE(BM_Dequantize, Q4_K, TensorType::kQ4_K);
BENCHMARK_CAPTURE(BM_Dequantize, Q5_K, TensorType::kQ5_K);
BENCHMARK_CAPTURE(BM_Dequantize, Q6_K, TensorType::kQ6_K);

BENCHMARK_MAIN();
