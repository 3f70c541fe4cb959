// Dequantization of Q2_K, Q3_K, Q4_K, Q5_K, Q6_K and Q8_K.
//
// The arithmetic is llama.cpp's (sub-block scale d * sc as a float, times the code, minus
// dmin * m), but bit-exactness does not hang on that order: a binary16 d has 11 significant bits,
// an integer sub-scale (|s| <= 128) at most 7 and a code (|q| <= 32) at most 5, so every product
// here fits float's 24 bits exactly and the only rounding is the final subtraction. Any order,
// and FMA, gives the same bits; SIMD kernels may pick what is fastest. Q8_K's float32 d times a
// code is one rounding as well.
// tests/quant/documented_layout_test.cpp checks this against a double-precision decode.

#include <cstdint>

#include "core/float16.h"
#include "quant/blocks.h"
#include "quant/codec.h"
#include "quant/k_blocks.h"

namespace citadel::quant::internal {
namespace {

// Q2_K and Q3_K share the position of the low two bits: element e's byte and shift.
size_t LowBitsByte(size_t e) { return 32 * (e / 128) + e % 32; }
int LowBitsShift(size_t e) { return static_cast<int>(2 * ((e % 128) / 32)); }

void DequantizeQ2_K(const BlockQ2_K& b, float* y) {
  const float d = HalfToFloat(b.d);
  const float dmin = HalfToFloat(b.dmin);
  for (size_t sub = 0; sub < 16; ++sub) {
    const float dl = d * static_cast<float>(b.scales[sub] & 0x0f);
    const float ml = dmin * static_cast<float>(b.scales[sub] >> 4);
    for (size_t e = 16 * sub; e < 16 * sub + 16; ++e) {
      const int q = (b.qs[LowBitsByte(e)] >> LowBitsShift(e)) & 3;
      y[e] = dl * static_cast<float>(q) - ml;
    }
  }
}

void DequantizeQ3_K(const BlockQ3_K& b, float* y) {
  const float d = HalfToFloat(b.d);
  for (size_t sub = 0; sub < 16; ++sub) {
    const float dl = d * static_cast<float>(static_cast<int>(UnpackScaleQ3K(b.scales, sub)) - 32);
    for (size_t e = 16 * sub; e < 16 * sub + 16; ++e) {
      const int low = (b.qs[LowBitsByte(e)] >> LowBitsShift(e)) & 3;
      const int high_bit = 4 * static_cast<int>(e / 128) + static_cast<int>((e % 128) / 32);
      const bool high = (b.hmask[e % 32] >> high_bit) & 1;
      y[e] = dl * static_cast<float>(low - (high ? 0 : 4));
    }
  }
}

// Q4_K and Q5_K: the code of element e without its fifth bit.
int Nibble(const uint8_t* qs, size_t e) {
  const uint8_t byte = qs[32 * (e / 64) + e % 32];
  return (e % 64) < 32 ? (byte & 0x0f) : (byte >> 4);
}

void DequantizeQ4_K(const BlockQ4_K& b, float* y) {
  const float d = HalfToFloat(b.d);
  const float dmin = HalfToFloat(b.dmin);
  for (size_t sub = 0; sub < 8; ++sub) {
    uint8_t sc;
    uint8_t m;
    UnpackScaleMinK4(b.scales, sub, sc, m);
    const float dl = d * static_cast<float>(sc);
    const float ml = dmin * static_cast<float>(m);
    for (size_t e = 32 * sub; e < 32 * sub + 32; ++e) {
      y[e] = dl * static_cast<float>(Nibble(b.qs, e)) - ml;
    }
  }
}

void DequantizeQ5_K(const BlockQ5_K& b, float* y) {
  const float d = HalfToFloat(b.d);
  const float dmin = HalfToFloat(b.dmin);
  for (size_t sub = 0; sub < 8; ++sub) {
    uint8_t sc;
    uint8_t m;
    UnpackScaleMinK4(b.scales, sub, sc, m);
    const float dl = d * static_cast<float>(sc);
    const float ml = dmin * static_cast<float>(m);
    for (size_t e = 32 * sub; e < 32 * sub + 32; ++e) {
      const int high = (b.qh[e % 32] >> sub) & 1;  // bit 2*(e/64) + (e%64)/32 == e/32 == sub
      y[e] = dl * static_cast<float>(Nibble(b.qs, e) + 16 * high) - ml;
    }
  }
}

void DequantizeQ6_K(const BlockQ6_K& b, float* y) {
  const float d = HalfToFloat(b.d);
  for (size_t e = 0; e < kSuperBlock; ++e) {
    const size_t h = e / 128;
    const size_t r = e % 128;
    const uint8_t low_byte = b.ql[64 * h + r % 64];
    const int low = r < 64 ? (low_byte & 0x0f) : (low_byte >> 4);
    const int high = (b.qh[32 * h + r % 32] >> (2 * (r / 32))) & 3;
    const int q = (low | high << 4) - 32;
    y[e] = d * static_cast<float>(b.scales[e / 16]) * static_cast<float>(q);
  }
}

void DequantizeQ8_K(const BlockQ8_K& b, float* y) {
  for (size_t e = 0; e < kSuperBlock; ++e) y[e] = b.d * static_cast<float>(b.qs[e]);
}

}  // namespace

DequantizeFn DequantizeFnK(gguf::TensorType type) {
  switch (type) {
    case gguf::TensorType::kQ2_K: return DequantizeBlocks<BlockQ2_K, DequantizeQ2_K>;
    case gguf::TensorType::kQ3_K: return DequantizeBlocks<BlockQ3_K, DequantizeQ3_K>;
    case gguf::TensorType::kQ4_K: return DequantizeBlocks<BlockQ4_K, DequantizeQ4_K>;
    case gguf::TensorType::kQ5_K: return DequantizeBlocks<BlockQ5_K, DequantizeQ5_K>;
    case gguf::TensorType::kQ6_K: return DequantizeBlocks<BlockQ6_K, DequantizeQ6_K>;
    case gguf::TensorType::kQ8_K: return DequantizeBlocks<BlockQ8_K, DequantizeQ8_K>;
    default: return nullptr;
  }
}

}  // namespace citadel::quant::internal
