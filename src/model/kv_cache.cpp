#include "model/kv_cache.h"

#include <limits>

namespace citadel::model {

KvCache::KvCache(int layers, int blocks, int block_tokens, int kv_dim)
    : layers_(layers), blocks_(blocks), block_tokens_(block_tokens), kv_dim_(kv_dim),
      slots_per_layer_(static_cast<size_t>(blocks) * static_cast<size_t>(block_tokens)) {
  const size_t values = static_cast<size_t>(layers) * slots_per_layer_ * static_cast<size_t>(kv_dim);
  k_.resize(values);
  v_.resize(values);
}

size_t KvCache::BytesPerToken(const HParams& h) {
  return 2 * sizeof(uint16_t) * static_cast<size_t>(h.n_layer) * static_cast<size_t>(h.kv_dim());
}

Result<KvCache> KvCache::Create(const HParams& h, int blocks, int block_tokens) {
  if (blocks <= 0 || block_tokens <= 0) return Err("KV cache: {} blocks of {} tokens", blocks, block_tokens);
  const size_t per_token = BytesPerToken(h);
  const size_t tokens = static_cast<size_t>(blocks) * static_cast<size_t>(block_tokens);
  if (per_token == 0 || tokens > std::numeric_limits<size_t>::max() / 4 / per_token) {
    return Err("KV cache of {} tokens overflows", tokens);
  }
  return KvCache(h.n_layer, blocks, block_tokens, h.kv_dim());
}

}  // namespace citadel::model
