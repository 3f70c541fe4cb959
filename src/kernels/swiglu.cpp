// Highway implementation of SwiGlu (ops.h), compiled once per target (see dot.cpp for the pattern):
// the exponential a vector at a time is most of what makes the FFN's element-wise step cheap.

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/swiglu.cpp"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
#include "hwy/contrib/math/math-inl.h"

#include <cstddef>

#include "kernels/ops.h"

HWY_BEFORE_NAMESPACE();
namespace citadel::kernels {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

template <class D, class V>
HWY_INLINE V SiluTimes(D d, V gate, V up) {
  // Exp is defined up to +104 (infinity from about 88.7, so silu of a very negative gate is -0);
  // beyond that it is not, hence the clamp.
  const V e = hn::Exp(d, hn::Min(hn::Neg(gate), hn::Set(d, 104.0f)));
  return hn::Mul(hn::Div(gate, hn::Add(hn::Set(d, 1.0f), e)), up);
}

void SwiGluImpl(float* HWY_RESTRICT gate, const float* HWY_RESTRICT up, size_t n) {
  const hn::ScalableTag<float> df;
  const size_t lanes = hn::Lanes(df);
  size_t i = 0;
  for (; i + lanes <= n; i += lanes) hn::StoreU(SiluTimes(df, hn::LoadU(df, gate + i), hn::LoadU(df, up + i)), df, gate + i);
  if (i == n) return;
  // The tail goes through the same vector arithmetic, so an element's result does not depend on
  // where the row ends.
  HWY_ALIGN float g[hn::MaxLanes(df)] = {}, u[hn::MaxLanes(df)] = {};
  for (size_t k = 0; i + k < n; ++k) {
    g[k] = gate[i + k];
    u[k] = up[i + k];
  }
  hn::Store(SiluTimes(df, hn::Load(df, g), hn::Load(df, u)), df, g);
  for (size_t k = 0; i + k < n; ++k) gate[i + k] = g[k];
}

}  // namespace HWY_NAMESPACE
}  // namespace citadel::kernels
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
#include "core/check.h"

namespace citadel::kernels {

HWY_EXPORT(SwiGluImpl);

void SwiGlu(std::span<float> gate, std::span<const float> up) {
  CITADEL_CHECK(gate.size() == up.size());
  HWY_DYNAMIC_DISPATCH(SwiGluImpl)(gate.data(), up.data(), gate.size());
}

}  // namespace citadel::kernels
#endif  // HWY_ONCE
