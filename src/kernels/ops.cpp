#include "kernels/ops.h"

#include <algorithm>
#include <cmath>

#include "core/check.h"
#include "core/float16.h"

namespace citadel::kernels {

void RmsNorm(std::span<const float> x, std::span<const float> weight, float eps, std::span<float> out) {
  CITADEL_CHECK(weight.size() == x.size() && out.size() == x.size());
  // Double accumulation: the mean of squares over thousands of elements is where float loses most.
  double sum_sq = 0;
  for (float v : x) sum_sq += double{v} * v;
  const auto scale = static_cast<float>(1.0 / std::sqrt(sum_sq / static_cast<double>(x.size()) + eps));
  for (size_t i = 0; i < x.size(); ++i) out[i] = x[i] * scale * weight[i];
}

RopeTable::RopeTable(int n_rot, float freq_base, float freq_scale)
    : n_rot_(n_rot), freq_scale_(freq_scale), inv_freq_(static_cast<size_t>(n_rot / 2)) {
  for (int i = 0; i < n_rot / 2; ++i) {
    inv_freq_[static_cast<size_t>(i)] = std::pow(static_cast<double>(freq_base), -2.0 * i / n_rot);
  }
}

void RopeTable::Angles(int pos, RopeAngles& angles) const {
  angles.cos.resize(inv_freq_.size());
  angles.sin.resize(inv_freq_.size());
  for (size_t i = 0; i < inv_freq_.size(); ++i) {
    const double theta = static_cast<double>(pos) * freq_scale_ * inv_freq_[i];
    angles.cos[i] = static_cast<float>(std::cos(theta));
    angles.sin[i] = static_cast<float>(std::sin(theta));
  }
}

void Rope(std::span<float> head, const RopeAngles& angles, bool neox) {
  const size_t half = angles.cos.size();
  CITADEL_CHECK(2 * half <= head.size());
  for (size_t i = 0; i < half; ++i) {
    const size_t a = neox ? i : 2 * i;
    const size_t b = neox ? i + half : 2 * i + 1;
    const float x0 = head[a], x1 = head[b], c = angles.cos[i], s = angles.sin[i];
    head[a] = x0 * c - x1 * s;
    head[b] = x0 * s + x1 * c;
  }
}

}  // namespace citadel::kernels
