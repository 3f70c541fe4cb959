#pragma once
// Attention over the paged F16 KV cache, for the query heads that share one KV head (grouped-query
// attention). Dispatches at run time to the best Highway target the CPU supports.

#include <cstddef>
#include <cstdint>
#include <span>

namespace citadel::kernels {

inline constexpr size_t kMaxAttentionHeadDim = 512;
inline constexpr size_t kMaxAttentionGroup = 64;

// q and out are [group][head_dim]; each K and V row holds head_dim F16 values (head_dim <=
// kMaxAttentionHeadDim, group <= kMaxAttentionGroup); state is scratch of at least 2 * group floats
// (running maximum and sum per head). out_g = softmax(q_g . K^T * scale) V, computed as llama.cpp's
// CPU flash attention does for an F16 cache (see attention.cpp).
void AttentionGroup(std::span<const float> q, size_t group, std::span<const uint16_t* const> k_rows,
                    std::span<const uint16_t* const> v_rows, float scale, std::span<float> state, std::span<float> out);

}  // namespace citadel::kernels
