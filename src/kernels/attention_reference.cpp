#include "kernels/attention_reference.h"

#include <algorithm>
#include <cmath>

#include "core/check.h"
#include "core/float16.h"

namespace citadel::kernels::reference {
namespace {

float RoundToHalf(float x) { return HalfToFloat(FloatToHalf(x)); }

}  // namespace

void AttentionHead(std::span<const float> q, std::span<const float* const> k_rows, std::span<const float* const> v_rows,
                   float scale, std::span<float> out) {
  CITADEL_CHECK(k_rows.size() == v_rows.size() && out.size() == q.size());
  const size_t d = q.size();
  std::fill(out.begin(), out.end(), 0.0f);
  float max_score = -INFINITY, total = 0.0f;
  for (size_t t = 0; t < k_rows.size(); ++t) {
    const float* k = k_rows[t];
    const float* v = v_rows[t];
    double dot = 0;
    for (size_t i = 0; i < d; ++i) dot += double{q[i]} * k[i];
    const float score = static_cast<float>(dot) * scale;
    float ms = 1.0f, vs = 1.0f;
    if (score > max_score) {
      ms = std::exp(max_score - score);
      max_score = score;
      for (size_t i = 0; i < d; ++i) out[i] = RoundToHalf(out[i] * ms);
    } else {
      vs = std::exp(score - max_score);
    }
    for (size_t i = 0; i < d; ++i) out[i] = RoundToHalf(std::fma(v[i], vs, out[i]));
    total = total * ms + vs;
  }
  const float inv_total = 1.0f / total;
  for (size_t i = 0; i < d; ++i) out[i] *= inv_total;
}

}  // namespace citadel::kernels::reference
