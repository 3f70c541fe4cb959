// Highway implementations of dot.h. This file is compiled once per target: foreach_target.h
// re-includes it with HWY_TARGET set to each target in HWY_TARGETS, and the HWY_ONCE section at the
// end exports the per-target functions and dispatches to the best one the CPU supports.

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/dot.cpp"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"

#include <cmath>
#include <cstddef>
#include <cstdint>

#include "core/float16.h"
#include "kernels/dot.h"
#include "quant/blocks.h"

HWY_BEFORE_NAMESPACE();
namespace citadel::kernels {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// Four independent accumulators hide the latency of MulAdd (4 cycles on recent x86) behind
// throughput; fewer leave the FMA units idle on long rows.
float DotF32Impl(const float* HWY_RESTRICT w, const float* HWY_RESTRICT x, size_t n) {
  const hn::ScalableTag<float> df;
  const size_t lanes = hn::Lanes(df);
  auto acc0 = hn::Zero(df), acc1 = hn::Zero(df), acc2 = hn::Zero(df), acc3 = hn::Zero(df);
  size_t i = 0;
  for (; i + 4 * lanes <= n; i += 4 * lanes) {
    acc0 = hn::MulAdd(hn::LoadU(df, w + i), hn::LoadU(df, x + i), acc0);
    acc1 = hn::MulAdd(hn::LoadU(df, w + i + lanes), hn::LoadU(df, x + i + lanes), acc1);
    acc2 = hn::MulAdd(hn::LoadU(df, w + i + 2 * lanes), hn::LoadU(df, x + i + 2 * lanes), acc2);
    acc3 = hn::MulAdd(hn::LoadU(df, w + i + 3 * lanes), hn::LoadU(df, x + i + 3 * lanes), acc3);
  }
  for (; i + lanes <= n; i += lanes) {
    acc0 = hn::MulAdd(hn::LoadU(df, w + i), hn::LoadU(df, x + i), acc0);
  }
  acc0 = hn::Add(hn::Add(acc0, acc1), hn::Add(acc2, acc3));
  float sum = hn::GetLane(hn::SumOfLanes(df, acc0));
  for (; i < n; ++i) sum += w[i] * x[i];
  return sum;
}

float DotF16Impl(const uint16_t* HWY_RESTRICT w, const float* HWY_RESTRICT x, size_t n) {
  const hn::ScalableTag<float> df;
  const hn::Rebind<hwy::float16_t, decltype(df)> dh;
  const size_t lanes = hn::Lanes(df);
  // hwy::float16_t is a 16-bit wrapper over the same binary16 bits we store.
  const auto* wh = reinterpret_cast<const hwy::float16_t*>(w);
  auto acc0 = hn::Zero(df), acc1 = hn::Zero(df);
  size_t i = 0;
  for (; i + 2 * lanes <= n; i += 2 * lanes) {
    acc0 = hn::MulAdd(hn::PromoteTo(df, hn::LoadU(dh, wh + i)), hn::LoadU(df, x + i), acc0);
    acc1 = hn::MulAdd(hn::PromoteTo(df, hn::LoadU(dh, wh + i + lanes)), hn::LoadU(df, x + i + lanes),
                      acc1);
  }
  for (; i + lanes <= n; i += lanes) {
    acc0 = hn::MulAdd(hn::PromoteTo(df, hn::LoadU(dh, wh + i)), hn::LoadU(df, x + i), acc0);
  }
  float sum = hn::GetLane(hn::SumOfLanes(df, hn::Add(acc0, acc1)));
  for (; i < n; ++i) sum += HalfToFloat(w[i]) * x[i];
  return sum;
}

// int16 lanes covering at most one 32-element legacy block: full vectors on AVX2/AVX-512, several
// steps per block on 128-bit targets, one lane at a time on EMU128/scalar.
using D16 = hn::CappedTag<int16_t, quant::kLegacyBlock>;
using D32 = hn::RepartitionToWide<D16>;
using DF = hn::Rebind<float, D32>;
// Half a legacy block (Q4_0 packs element i and i+16 into one byte).
using D16Half = hn::CappedTag<int16_t, quant::kLegacyBlock / 2>;
using D32Half = hn::RepartitionToWide<D16Half>;
using DFHalf = hn::Rebind<float, D32Half>;

// Lane-wise partial sums (int32, exact) of a[i] * b[i] over one 32-element block. Widening int8 to
// int16 before multiplying keeps -128 exact too, so hostile weights cannot trigger the saturation
// an unsigned x signed byte multiply (maddubs) would have.
HWY_INLINE hn::Vec<D32> DotBlockI8(const int8_t* HWY_RESTRICT a, const int8_t* HWY_RESTRICT b) {
  const D16 d16;
  const D32 d32;
  const hn::Rebind<int8_t, D16> d8;
  auto sum0 = hn::Zero(d32), sum1 = hn::Zero(d32);
  for (size_t i = 0; i < quant::kLegacyBlock; i += hn::Lanes(d16)) {
    const auto va = hn::PromoteTo(d16, hn::LoadU(d8, a + i));
    const auto vb = hn::PromoteTo(d16, hn::LoadU(d8, b + i));
    sum0 = hn::ReorderWidenMulAccumulate(d32, va, vb, sum0, sum1);
  }
  return hn::RearrangeToOddPlusEven(sum0, sum1);
}

// Scales are applied per block to the lane-wise integer sums, so the float result only depends
// on rounding of (lane sum) * d_w * d_x and the final additions. block_dot(w_block.qs, x_block.qs)
// gives a block's lane-wise int32 sums in the lanes of DFT.
template <class DFT, class WBlock, class BlockDot>
HWY_INLINE float DotLegacyBlocks(const WBlock* HWY_RESTRICT w, const quant::BlockQ8_0* HWY_RESTRICT x, size_t blocks,
                                 BlockDot block_dot) {
  const DFT df;
  auto acc0 = hn::Zero(df), acc1 = hn::Zero(df);
  size_t b = 0;
  // Two blocks per step: independent accumulators so the MulAdd chains overlap.
  for (; b + 2 <= blocks; b += 2) {
    const float s0 = HalfToFloat(w[b].d) * HalfToFloat(x[b].d);
    const float s1 = HalfToFloat(w[b + 1].d) * HalfToFloat(x[b + 1].d);
    acc0 = hn::MulAdd(hn::ConvertTo(df, block_dot(w[b].qs, x[b].qs)), hn::Set(df, s0), acc0);
    acc1 = hn::MulAdd(hn::ConvertTo(df, block_dot(w[b + 1].qs, x[b + 1].qs)), hn::Set(df, s1), acc1);
  }
  if (b < blocks) {
    const float s = HalfToFloat(w[b].d) * HalfToFloat(x[b].d);
    acc0 = hn::MulAdd(hn::ConvertTo(df, block_dot(w[b].qs, x[b].qs)), hn::Set(df, s), acc0);
  }
  return hn::GetLane(hn::SumOfLanes(df, hn::Add(acc0, acc1)));
}

float DotQ8_0Impl(const quant::BlockQ8_0* HWY_RESTRICT w, const quant::BlockQ8_0* HWY_RESTRICT x,
                  size_t blocks) {
  return DotLegacyBlocks<DF>(w, x, blocks, [](const int8_t* a, const int8_t* b) { return DotBlockI8(a, b); });
}

// Lane-wise int32 partial sums of (q - 8) * x over one Q4_0 block: the low nibbles pair with
// x[0..16), the high nibbles with x[16..32).
HWY_INLINE hn::Vec<D32Half> DotBlockQ4_0(const uint8_t* HWY_RESTRICT qs,
                                         const int8_t* HWY_RESTRICT x) {
  const D16Half d16;
  const D32Half d32;
  const hn::Rebind<int8_t, D16Half> d8;
  const hn::Rebind<uint8_t, D16Half> du8;
  const hn::RebindToUnsigned<D16Half> du16;
  const auto mask = hn::Set(du16, 0x0f);
  const auto eight = hn::Set(d16, 8);
  auto sum0 = hn::Zero(d32), sum1 = hn::Zero(d32);
  constexpr size_t kHalf = quant::kLegacyBlock / 2;
  for (size_t i = 0; i < kHalf; i += hn::Lanes(d16)) {
    const auto packed = hn::PromoteTo(du16, hn::LoadU(du8, qs + i));
    const auto lo = hn::Sub(hn::BitCast(d16, hn::And(packed, mask)), eight);
    const auto hi = hn::Sub(hn::BitCast(d16, hn::ShiftRight<4>(packed)), eight);
    sum0 = hn::ReorderWidenMulAccumulate(d32, lo, hn::PromoteTo(d16, hn::LoadU(d8, x + i)), sum0,
                                         sum1);
    sum0 = hn::ReorderWidenMulAccumulate(d32, hi, hn::PromoteTo(d16, hn::LoadU(d8, x + kHalf + i)),
                                         sum0, sum1);
  }
  return hn::RearrangeToOddPlusEven(sum0, sum1);
}

float DotQ4_0Impl(const quant::BlockQ4_0* HWY_RESTRICT w, const quant::BlockQ8_0* HWY_RESTRICT x,
                  size_t blocks) {
  return DotLegacyBlocks<DFHalf>(w, x, blocks, [](const uint8_t* qs, const int8_t* b) { return DotBlockQ4_0(qs, b); });
}

int64_t ActiveTargetImpl() { return HWY_TARGET; }

}  // namespace HWY_NAMESPACE
}  // namespace citadel::kernels
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
#include "core/check.h"
#include "kernels/dot.h"

namespace citadel::kernels {

HWY_EXPORT(DotF32Impl);
HWY_EXPORT(DotF16Impl);
HWY_EXPORT(DotQ8_0Impl);
HWY_EXPORT(DotQ4_0Impl);
HWY_EXPORT(ActiveTargetImpl);

float DotF32(std::span<const float> w, std::span<const float> x) {
  CITADEL_CHECK(w.size() == x.size());
  return HWY_DYNAMIC_DISPATCH(DotF32Impl)(w.data(), x.data(), w.size());
}

float DotF16(std::span<const uint16_t> w_f16, std::span<const float> x) {
  CITADEL_CHECK(w_f16.size() == x.size());
  return HWY_DYNAMIC_DISPATCH(DotF16Impl)(w_f16.data(), x.data(), w_f16.size());
}

float DotQ8_0(std::span<const quant::BlockQ8_0> w, std::span<const quant::BlockQ8_0> x_q8) {
  CITADEL_CHECK(w.size() == x_q8.size());
  return HWY_DYNAMIC_DISPATCH(DotQ8_0Impl)(w.data(), x_q8.data(), w.size());
}

float DotQ4_0(std::span<const quant::BlockQ4_0> w, std::span<const quant::BlockQ8_0> x_q8) {
  CITADEL_CHECK(w.size() == x_q8.size());
  return HWY_DYNAMIC_DISPATCH(DotQ4_0Impl)(w.data(), x_q8.data(), w.size());
}

std::vector<int64_t> KernelTargets() { return hwy::SupportedAndGeneratedTargets(); }

int64_t ActiveKernelTarget() { return HWY_DYNAMIC_DISPATCH(ActiveTargetImpl)(); }

}  // namespace citadel::kernels
#endif  // HWY_ONCE
