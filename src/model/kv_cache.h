#pragma once
// The key/value store of attention: one preallocated pool of fixed-size blocks of token slots per
// layer, in F16 (default) or Q8_0 (about half the bytes: twice the tokens in the same memory, each
// head's row quantized in 32-value blocks). A sequence owns an ordered list of blocks (its block table); position p of that
// sequence lives in slot p % block_tokens of block table[p / block_tokens]. Which blocks a sequence
// gets, and sharing them between sequences, is the engine's business; the forward pass only reads
// and writes through block tables.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "model/hparams.h"

namespace citadel::model {

enum class KvType { kF16, kQ8_0 };

// "f16" or "q8_0"; errors name the accepted values.
Result<KvType> ParseKvType(std::string_view name);
std::string_view Name(KvType type);

class KvCache {
 public:
  // Errors: non-positive sizes, a pool whose size overflows, or Q8_0 for heads that are not a
  // whole number of 32-value blocks.
  static Result<KvCache> Create(const HParams& hparams, int blocks, int block_tokens, KvType type = KvType::kF16);

  int blocks() const { return blocks_; }
  int block_tokens() const { return block_tokens_; }
  int kv_dim() const { return kv_dim_; }
  KvType type() const { return type_; }
  size_t bytes() const { return k_.size() + v_.size(); }
  // Bytes of one head's row of one slot (head_dim values in the cache's type).
  size_t head_bytes() const { return head_bytes_; }
  static size_t BytesPerToken(const HParams& hparams, KvType type = KvType::kF16);

  // The kv_dim values of `slot` (block * block_tokens + offset) in `layer`: n_head_kv rows of
  // head_bytes() each.
  std::byte* K(int layer, size_t slot) { return k_.data() + Offset(layer, slot); }
  std::byte* V(int layer, size_t slot) { return v_.data() + Offset(layer, slot); }
  const std::byte* K(int layer, size_t slot) const { return k_.data() + Offset(layer, slot); }
  const std::byte* V(int layer, size_t slot) const { return v_.data() + Offset(layer, slot); }

 private:
  KvCache(int layers, int blocks, int block_tokens, int kv_dim, int head_dim, KvType type);
  size_t Offset(int layer, size_t slot) const {
    return (static_cast<size_t>(layer) * slots_per_layer_ + slot) * slot_bytes_;
  }

  int layers_, blocks_, block_tokens_, kv_dim_;
  size_t slot_bytes_, head_bytes_;
  KvType type_;
  size_t slots_per_layer_;
  std::vector<std::byte> k_, v_;  // [layer][block][slot in block][slot_bytes]
};

}  // namespace citadel::model
