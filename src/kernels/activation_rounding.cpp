#include "kernels/activation_rounding.h"

#include <algorithm>
#include <cmath>

#include "core/check.h"
#include "core/float16.h"

namespace citadel::kernels {
namespace {

void RoundLikeQ8_0(std::span<const float> x, std::span<float> out) {
  quant::BlockQ8_0 block;
  for (size_t b = 0; b < x.size(); b += quant::kLegacyBlock) {
    QuantizeActivationsQ8_0(x.subspan(b, quant::kLegacyBlock), std::span(&block, 1));
    const float d = HalfToFloat(block.d);
    for (size_t i = 0; i < quant::kLegacyBlock; ++i) out[b + i] = static_cast<float>(block.qs[i]) * d;
  }
}

void RoundLikeQ8_K(std::span<const float> x, std::span<float> out) {
  quant::BlockQ8_K block;
  for (size_t b = 0; b < x.size(); b += quant::kSuperBlock) {
    QuantizeActivationsQ8_K(x.subspan(b, quant::kSuperBlock), std::span(&block, 1));
    for (size_t i = 0; i < quant::kSuperBlock; ++i) out[b + i] = static_cast<float>(block.qs[i]) * block.d;
  }
}

}  // namespace

// QuantizeActivationsQ8_0 and QuantizeActivationsQ8_K are vectorized in quantize_activations.cpp.

gguf::TensorType ActivationType(gguf::TensorType type) {
  using T = gguf::TensorType;
  switch (type) {
    case T::kQ4_0: case T::kQ5_0: case T::kQ8_0: return T::kQ8_0;
    case T::kQ4_1: case T::kQ5_1: return T::kQ8_1;
    case T::kQ2_K: case T::kQ3_K: case T::kQ4_K: case T::kQ5_K: case T::kQ6_K: return T::kQ8_K;
    case T::kF16: return T::kF16;
    case T::kBF16: return T::kBF16;
    default: return T::kF32;
  }
}

void RoundActivations(gguf::TensorType weight_type, std::span<const float> x, std::span<float> out) {
  using T = gguf::TensorType;
  CITADEL_CHECK(out.size() == x.size());
  switch (ActivationType(weight_type)) {
    case T::kQ8_0:
    case T::kQ8_1:
      CITADEL_CHECK(x.size() % 32 == 0);
      RoundLikeQ8_0(x, out);
      return;
    case T::kQ8_K:
      CITADEL_CHECK(x.size() % 256 == 0);
      RoundLikeQ8_K(x, out);
      return;
    case T::kF16:
      std::transform(x.begin(), x.end(), out.begin(), [](float v) { return HalfToFloat(FloatToHalf(v)); });
      return;
    case T::kBF16:
      std::transform(x.begin(), x.end(), out.begin(), [](float v) { return Bf16ToFloat(FloatToBf16(v)); });
      return;
    default:
      std::copy(x.begin(), x.end(), out.begin());
  }
}

}  // namespace citadel::kernels
