#pragma once
// Attention over the paged KV cache (F16 or Q8_0 rows), for the query heads that share one KV head (grouped-query
// attention). Dispatches at run time to the best Highway target the CPU supports.

#include <cstddef>
#include <cstdint>
#include <span>

namespace citadel::kernels {

// How the cache stores a head's row: head_dim binary16 values, or head_dim / 32 Q8_0 blocks.
enum class KvRowFormat { kF16, kQ8_0 };

inline constexpr size_t kMaxAttentionHeadDim = 512;
inline constexpr size_t kMaxAttentionGroup = 64;

// q and out are [group][head_dim]; each K and V row holds head_dim values in `format` (head_dim <=
// kMaxAttentionHeadDim, a multiple of 32 for Q8_0; group <= kMaxAttentionGroup); state is scratch of
// at least 2 * group floats (running maximum and sum per head). out_g = softmax(q_g . K^T * scale) V,
// computed as llama.cpp's CPU flash attention does for an F16 cache (see attention.cpp); Q8_0 rows
// are dequantized on reading and take the same arithmetic.
void AttentionGroup(std::span<const float> q, size_t group, KvRowFormat format, std::span<const std::byte* const> k_rows,
                    std::span<const std::byte* const> v_rows, float scale, std::span<float> state, std::span<float> out);

}  // namespace citadel::kernels
