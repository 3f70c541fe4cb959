#pragma once
// The on-disk layout of every GGUF block format, as plain structs. They are bit-for-bit the bytes a
// GGUF file stores (little-endian, no padding), so SIMD kernels can read a tensor as an array of
// these. Sizes are asserted against the GGUF block sizes here and against gguf::Info() in tests.
//
// Conventions shared by all formats:
//   - binary16 fields are stored as raw uint16_t bits (convert with core/float16.h);
//   - "element e" means the e-th float of the block in storage order (what Dequantize writes);
//   - legacy formats cover 32 elements, K-quants a 256-element super-block of 16/32-element
//     sub-blocks with their own small integer scales, themselves scaled by a binary16 `d`.

#include <cstddef>
#include <cstdint>

namespace citadel::quant {

inline constexpr size_t kLegacyBlock = 32;  // elements per Q4_0..Q8_1 block
inline constexpr size_t kSuperBlock = 256;  // elements per K-quant super-block

// value = d * (q - 8), q the 4-bit code. qs[i]: low nibble = element i, high nibble = element i+16.
struct BlockQ4_0 {
  static constexpr size_t kElements = kLegacyBlock;
  uint16_t d;
  uint8_t qs[16];
};
static_assert(sizeof(BlockQ4_0) == 18);

// value = d * q + m, q in [0, 15]; qs packed as in Q4_0.
struct BlockQ4_1 {
  static constexpr size_t kElements = kLegacyBlock;
  uint16_t d;
  uint16_t m;
  uint8_t qs[16];
};
static_assert(sizeof(BlockQ4_1) == 20);

// value = d * (q - 16), q the 5-bit code: low 4 bits in qs (packed as in Q4_0), the fifth bit of
// element i in bit i of the little-endian 32-bit word qh.
struct BlockQ5_0 {
  static constexpr size_t kElements = kLegacyBlock;
  uint16_t d;
  uint8_t qh[4];
  uint8_t qs[16];
};
static_assert(sizeof(BlockQ5_0) == 22);

// value = d * q + m, q in [0, 31]; bits laid out as in Q5_0.
struct BlockQ5_1 {
  static constexpr size_t kElements = kLegacyBlock;
  uint16_t d;
  uint16_t m;
  uint8_t qh[4];
  uint8_t qs[16];
};
static_assert(sizeof(BlockQ5_1) == 24);

// value = d * qs[i]. Our quantizer keeps qs in [-127, 127] so kernels may negate it safely.
struct BlockQ8_0 {
  static constexpr size_t kElements = kLegacyBlock;
  uint16_t d;
  int8_t qs[32];
};
static_assert(sizeof(BlockQ8_0) == 34);

// Activation format for dot products with Q4_1/Q5_1 weights: value = d * qs[i], and
// s = fp16(d * sum(qs)), so a kernel adds m * s for the weights' offset term instead of summing the
// activations again. Our quantizer keeps qs in [-127, 127].
struct BlockQ8_1 {
  static constexpr size_t kElements = kLegacyBlock;
  uint16_t d;
  uint16_t s;
  int8_t qs[32];
};
static_assert(sizeof(BlockQ8_1) == 36);

// 16 sub-blocks of 16. Element e: 2-bit code q at bits 2*((e%128)/32) of qs[32*(e/128) + e%32];
// scales[e/16] = sc | m << 4 (4 bits each); value = d*sc*q - dmin*m.
struct BlockQ2_K {
  static constexpr size_t kElements = kSuperBlock;
  uint8_t scales[16];
  uint8_t qs[64];
  uint16_t d;
  uint16_t dmin;
};
static_assert(sizeof(BlockQ2_K) == 84);

// 16 sub-blocks of 16. Element e: low 2 bits placed as in Q2_K; the third bit in bit
// 4*(e/128) + (e%128)/32 of hmask[e%32]; a CLEAR bit means subtract 4, so q in [-4, 3].
// The 16 6-bit scales (stored biased by 32, signed in [-32, 31]) pack into 12 bytes: low nibble of
// scale j in scales[j % 8] (j < 8: low nibble, else high nibble), top 2 bits in
// scales[8 + j % 4] at bit 2*(j / 4). value = d * (scale - 32) * q.
struct BlockQ3_K {
  static constexpr size_t kElements = kSuperBlock;
  uint8_t hmask[32];
  uint8_t qs[64];
  uint8_t scales[12];
  uint16_t d;
};
static_assert(sizeof(BlockQ3_K) == 110);

// 8 sub-blocks of 32, each with a 6-bit scale sc and 6-bit min m packed into 12 bytes
// (UnpackScaleMinK4 below). Element e: 4-bit code in qs[32*(e/64) + e%32], low nibble
// when (e%64) < 32, else high nibble. value = d*sc*q - dmin*m.
// Q4_K/Q5_K: scale and min (6 bits each) of sub-block j in [0, 8) from the 12 packed bytes. The
// first four pairs sit in the low 6 bits of bytes 0-7; the last four are split into a nibble in
// bytes 8-11 and their top two bits in the spare high bits of bytes 0-7.
inline void UnpackScaleMinK4(const uint8_t* packed, size_t j, uint8_t& scale, uint8_t& min) {
  if (j < 4) {
    scale = packed[j] & 63;
    min = packed[j + 4] & 63;
  } else {
    scale = static_cast<uint8_t>((packed[j + 4] & 0x0f) | ((packed[j - 4] >> 6) << 4));
    min = static_cast<uint8_t>((packed[j + 4] >> 4) | ((packed[j] >> 6) << 4));
  }
}

struct BlockQ4_K {
  static constexpr size_t kElements = kSuperBlock;
  uint16_t d;
  uint16_t dmin;
  uint8_t scales[12];
  uint8_t qs[128];
};
static_assert(sizeof(BlockQ4_K) == 144);

// As Q4_K with a fifth bit: element e's bit 4 is bit 2*(e/64) + (e%64)/32 of qh[e%32].
struct BlockQ5_K {
  static constexpr size_t kElements = kSuperBlock;
  uint16_t d;
  uint16_t dmin;
  uint8_t scales[12];
  uint8_t qh[32];
  uint8_t qs[128];
};
static_assert(sizeof(BlockQ5_K) == 176);

// 16 sub-blocks of 16 with signed 8-bit scales. Element e, h = e/128, r = e%128: low 4 bits in
// ql[64*h + r%64], low nibble when r < 64 else high nibble; high 2 bits at bit 2*(r/32) of
// qh[32*h + r%32]. value = d * scales[e/16] * (q - 32).
struct BlockQ6_K {
  static constexpr size_t kElements = kSuperBlock;
  uint8_t ql[128];
  uint8_t qh[64];
  int8_t scales[16];
  uint16_t d;
};
static_assert(sizeof(BlockQ6_K) == 210);

// Activation format for K-quant dot products: value = d * qs[i] with a float32 d, and
// bsums[j] = sum(qs[16*j .. 16*j+15]) so kernels can apply the weights' per-sub-block minimums
// (Q2_K/Q4_K/Q5_K) or offsets without another pass. Our quantizer keeps qs in [-127, 127].
struct BlockQ8_K {
  static constexpr size_t kElements = kSuperBlock;
  float d;
  int8_t qs[256];
  int16_t bsums[16];
};
static_assert(sizeof(BlockQ8_K) == 292);

}  // namespace citadel::quant
