// Highway implementation of gemm_f32.h, compiled for every target and dispatched at run time.

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/gemm_f32.cpp"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"

#include <cstddef>

#include "kernels/gemm_f32.h"

HWY_BEFORE_NAMESPACE();
namespace citadel::kernels {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

template <int RM, int RN>
HWY_INLINE void Tile(const GemmF32Args& a, size_t r0, size_t t0) {
  const hn::ScalableTag<float> d;
  const size_t lanes = hn::Lanes(d);
  hn::Vec<decltype(d)> acc[RM][RN];
  for (int i = 0; i < RM; ++i) {
    for (int j = 0; j < RN; ++j) acc[i][j] = hn::Zero(d);
  }
  const float* w[RM];
  for (int i = 0; i < RM; ++i) w[i] = a.w + (r0 + static_cast<size_t>(i)) * a.cols;
  const float* x[RN];
  for (int j = 0; j < RN; ++j) x[j] = a.x + (t0 + static_cast<size_t>(j)) * a.cols;
  size_t k = 0;
  for (; k + lanes <= a.cols; k += lanes) {
    hn::Vec<decltype(d)> xv[RN];
    for (int j = 0; j < RN; ++j) xv[j] = hn::LoadU(d, x[j] + k);
    for (int i = 0; i < RM; ++i) {
      const auto wv = hn::LoadU(d, w[i] + k);
      for (int j = 0; j < RN; ++j) acc[i][j] = hn::MulAdd(wv, xv[j], acc[i][j]);
    }
  }
  for (int i = 0; i < RM; ++i) {
    for (int j = 0; j < RN; ++j) {
      float sum = hn::GetLane(hn::SumOfLanes(d, acc[i][j]));
      for (size_t kk = k; kk < a.cols; ++kk) sum += w[i][kk] * x[j][kk];
      a.y[(t0 + static_cast<size_t>(j)) * a.y_stride + a.y_offset + r0 + static_cast<size_t>(i)] = sum;
    }
  }
}

template <int RN>
HWY_INLINE void Rows(const GemmF32Args& a, size_t t0) {
  size_t r = 0;
  for (; r + 4 <= a.rows; r += 4) Tile<4, RN>(a, r, t0);
  for (; r < a.rows; ++r) Tile<1, RN>(a, r, t0);
}

void GemmF32Impl(const GemmF32Args& a) {
  size_t t = 0;
  for (; t + 4 <= a.n; t += 4) Rows<4>(a, t);
  switch (a.n - t) {
    case 3: Rows<3>(a, t); break;
    case 2: Rows<2>(a, t); break;
    case 1: Rows<1>(a, t); break;
    default: break;
  }
}

}  // namespace HWY_NAMESPACE
}  // namespace citadel::kernels
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace citadel::kernels {

HWY_EXPORT(GemmF32Impl);

void GemmF32(const GemmF32Args& args) { HWY_DYNAMIC_DISPATCH(GemmF32Impl)(args); }

}  // namespace citadel::kernels
#endif  // HWY_ONCE
