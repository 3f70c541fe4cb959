// The AVX2 build of k_dots.h (compiled with -mavx2 -mfma -mf16c on x86-64 only).
#include "kernels/x86/k_dots.h"

#if defined(__x86_64__) && defined(__AVX2__)
#include <immintrin.h>

#include <cstdint>
#include <cstring>

#include "kernels/x86/q8_tiles.h"

namespace citadel::kernels::x86 {
namespace {


// The eight 6-bit scales and mins of a Q4_K super-block (layout on quant::UnpackScaleMinK4), as
// 16-bit lanes: four 32-bit words of bit operations instead of sixteen byte extractions.
struct ScalesMins {
  __m128i scales;  // 8 x int16
  __m128i mins;    // 8 x int16
};
inline ScalesMins UnpackScalesMins(const uint8_t* packed) {
  uint32_t w[3];
  std::memcpy(w, packed, sizeof(w));
  // Sub-blocks 0-3: low 6 bits of bytes 0-3 (scales) and 4-7 (mins). Sub-blocks 4-7: a nibble of
  // bytes 8-11, topped with the two spare high bits of bytes 0-3 (scales) or 4-7 (mins).
  const uint32_t scales_lo = w[0] & 0x3f3f3f3fu, mins_lo = w[1] & 0x3f3f3f3fu;
  const uint32_t scales_hi = (w[2] & 0x0f0f0f0fu) | ((w[0] >> 2) & 0x30303030u);
  const uint32_t mins_hi = ((w[2] >> 4) & 0x0f0f0f0fu) | ((w[1] >> 2) & 0x30303030u);
  return {_mm_cvtepu8_epi16(_mm_set_epi32(0, 0, static_cast<int>(scales_hi), static_cast<int>(scales_lo))),
          _mm_cvtepu8_epi16(_mm_set_epi32(0, 0, static_cast<int>(mins_hi), static_cast<int>(mins_lo)))};
}

float DotQ4K(const quant::BlockQ4_K* w, const quant::BlockQ8_K* x, size_t blocks) {
  __m256 acc = _mm256_setzero_ps();
  float min_sum = 0.0f;
  const __m256i low = _mm256_set1_epi8(0x0f);
  for (size_t b = 0; b < blocks; ++b) {
    const quant::BlockQ4_K& wb = w[b];
    const quant::BlockQ8_K& xb = x[b];
    const ScalesMins sm = UnpackScalesMins(wb.scales);
    // sum_j min_j * sum(x in sub-block j), exact: the 16 block sums paired into the 8 sub-blocks'
    // (each |sum| <= 32 * 127, so they fit int16 again), then one 16-bit multiply-add.
    const __m256i bsums = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xb.bsums));
    const __m256i pairs32 = _mm256_madd_epi16(bsums, _mm256_set1_epi16(1));
    const __m128i pairs16 = _mm_packs_epi32(_mm256_castsi256_si128(pairs32), _mm256_extracti128_si256(pairs32, 1));
    __m128i mins = _mm_madd_epi16(sm.mins, pairs16);
    mins = _mm_add_epi32(mins, _mm_shuffle_epi32(mins, 0x4e));
    mins = _mm_add_epi32(mins, _mm_shuffle_epi32(mins, 0xb1));
    const int32_t min_dot = _mm_cvtsi128_si32(mins);
    // Scale j broadcast to all 16-bit lanes: a byte shuffle of the 16-bit scales.
    const __m256i scales = _mm256_broadcastsi128_si256(sm.scales);
    __m256i sum = _mm256_setzero_si256();
    for (int pair = 0; pair < 4; ++pair) {
      const __m256i sc_lo = _mm256_shuffle_epi8(scales, _mm256_set1_epi16(static_cast<int16_t>(0x0100 + 0x0202 * (2 * pair))));
      const __m256i sc_hi = _mm256_shuffle_epi8(scales, _mm256_set1_epi16(static_cast<int16_t>(0x0100 + 0x0202 * (2 * pair + 1))));
      // 32 bytes hold sub-block 2*pair in the low nibbles and 2*pair+1 in the high nibbles.
      const __m256i q = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(wb.qs + 32 * pair));
      const __m256i x0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xb.qs + 64 * pair));
      const __m256i x1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xb.qs + 64 * pair + 32));
      // |code * x| pairs <= 2 * 15 * 127 fit int16; times a 6-bit scale, pairs fit int32.
      const __m256i p0 = _mm256_madd_epi16(_mm256_maddubs_epi16(_mm256_and_si256(q, low), x0), sc_lo);
      const __m256i p1 = _mm256_madd_epi16(_mm256_maddubs_epi16(_mm256_and_si256(_mm256_srli_epi16(q, 4), low), x1), sc_hi);
      sum = _mm256_add_epi32(sum, _mm256_add_epi32(p0, p1));
    }
    const float d = _cvtsh_ss(wb.d) * xb.d;
    acc = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(sum), acc);
    min_sum += _cvtsh_ss(wb.dmin) * xb.d * static_cast<float>(min_dot);
  }
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(acc), _mm256_extractf128_ps(acc, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s) - min_sum;
}

// Q6_K: codes q in [0, 64) (value d * scale * (q - 32)); the -32 is applied once per super-block
// through the activations' 16-element sums: sum(scale_s * (q - 32) * x) = sum(scale_s * q * x)
// - 32 * sum(scale_s * bsum_s).
float DotQ6K(const quant::BlockQ6_K* w, const quant::BlockQ8_K* x, size_t blocks) {
  __m256 acc = _mm256_setzero_ps();
  const __m256i low4 = _mm256_set1_epi8(0x0f), low2 = _mm256_set1_epi8(0x03);
  for (size_t b = 0; b < blocks; ++b) {
    const quant::BlockQ6_K& wb = w[b];
    const quant::BlockQ8_K& xb = x[b];
    const __m256i scales16 = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(wb.scales)));
    const __m256i bsums = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xb.bsums));
    __m256i sum = _mm256_mullo_epi32(_mm256_madd_epi16(scales16, bsums), _mm256_set1_epi32(-32));
    for (int half = 0; half < 2; ++half) {
      const uint8_t* ql = wb.ql + 64 * half;
      const __m256i ql0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(ql));
      const __m256i ql1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(ql + 32));
      const __m256i qh = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(wb.qh + 32 * half));
      const __m256i nibbles[4] = {_mm256_and_si256(ql0, low4), _mm256_and_si256(ql1, low4),
                                  _mm256_and_si256(_mm256_srli_epi16(ql0, 4), low4),
                                  _mm256_and_si256(_mm256_srli_epi16(ql1, 4), low4)};
      for (int k = 0; k < 4; ++k) {
        const __m256i high = _mm256_and_si256(_mm256_srli_epi16(qh, 2 * k), low2);
        const __m256i q = _mm256_or_si256(nibbles[k], _mm256_slli_epi16(high, 4));
        const int e = 128 * half + 32 * k;  // first element; sub-blocks e/16 and e/16 + 1
        const __m256i xv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xb.qs + e));
        const __m256i sc = _mm256_setr_m128i(_mm_set1_epi16(wb.scales[e / 16]), _mm_set1_epi16(wb.scales[e / 16 + 1]));
        // q * x pairs <= 2 * 63 * 127 fit int16; times an 8-bit scale, pairs fit int32.
        sum = _mm256_add_epi32(sum, _mm256_madd_epi16(_mm256_maddubs_epi16(q, xv), sc));
      }
    }
    const float d = _cvtsh_ss(wb.d) * xb.d;
    acc = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(sum), acc);
  }
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(acc), _mm256_extractf128_ps(acc, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

}  // namespace

Q4KDotFn Q4KDotKernel() { return CpuHasAvx2() ? &DotQ4K : nullptr; }
Q6KDotFn Q6KDotKernel() { return CpuHasAvx2() ? &DotQ6K : nullptr; }

}  // namespace citadel::kernels::x86
#else
namespace citadel::kernels::x86 {
Q4KDotFn Q4KDotKernel() { return nullptr; }
Q6KDotFn Q6KDotKernel() { return nullptr; }
}  // namespace citadel::kernels::x86
#endif
