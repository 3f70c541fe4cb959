// Highway implementations of QuantizeActivationsQ8_0 and QuantizeActivationsQ8_K
// (activation_rounding.h): the per-token quantization that precedes every legacy- and K-quant matrix
// multiply, vectorized because a scalar round-to-even per element cost as much as a tenth of prompt
// processing.
//
// Bit-exact with the scalar definitions on every target: the block maximum is exact, the scales are
// single IEEE operations, and NearestInt rounds ties to even like nearbyint under the default
// rounding mode.

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

// Q8_K as llama.cpp's quantize_row_q8_K: the first element of largest magnitude maps to -127,
// codes are clamped at 127, and bsums holds the sums of 16 codes.
void QuantizeQ8_KImpl(const float* HWY_RESTRICT x, quant::BlockQ8_K* HWY_RESTRICT out, size_t blocks) {
  constexpr size_t kGroup = quant::kSuperBlock / 16;  // elements per bsums entry
  const hn::CappedTag<float, kGroup> df;
  const hn::RebindToSigned<decltype(df)> di;
  const hn::Rebind<int8_t, decltype(df)> d8;
  const size_t lanes = hn::Lanes(df);
  for (size_t b = 0; b < blocks; ++b) {
    const float* xb = x + b * quant::kSuperBlock;
    quant::BlockQ8_K& o = out[b];
    auto amax_v = hn::Zero(df);
    for (size_t i = 0; i < quant::kSuperBlock; i += lanes) amax_v = hn::Max(amax_v, hn::Abs(hn::LoadU(df, xb + i)));
    const float amax = hn::GetLane(hn::MaxOfLanes(df, amax_v));
    if (amax == 0.0f) {
      o = {};
      continue;
    }
    float max = amax;
    for (size_t i = 0; i < quant::kSuperBlock; i += lanes) {
      const auto at_max = hn::Eq(hn::Abs(hn::LoadU(df, xb + i)), hn::Set(df, amax));
      if (!hn::AllFalse(df, at_max)) {
        max = xb[i + hn::FindKnownFirstTrue(df, at_max)];
        break;
      }
    }
    const float iscale = -127.0f / max;
    const auto vscale = hn::Set(df, iscale);
    for (size_t g = 0; g < 16; ++g) {
      auto sum = hn::Zero(di);
      for (size_t i = g * kGroup; i < (g + 1) * kGroup; i += lanes) {
        const auto q = hn::Min(hn::NearestInt(hn::Mul(hn::LoadU(df, xb + i), vscale)), hn::Set(di, 127));
        sum = hn::Add(sum, q);
        hn::StoreU(hn::DemoteTo(d8, q), d8, o.qs + i);
      }
      o.bsums[g] = static_cast<int16_t>(hn::GetLane(hn::SumOfLanes(di, sum)));
    }
    o.d = 1.0f / iscale;
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
HWY_EXPORT(QuantizeQ8_KImpl);

void QuantizeActivationsQ8_0(std::span<const float> x, std::span<quant::BlockQ8_0> out) {
  CITADEL_CHECK(x.size() == out.size() * quant::kLegacyBlock);
  HWY_DYNAMIC_DISPATCH(QuantizeQ8_0Impl)(x.data(), out.data(), out.size());
}

void QuantizeActivationsQ8_K(std::span<const float> x, std::span<quant::BlockQ8_K> out) {
  CITADEL_CHECK(x.size() == out.size() * quant::kSuperBlock);
  HWY_DYNAMIC_DISPATCH(QuantizeQ8_KImpl)(x.data(), out.data(), out.size());
}

}  // namespace citadel::kernels
#endif  // HWY_ONCE
