// Dispatch, size validation, the NaN/Inf policy, the float formats, and the exact contents of the
// activation formats' auxiliary fields (Q8_1's s, Q8_K's bsums) that dot kernels rely on.

#include "quant/quant.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "core/float16.h"
#include "quant/blocks.h"
#include "testing/random.h"

namespace citadel::quant {
namespace {

using gguf::TensorType;

template <class Block>
void ExpectGeometry(TensorType type) {
  EXPECT_EQ(sizeof(Block), gguf::Info(type).block_bytes) << gguf::Name(type);
  EXPECT_EQ(Block::kElements, gguf::Info(type).block_elements) << gguf::Name(type);
}

TEST(QuantTest, BlockStructsMatchGgufGeometry) {
  ExpectGeometry<BlockQ4_0>(TensorType::kQ4_0);
  ExpectGeometry<BlockQ4_1>(TensorType::kQ4_1);
  ExpectGeometry<BlockQ5_0>(TensorType::kQ5_0);
  ExpectGeometry<BlockQ5_1>(TensorType::kQ5_1);
  ExpectGeometry<BlockQ8_0>(TensorType::kQ8_0);
  ExpectGeometry<BlockQ8_1>(TensorType::kQ8_1);
  ExpectGeometry<BlockQ2_K>(TensorType::kQ2_K);
  ExpectGeometry<BlockQ3_K>(TensorType::kQ3_K);
  ExpectGeometry<BlockQ4_K>(TensorType::kQ4_K);
  ExpectGeometry<BlockQ5_K>(TensorType::kQ5_K);
  ExpectGeometry<BlockQ6_K>(TensorType::kQ6_K);
  ExpectGeometry<BlockQ8_K>(TensorType::kQ8_K);
}

TEST(QuantTest, SupportedTypes) {
  for (TensorType t : {TensorType::kF32, TensorType::kF16, TensorType::kBF16, TensorType::kQ4_0,
                       TensorType::kQ4_1, TensorType::kQ5_0, TensorType::kQ5_1, TensorType::kQ8_0,
                       TensorType::kQ8_1, TensorType::kQ2_K, TensorType::kQ3_K, TensorType::kQ4_K,
                       TensorType::kQ5_K, TensorType::kQ6_K, TensorType::kQ8_K}) {
    EXPECT_TRUE(CanDequantize(t)) << gguf::Name(t);
    EXPECT_TRUE(CanQuantize(t)) << gguf::Name(t);
  }
  for (TensorType t : {TensorType::kIQ2_XXS, TensorType::kIQ4_NL, TensorType::kI8, TensorType::kF64,
                       TensorType::kTQ1_0, TensorType::kMXFP4}) {
    EXPECT_FALSE(CanDequantize(t)) << gguf::Name(t);
    EXPECT_FALSE(CanQuantize(t)) << gguf::Name(t);
  }
}

TEST(QuantTest, UnsupportedTypeIsAnErrorNamingIt) {
  std::vector<std::byte> bytes(256);
  std::vector<float> floats(256);
  auto d = Dequantize(TensorType::kIQ4_NL, bytes, floats);
  ASSERT_FALSE(d);
  EXPECT_NE(d.error().message.find("IQ4_NL"), std::string::npos) << d.error().message;
  auto q = Quantize(TensorType::kIQ4_NL, floats, bytes);
  ASSERT_FALSE(q);
  EXPECT_NE(q.error().message.find("IQ4_NL"), std::string::npos) << q.error().message;
}

TEST(QuantTest, PartialBlockIsAnErrorNamingTheType) {
  std::vector<std::byte> bytes(144);
  std::vector<float> floats(255);
  auto d = Dequantize(TensorType::kQ4_K, bytes, floats);
  ASSERT_FALSE(d);
  EXPECT_NE(d.error().message.find("Q4_K"), std::string::npos) << d.error().message;
  EXPECT_NE(d.error().message.find("255"), std::string::npos) << d.error().message;
  auto q = Quantize(TensorType::kQ4_K, floats, bytes);
  ASSERT_FALSE(q);
  EXPECT_NE(q.error().message.find("Q4_K"), std::string::npos) << q.error().message;
}

TEST(QuantTest, ByteCountMismatchIsAnError) {
  std::vector<float> floats(64);
  for (size_t n_bytes : {size_t{0}, size_t{35}, size_t{37}, size_t{72}}) {
    std::vector<std::byte> bytes(n_bytes);
    auto d = Dequantize(TensorType::kQ8_0, bytes, floats);  // 2 blocks need 68 bytes
    ASSERT_FALSE(d) << n_bytes;
    EXPECT_NE(d.error().message.find("Q8_0"), std::string::npos) << d.error().message;
    EXPECT_NE(d.error().message.find("68"), std::string::npos) << d.error().message;
    EXPECT_FALSE(Quantize(TensorType::kQ8_0, floats, bytes)) << n_bytes;
  }
  std::vector<std::byte> f16_bytes(7);
  std::vector<float> three(3);
  auto f = Dequantize(TensorType::kF16, f16_bytes, three);
  ASSERT_FALSE(f);
  EXPECT_NE(f.error().message.find("F16"), std::string::npos) << f.error().message;
}

TEST(QuantTest, EmptySpansAreFine) {
  EXPECT_TRUE(Dequantize(TensorType::kQ6_K, {}, {}));
  EXPECT_TRUE(Quantize(TensorType::kQ6_K, {}, {}));
}

TEST(QuantTest, BlockFormatsRejectNonFiniteInput) {
  for (TensorType t : {TensorType::kQ4_0, TensorType::kQ8_1, TensorType::kQ4_K, TensorType::kQ8_K}) {
    for (float bad : {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity(),
                      -std::numeric_limits<float>::infinity()}) {
      std::vector<float> x(256, 1.0f);
      x[37] = bad;
      std::vector<std::byte> bytes(256 / gguf::Info(t).block_elements * gguf::Info(t).block_bytes);
      auto q = Quantize(t, x, bytes);
      ASSERT_FALSE(q) << gguf::Name(t);
      EXPECT_NE(q.error().message.find(std::string(gguf::Name(t))), std::string::npos) << q.error().message;
      EXPECT_NE(q.error().message.find("element 37"), std::string::npos) << q.error().message;
    }
  }
}

TEST(QuantTest, FloatFormatsCarryNanAndInfinity) {
  const float inf = std::numeric_limits<float>::infinity();
  const std::vector<float> x = {std::numeric_limits<float>::quiet_NaN(), inf, -inf, 1e6f};
  for (TensorType t : {TensorType::kF32, TensorType::kF16, TensorType::kBF16}) {
    std::vector<std::byte> bytes(x.size() * gguf::Info(t).block_bytes);
    ASSERT_TRUE(Quantize(t, x, bytes)) << gguf::Name(t);
    std::vector<float> y(x.size());
    ASSERT_TRUE(Dequantize(t, bytes, y)) << gguf::Name(t);
    EXPECT_TRUE(std::isnan(y[0])) << gguf::Name(t);
    EXPECT_EQ(y[1], inf) << gguf::Name(t);
    EXPECT_EQ(y[2], -inf) << gguf::Name(t);
    if (t == TensorType::kF16) {
      EXPECT_EQ(y[3], inf);  // beyond 65504: overflows, as IEEE rounding says
    }
  }
}

// F32 is a copy; F16/BF16 round to nearest (relative error 2^-11 / 2^-8 in the normal range).
TEST(QuantTest, FloatFormatsRoundTrip) {
  CITADEL_SEEDED_RNG(rng);
  const auto x = testing::RandomFloats(rng, 4096, 100.0f);
  struct Case {
    TensorType type;
    float relative;
  };
  for (const Case c : {Case{TensorType::kF32, 0.0f}, Case{TensorType::kF16, 0x1p-11f}, Case{TensorType::kBF16, 0x1p-8f}}) {
    std::vector<std::byte> bytes(x.size() * gguf::Info(c.type).block_bytes);
    ASSERT_TRUE(Quantize(c.type, x, bytes));
    std::vector<float> y(x.size());
    ASSERT_TRUE(Dequantize(c.type, bytes, y));
    for (size_t i = 0; i < x.size(); ++i) {
      // Below 2^-14 F16 is subnormal, with an absolute step of 2^-24.
      const float bound = std::fabs(x[i]) * c.relative + (c.type == TensorType::kF16 ? 0x1p-25f : 0.0f);
      ASSERT_LE(std::fabs(x[i] - y[i]), bound) << gguf::Name(c.type) << " element " << i;
    }
  }
}

TEST(QuantTest, Q8_1SumIsScaleTimesCodeSum) {
  CITADEL_SEEDED_RNG(rng);
  const auto x = testing::RandomFloats(rng, 32 * 64, 3.0f);
  std::vector<BlockQ8_1> blocks(64);
  ASSERT_TRUE(Quantize(TensorType::kQ8_1, x, std::as_writable_bytes(std::span(blocks))));
  for (const BlockQ8_1& b : blocks) {
    int sum = 0;
    for (int8_t q : b.qs) {
      ASSERT_GE(q, -127);
      sum += q;
    }
    EXPECT_EQ(b.s, FloatToHalf(HalfToFloat(b.d) * static_cast<float>(sum)));
  }
}

TEST(QuantTest, Q8_KBlockSumsAreExact) {
  CITADEL_SEEDED_RNG(rng);
  auto x = testing::RandomFloats(rng, 256 * 8, 1.0f);
  for (size_t i = 0; i < 256; ++i) x[i] = 5.0f;  // saturated sub-blocks: sums of 16 * 127
  std::vector<BlockQ8_K> blocks(8);
  ASSERT_TRUE(Quantize(TensorType::kQ8_K, x, std::as_writable_bytes(std::span(blocks))));
  EXPECT_EQ(blocks[0].bsums[0], 16 * 127);
  for (const BlockQ8_K& b : blocks) {
    for (size_t j = 0; j < 16; ++j) {
      int sum = 0;
      for (size_t e = 16 * j; e < 16 * j + 16; ++e) {
        ASSERT_GE(b.qs[e], -127);
        sum += b.qs[e];
      }
      EXPECT_EQ(b.bsums[j], sum);
    }
  }
}

// Hand-built blocks decode as blocks.h documents, independent of our own encoder.
TEST(QuantTest, HandBuiltQ4_0AndQ6_KDecodeAsDocumented) {
  BlockQ4_0 q4{};
  q4.d = FloatToHalf(0.5f);
  q4.qs[3] = 0xF1;  // element 3: code 1 -> -7 * 0.5; element 19: code 15 -> 7 * 0.5
  std::vector<float> y(32);
  ASSERT_TRUE(Dequantize(TensorType::kQ4_0, std::as_bytes(std::span(&q4, 1)), y));
  EXPECT_EQ(y[3], -3.5f);
  EXPECT_EQ(y[19], 3.5f);
  EXPECT_EQ(y[0], -4.0f);  // code 0 -> -8 * 0.5

  BlockQ6_K q6{};
  q6.d = FloatToHalf(0.25f);
  for (auto& s : q6.scales) s = 2;
  q6.scales[12] = -4;  // sub-block of element 200 (200 / 16)
  // Element 200: h = 1, r = 72 -> high nibble of ql[64 + 8], high bits at bit 4 of qh[32 + 8].
  q6.ql[72] = 0x50;
  q6.qh[40] = 0x30;  // code = 5 | 3 << 4 = 53 -> 21
  std::vector<float> z(256);
  ASSERT_TRUE(Dequantize(TensorType::kQ6_K, std::as_bytes(std::span(&q6, 1)), z));
  EXPECT_EQ(z[200], 0.25f * -4 * 21);
  EXPECT_EQ(z[0], 0.25f * 2 * -32);
}

}  // namespace
}  // namespace citadel::quant
