// Scale packing for the K formats and the per-sub-block scale search their encoders share.
//
// The search minimizes squared error, not maximum error: for a fixed assignment of codes the best
// scale (and offset) is a closed-form least-squares solution, so we try a small grid of candidate
// step sizes around the min/max one, assign codes for each, solve, and refine the winner by
// re-assigning codes against its own scale. The plain min/max candidate is always in the grid, so
// the result is never worse (in squared error) than naive min/max quantization.

#include <cmath>

#include "quant/codec.h"
#include "quant/k_blocks.h"

namespace citadel::quant::internal {

void PackScaleMinK4(const uint8_t* scales, const uint8_t* mins, uint8_t* packed) {
  for (size_t j = 0; j < 4; ++j) {
    packed[j] = static_cast<uint8_t>((scales[j] & 63) | (scales[j + 4] >> 4) << 6);
    packed[j + 4] = static_cast<uint8_t>((mins[j] & 63) | (mins[j + 4] >> 4) << 6);
    packed[j + 8] = static_cast<uint8_t>((scales[j + 4] & 0x0f) | (mins[j + 4] & 0x0f) << 4);
  }
}

uint8_t UnpackScaleQ3K(const uint8_t* packed, size_t j) {
  const int low = j < 8 ? (packed[j] & 0x0f) : (packed[j - 8] >> 4);
  const int high = (packed[8 + j % 4] >> (2 * (j / 4))) & 3;
  return static_cast<uint8_t>(low | high << 4);
}

void PackScalesQ3K(const uint8_t* scales, uint8_t* packed) {
  for (size_t i = 0; i < 12; ++i) packed[i] = 0;
  for (size_t j = 0; j < 16; ++j) {
    const int low = scales[j] & 0x0f;
    packed[j % 8] = static_cast<uint8_t>(packed[j % 8] | (j < 8 ? low : low << 4));
    packed[8 + j % 4] = static_cast<uint8_t>(packed[8 + j % 4] | ((scales[j] >> 4) & 3) << (2 * (j / 4)));
  }
}

namespace {

// Candidate step sizes: the min/max step scaled by (max_code + k/10) / max_code for k in
// [-kSteps, kSteps]. Larger codes ranges tolerate (and benefit from) the same relative spread.
constexpr int kSteps = 12;
constexpr int kRefineRounds = 3;

struct OffsetCandidate {
  OffsetFit fit;
  double error = 0.0;
};

// Least-squares (scale, offset) for fixed codes, offset clamped to >= 0; nullopt-like failure is
// reported through `ok` when the codes are all equal (no scale information).
OffsetCandidate SolveOffset(const float* x, const int* q, size_t n, bool& ok) {
  double sq = 0, sqq = 0, sx = 0, sqx = 0;
  for (size_t i = 0; i < n; ++i) {
    sq += q[i];
    sqq += static_cast<double>(q[i]) * q[i];
    sx += x[i];
    sqx += static_cast<double>(q[i]) * x[i];
  }
  const double nn = static_cast<double>(n);
  const double det = nn * sqq - sq * sq;
  ok = det > 0;
  if (!ok) return {};
  double scale = (nn * sqx - sq * sx) / det;
  double offset = (scale * sq - sx) / nn;
  if (offset < 0) {  // the data wants a positive minimum, which the format cannot store
    offset = 0;
    scale = sqq > 0 ? sqx / sqq : 0;
  }
  if (scale < 0) scale = 0;
  double error = 0;
  for (size_t i = 0; i < n; ++i) {
    const double r = scale * q[i] - offset - x[i];
    error += r * r;
  }
  return {{static_cast<float>(scale), static_cast<float>(offset)}, error};
}

void AssignOffsetCodes(const float* x, size_t n, float inv_step, float lo, int max_code, int* q) {
  for (size_t i = 0; i < n; ++i) q[i] = RoundClamp((x[i] - lo) * inv_step, 0, max_code);
}

}  // namespace

OffsetFit FitOffsetScale(const float* x, size_t n, int max_code) {
  float lo = 0.0f;
  float hi = x[0];
  for (size_t i = 0; i < n; ++i) {
    lo = std::fmin(lo, x[i]);
    hi = std::fmax(hi, x[i]);
  }
  if (!(hi > lo)) return {0.0f, -lo};  // constant non-positive block: represented exactly by the offset

  int q[kSuperBlockMaxSub];
  OffsetCandidate best{{(hi - lo) / static_cast<float>(max_code), -lo}, INFINITY};
  for (int k = -kSteps; k <= kSteps; ++k) {
    const float inv_step = (static_cast<float>(max_code) + 0.1f * static_cast<float>(k)) / (hi - lo);
    AssignOffsetCodes(x, n, inv_step, lo, max_code, q);
    bool ok;
    const OffsetCandidate c = SolveOffset(x, q, n, ok);
    if (ok && c.error < best.error) best = c;
  }
  for (int round = 0; round < kRefineRounds && best.fit.scale > 0; ++round) {
    AssignOffsetCodes(x, n, 1.0f / best.fit.scale, -best.fit.offset, max_code, q);
    bool ok;
    const OffsetCandidate c = SolveOffset(x, q, n, ok);
    if (!ok || !(c.error < best.error)) break;
    best = c;
  }
  return best.fit;
}

float FitSymmetricScale(const float* x, size_t n, int min_code, int max_code) {
  float extreme = 0.0f;
  for (size_t i = 0; i < n; ++i) {
    if (std::fabs(x[i]) > std::fabs(extreme)) extreme = x[i];
  }
  if (extreme == 0.0f) return 0.0f;

  int q[kSuperBlockMaxSub];
  // For fixed codes the best scale is sum(xq)/sum(qq) and the error falls by sum(xq)^2/sum(qq):
  // maximize that gain.
  float best_scale = 0.0f;
  double best_gain = -1.0;
  auto try_inverse = [&](float inv_scale) {
    double sxq = 0, sqq = 0;
    for (size_t i = 0; i < n; ++i) {
      q[i] = RoundClamp(x[i] * inv_scale, min_code, max_code);
      sxq += static_cast<double>(x[i]) * q[i];
      sqq += static_cast<double>(q[i]) * q[i];
    }
    if (sqq <= 0) return false;
    const double gain = sxq * sxq / sqq;
    if (gain <= best_gain) return false;
    best_gain = gain;
    best_scale = static_cast<float>(sxq / sqq);
    return true;
  };
  // The extreme on the long side of the code range (min_code), and on the short side.
  for (int k = -kSteps; k <= kSteps; ++k) {
    const float delta = 0.1f * static_cast<float>(k);
    try_inverse((static_cast<float>(min_code) + delta) / extreme);
    try_inverse((static_cast<float>(max_code) + delta) / extreme);
  }
  for (int round = 0; round < kRefineRounds && best_scale != 0.0f; ++round) {
    if (!try_inverse(1.0f / best_scale)) break;
  }
  return best_scale;
}

}  // namespace citadel::quant::internal
