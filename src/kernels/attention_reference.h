#pragma once
// Scalar twin of attention.h for one query head: llama.cpp's CPU flash-attention recurrence over
// K and V rows already decoded to float, with double dot products. The reference forward pass
// attends with it, and tests compare every Highway target of AttentionGroup against it.

#include <cstddef>
#include <span>

namespace citadel::kernels::reference {

// out = softmax(q . K^T * scale) V, where k_rows[t] and v_rows[t] point at q.size() floats each:
// one pass with a running maximum and sum, the weighted sum of V rounded to F16 after every step.
void AttentionHead(std::span<const float> q, std::span<const float* const> k_rows, std::span<const float* const> v_rows,
                   float scale, std::span<float> out);

}  // namespace citadel::kernels::reference
