// Decodes random blocks of every format straight from the layout comments in blocks.h, in double
// precision rounded once to float, and requires Dequantize to match bit for bit.
//
// Two things rest on this:
//   - SIMD kernels are written from blocks.h's comments, so those comments must be the truth;
//   - every product in these formats is exact in float (a binary16 d has 11 significant bits,
//     an integer sub-scale (|s| <= 128) at most 7, a code (|q| <= 32) at most 5: <= 23 bits), so
//     the only rounding is the final add/subtract of the min. Hence any evaluation order, and FMA,
//     gives the same bits as llama.cpp; a kernel need not mimic the scalar code's order. Q8_K's
//     float32 d times a code is a single rounding too.
// Computing in double and converting is correctly rounded for one operation on float inputs
// (53 >= 2*24+2 bits), so it is the reference for "rounded once".

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "core/float16.h"
#include "quant/blocks.h"
#include "quant/quant.h"
#include "testing/random.h"

namespace citadel::quant {
namespace {

using gguf::TensorType;

constexpr size_t kBlocks = 64;

// A random finite binary16 (subnormals included), so products span the whole exponent range.
uint16_t RandomHalf(std::mt19937_64& rng) {
  for (;;) {
    const auto h = static_cast<uint16_t>(rng());
    if ((h & 0x7c00) != 0x7c00) return h;
  }
}

double H(uint16_t h) { return static_cast<double>(HalfToFloat(h)); }

// One double result, rounded once.
float Once(double v) { return static_cast<float>(v); }

// Random bytes for every field, then finite scales written over the binary16 (or float) fields.
template <class Block, class FixScales>
std::vector<Block> RandomBlocks(std::mt19937_64& rng, FixScales fix) {
  std::vector<Block> blocks(kBlocks);
  auto bytes = std::as_writable_bytes(std::span(blocks));
  for (auto& b : bytes) b = static_cast<std::byte>(rng());
  for (auto& block : blocks) fix(block);
  return blocks;
}

// Dequantize's output for `blocks` against `expected(block, e)` for every element.
template <class Block, class Expected>
void ExpectDocumented(TensorType type, const std::vector<Block>& blocks, Expected expected) {
  std::vector<float> y(blocks.size() * Block::kElements);
  ASSERT_TRUE(Dequantize(type, std::as_bytes(std::span(blocks)), y));
  for (size_t b = 0; b < blocks.size(); ++b) {
    for (size_t e = 0; e < Block::kElements; ++e) {
      const float want = expected(blocks[b], e);
      const float got = y[b * Block::kElements + e];
      ASSERT_EQ(std::bit_cast<uint32_t>(got), std::bit_cast<uint32_t>(want))
          << gguf::Name(type) << " block " << b << " element " << e << ": got " << got << ", documented " << want;
    }
  }
}

// Legacy 4-bit codes: low nibble of qs[e] for e < 16, high nibble of qs[e - 16] otherwise.
int Nibble16(const uint8_t* qs, size_t e) { return e < 16 ? qs[e] & 0x0f : qs[e - 16] >> 4; }

int FifthBit(const uint8_t (&qh)[4], size_t e) {
  uint32_t word;
  std::memcpy(&word, qh, 4);  // little-endian host, as GGUF
  return static_cast<int>((word >> e) & 1);
}

TEST(DocumentedLayoutTest, LegacyFormats) {
  CITADEL_SEEDED_RNG(rng);
  auto fix_d = [&](auto& b) { b.d = RandomHalf(rng); };
  auto fix_dm = [&](auto& b) { b.d = RandomHalf(rng), b.m = RandomHalf(rng); };
  ExpectDocumented(TensorType::kQ4_0, RandomBlocks<BlockQ4_0>(rng, fix_d), [](const BlockQ4_0& b, size_t e) {
    return Once(H(b.d) * (Nibble16(b.qs, e) - 8));
  });
  ExpectDocumented(TensorType::kQ4_1, RandomBlocks<BlockQ4_1>(rng, fix_dm), [](const BlockQ4_1& b, size_t e) {
    return Once(H(b.d) * Nibble16(b.qs, e) + H(b.m));
  });
  ExpectDocumented(TensorType::kQ5_0, RandomBlocks<BlockQ5_0>(rng, fix_d), [](const BlockQ5_0& b, size_t e) {
    return Once(H(b.d) * ((Nibble16(b.qs, e) | FifthBit(b.qh, e) << 4) - 16));
  });
  ExpectDocumented(TensorType::kQ5_1, RandomBlocks<BlockQ5_1>(rng, fix_dm), [](const BlockQ5_1& b, size_t e) {
    return Once(H(b.d) * (Nibble16(b.qs, e) | FifthBit(b.qh, e) << 4) + H(b.m));
  });
  ExpectDocumented(TensorType::kQ8_0, RandomBlocks<BlockQ8_0>(rng, fix_d), [](const BlockQ8_0& b, size_t e) {
    return Once(H(b.d) * b.qs[e]);
  });
  auto fix_ds = [&](BlockQ8_1& b) { b.d = RandomHalf(rng), b.s = RandomHalf(rng); };
  ExpectDocumented(TensorType::kQ8_1, RandomBlocks<BlockQ8_1>(rng, fix_ds), [](const BlockQ8_1& b, size_t e) {
    return Once(H(b.d) * b.qs[e]);
  });
}

// Q2_K/Q3_K: the low two bits of element e.
int Low2(const uint8_t* qs, size_t e) { return (qs[32 * (e / 128) + e % 32] >> (2 * ((e % 128) / 32))) & 3; }

// Q4_K/Q5_K: scale and min of sub-block j, re-derived from the packing description (bytes 0-7 hold
// the first four scales/mins in their low 6 bits; the last four take a nibble of bytes 8-11 and
// the top two bits of bytes 0-7).
void ScaleMin(const uint8_t* p, size_t j, int& sc, int& m) {
  if (j < 4) {
    sc = p[j] & 63;
    m = p[j + 4] & 63;
  } else {
    sc = (p[j + 4] & 15) | (p[j - 4] >> 6) << 4;
    m = (p[j + 4] >> 4) | (p[j] >> 6) << 4;
  }
}

int Nibble64(const uint8_t* qs, size_t e) {
  const uint8_t byte = qs[32 * (e / 64) + e % 32];
  return (e % 64) < 32 ? byte & 15 : byte >> 4;
}

TEST(DocumentedLayoutTest, KFormats) {
  CITADEL_SEEDED_RNG(rng);
  auto fix_d = [&](auto& b) { b.d = RandomHalf(rng); };
  auto fix_dmin = [&](auto& b) { b.d = RandomHalf(rng), b.dmin = RandomHalf(rng); };
  ExpectDocumented(TensorType::kQ2_K, RandomBlocks<BlockQ2_K>(rng, fix_dmin), [](const BlockQ2_K& b, size_t e) {
    const int sc = b.scales[e / 16] & 15;
    const int m = b.scales[e / 16] >> 4;
    return Once(H(b.d) * sc * Low2(b.qs, e) - H(b.dmin) * m);
  });
  ExpectDocumented(TensorType::kQ3_K, RandomBlocks<BlockQ3_K>(rng, fix_d), [](const BlockQ3_K& b, size_t e) {
    const size_t j = e / 16;
    const int low = j < 8 ? b.scales[j % 8] & 15 : b.scales[j % 8] >> 4;
    const int scale = (low | ((b.scales[8 + j % 4] >> (2 * (j / 4))) & 3) << 4) - 32;
    const bool third = (b.hmask[e % 32] >> (4 * (e / 128) + (e % 128) / 32)) & 1;
    return Once(H(b.d) * scale * (Low2(b.qs, e) - (third ? 0 : 4)));
  });
  ExpectDocumented(TensorType::kQ4_K, RandomBlocks<BlockQ4_K>(rng, fix_dmin), [](const BlockQ4_K& b, size_t e) {
    int sc, m;
    ScaleMin(b.scales, e / 32, sc, m);
    return Once(H(b.d) * sc * Nibble64(b.qs, e) - H(b.dmin) * m);
  });
  ExpectDocumented(TensorType::kQ5_K, RandomBlocks<BlockQ5_K>(rng, fix_dmin), [](const BlockQ5_K& b, size_t e) {
    int sc, m;
    ScaleMin(b.scales, e / 32, sc, m);
    const int fifth = (b.qh[e % 32] >> (2 * (e / 64) + (e % 64) / 32)) & 1;
    return Once(H(b.d) * sc * (Nibble64(b.qs, e) | fifth << 4) - H(b.dmin) * m);
  });
  ExpectDocumented(TensorType::kQ6_K, RandomBlocks<BlockQ6_K>(rng, fix_d), [](const BlockQ6_K& b, size_t e) {
    const size_t h = e / 128;
    const size_t r = e % 128;
    const int low = r < 64 ? b.ql[64 * h + r % 64] & 15 : b.ql[64 * h + r % 64] >> 4;
    const int high = (b.qh[32 * h + r % 32] >> (2 * (r / 32))) & 3;
    return Once(H(b.d) * b.scales[e / 16] * ((low | high << 4) - 32));
  });
  auto fix_q8k = [&](BlockQ8_K& b) {
    do {
      b.d = std::bit_cast<float>(static_cast<uint32_t>(rng()));
    } while (!std::isfinite(b.d));
  };
  ExpectDocumented(TensorType::kQ8_K, RandomBlocks<BlockQ8_K>(rng, fix_q8k), [](const BlockQ8_K& b, size_t e) {
    return Once(static_cast<double>(b.d) * b.qs[e]);
  });
}

}  // namespace
}  // namespace citadel::quant
