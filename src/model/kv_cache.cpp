#include "model/kv_cache.h"

#include <limits>

#include "quant/blocks.h"

namespace citadel::model {
namespace {

// Bytes of `values` cache values of `type`; values is a whole number of blocks for Q8_0.
size_t RowBytes(KvType type, size_t values) {
  return type == KvType::kF16 ? values * sizeof(uint16_t) : values / quant::kLegacyBlock * sizeof(quant::BlockQ8_0);
}

}  // namespace

Result<KvType> ParseKvType(std::string_view name) {
  if (name == "f16") return KvType::kF16;
  if (name == "q8_0") return KvType::kQ8_0;
  return Err("KV cache type '{}' is not one of f16, q8_0", name);
}

std::string_view Name(KvType type) { return type == KvType::kF16 ? "f16" : "q8_0"; }

KvCache::KvCache(int layers, int blocks, int block_tokens, int kv_dim, int head_dim, KvType type)
    : layers_(layers), blocks_(blocks), block_tokens_(block_tokens), kv_dim_(kv_dim),
      slot_bytes_(RowBytes(type, static_cast<size_t>(kv_dim))), head_bytes_(RowBytes(type, static_cast<size_t>(head_dim))),
      type_(type),
      slots_per_layer_(static_cast<size_t>(blocks) * static_cast<size_t>(block_tokens)) {
  const size_t bytes = static_cast<size_t>(layers) * slots_per_layer_ * slot_bytes_;
  k_.resize(bytes);
  v_.resize(bytes);
}

size_t KvCache::BytesPerToken(const HParams& h, KvType type) {
  return 2 * static_cast<size_t>(h.n_layer) * RowBytes(type, static_cast<size_t>(h.kv_dim()));
}

Result<KvCache> KvCache::Create(const HParams& h, int blocks, int block_tokens, KvType type) {
  if (blocks <= 0 || block_tokens <= 0) return Err("KV cache: {} blocks of {} tokens", blocks, block_tokens);
  if (type == KvType::kQ8_0 && h.head_dim % static_cast<int>(quant::kLegacyBlock) != 0) {
    return Err("KV cache: q8_0 needs a head dimension that is a multiple of {}, this model's is {}", quant::kLegacyBlock,
               h.head_dim);
  }
  const size_t per_token = BytesPerToken(h, type);
  const size_t tokens = static_cast<size_t>(blocks) * static_cast<size_t>(block_tokens);
  if (per_token == 0 || tokens > std::numeric_limits<size_t>::max() / 4 / per_token) {
    return Err("KV cache of {} tokens overflows", tokens);
  }
  return KvCache(h.n_layer, blocks, block_tokens, h.kv_dim(), h.head_dim, type);
}

}  // namespace citadel::model
