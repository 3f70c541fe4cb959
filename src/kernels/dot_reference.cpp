#include "kernels/dot_reference.h"

#include <cmath>
#include <cstddef>
#include <vector>

#include "core/check.h"
#include "core/float16.h"
#include "gguf/tensor_type.h"
#include "quant/quant.h"

namespace citadel::kernels::reference {
namespace {

DotResult DotDouble(std::span<const float> w, std::span<const float> x) {
  CITADEL_CHECK(w.size() == x.size());
  DotResult r;
  for (size_t i = 0; i < w.size(); ++i) {
    const double p = static_cast<double>(w[i]) * static_cast<double>(x[i]);
    r.dot += p;
    r.abs_sum += std::fabs(p);
  }
  return r;
}

template <class Block>
std::vector<float> DequantizeBlocks(gguf::TensorType type, std::span<const Block> blocks) {
  std::vector<float> out(blocks.size() * Block::kElements);
  const auto result = quant::Dequantize(type, std::as_bytes(blocks), out);
  CITADEL_CHECK_MSG(result.has_value(), "reference dequantize failed");
  return out;
}

}  // namespace

DotResult DotF32(std::span<const float> w, std::span<const float> x) { return DotDouble(w, x); }

DotResult DotF16(std::span<const uint16_t> w_f16, std::span<const float> x) {
  std::vector<float> w(w_f16.size());
  for (size_t i = 0; i < w.size(); ++i) w[i] = HalfToFloat(w_f16[i]);
  return DotDouble(w, x);
}

DotResult DotQ8_0(std::span<const quant::BlockQ8_0> w, std::span<const quant::BlockQ8_0> x_q8) {
  return DotDouble(DequantizeBlocks(gguf::TensorType::kQ8_0, w),
                   DequantizeBlocks(gguf::TensorType::kQ8_0, x_q8));
}

DotResult DotQ4_0(std::span<const quant::BlockQ4_0> w, std::span<const quant::BlockQ8_0> x_q8) {
  return DotDouble(DequantizeBlocks(gguf::TensorType::kQ4_0, w),
                   DequantizeBlocks(gguf::TensorType::kQ8_0, x_q8));
}

DotResult DotQ4_K(std::span<const quant::BlockQ4_K> w, std::span<const quant::BlockQ8_K> x_q8) {
  return DotDouble(DequantizeBlocks(gguf::TensorType::kQ4_K, w),
                   DequantizeBlocks(gguf::TensorType::kQ8_K, x_q8));
}

DotResult DotQ5_K(std::span<const quant::BlockQ5_K> w, std::span<const quant::BlockQ8_K> x_q8) {
  return DotDouble(DequantizeBlocks(gguf::TensorType::kQ5_K, w),
                   DequantizeBlocks(gguf::TensorType::kQ8_K, x_q8));
}

DotResult DotQ6_K(std::span<const quant::BlockQ6_K> w, std::span<const quant::BlockQ8_K> x_q8) {
  return DotDouble(DequantizeBlocks(gguf::TensorType::kQ6_K, w),
                   DequantizeBlocks(gguf::TensorType::kQ8_K, x_q8));
}

}  // namespace citadel::kernels::reference
