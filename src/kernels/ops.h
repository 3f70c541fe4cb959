#pragma once
// The element-wise operations of a llama-family block, one token (or one head) per call so that a
// thread pool can split tokens and heads. Plain loops the compiler vectorizes: next to the matrix
// multiplies they cost little, and they keep llama.cpp's float arithmetic.

#include <cstdint>
#include <span>
#include <vector>

namespace citadel::kernels {

// out[i] = x[i] / sqrt(mean(x^2) + eps) * weight[i]. out may alias x.
void RmsNorm(std::span<const float> x, std::span<const float> weight, float eps, std::span<float> out);

// Rotation angles for one position: cos/sin of pos * freq_scale * base^(-2i/n_rot) for i < n_rot/2.
struct RopeAngles {
  std::vector<float> cos, sin;
};
class RopeTable {
 public:
  RopeTable(int n_rot, float freq_base, float freq_scale);
  // Fills `angles` (sized n_rot/2) for position `pos`.
  void Angles(int pos, RopeAngles& angles) const;
  int n_rot() const { return n_rot_; }

 private:
  int n_rot_;
  float freq_scale_;
  std::vector<double> inv_freq_;  // base^(-2i/n_rot)
};

// Rotates the first n_rot dimensions of one head: pairs (2i, 2i+1) in llama's ordering, (i, i+n_rot/2)
// in NeoX's (Qwen).
void Rope(std::span<float> head, const RopeAngles& angles, bool neox);

// gate[i] = silu(gate[i]) * up[i].
void SwiGlu(std::span<float> gate, std::span<const float> up);

// Attention over the paged KV cache is in attention.h.

}  // namespace citadel::kernels
