// The AVX2 build of k_dots.h (compiled with -mavx2 -mfma -mf16c on x86-64 only).
#include "kernels/x86/k_dots.h"

#if defined(__x86_64__) && defined(__AVX2__)
#include <immintrin.h>

#include <cstdint>

#include "kernels/x86/q8_tiles.h"

namespace citadel::kernels::x86 {
namespace {


float DotQ4K(const quant::BlockQ4_K* w, const quant::BlockQ8_K* x, size_t blocks) {
  __m256 acc = _mm256_setzero_ps();
  float min_sum = 0.0f;
  const __m256i low = _mm256_set1_epi8(0x0f);
  for (size_t b = 0; b < blocks; ++b) {
    const quant::BlockQ4_K& wb = w[b];
    const quant::BlockQ8_K& xb = x[b];
    int32_t min_dot = 0;  // sum_j min_j * sum(x in sub-block j), exact
    __m256i sum = _mm256_setzero_si256();
    for (int pair = 0; pair < 4; ++pair) {
      uint8_t sc_lo, m_lo, sc_hi, m_hi;
      quant::UnpackScaleMinK4(wb.scales, 2 * pair, sc_lo, m_lo);
      quant::UnpackScaleMinK4(wb.scales, 2 * pair + 1, sc_hi, m_hi);
      min_dot += m_lo * (xb.bsums[4 * pair] + xb.bsums[4 * pair + 1]) +
                 m_hi * (xb.bsums[4 * pair + 2] + xb.bsums[4 * pair + 3]);
      // 32 bytes hold sub-block 2*pair in the low nibbles and 2*pair+1 in the high nibbles.
      const __m256i q = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(wb.qs + 32 * pair));
      const __m256i x0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xb.qs + 64 * pair));
      const __m256i x1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xb.qs + 64 * pair + 32));
      // |code * x| pairs <= 2 * 15 * 127 fit int16; times a 6-bit scale, pairs fit int32.
      const __m256i p0 = _mm256_madd_epi16(_mm256_maddubs_epi16(_mm256_and_si256(q, low), x0),
                                           _mm256_set1_epi16(static_cast<int16_t>(sc_lo)));
      const __m256i p1 = _mm256_madd_epi16(_mm256_maddubs_epi16(_mm256_and_si256(_mm256_srli_epi16(q, 4), low), x1),
                                           _mm256_set1_epi16(static_cast<int16_t>(sc_hi)));
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
