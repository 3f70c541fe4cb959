// Highway implementation of QuantizeActivationsQ8_0 (activation_rounding.h): the per-token
// quantization that precedes every Q8_0/Q4_0 matrix multiply, vectorized because a scalar
// round-to-even per element cost as much as a tenth of prompt processing.
//
// Bit-exact with the scalar definition on every target: the block maximum is exact, d = amax / 127
// and 127 / amax are single IEEE operations, and NearestInt rounds ties to even like nearbyint under
// the default rounding mode.

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/quantize_activations.cpp"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"

#include <cstddef>
#include <cstdint>

#include "core/float16.h"
#include "quant/blocks.h"

HWY_BEFORE_NAMESPACE();
namespace citadel::kernels {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

void QuantizeQ8_0Impl(const float* HWY_RESTRICT x, quant::BlockQ8_0* HWY_RESTRICT out, size_t blocks) {
  const hn::CappedTag<float, quant::kLegacyBlock> df;
  const hn::Rebind<int8_t, decltype(df)> d8;
  const size_t lanes = hn::Lanes(df);
  for (size_t b = 0; b < blocks; ++b) {
    const float* xb = x + b * quant::kLegacyBlock;
    auto amax = hn::Zero(df);
    for (size_t i = 0; i < quant::kLegacyBlock; i += lanes) amax = hn::Max(amax, hn::Abs(hn::LoadU(df, xb + i)));
    const float max = hn::GetLane(hn::MaxOfLanes(df, amax));
    const float d = max / 127.0f;
    const float id = max != 0.0f ? 127.0f / max : 0.0f;  // not 1 / d: llama.cpp's, and not always equal
    out[b].d = FloatToHalf(d);
    const auto vid = hn::Set(df, id);
    for (size_t i = 0; i < quant::kLegacyBlock; i += lanes) {
      const auto q = hn::NearestInt(hn::Mul(hn::LoadU(df, xb + i), vid));
      hn::StoreU(hn::DemoteTo(d8, q), d8, out[b].qs + i);
    }
  }
}

}  // namespace HWY_NAMESPACE
}  // namespace citadel::kernels
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
#include "core/check.h"
#include "kernels/activation_rounding.h"

namespace citadel::kernels {

HWY_EXPORT(QuantizeQ8_0Impl);

void QuantizeActivationsQ8_0(std::span<const float> x, std::span<quant::BlockQ8_0> out) {
  CITADEL_CHECK(x.size() == out.size() * quant::kLegacyBlock);
  HWY_DYNAMIC_DISPATCH(QuantizeQ8_0Impl)(x.data(), out.data(), out.size());
}

}  // namespace citadel::kernels
#endif  // HWY_ONCE
