// Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q8_1: 32-element blocks with one binary16 scale (and offset).
//
// Dequantization is llama.cpp's code * d (+ m). Code times binary16 d is exact in float, so each
// value is rounded once (at the + m) and any evaluation order or FMA gives the same bits.
//
// Quantization: symmetric formats take the element of largest magnitude as the extreme code
// (-8 for Q4_0, -16 for Q5_0, so the asymmetric code range loses nothing on that side); offset
// formats span [min, max]; Q8 formats use absmax/127. Codes are computed against the scale as
// stored (after binary16 rounding), so rounding of d never adds systematic error.

#include <cmath>
#include <cstdint>
#include <cstring>

#include "core/float16.h"
#include "quant/blocks.h"
#include "quant/codec.h"

namespace citadel::quant::internal {
namespace {

constexpr size_t kHalf = kLegacyBlock / 2;

// ---- Dequantize ----

void DequantizeQ4_0(const BlockQ4_0& b, float* y) {
  const float d = HalfToFloat(b.d);
  for (size_t j = 0; j < kHalf; ++j) {
    const int x0 = (b.qs[j] & 0x0f) - 8;
    const int x1 = (b.qs[j] >> 4) - 8;
    y[j] = static_cast<float>(x0) * d;
    y[j + kHalf] = static_cast<float>(x1) * d;
  }
}

void DequantizeQ4_1(const BlockQ4_1& b, float* y) {
  const float d = HalfToFloat(b.d);
  const float m = HalfToFloat(b.m);
  for (size_t j = 0; j < kHalf; ++j) {
    y[j] = static_cast<float>(b.qs[j] & 0x0f) * d + m;
    y[j + kHalf] = static_cast<float>(b.qs[j] >> 4) * d + m;
  }
}

uint32_t LoadQh(const uint8_t (&qh)[4]) {
  return static_cast<uint32_t>(qh[0]) | static_cast<uint32_t>(qh[1]) << 8 |
         static_cast<uint32_t>(qh[2]) << 16 | static_cast<uint32_t>(qh[3]) << 24;
}

void StoreQh(uint32_t v, uint8_t (&qh)[4]) {
  for (int i = 0; i < 4; ++i) qh[i] = static_cast<uint8_t>(v >> (8 * i));
}

// The 5-bit codes of elements j and j+16.
int Code5Lo(const uint8_t* qs, uint32_t qh, size_t j) {
  return (qs[j] & 0x0f) | static_cast<int>(((qh >> j) & 1u) << 4);
}
int Code5Hi(const uint8_t* qs, uint32_t qh, size_t j) {
  return (qs[j] >> 4) | static_cast<int>(((qh >> (j + kHalf)) & 1u) << 4);
}

void DequantizeQ5_0(const BlockQ5_0& b, float* y) {
  const float d = HalfToFloat(b.d);
  const uint32_t qh = LoadQh(b.qh);
  for (size_t j = 0; j < kHalf; ++j) {
    y[j] = static_cast<float>(Code5Lo(b.qs, qh, j) - 16) * d;
    y[j + kHalf] = static_cast<float>(Code5Hi(b.qs, qh, j) - 16) * d;
  }
}

void DequantizeQ5_1(const BlockQ5_1& b, float* y) {
  const float d = HalfToFloat(b.d);
  const float m = HalfToFloat(b.m);
  const uint32_t qh = LoadQh(b.qh);
  for (size_t j = 0; j < kHalf; ++j) {
    y[j] = static_cast<float>(Code5Lo(b.qs, qh, j)) * d + m;
    y[j + kHalf] = static_cast<float>(Code5Hi(b.qs, qh, j)) * d + m;
  }
}

void DequantizeQ8_0(const BlockQ8_0& b, float* y) {
  const float d = HalfToFloat(b.d);
  for (size_t j = 0; j < kLegacyBlock; ++j) y[j] = static_cast<float>(b.qs[j]) * d;
}

void DequantizeQ8_1(const BlockQ8_1& b, float* y) {
  const float d = HalfToFloat(b.d);
  for (size_t j = 0; j < kLegacyBlock; ++j) y[j] = static_cast<float>(b.qs[j]) * d;
}

// ---- Quantize ----

// The element of largest magnitude, with its sign (the first one on ties).
float SignedAbsMax(const float* x, size_t n) {
  float extreme = 0.0f;
  for (size_t i = 0; i < n; ++i) {
    if (std::fabs(x[i]) > std::fabs(extreme)) extreme = x[i];
  }
  return extreme;
}

// x / d as a code in [lo, hi]; every code is 0 when the block's scale is 0.
int Code(float x, float offset, float d, int lo, int hi) {
  return d == 0.0f ? RoundClamp(0.0f, lo, hi) : RoundClamp((x - offset) / d, lo, hi);
}

// Symmetric 4/5-bit: the extreme element gets code -2^(bits-1) exactly (before scale rounding).
template <int kBits>
uint16_t QuantizeSymmetric(const float* x, int* codes) {
  constexpr int kBias = 1 << (kBits - 1);
  const uint16_t d_bits = SaturatingHalf(SignedAbsMax(x, kLegacyBlock) / -static_cast<float>(kBias));
  const float d = HalfToFloat(d_bits);
  for (size_t j = 0; j < kLegacyBlock; ++j) codes[j] = Code(x[j], 0.0f, d, -kBias, kBias - 1) + kBias;
  return d_bits;
}

// Offset 4/5-bit: codes 0..2^bits-1 span [min, max].
template <int kBits>
void QuantizeOffset(const float* x, int* codes, uint16_t& d_bits, uint16_t& m_bits) {
  constexpr int kMaxCode = (1 << kBits) - 1;
  float lo = x[0];
  float hi = x[0];
  for (size_t j = 1; j < kLegacyBlock; ++j) {
    lo = std::fmin(lo, x[j]);
    hi = std::fmax(hi, x[j]);
  }
  d_bits = SaturatingHalf((hi - lo) / static_cast<float>(kMaxCode));
  m_bits = SaturatingHalf(lo);
  const float d = HalfToFloat(d_bits);
  const float m = HalfToFloat(m_bits);
  for (size_t j = 0; j < kLegacyBlock; ++j) codes[j] = Code(x[j], m, d, 0, kMaxCode);
}

void PackNibbles(const int* codes, uint8_t* qs) {
  for (size_t j = 0; j < kHalf; ++j) {
    qs[j] = static_cast<uint8_t>((codes[j] & 0x0f) | (codes[j + kHalf] & 0x0f) << 4);
  }
}

uint32_t FifthBits(const int* codes) {
  uint32_t qh = 0;
  for (size_t j = 0; j < kLegacyBlock; ++j) qh |= static_cast<uint32_t>((codes[j] >> 4) & 1) << j;
  return qh;
}

void QuantizeQ4_0(const float* x, BlockQ4_0& b) {
  int codes[kLegacyBlock];
  b.d = QuantizeSymmetric<4>(x, codes);
  PackNibbles(codes, b.qs);
}

void QuantizeQ4_1(const float* x, BlockQ4_1& b) {
  int codes[kLegacyBlock];
  QuantizeOffset<4>(x, codes, b.d, b.m);
  PackNibbles(codes, b.qs);
}

void QuantizeQ5_0(const float* x, BlockQ5_0& b) {
  int codes[kLegacyBlock];
  b.d = QuantizeSymmetric<5>(x, codes);
  PackNibbles(codes, b.qs);
  StoreQh(FifthBits(codes), b.qh);
}

void QuantizeQ5_1(const float* x, BlockQ5_1& b) {
  int codes[kLegacyBlock];
  QuantizeOffset<5>(x, codes, b.d, b.m);
  PackNibbles(codes, b.qs);
  StoreQh(FifthBits(codes), b.qh);
}

// 8-bit: codes in [-127, 127] (never -128, so kernels can take absolute values / negate in int8).
// Returns the stored scale and the sum of the codes.
int QuantizeQ8(const float* x, int8_t* qs, uint16_t& d_bits) {
  d_bits = SaturatingHalf(std::fabs(SignedAbsMax(x, kLegacyBlock)) / 127.0f);
  const float d = HalfToFloat(d_bits);
  int sum = 0;
  for (size_t j = 0; j < kLegacyBlock; ++j) {
    const int q = Code(x[j], 0.0f, d, -127, 127);
    qs[j] = static_cast<int8_t>(q);
    sum += q;
  }
  return sum;
}

void QuantizeQ8_0(const float* x, BlockQ8_0& b) { (void)QuantizeQ8(x, b.qs, b.d); }

// s uses the stored d, so m * s equals m times the sum of the dequantized activations up to one
// binary16 rounding: exactly the term a Q4_1/Q5_1 x Q8_1 kernel adds for the weights' offset.
void QuantizeQ8_1(const float* x, BlockQ8_1& b) {
  const int sum = QuantizeQ8(x, b.qs, b.d);
  b.s = SaturatingHalf(HalfToFloat(b.d) * static_cast<float>(sum));
}

}  // namespace

Codec FindLegacyCodec(gguf::TensorType type) {
  switch (type) {
    case gguf::TensorType::kQ4_0: return {DequantizeBlocks<BlockQ4_0, DequantizeQ4_0>, QuantizeBlocks<BlockQ4_0, QuantizeQ4_0>};
    case gguf::TensorType::kQ4_1: return {DequantizeBlocks<BlockQ4_1, DequantizeQ4_1>, QuantizeBlocks<BlockQ4_1, QuantizeQ4_1>};
    case gguf::TensorType::kQ5_0: return {DequantizeBlocks<BlockQ5_0, DequantizeQ5_0>, QuantizeBlocks<BlockQ5_0, QuantizeQ5_0>};
    case gguf::TensorType::kQ5_1: return {DequantizeBlocks<BlockQ5_1, DequantizeQ5_1>, QuantizeBlocks<BlockQ5_1, QuantizeQ5_1>};
    case gguf::TensorType::kQ8_0: return {DequantizeBlocks<BlockQ8_0, DequantizeQ8_0>, QuantizeBlocks<BlockQ8_0, QuantizeQ8_0>};
    case gguf::TensorType::kQ8_1: return {DequantizeBlocks<BlockQ8_1, DequantizeQ8_1>, QuantizeBlocks<BlockQ8_1, QuantizeQ8_1>};
    default: return {};
  }
}

}  // namespace citadel::quant::internal
