// Highway implementation of attention.h, compiled once per target (see dot.cpp for the pattern).

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/attention.cpp"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
#include "hwy/contrib/math/math-inl.h"

#include <cmath>
#include <cstddef>
#include <cstdint>

#include "core/float16.h"
#include "kernels/attention.h"
#include "quant/blocks.h"

HWY_BEFORE_NAMESPACE();
namespace citadel::kernels {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// Positions per block: their K (then V) rows are converted to float once into a buffer that stays in
// L1 while every query head of the group passes over it.
constexpr size_t kBlock = 16;

// q . k over one head; two accumulators are enough for head dimensions of a few vectors.
HWY_INLINE float HeadDot(const float* HWY_RESTRICT k, const float* HWY_RESTRICT q, size_t head_dim) {
  const hn::ScalableTag<float> df;
  const size_t lanes = hn::Lanes(df);
  auto acc0 = hn::Zero(df), acc1 = hn::Zero(df);
  size_t i = 0;
  for (; i + 2 * lanes <= head_dim; i += 2 * lanes) {
    acc0 = hn::MulAdd(hn::LoadU(df, k + i), hn::LoadU(df, q + i), acc0);
    acc1 = hn::MulAdd(hn::LoadU(df, k + i + lanes), hn::LoadU(df, q + i + lanes), acc1);
  }
  for (; i + lanes <= head_dim; i += lanes) acc0 = hn::MulAdd(hn::LoadU(df, k + i), hn::LoadU(df, q + i), acc0);
  float dot = hn::GetLane(hn::SumOfLanes(df, hn::Add(acc0, acc1)));
  for (; i < head_dim; ++i) dot += k[i] * q[i];
  return dot;
}

// The arithmetic is llama.cpp's CPU flash attention for an F16 cache, because its results are the
// yardstick and a random-weight network amplifies any difference: one pass with a running maximum
// M and sum S, and the weighted sum of V kept in F16, rounded after every step (rescaled by
// exp(M_old - M) when the maximum grows, then fma(v, exp(s - M), acc)). Finally out = acc * (1/S).
// Keeping acc in float instead moved logits of the shared models by up to ~0.5 from llama.cpp's.
//
// The order of that recurrence is kept, but not its loop nest: a block's scores are computed first,
// the running maximum decides for each position which exponential it needs (the maxima depend on
// the scores alone), and the exponentials are taken a vector at a time (a vector Exp within 1 ulp
// instead of libm's expf: on the shared models the logits moved by less than the tests' bounds).
void AttentionGroupImpl(const float* HWY_RESTRICT q, size_t group, bool q8_0, const std::byte* const* k_rows,
                        const std::byte* const* v_rows, size_t length, size_t head_dim, float scale,
                        float* HWY_RESTRICT state, float* HWY_RESTRICT out) {
  const hn::ScalableTag<float> df;
  const hn::Rebind<hwy::float16_t, decltype(df)> dh;
  const hn::Rebind<int8_t, decltype(df)> d8;
  const hn::Rebind<int32_t, decltype(df)> di;
  const size_t lanes = hn::Lanes(df);
  HWY_ALIGN float rows[kBlock * kMaxAttentionHeadDim];
  const auto to_floats = [&](const std::byte* const* src, size_t count) {
    for (size_t j = 0; j < count; ++j) {
      float* row = rows + j * head_dim;
      if (q8_0) {
        // lanes divides the 32 values of a block on every target (a power of two up to 16).
        const auto* blocks = reinterpret_cast<const quant::BlockQ8_0*>(src[j]);
        for (size_t b = 0; b < head_dim / quant::kLegacyBlock; ++b) {
          const auto d = hn::Set(df, HalfToFloat(blocks[b].d));
          for (size_t i = 0; i < quant::kLegacyBlock; i += lanes) {
            const auto values = hn::ConvertTo(df, hn::PromoteTo(di, hn::LoadU(d8, blocks[b].qs + i)));
            hn::StoreU(hn::Mul(values, d), df, row + b * quant::kLegacyBlock + i);
          }
        }
        continue;
      }
      const auto* bits = reinterpret_cast<const uint16_t*>(src[j]);
      const auto* h = reinterpret_cast<const hwy::float16_t*>(bits);
      size_t i = 0;
      for (; i + lanes <= head_dim; i += lanes) hn::StoreU(hn::PromoteTo(df, hn::LoadU(dh, h + i)), df, row + i);
      for (; i < head_dim; ++i) row[i] = HalfToFloat(bits[i]);
    }
  };
  // Rounds to F16 (to nearest even) and back, as storing the accumulator to F16 would.
  const auto round = [&](hn::Vec<decltype(df)> v) {
#if HWY_TARGET == HWY_SSE4 || HWY_TARGET == HWY_SSSE3 || HWY_TARGET == HWY_EMU128 || HWY_TARGET == HWY_SCALAR
    // Highway 1.0's conversion without F16C truncates instead of rounding.
    HWY_ALIGN float lanes_of_v[hn::MaxLanes(df)];
    hn::Store(v, df, lanes_of_v);
    for (size_t k = 0; k < lanes; ++k) lanes_of_v[k] = HalfToFloat(FloatToHalf(lanes_of_v[k]));
    return hn::Load(df, lanes_of_v);
#else
    return hn::PromoteTo(df, hn::DemoteTo(dh, v));
#endif
  };
  const auto round_scalar = [](float v) { return HalfToFloat(FloatToHalf(v)); };

  float* max = state;          // [group] running maximum M
  float* sum = state + group;  // [group] running sum S
  for (size_t g = 0; g < group; ++g) {
    max[g] = -HUGE_VALF;
    sum[g] = 0.0f;
  }
  for (size_t i = 0; i < group * head_dim; ++i) out[i] = 0.0f;

  for (size_t t0 = 0; t0 < length; t0 += kBlock) {
    const size_t n = length - t0 < kBlock ? length - t0 : kBlock;
    float args[kMaxAttentionGroup][kBlock];
    bool grew[kMaxAttentionGroup][kBlock];
    to_floats(k_rows + t0, n);
    for (size_t g = 0; g < group; ++g) {
      float m = max[g];
      for (size_t j = 0; j < n; ++j) {
        const float s = HeadDot(rows + j * head_dim, q + g * head_dim, head_dim) * scale;
        grew[g][j] = s > m;
        args[g][j] = grew[g][j] ? m - s : s - m;  // exp of this is the rescale factor, else the weight
        if (grew[g][j]) m = s;
      }
      max[g] = m;
    }
    // Exponentials and weights for the whole block; then the accumulators are updated position
    // by position, every head and slice of a position being independent of the others (enough
    // work in flight to hide the multiply-add and conversion latencies of each update).
    float exps[kMaxAttentionGroup][kBlock + hn::MaxLanes(df)], weight[kMaxAttentionGroup][kBlock];
    for (size_t g = 0; g < group; ++g) {
      for (size_t j = 0; j < n; j += lanes) {
        HWY_ALIGN float a[hn::MaxLanes(df)] = {};
        for (size_t k = 0; k < lanes && j + k < n; ++k) a[k] = args[g][j + k];
        hn::StoreU(hn::Exp(df, hn::Load(df, a)), df, exps[g] + j);
      }
      float s = sum[g];
      for (size_t j = 0; j < n; ++j) {
        const float ms = grew[g][j] ? exps[g][j] : 1.0f, vs = grew[g][j] ? 1.0f : exps[g][j];
        s = s * ms + vs;
        weight[g][j] = vs;
      }
      sum[g] = s;
    }
    to_floats(v_rows + t0, n);
    for (size_t j = 0; j < n; ++j) {
      const float* v = rows + j * head_dim;
      for (size_t g = 0; g < group; ++g) {
        float* o = out + g * head_dim;
        if (grew[g][j]) {
          const auto e = hn::Set(df, exps[g][j]);
          size_t i = 0;
          for (; i + lanes <= head_dim; i += lanes) hn::StoreU(round(hn::Mul(hn::LoadU(df, o + i), e)), df, o + i);
          for (; i < head_dim; ++i) o[i] = round_scalar(o[i] * exps[g][j]);
        }
        const auto w = hn::Set(df, weight[g][j]);
        size_t i = 0;
        for (; i + lanes <= head_dim; i += lanes) {
          hn::StoreU(round(hn::MulAdd(hn::LoadU(df, v + i), w, hn::LoadU(df, o + i))), df, o + i);
        }
        for (; i < head_dim; ++i) o[i] = round_scalar(o[i] + v[i] * weight[g][j]);
      }
    }
  }
  for (size_t g = 0; g < group; ++g) {
    const float inv = sum[g] == 0.0f ? 0.0f : 1.0f / sum[g];
    for (size_t i = 0; i < head_dim; ++i) out[g * head_dim + i] *= inv;
  }
}

}  // namespace HWY_NAMESPACE
}  // namespace citadel::kernels
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
#include "core/check.h"

namespace citadel::kernels {

HWY_EXPORT(AttentionGroupImpl);

void AttentionGroup(std::span<const float> q, size_t group, KvRowFormat format, std::span<const std::byte* const> k_rows,
                    std::span<const std::byte* const> v_rows, float scale, std::span<float> state, std::span<float> out) {
  CITADEL_CHECK(group > 0 && group <= kMaxAttentionGroup && q.size() % group == 0 &&
                q.size() / group <= kMaxAttentionHeadDim);
  CITADEL_CHECK(format == KvRowFormat::kF16 || (q.size() / group) % quant::kLegacyBlock == 0);
  CITADEL_CHECK(k_rows.size() == v_rows.size() && state.size() >= 2 * group && out.size() == q.size() &&
                !k_rows.empty());
  HWY_DYNAMIC_DISPATCH(AttentionGroupImpl)(q.data(), group, format == KvRowFormat::kQ8_0, k_rows.data(), v_rows.data(),
                                           k_rows.size(), q.size() / group, scale, state.data(), out.data());
}

}  // namespace citadel::kernels
#endif  // HWY_ONCE
