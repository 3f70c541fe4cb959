// binary16 and bfloat16 conversions. The half tests are exhaustive where the domain allows (every
// half bit pattern, every tie between neighbouring halves) and compare random floats against an
// independent reference that rounds by searching the sorted list of halves.

#include "core/float16.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

#include "testing/random.h"

namespace citadel {
namespace {

bool IsHalfNan(uint16_t h) { return (h & 0x7c00u) == 0x7c00u && (h & 0x3ffu) != 0; }
bool IsBf16Nan(uint16_t b) { return (b & 0x7f80u) == 0x7f80u && (b & 0x7fu) != 0; }
uint32_t Bits(float f) { return std::bit_cast<uint32_t>(f); }
float FromBits(uint32_t u) { return std::bit_cast<float>(u); }

// The value of a half by the definition of the format, in double arithmetic.
double HalfValueByDefinition(uint16_t h) {
  const int sign = (h & 0x8000u) ? -1 : 1;
  const int exponent = (h >> 10) & 0x1f;
  const int mantissa = h & 0x3ff;
  if (exponent == 0x1f) return mantissa == 0 ? sign * std::numeric_limits<double>::infinity() : std::nan("");
  if (exponent == 0) return sign * std::ldexp(static_cast<double>(mantissa), -24);
  return sign * std::ldexp(1.0 + mantissa / 1024.0, exponent - 15);
}

// Reference FloatToHalf for finite floats: the nearest half, ties to the even bit pattern.
uint16_t NearestHalf(float f) {
  const uint16_t sign = std::signbit(f) ? 0x8000u : 0u;
  const double a = std::fabs(static_cast<double>(f));
  if (a >= 65520.0) return sign | 0x7c00u;  // halfway between 65504 and 2^16 rounds to even: inf
  uint16_t lo = 0, hi = 0x7bff;  // largest finite half whose value is <= a, by bisection
  while (lo < hi) {
    const uint16_t mid = static_cast<uint16_t>((lo + hi + 1) / 2);
    if (HalfValueByDefinition(mid) <= a) lo = mid; else hi = static_cast<uint16_t>(mid - 1);
  }
  const double below = HalfValueByDefinition(lo);
  const double above = HalfValueByDefinition(static_cast<uint16_t>(lo + 1));
  uint16_t pick;
  if (a - below < above - a) pick = lo;
  else if (a - below > above - a) pick = static_cast<uint16_t>(lo + 1);
  else pick = (lo & 1u) ? static_cast<uint16_t>(lo + 1) : lo;
  return sign | pick;
}

TEST(Float16Test, HalfToFloatMatchesDefinitionForAllPatterns) {
  for (uint32_t h = 0; h <= 0xffff; ++h) {
    const float f = HalfToFloat(static_cast<uint16_t>(h));
    const double expected = HalfValueByDefinition(static_cast<uint16_t>(h));
    if (std::isnan(expected)) {
      EXPECT_TRUE(std::isnan(f)) << "h=0x" << std::hex << h;
    } else {
      EXPECT_EQ(static_cast<double>(f), expected) << "h=0x" << std::hex << h;
      EXPECT_EQ(std::signbit(f), (h & 0x8000u) != 0) << "h=0x" << std::hex << h;
    }
  }
}

TEST(Float16Test, RoundTripOfAllHalfPatterns) {
  int nans = 0;
  for (uint32_t h = 0; h <= 0xffff; ++h) {
    const auto half = static_cast<uint16_t>(h);
    const uint16_t back = FloatToHalf(HalfToFloat(half));
    if (IsHalfNan(half)) {
      ++nans;
      EXPECT_TRUE(IsHalfNan(back)) << "h=0x" << std::hex << h << " -> 0x" << back;
      EXPECT_EQ(back & 0x8000u, half & 0x8000u) << "NaN sign, h=0x" << std::hex << h;
    } else {
      EXPECT_EQ(back, half) << "h=0x" << std::hex << h;
    }
  }
  EXPECT_EQ(nans, 2 * 1023);
}

TEST(Float16Test, TiesRoundToEvenBetweenEveryPairOfNeighbours) {
  // Every midpoint between adjacent finite halves (subnormal, normal, the subnormal/normal seam and
  // the top one next to infinity) is exactly representable as a float.
  for (uint16_t sign : {uint16_t{0}, uint16_t{0x8000}}) {
    for (uint32_t h = 0; h < 0x7c00; ++h) {
      const auto lo = static_cast<uint16_t>(sign | h);
      const auto hi = static_cast<uint16_t>(sign | (h + 1));
      // Above 65504 the next step would be 2^16, which the format spells as infinity.
      const double hi_value = h + 1 == 0x7c00 ? (sign ? -65536.0 : 65536.0) : HalfValueByDefinition(hi);
      const double mid_exact = (HalfValueByDefinition(lo) + hi_value) / 2;
      const auto mid = static_cast<float>(mid_exact);
      ASSERT_EQ(static_cast<double>(mid), mid_exact);
      const uint16_t even = (h & 1u) ? hi : lo;
      EXPECT_EQ(FloatToHalf(mid), even) << "tie above 0x" << std::hex << lo;
      const float toward_zero = std::nextafter(mid, 0.0f);
      const float away = std::nextafter(mid, sign ? -INFINITY : INFINITY);
      EXPECT_EQ(FloatToHalf(toward_zero), lo) << "just below the tie above 0x" << std::hex << lo;
      EXPECT_EQ(FloatToHalf(away), hi) << "just above the tie above 0x" << std::hex << lo;
    }
  }
}

TEST(Float16Test, OverflowGoesToInfinity) {
  EXPECT_EQ(FloatToHalf(65504.0f), 0x7bff);
  EXPECT_EQ(FloatToHalf(std::nextafter(65520.0f, 0.0f)), 0x7bff);
  EXPECT_EQ(FloatToHalf(65520.0f), 0x7c00);
  EXPECT_EQ(FloatToHalf(65536.0f), 0x7c00);
  EXPECT_EQ(FloatToHalf(1e10f), 0x7c00);
  EXPECT_EQ(FloatToHalf(std::numeric_limits<float>::max()), 0x7c00);
  EXPECT_EQ(FloatToHalf(-std::numeric_limits<float>::max()), 0xfc00);
  EXPECT_EQ(FloatToHalf(INFINITY), 0x7c00);
  EXPECT_EQ(FloatToHalf(-INFINITY), 0xfc00);
  EXPECT_EQ(FloatToHalf(-65520.0f), 0xfc00);
}

TEST(Float16Test, Subnormals) {
  EXPECT_EQ(FloatToHalf(0x1p-24f), 0x0001);                     // smallest subnormal half
  EXPECT_EQ(FloatToHalf(0x1p-25f), 0x0000);                     // tie with zero: even is zero
  EXPECT_EQ(FloatToHalf(std::nextafter(0x1p-25f, 1.0f)), 0x0001);
  EXPECT_EQ(FloatToHalf(3 * 0x1p-25f), 0x0002);                 // tie between 1 and 2: even is 2
  EXPECT_EQ(FloatToHalf(1023 * 0x1p-24f), 0x03ff);              // largest subnormal
  EXPECT_EQ(FloatToHalf(0x1p-14f), 0x0400);                     // smallest normal
  EXPECT_EQ(FloatToHalf(1023.5f * 0x1p-24f), 0x0400);           // tie: rounds up into the normals
  EXPECT_EQ(FloatToHalf(std::numeric_limits<float>::denorm_min()), 0x0000);
  EXPECT_EQ(FloatToHalf(-std::numeric_limits<float>::denorm_min()), 0x8000);
  EXPECT_EQ(FloatToHalf(1e-30f), 0x0000);
  EXPECT_EQ(FloatToHalf(-0.0f), 0x8000);
  EXPECT_EQ(FloatToHalf(0.0f), 0x0000);
  EXPECT_EQ(HalfToFloat(0x0001), 0x1p-24f);
  EXPECT_EQ(HalfToFloat(0x83ff), -1023 * 0x1p-24f);
}

TEST(Float16Test, NanStaysNan) {
  for (uint32_t bits : {0x7fc00000u, 0x7f800001u, 0x7fffffffu, 0xffc00000u, 0xff800001u, 0x7f802000u}) {
    const uint16_t h = FloatToHalf(FromBits(bits));
    EXPECT_TRUE(IsHalfNan(h)) << "float bits 0x" << std::hex << bits << " -> 0x" << h;
    EXPECT_EQ((h & 0x8000u) != 0, (bits & 0x80000000u) != 0);
  }
  EXPECT_TRUE(std::isnan(HalfToFloat(0x7c01)));
  EXPECT_TRUE(std::isnan(HalfToFloat(0xfe00)));
}

TEST(Float16Test, RandomFloatsMatchReferenceRounding) {
  CITADEL_SEEDED_RNG(rng);
  std::uniform_int_distribution<uint32_t> any_bits;
  // Floats near the half range are the interesting ones; uniform bit patterns cover the rest.
  std::uniform_int_distribution<uint32_t> near_range(0x33000000u, 0x47ffffffu);
  for (int i = 0; i < 100000; ++i) {
    uint32_t bits = (i % 2 == 0) ? any_bits(rng) : (near_range(rng) | (any_bits(rng) & 0x80000000u));
    const float f = FromBits(bits);
    if (std::isnan(f)) {
      EXPECT_TRUE(IsHalfNan(FloatToHalf(f)));
      continue;
    }
    ASSERT_EQ(FloatToHalf(f), NearestHalf(f)) << "float bits 0x" << std::hex << bits;
  }
}

// Reference FloatToBf16 for non-NaN floats: nearest of the two truncations, ties to even.
uint16_t NearestBf16(float f) {
  const uint32_t x = Bits(f);
  const auto lo = static_cast<uint16_t>(x >> 16);
  if ((x & 0xffffu) == 0) return lo;
  const auto hi = static_cast<uint16_t>(lo + 1);  // next pattern away from zero (may become inf)
  const double a = std::fabs(static_cast<double>(f));
  const double below = std::fabs(static_cast<double>(Bf16ToFloat(lo)));
  const double above = (hi & 0x7fffu) == 0x7f80u ? std::ldexp(1.0, 128) : std::fabs(static_cast<double>(Bf16ToFloat(hi)));
  if (a - below < above - a) return lo;
  if (a - below > above - a) return hi;
  return (lo & 1u) ? hi : lo;
}

TEST(Bf16Test, RoundTripOfAllPatterns) {
  for (uint32_t b = 0; b <= 0xffff; ++b) {
    const auto bf = static_cast<uint16_t>(b);
    const float f = Bf16ToFloat(bf);
    EXPECT_EQ(Bits(f), b << 16);
    const uint16_t back = FloatToBf16(f);
    if (IsBf16Nan(bf)) {
      EXPECT_TRUE(IsBf16Nan(back)) << "b=0x" << std::hex << b;
    } else {
      EXPECT_EQ(back, bf) << "b=0x" << std::hex << b;
    }
  }
}

TEST(Bf16Test, RoundingOnRandomSample) {
  CITADEL_SEEDED_RNG(rng);
  std::uniform_int_distribution<uint32_t> any_bits;
  for (int i = 0; i < 100000; ++i) {
    uint32_t bits = any_bits(rng);
    if (i % 4 == 0) bits = (bits & 0xffff0000u) | 0x8000u;  // exact ties
    const float f = FromBits(bits);
    if (std::isnan(f)) {
      EXPECT_TRUE(IsBf16Nan(FloatToBf16(f))) << "float bits 0x" << std::hex << bits;
      continue;
    }
    ASSERT_EQ(FloatToBf16(f), NearestBf16(f)) << "float bits 0x" << std::hex << bits;
  }
}

TEST(Bf16Test, TiesOverflowAndNan) {
  EXPECT_EQ(FloatToBf16(FromBits(0x3f808000u)), 0x3f80);  // tie, even stays
  EXPECT_EQ(FloatToBf16(FromBits(0x3f818000u)), 0x3f82);  // tie, odd rounds up
  EXPECT_EQ(FloatToBf16(FromBits(0x3f808001u)), 0x3f81);
  EXPECT_EQ(FloatToBf16(FromBits(0x7f7f7fffu)), 0x7f7f);
  EXPECT_EQ(FloatToBf16(FromBits(0x7f7f8000u)), 0x7f80);  // tie above the largest odd finite: inf
  EXPECT_EQ(FloatToBf16(std::numeric_limits<float>::max()), 0x7f80);
  EXPECT_EQ(FloatToBf16(-std::numeric_limits<float>::max()), 0xff80);
  EXPECT_EQ(FloatToBf16(INFINITY), 0x7f80);
  EXPECT_EQ(FloatToBf16(-0.0f), 0x8000);
  EXPECT_EQ(FloatToBf16(std::numeric_limits<float>::denorm_min()), 0x0000);
  // A NaN whose payload lies only in the low bits must not truncate to infinity.
  EXPECT_TRUE(IsBf16Nan(FloatToBf16(FromBits(0x7f800001u))));
  EXPECT_TRUE(IsBf16Nan(FloatToBf16(FromBits(0xff800001u))));
  EXPECT_EQ(FloatToBf16(FromBits(0xff800001u)) & 0x8000u, 0x8000u);
}

}  // namespace
}  // namespace citadel
