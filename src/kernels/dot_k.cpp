// Highway implementations of the K-quant dot products in dot.h (weights Q4_K/Q6_K, activations
// Q8_K). Compiled once per target via foreach_target.h, like dot.cpp.
//
// Numerics: the small per-sub-block scales are multiplied into the int16 weight codes before the
// widening multiply-add, so a whole super-block reduces to one exact int32 sum which is scaled once
// in float. Bounds: Q4_K code*scale <= 15*63 = 945, Q6_K |(code-32)*scale| <= 32*128 = 4096, both
// fit int16; a super-block sum is at most 256 * 4096 * 128 = 2^27 < 2^31.

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/dot_k.cpp"
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

// Q4_K sub-blocks are 32 wide, Q6_K's 16: vectors never straddle a sub-block, so each step
// multiplies by one broadcast scale.
using D16x32 = hn::CappedTag<int16_t, 32>;
using D16x16 = hn::CappedTag<int16_t, 16>;


float DotQ4_KImpl(const quant::BlockQ4_K* HWY_RESTRICT w, const quant::BlockQ8_K* HWY_RESTRICT x,
                  size_t blocks) {
  const D16x32 d16;
  const hn::RepartitionToWide<D16x32> d32;
  const hn::Rebind<float, decltype(d32)> df;
  const hn::Rebind<int8_t, D16x32> d8;
  const hn::Rebind<uint8_t, D16x32> du8;
  const hn::RebindToUnsigned<D16x32> du16;
  const auto mask = hn::Set(du16, 0x0f);
  auto acc = hn::Zero(df);
  float min_sum = 0.0f;
  for (size_t b = 0; b < blocks; ++b) {
    const auto& wb = w[b];
    const auto& xb = x[b];
    auto sum0 = hn::Zero(d32), sum1 = hn::Zero(d32);
    int32_t min_dot = 0;  // sum_j min_j * sum(x in sub-block j), exact
    for (size_t pair = 0; pair < 4; ++pair) {
      uint8_t sc_lo, m_lo, sc_hi, m_hi;
      quant::UnpackScaleMinK4(wb.scales, 2 * pair, sc_lo, m_lo);
      quant::UnpackScaleMinK4(wb.scales, 2 * pair + 1, sc_hi, m_hi);
      min_dot += m_lo * (xb.bsums[4 * pair] + xb.bsums[4 * pair + 1]) +
                 m_hi * (xb.bsums[4 * pair + 2] + xb.bsums[4 * pair + 3]);
      const auto vsc_lo = hn::Set(d16, static_cast<int16_t>(sc_lo));
      const auto vsc_hi = hn::Set(d16, static_cast<int16_t>(sc_hi));
      // 32 bytes hold sub-block 2*pair in the low nibbles and 2*pair+1 in the high nibbles.
      const uint8_t* qs = wb.qs + 32 * pair;
      const int8_t* xs = xb.qs + 64 * pair;
      for (size_t i = 0; i < 32; i += hn::Lanes(d16)) {
        const auto packed = hn::PromoteTo(du16, hn::LoadU(du8, qs + i));
        const auto lo = hn::Mul(hn::BitCast(d16, hn::And(packed, mask)), vsc_lo);
        const auto hi = hn::Mul(hn::BitCast(d16, hn::ShiftRight<4>(packed)), vsc_hi);
        sum0 = hn::ReorderWidenMulAccumulate(d32, lo, hn::PromoteTo(d16, hn::LoadU(d8, xs + i)),
                                             sum0, sum1);
        sum0 = hn::ReorderWidenMulAccumulate(
            d32, hi, hn::PromoteTo(d16, hn::LoadU(d8, xs + 32 + i)), sum0, sum1);
      }
    }
    const float d = HalfToFloat(wb.d) * xb.d;
    acc = hn::MulAdd(hn::ConvertTo(df, hn::RearrangeToOddPlusEven(sum0, sum1)), hn::Set(df, d), acc);
    min_sum += HalfToFloat(wb.dmin) * xb.d * static_cast<float>(min_dot);
  }
  return hn::GetLane(hn::SumOfLanes(df, acc)) - min_sum;
}

float DotQ6_KImpl(const quant::BlockQ6_K* HWY_RESTRICT w, const quant::BlockQ8_K* HWY_RESTRICT x,
                  size_t blocks) {
  const D16x16 d16;
  const hn::RepartitionToWide<D16x16> d32;
  const hn::Rebind<float, decltype(d32)> df;
  const hn::Rebind<int8_t, D16x16> d8;
  const hn::Rebind<uint8_t, D16x16> du8;
  const hn::RebindToUnsigned<D16x16> du16;
  const auto mask4 = hn::Set(du16, 0x0f);
  const auto mask2 = hn::Set(du16, 0x03);
  const auto bias = hn::Set(d16, 32);
  auto acc = hn::Zero(df);
  for (size_t b = 0; b < blocks; ++b) {
    const auto& wb = w[b];
    const auto& xb = x[b];
    auto sum0 = hn::Zero(d32), sum1 = hn::Zero(d32);
    for (size_t h = 0; h < 2; ++h) {
      const uint8_t* ql = wb.ql + 64 * h;
      const uint8_t* qh = wb.qh + 32 * h;
      // Group g covers elements 128h + 32g + [0, 32): low nibbles of ql[0..32) (g=0) and
      // ql[32..64) (g=1), high nibbles of the same (g=2, 3); top bits at qh bit 2g.
      for (size_t i = 0; i < 32; i += hn::Lanes(d16)) {
        const auto low_a = hn::PromoteTo(du16, hn::LoadU(du8, ql + i));
        const auto low_b = hn::PromoteTo(du16, hn::LoadU(du8, ql + 32 + i));
        const auto high = hn::PromoteTo(du16, hn::LoadU(du8, qh + i));
        const hn::Vec<decltype(du16)> codes[4] = {
            hn::Or(hn::And(low_a, mask4), hn::ShiftLeft<4>(hn::And(high, mask2))),
            hn::Or(hn::And(low_b, mask4), hn::ShiftLeft<4>(hn::And(hn::ShiftRight<2>(high), mask2))),
            hn::Or(hn::ShiftRight<4>(low_a), hn::ShiftLeft<4>(hn::And(hn::ShiftRight<4>(high), mask2))),
            hn::Or(hn::ShiftRight<4>(low_b), hn::ShiftLeft<4>(hn::ShiftRight<6>(high))),
        };
        for (size_t g = 0; g < 4; ++g) {
          const size_t e = 128 * h + 32 * g + i;  // first element of this step; same sub-block
          const auto q = hn::Mul(hn::Sub(hn::BitCast(d16, codes[g]), bias),
                                 hn::Set(d16, static_cast<int16_t>(wb.scales[e / 16])));
          sum0 = hn::ReorderWidenMulAccumulate(d32, q, hn::PromoteTo(d16, hn::LoadU(d8, xb.qs + e)),
                                               sum0, sum1);
        }
      }
    }
    const float d = HalfToFloat(wb.d) * xb.d;
    acc = hn::MulAdd(hn::ConvertTo(df, hn::RearrangeToOddPlusEven(sum0, sum1)), hn::Set(df, d), acc);
  }
  return hn::GetLane(hn::SumOfLanes(df, acc));
}

}  // namespace HWY_NAMESPACE
}  // namespace citadel::kernels
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
#include "core/check.h"
#include "kernels/dot.h"

namespace citadel::kernels {

HWY_EXPORT(DotQ4_KImpl);
HWY_EXPORT(DotQ6_KImpl);

float DotQ4_K(std::span<const quant::BlockQ4_K> w, std::span<const quant::BlockQ8_K> x_q8) {
  CITADEL_CHECK(w.size() == x_q8.size());
  return HWY_DYNAMIC_DISPATCH(DotQ4_KImpl)(w.data(), x_q8.data(), w.size());
}

float DotQ6_K(std::span<const quant::BlockQ6_K> w, std::span<const quant::BlockQ8_K> x_q8) {
  CITADEL_CHECK(w.size() == x_q8.size());
  return HWY_DYNAMIC_DISPATCH(DotQ6_KImpl)(w.data(), x_q8.data(), w.size());
}

}  // namespace citadel::kernels
#endif  // HWY_ONCE
