// Quantization of Q2_K, Q3_K, Q4_K, Q5_K, Q6_K and Q8_K, and the K family's codec table.
//
// Every weight format follows the same two steps:
//   1. fit each sub-block on its own (k_scale_search.cpp: least-squares scale, and offset where the
//      format has one);
//   2. quantize those sub-block scales against one binary16 super-block scale (the largest maps to
//      the top integer), then re-assign every code against the scale exactly as the decoder will
//      form it (d * sc as float), so the rounding of scales costs as little as possible.

#include <cmath>
#include <cstdint>

#include "core/float16.h"
#include "quant/blocks.h"
#include "quant/codec.h"
#include "quant/k_blocks.h"

namespace citadel::quant::internal {
namespace {

// Code for x with effective step dl and offset ml: round((x + ml) / dl), 0 when dl is 0.
int OffsetCode(float x, float dl, float ml, int max_code) {
  return dl == 0.0f ? 0 : RoundClamp((x + ml) / dl, 0, max_code);
}

// Steps 1 and 2 for the offset formats: fills per-element codes and the integer scales/mins.
// `sub` elements per sub-block, `max_code` top code, `max_scale` top integer scale/min.
template <size_t kSub, int kMaxCode, int kMaxScale>
void QuantizeOffsetSuperBlock(const float* x, int* codes, uint8_t* scales, uint8_t* mins,
                              uint16_t& d_bits, uint16_t& dmin_bits) {
  constexpr size_t kSubBlocks = kSuperBlock / kSub;
  OffsetFit fits[kSubBlocks];
  float max_scale = 0.0f;
  float max_offset = 0.0f;
  for (size_t j = 0; j < kSubBlocks; ++j) {
    fits[j] = FitOffsetScale(x + kSub * j, kSub, kMaxCode);
    max_scale = std::fmax(max_scale, fits[j].scale);
    max_offset = std::fmax(max_offset, fits[j].offset);
  }
  d_bits = SaturatingHalf(max_scale / kMaxScale);
  dmin_bits = SaturatingHalf(max_offset / kMaxScale);
  const float d = HalfToFloat(d_bits);
  const float dmin = HalfToFloat(dmin_bits);
  for (size_t j = 0; j < kSubBlocks; ++j) {
    scales[j] = static_cast<uint8_t>(d == 0.0f ? 0 : RoundClamp(fits[j].scale / d, 0, kMaxScale));
    mins[j] = static_cast<uint8_t>(dmin == 0.0f ? 0 : RoundClamp(fits[j].offset / dmin, 0, kMaxScale));
    const float dl = d * static_cast<float>(scales[j]);
    const float ml = dmin * static_cast<float>(mins[j]);
    for (size_t e = kSub * j; e < kSub * (j + 1); ++e) codes[e] = OffsetCode(x[e], dl, ml, kMaxCode);
  }
}

// Steps 1 and 2 for the symmetric formats. Integer scales are signed in [-kScaleBias, kScaleBias-1];
// the largest-magnitude sub-block scale maps to -kScaleBias so the asymmetric range loses nothing.
template <int kMinCode, int kMaxCode, int kScaleBias>
void QuantizeSymmetricSuperBlock(const float* x, int* codes, int* scales, uint16_t& d_bits) {
  constexpr size_t kSub = 16;
  constexpr size_t kSubBlocks = kSuperBlock / kSub;
  float fits[kSubBlocks];
  float extreme = 0.0f;
  for (size_t j = 0; j < kSubBlocks; ++j) {
    fits[j] = FitSymmetricScale(x + kSub * j, kSub, kMinCode, kMaxCode);
    if (std::fabs(fits[j]) > std::fabs(extreme)) extreme = fits[j];
  }
  d_bits = SaturatingHalf(extreme / -static_cast<float>(kScaleBias));
  const float d = HalfToFloat(d_bits);
  for (size_t j = 0; j < kSubBlocks; ++j) {
    scales[j] = d == 0.0f ? 0 : RoundClamp(fits[j] / d, -kScaleBias, kScaleBias - 1);
    const float dl = d * static_cast<float>(scales[j]);
    for (size_t e = kSub * j; e < kSub * (j + 1); ++e) {
      codes[e] = dl == 0.0f ? 0 : RoundClamp(x[e] / dl, kMinCode, kMaxCode);
    }
  }
}

// Q2_K and Q3_K: the low two bits of every code, at the positions documented in blocks.h.
void PackLowBits(const int* codes, uint8_t* qs) {
  for (size_t i = 0; i < kSuperBlock / 4; ++i) qs[i] = 0;
  for (size_t e = 0; e < kSuperBlock; ++e) {
    const size_t byte = 32 * (e / 128) + e % 32;
    const int shift = static_cast<int>(2 * ((e % 128) / 32));
    qs[byte] = static_cast<uint8_t>(qs[byte] | (codes[e] & 3) << shift);
  }
}

// Q4_K and Q5_K: the low four bits of every code.
void PackNibblesK(const int* codes, uint8_t* qs) {
  for (size_t c = 0; c < kSuperBlock / 64; ++c) {
    for (size_t l = 0; l < 32; ++l) {
      qs[32 * c + l] = static_cast<uint8_t>((codes[64 * c + l] & 0x0f) | (codes[64 * c + 32 + l] & 0x0f) << 4);
    }
  }
}

void QuantizeQ2_K(const float* x, BlockQ2_K& b) {
  int codes[kSuperBlock];
  uint8_t scales[16];
  uint8_t mins[16];
  QuantizeOffsetSuperBlock<16, 3, 15>(x, codes, scales, mins, b.d, b.dmin);
  for (size_t j = 0; j < 16; ++j) b.scales[j] = static_cast<uint8_t>(scales[j] | mins[j] << 4);
  PackLowBits(codes, b.qs);
}

void QuantizeQ3_K(const float* x, BlockQ3_K& b) {
  int codes[kSuperBlock];
  int scales[16];
  QuantizeSymmetricSuperBlock<-4, 3, 32>(x, codes, scales, b.d);
  uint8_t biased[16];
  for (size_t j = 0; j < 16; ++j) biased[j] = static_cast<uint8_t>(scales[j] + 32);
  PackScalesQ3K(biased, b.scales);
  for (size_t e = 0; e < kSuperBlock; ++e) codes[e] += 4;  // stored unsigned: 0..7
  PackLowBits(codes, b.qs);
  for (size_t i = 0; i < 32; ++i) b.hmask[i] = 0;
  for (size_t e = 0; e < kSuperBlock; ++e) {
    const int bit = 4 * static_cast<int>(e / 128) + static_cast<int>((e % 128) / 32);
    b.hmask[e % 32] = static_cast<uint8_t>(b.hmask[e % 32] | ((codes[e] >> 2) & 1) << bit);
  }
}

void QuantizeQ4_K(const float* x, BlockQ4_K& b) {
  int codes[kSuperBlock];
  uint8_t scales[8];
  uint8_t mins[8];
  QuantizeOffsetSuperBlock<32, 15, 63>(x, codes, scales, mins, b.d, b.dmin);
  PackScaleMinK4(scales, mins, b.scales);
  PackNibblesK(codes, b.qs);
}

void QuantizeQ5_K(const float* x, BlockQ5_K& b) {
  int codes[kSuperBlock];
  uint8_t scales[8];
  uint8_t mins[8];
  QuantizeOffsetSuperBlock<32, 31, 63>(x, codes, scales, mins, b.d, b.dmin);
  PackScaleMinK4(scales, mins, b.scales);
  PackNibblesK(codes, b.qs);
  for (size_t i = 0; i < 32; ++i) b.qh[i] = 0;
  for (size_t e = 0; e < kSuperBlock; ++e) {
    b.qh[e % 32] = static_cast<uint8_t>(b.qh[e % 32] | ((codes[e] >> 4) & 1) << (e / 32));
  }
}

void QuantizeQ6_K(const float* x, BlockQ6_K& b) {
  int codes[kSuperBlock];
  int scales[16];
  QuantizeSymmetricSuperBlock<-32, 31, 128>(x, codes, scales, b.d);
  for (size_t j = 0; j < 16; ++j) b.scales[j] = static_cast<int8_t>(scales[j]);
  for (size_t i = 0; i < 128; ++i) b.ql[i] = 0;
  for (size_t i = 0; i < 64; ++i) b.qh[i] = 0;
  for (size_t e = 0; e < kSuperBlock; ++e) {
    const int q = codes[e] + 32;  // stored unsigned: 0..63
    const size_t h = e / 128;
    const size_t r = e % 128;
    const size_t low_index = 64 * h + r % 64;
    b.ql[low_index] = static_cast<uint8_t>(b.ql[low_index] | (q & 0x0f) << (r < 64 ? 0 : 4));
    const size_t high_index = 32 * h + r % 32;
    b.qh[high_index] = static_cast<uint8_t>(b.qh[high_index] | (q >> 4) << (2 * (r / 32)));
  }
}

// Activations: float32 scale = absmax/127, codes in [-127, 127], and bsums[j] the exact integer sum
// of codes 16j..16j+15 (at most 16*127, fits int16), which K-quant dot kernels multiply by the
// weights' per-sub-block min (Q2_K/Q4_K/Q5_K) or use for the code bias (Q3_K/Q6_K).
void QuantizeQ8_K(const float* x, BlockQ8_K& b) {
  float absmax = 0.0f;
  for (size_t e = 0; e < kSuperBlock; ++e) absmax = std::fmax(absmax, std::fabs(x[e]));
  b.d = absmax / 127.0f;
  for (size_t e = 0; e < kSuperBlock; ++e) {
    b.qs[e] = static_cast<int8_t>(b.d == 0.0f ? 0 : RoundClamp(x[e] / b.d, -127, 127));
  }
  for (size_t j = 0; j < 16; ++j) {
    int sum = 0;
    for (size_t e = 16 * j; e < 16 * j + 16; ++e) sum += b.qs[e];
    b.bsums[j] = static_cast<int16_t>(sum);
  }
}

}  // namespace

QuantizeFn QuantizeFnK(gguf::TensorType type) {
  switch (type) {
    case gguf::TensorType::kQ2_K: return QuantizeBlocks<BlockQ2_K, QuantizeQ2_K>;
    case gguf::TensorType::kQ3_K: return QuantizeBlocks<BlockQ3_K, QuantizeQ3_K>;
    case gguf::TensorType::kQ4_K: return QuantizeBlocks<BlockQ4_K, QuantizeQ4_K>;
    case gguf::TensorType::kQ5_K: return QuantizeBlocks<BlockQ5_K, QuantizeQ5_K>;
    case gguf::TensorType::kQ6_K: return QuantizeBlocks<BlockQ6_K, QuantizeQ6_K>;
    case gguf::TensorType::kQ8_K: return QuantizeBlocks<BlockQ8_K, QuantizeQ8_K>;
    default: return nullptr;
  }
}

Codec FindKCodec(gguf::TensorType type) { return {DequantizeFnK(type), QuantizeFnK(type)}; }

}  // namespace citadel::quant::internal
