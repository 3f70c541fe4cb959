// Every compiled Highway target of dot.h against the scalar twins in dot_reference.h.
//
// Tolerances are relative to sum |w_i * x_i| (the dot itself may cancel to ~0). In every kernel the
// products are exact or rounded once (F32/F16: one FMA rounding; quantized: the int32 block sums
// are exact and float(sum) * d_w * d_x rounds once, since two binary16 mantissas multiply exactly in
// float), so the error is float accumulation: at most ~(chain length) * 2^-24 relative to
// sum |w_i x_i|, with chains <= 4096 terms on the scalar target. Observed errors are far below; we
// allow kRelTol = 1e-5, loose enough for any target and tight enough to catch a wrong lane or block.

#include "kernels/dot.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <span>
#include <string>
#include <cstdio>
#include <vector>

#include "core/float16.h"
#include "kernels/dot_reference.h"
#include "kernels/for_each_target.h"
#include "quant/quant.h"
#include "testing/random.h"

namespace citadel::kernels {
namespace {

using gguf::TensorType;
using quant::BlockQ4_0;
using quant::BlockQ8_0;

constexpr double kRelTol = 1e-5;
// For sums of exactly zero magnitude (all-zero blocks) the error must be exactly zero too.
void ExpectClose(float got, const reference::DotResult& want) {
  EXPECT_NEAR(got, want.dot, kRelTol * want.abs_sum) << "abs_sum " << want.abs_sum;
}

using testing::ForEachTarget;

template <class Block>
std::vector<Block> QuantizeTo(TensorType type, std::span<const float> x) {
  std::vector<Block> blocks(x.size() / Block::kElements);
  EXPECT_TRUE(quant::Quantize(type, x, std::as_writable_bytes(std::span(blocks))).has_value());
  return blocks;
}

// Arbitrary bytes, as a hostile or unusual file may hold: qs covers -128, scales any finite half.
std::vector<BlockQ8_0> RawQ8_0(std::mt19937_64& rng, size_t blocks) {
  std::uniform_int_distribution<int> byte(-128, 127);
  std::uniform_real_distribution<float> scale(-0.05f, 0.05f);
  std::vector<BlockQ8_0> out(blocks);
  for (auto& b : out) {
    b.d = FloatToHalf(scale(rng));
    for (auto& q : b.qs) q = static_cast<int8_t>(byte(rng));
  }
  return out;
}

std::vector<BlockQ4_0> RawQ4_0(std::mt19937_64& rng, size_t blocks) {
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_real_distribution<float> scale(-0.05f, 0.05f);
  std::vector<BlockQ4_0> out(blocks);
  for (auto& b : out) {
    b.d = FloatToHalf(scale(rng));
    for (auto& q : b.qs) q = static_cast<uint8_t>(byte(rng));
  }
  return out;
}

const std::vector<size_t> kBlockCounts = {1, 2, 3, 5, 7, 31, 33, 128};  // 128 blocks = 4096

TEST(DotTest, F32MatchesReference) {
  CITADEL_SEEDED_RNG(rng);
  for (const size_t n : {1, 3, 7, 8, 15, 16, 17, 31, 33, 64, 100, 255, 1000, 4096, 4099}) {
    SCOPED_TRACE(n);
    const auto w = testing::RandomFloats(rng, n);
    const auto x = testing::RandomFloats(rng, n, 3.0f);
    const auto want = reference::DotF32(w, x);
    ForEachTarget([&] { ExpectClose(DotF32(w, x), want); });
  }
}

TEST(DotTest, F16MatchesReference) {
  CITADEL_SEEDED_RNG(rng);
  for (const size_t n : {1, 3, 7, 8, 15, 16, 17, 31, 33, 64, 100, 255, 1000, 4096, 4099}) {
    SCOPED_TRACE(n);
    const auto wf = testing::RandomFloats(rng, n);
    std::vector<uint16_t> w(n);
    for (size_t i = 0; i < n; ++i) w[i] = FloatToHalf(wf[i]);
    const auto x = testing::RandomFloats(rng, n, 3.0f);
    const auto want = reference::DotF16(w, x);
    ForEachTarget([&] { ExpectClose(DotF16(w, x), want); });
  }
}

TEST(DotTest, Q8_0MatchesReference) {
  CITADEL_SEEDED_RNG(rng);
  for (const size_t blocks : kBlockCounts) {
    SCOPED_TRACE(blocks);
    const size_t n = blocks * quant::kLegacyBlock;
    const auto w = QuantizeTo<BlockQ8_0>(TensorType::kQ8_0, testing::RandomFloats(rng, n));
    const auto x = QuantizeTo<BlockQ8_0>(TensorType::kQ8_0, testing::RandomFloats(rng, n, 3.0f));
    const auto raw_w = RawQ8_0(rng, blocks);
    const auto want = reference::DotQ8_0(w, x);
    const auto want_raw = reference::DotQ8_0(raw_w, x);
    ForEachTarget([&] {
      ExpectClose(DotQ8_0(w, x), want);
      ExpectClose(DotQ8_0(raw_w, x), want_raw);
    });
  }
}

TEST(DotTest, Q4_0MatchesReference) {
  CITADEL_SEEDED_RNG(rng);
  for (const size_t blocks : kBlockCounts) {
    SCOPED_TRACE(blocks);
    const size_t n = blocks * quant::kLegacyBlock;
    const auto w = QuantizeTo<BlockQ4_0>(TensorType::kQ4_0, testing::RandomFloats(rng, n));
    const auto x = QuantizeTo<BlockQ8_0>(TensorType::kQ8_0, testing::RandomFloats(rng, n, 3.0f));
    const auto raw_w = RawQ4_0(rng, blocks);
    const auto want = reference::DotQ4_0(w, x);
    const auto want_raw = reference::DotQ4_0(raw_w, x);
    ForEachTarget([&] {
      ExpectClose(DotQ4_0(w, x), want);
      ExpectClose(DotQ4_0(raw_w, x), want_raw);
    });
  }
}

// K-quants: realistic blocks from the reference quantizer plus raw random bytes (every bit pattern
// of codes and packed scales is a valid block). The min term of Q4_K is summed apart from the code
// term; both are bounded by sum |w_i x_i| plus |dmin * m * x| (the min is at most the block's
// largest magnitude), so kRelTol holds with room to spare.
template <class Block>
std::vector<Block> RawKBlocks(std::mt19937_64& rng, size_t blocks) {
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_real_distribution<float> scale(-0.01f, 0.01f);
  std::vector<Block> out(blocks);
  for (auto& b : out) {
    auto* bytes = reinterpret_cast<uint8_t*>(&b);
    for (size_t i = 0; i < sizeof(Block); ++i) bytes[i] = static_cast<uint8_t>(byte(rng));
    b.d = FloatToHalf(scale(rng));
    if constexpr (requires { b.dmin; }) b.dmin = FloatToHalf(scale(rng));
  }
  return out;
}

template <class Block, class Kernel, class Reference>
void CheckKQuant(TensorType type, Kernel kernel, Reference ref) {
  CITADEL_SEEDED_RNG(rng);
  for (const size_t blocks : {1, 2, 3, 5, 16}) {  // 16 super-blocks = 4096 elements
    SCOPED_TRACE(blocks);
    const size_t n = blocks * quant::kSuperBlock;
    const auto w = QuantizeTo<Block>(type, testing::RandomFloats(rng, n));
    const auto x = QuantizeTo<quant::BlockQ8_K>(TensorType::kQ8_K, testing::RandomFloats(rng, n, 3.0f));
    const auto raw_w = RawKBlocks<Block>(rng, blocks);
    const auto want = ref(std::span<const Block>(w), std::span<const quant::BlockQ8_K>(x));
    const auto want_raw = ref(std::span<const Block>(raw_w), std::span<const quant::BlockQ8_K>(x));
    ForEachTarget([&] {
      ExpectClose(kernel(w, x), want);
      ExpectClose(kernel(raw_w, x), want_raw);
    });
  }
}

TEST(DotTest, Q4_KMatchesReference) {
  CheckKQuant<quant::BlockQ4_K>(TensorType::kQ4_K, DotQ4_K, reference::DotQ4_K);
}

TEST(DotTest, Q6_KMatchesReference) {
  CheckKQuant<quant::BlockQ6_K>(TensorType::kQ6_K, DotQ6_K, reference::DotQ6_K);
}

// The integer path must be exact: with power-of-two scales whose products lie in {1/2, 1, 2},
// every float the kernel forms is an integer multiple of 1/2 below 2^23 in magnitude (checked
// below), so any lane split or summation order is exact and the kernel must equal
// sum_b isum_b * d_w,b * d_x,b bit for bit. A dropped lane, a saturating multiply or a wrong
// sign extension of -128 shows up as a difference.
TEST(DotTest, Q8_0IntegerPathIsExact) {
  CITADEL_SEEDED_RNG(rng);
  std::uniform_int_distribution<int> byte(-128, 127);
  std::uniform_int_distribution<int> act(-127, 127);
  std::uniform_int_distribution<int> exponent(0, 1);
  for (const size_t blocks : {1, 2, 3, 5, 8}) {
    SCOPED_TRACE(blocks);
    for (int trial = 0; trial < 20; ++trial) {
      std::vector<BlockQ8_0> w(blocks), x(blocks);
      double bound = 0.0;
      double want = 0.0;
      for (size_t b = 0; b < blocks; ++b) {
        w[b].d = FloatToHalf(exponent(rng) ? 0.5f : 1.0f);
        x[b].d = FloatToHalf(exponent(rng) ? 2.0f : 1.0f);
        for (size_t i = 0; i < quant::kLegacyBlock; ++i) {
          // The first trial pins every lane at the extremes to catch saturation.
          w[b].qs[i] = static_cast<int8_t>(trial == 0 ? -128 : byte(rng));
          x[b].qs[i] = static_cast<int8_t>(trial == 0 ? 127 : act(rng));
        }
        int64_t isum = 0;
        for (size_t i = 0; i < quant::kLegacyBlock; ++i) {
          isum += int64_t{w[b].qs[i]} * x[b].qs[i];
          bound += std::abs(static_cast<double>(w[b].qs[i]) * x[b].qs[i]) * 2.0;
        }
        want += static_cast<double>(isum) * HalfToFloat(w[b].d) * HalfToFloat(x[b].d);
      }
      ASSERT_LT(bound * 2.0, 0x1p24);  // in units of 1/2: exactly representable in float
      ForEachTarget([&] { EXPECT_EQ(DotQ8_0(w, x), static_cast<float>(want)); });
    }
  }
}

TEST(DotTest, ZeroScalesGiveExactZero) {
  std::vector<BlockQ8_0> x(4);
  std::vector<BlockQ4_0> w4(4);
  std::vector<BlockQ8_0> w8(4);
  for (auto& b : x) {
    b.d = FloatToHalf(1.0f);
    for (auto& q : b.qs) q = 100;
  }
  for (auto& b : w4) {
    b.d = 0;
    for (auto& q : b.qs) q = 0xff;
  }
  for (auto& b : w8) {
    b.d = 0;
    for (auto& q : b.qs) q = 127;
  }
  ForEachTarget([&] {
    EXPECT_EQ(DotQ4_0(w4, x), 0.0f);
    EXPECT_EQ(DotQ8_0(w8, x), 0.0f);
  });
}

TEST(DotTest, DispatchCoversEveryTarget) {
  std::string names;
  for (const int64_t target : KernelTargets()) names += std::string(hwy::TargetName(target)) + " ";
  std::printf("kernel targets: %s\n", names.c_str());
  ForEachTarget([] {});
}

TEST(DotTest, EmptyIsZero) {
  ForEachTarget([&] {
    EXPECT_EQ(DotF32({}, {}), 0.0f);
    EXPECT_EQ(DotQ8_0({}, {}), 0.0f);
  });
}

}  // namespace
}  // namespace citadel::kernels
