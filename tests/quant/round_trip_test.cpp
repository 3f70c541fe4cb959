// Quantize -> Dequantize error on random and adversarial data, per type, against the bound the
// format implies. Bounds are per block (legacy, Q8_K: provable worst cases) or per super-block RMS
// (K weight formats, whose least-squares fit trades max error for mean error).

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string>
#include <vector>

#include "gguf/tensor_type.h"
#include "quant/quant.h"
#include "testing/random.h"

namespace citadel::quant {
namespace {

using gguf::TensorType;

constexpr float kHalfEps = 0x1p-11f;  // relative rounding error of a binary16 scale

std::vector<float> RoundTrip(TensorType type, const std::vector<float>& x) {
  const auto& info = gguf::Info(type);
  std::vector<std::byte> bytes(x.size() / info.block_elements * info.block_bytes);
  auto q = Quantize(type, x, bytes);
  EXPECT_TRUE(q) << q.error().message;
  std::vector<float> y(x.size());
  auto d = Dequantize(type, bytes, y);
  EXPECT_TRUE(d) << d.error().message;
  return y;
}

struct BlockStats {
  float lo = 0, hi = 0, absmax = 0;
};

BlockStats Stats(const float* x, size_t n) {
  BlockStats s{x[0], x[0], 0};
  for (size_t i = 0; i < n; ++i) {
    s.lo = std::min(s.lo, x[i]);
    s.hi = std::max(s.hi, x[i]);
    s.absmax = std::max(s.absmax, std::fabs(x[i]));
  }
  return s;
}

// Worst-case |error| for one block of a legacy format or Q8_K, with the reasoning for each.
float LegacyMaxError(TensorType type, const BlockStats& s) {
  const float tiny = 1e-30f;
  switch (type) {
    // Symmetric 4/5-bit: d = absmax/2^(b-1); in-range error <= d/2, but the side opposite the
    // extreme only reaches (2^(b-1)-1)*d, so an element there can be off by a whole d. The binary16
    // rounding of d costs at most 2^(b-1) * d * 2^-11 more.
    case TensorType::kQ4_0: return s.absmax / 8 * (1 + 8 * kHalfEps) * 1.0001f + tiny;
    case TensorType::kQ5_0: return s.absmax / 16 * (1 + 16 * kHalfEps) * 1.0001f + tiny;
    // Offset 4/5-bit: step = (max-min)/maxcode; error <= step/2, plus maxcode * the rounding of the
    // step and the rounding of the stored min.
    case TensorType::kQ4_1:
    case TensorType::kQ5_1: {
      const float max_code = type == TensorType::kQ4_1 ? 15.0f : 31.0f;
      const float step = (s.hi - s.lo) / max_code;
      return (step / 2 + max_code * step * kHalfEps + std::fabs(s.lo) * kHalfEps) * 1.001f + tiny;
    }
    // 8-bit, binary16 d = absmax/127: error <= d/2, plus 127 * the rounding of d at the clamp.
    case TensorType::kQ8_0:
    case TensorType::kQ8_1: return (s.absmax / 254 + s.absmax * kHalfEps) * 1.001f + tiny;
    // 8-bit with a float32 d: just d/2 (and float rounding).
    case TensorType::kQ8_K: return s.absmax / 254 * 1.001f + tiny;
    default: return 0;
  }
}

// K weight formats: RMS error of a super-block relative to the RMS of its data, on Gaussian input.
// A uniform quantizer with n levels spanning a sub-block's range R has RMS error R/(n-1)/sqrt(12);
// the expected range of 16 (32) Gaussian samples is ~3.5 (~4.1) sigma, giving Q2_K 0.34, Q3_K
// 0.15, Q4_K 0.079, Q5_K 0.038, Q6_K 0.016. The least-squares fit beats min/max on Q2_K; the
// quantized sub-block scales cost the rest. Bounds: that estimate (or the measured worst of 64
// super-blocks: 0.30, 0.16, 0.081, 0.041, 0.0205) plus ~15% margin.
float KRelativeRms(TensorType type) {
  switch (type) {
    case TensorType::kQ2_K: return 0.35f;
    case TensorType::kQ3_K: return 0.19f;
    case TensorType::kQ4_K: return 0.095f;
    case TensorType::kQ5_K: return 0.048f;
    case TensorType::kQ6_K: return 0.024f;
    default: return 0;
  }
}

const TensorType kBlockTypes[] = {TensorType::kQ4_0, TensorType::kQ4_1, TensorType::kQ5_0,
                                  TensorType::kQ5_1, TensorType::kQ8_0, TensorType::kQ8_1,
                                  TensorType::kQ2_K, TensorType::kQ3_K, TensorType::kQ4_K,
                                  TensorType::kQ5_K, TensorType::kQ6_K, TensorType::kQ8_K};

class RoundTripTest : public ::testing::TestWithParam<TensorType> {};

// Checks every block of y against x with the type's bound; `label` names the data set.
void ExpectWithinBound(TensorType type, const std::vector<float>& x, const std::vector<float>& y,
                       const std::string& label) {
  const size_t block = gguf::Info(type).block_elements;
  const float k_rms = KRelativeRms(type);
  double worst_ratio = 0;
  for (size_t b = 0; b < x.size() / block; ++b) {
    const float* xb = x.data() + b * block;
    const float* yb = y.data() + b * block;
    for (size_t i = 0; i < block; ++i) ASSERT_TRUE(std::isfinite(yb[i])) << label << " element " << b * block + i;
    if (k_rms == 0) {
      const float bound = LegacyMaxError(type, Stats(xb, block));
      for (size_t i = 0; i < block; ++i) {
        ASSERT_LE(std::fabs(xb[i] - yb[i]), bound)
            << gguf::Name(type) << " " << label << ": element " << b * block + i << " x=" << xb[i] << " y=" << yb[i];
      }
    } else {
      double err2 = 0, sig2 = 0;
      for (size_t i = 0; i < block; ++i) {
        err2 += (static_cast<double>(xb[i]) - yb[i]) * (static_cast<double>(xb[i]) - yb[i]);
        sig2 += static_cast<double>(xb[i]) * xb[i];
      }
      const double ratio = sig2 > 0 ? std::sqrt(err2 / sig2) : std::sqrt(err2);
      worst_ratio = std::max(worst_ratio, ratio);
      ASSERT_LE(ratio, k_rms) << gguf::Name(type) << " " << label << ": super-block " << b;
    }
  }
  if (k_rms != 0) ::testing::Test::RecordProperty(std::string(gguf::Name(type)) + "_" + label + "_worst_rel_rms", std::to_string(worst_ratio));
}

TEST_P(RoundTripTest, GaussianDataWithinFormatBound) {
  CITADEL_SEEDED_RNG(rng);
  const TensorType type = GetParam();
  for (const float scale : {1e-3f, 1.0f, 300.0f}) {
    const auto x = testing::RandomFloats(rng, 64 * 256, scale);
    ExpectWithinBound(type, x, RoundTrip(type, x), "gaussian*" + std::to_string(scale));
  }
}

TEST_P(RoundTripTest, AllZeroIsExact) {
  const TensorType type = GetParam();
  const std::vector<float> x(512, 0.0f);
  for (float v : RoundTrip(type, x)) ASSERT_EQ(v, 0.0f) << gguf::Name(type);
}

// Largest |code| times largest integer sub-scale (plus the integer min, where there is one): how
// many times a binary16 scale's absolute rounding error can add up in one value.
float CodeScaleProduct(TensorType type) {
  switch (type) {
    case TensorType::kQ4_0: return 8;
    case TensorType::kQ4_1: return 15 + 1;
    case TensorType::kQ5_0: return 16;
    case TensorType::kQ5_1: return 31 + 1;
    case TensorType::kQ8_0:
    case TensorType::kQ8_1: return 127;
    case TensorType::kQ2_K: return 3 * 15 + 15;
    case TensorType::kQ3_K: return 4 * 32;
    case TensorType::kQ4_K: return 15 * 63 + 63;
    case TensorType::kQ5_K: return 31 * 63 + 63;
    case TensorType::kQ6_K: return 32 * 128;
    default: return 0;  // Q8_K: float32 scale
  }
}

// A constant block is one code times one scale: exact up to the rounding of the binary16 scale,
// which is relative (2^-11) for normal scales and absolute (2^-25) once the scale is subnormal.
// The small constant makes Q6_K's super-block scale (c/4096) underflow entirely, which the
// absolute term bounds too.
TEST_P(RoundTripTest, ConstantBlocksAreNearlyExact) {
  const TensorType type = GetParam();
  for (const float c : {0.75f, -3.5f, 1234.5f, -1e-4f}) {
    const std::vector<float> x(512, c);
    const float bound = std::fabs(c) * 4 * kHalfEps + CodeScaleProduct(type) * 0x1p-24f;
    for (float v : RoundTrip(type, x)) ASSERT_NEAR(v, c, bound) << gguf::Name(type) << " c=" << c;
  }
}

// One huge outlier per block: it must survive (up to the scale's rounding) and the rest must still
// satisfy the format's bound, which the outlier widens.
TEST_P(RoundTripTest, OneHugeOutlier) {
  CITADEL_SEEDED_RNG(rng);
  const TensorType type = GetParam();
  const size_t block = gguf::Info(type).block_elements;
  auto x = testing::RandomFloats(rng, 16 * 256, 1.0f);
  for (size_t b = 0; b < x.size() / block; ++b) x[b * block + (b * 7) % block] = (b % 2 ? 1000.0f : -1000.0f);
  const auto y = RoundTrip(type, x);
  for (size_t b = 0; b < x.size() / block; ++b) {
    const size_t i = b * block + (b * 7) % block;
    EXPECT_NEAR(y[i], x[i], 1000.0f * 0.02f) << gguf::Name(type) << " outlier of block " << b;
  }
  if (KRelativeRms(type) == 0) ExpectWithinBound(type, x, y, "outlier");
}

TEST_P(RoundTripTest, NegativeOnlyBlocks) {
  CITADEL_SEEDED_RNG(rng);
  const TensorType type = GetParam();
  auto x = testing::RandomFloats(rng, 32 * 256, 1.0f);
  for (float& v : x) v = -std::fabs(v) - 0.5f;
  const auto y = RoundTrip(type, x);
  // With 4 or 8 levels per block, the least-squares fit of scale and minimum may put the top level
  // a fraction of a step above the block's largest value (at most -0.5 here): a seed showed Q2_K
  // reconstruct +0.044. The other formats keep every value negative.
  const float slack = type == TensorType::kQ2_K || type == TensorType::kQ3_K ? 0.25f : 0.0f;
  for (float v : y) ASSERT_LE(v, slack) << gguf::Name(type);
  ExpectWithinBound(type, x, y, "negative");  // |x| >= 0.5 keeps the relative RMS meaningful
}

// Huge finite values saturate the binary16 scale instead of producing infinities.
TEST_P(RoundTripTest, HugeFiniteValuesStayFinite) {
  const TensorType type = GetParam();
  std::vector<float> x(256);
  // Includes +-3e38 in one block, so max - min overflows float.
  for (size_t i = 0; i < x.size(); ++i) x[i] = (i % 3 ? 3e38f : -3e38f) * (static_cast<float>(i % 5) / 4);
  for (float v : RoundTrip(type, x)) ASSERT_TRUE(std::isfinite(v)) << gguf::Name(type);
}

INSTANTIATE_TEST_SUITE_P(AllBlockTypes, RoundTripTest, ::testing::ValuesIn(kBlockTypes),
                         [](const auto& info) { return std::string(gguf::Name(info.param)); });

}  // namespace
}  // namespace citadel::quant
