#pragma once
// The forward pass written for clarity, one token at a time, in float with weights dequantized
// row by row (llama2.c's shape). It is the yardstick the optimized batched forward pass is tested
// against, and it is itself tested against llama.cpp's logits. Not for serving: it is slow.

#include <cstdint>
#include <span>
#include <vector>

#include "core/result.h"
#include "model/model.h"

namespace citadel::model {

class ReferenceForward {
 public:
  // Holds a KV cache for `max_positions` tokens of one sequence.
  ReferenceForward(const Model& model, int max_positions);

  // Feeds `token` at position `pos` (0, 1, 2, … in order) and writes the next-token logits.
  Result<void> Step(int32_t token, int pos, std::span<float> logits);

 private:
  void MatVec(const TensorRef& w, std::span<const float> x, std::span<float> y);
  void RmsNorm(std::span<float> x, const TensorRef& weight);
  void Rope(std::span<float> head, int pos) const;

  const Model& model_;
  int max_positions_;
  // Activations of the current token; shapes in comments.
  std::vector<float> x_;        // [n_embd] residual stream
  std::vector<float> xb_;       // [n_embd] normalized input of a block
  std::vector<float> q_;        // [n_head * head_dim]
  std::vector<float> k_, v_;    // [n_head_kv * head_dim]
  std::vector<float> out_;      // [n_head * head_dim] attention output
  std::vector<float> gate_, up_;  // [n_ff]
  std::vector<float> row_;      // scratch: one dequantized weight row
  std::vector<float> norm_w_;   // scratch: one dequantized norm/bias vector
  std::vector<float> x_rounded_;    // scratch: activations rounded as for the weights' dot type
  std::vector<float> k_cache_, v_cache_;  // [n_layer][max_positions][n_head_kv * head_dim]
  std::vector<const float*> k_rows_, v_rows_;  // [max_positions]: one KV head's rows for attention
};

}  // namespace citadel::model
