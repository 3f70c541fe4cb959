#pragma once
// The key/value store of attention: one preallocated pool of fixed-size blocks of token slots, F16,
// per layer. A sequence owns an ordered list of blocks (its block table); position p of that
// sequence lives in slot p % block_tokens of block table[p / block_tokens]. Which blocks a sequence
// gets, and sharing them between sequences, is the engine's business; the forward pass only reads
// and writes through block tables.

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "core/result.h"
#include "model/hparams.h"

namespace citadel::model {

class KvCache {
 public:
  // Errors: non-positive sizes, or a pool whose size overflows.
  static Result<KvCache> Create(const HParams& hparams, int blocks, int block_tokens);

  int blocks() const { return blocks_; }
  int block_tokens() const { return block_tokens_; }
  int kv_dim() const { return kv_dim_; }
  size_t bytes() const { return (k_.size() + v_.size()) * sizeof(uint16_t); }
  static size_t BytesPerToken(const HParams& hparams);

  // kv_dim F16 values of `slot` (block * block_tokens + offset) in `layer`.
  uint16_t* K(int layer, size_t slot) { return k_.data() + Offset(layer, slot); }
  uint16_t* V(int layer, size_t slot) { return v_.data() + Offset(layer, slot); }
  const uint16_t* K(int layer, size_t slot) const { return k_.data() + Offset(layer, slot); }
  const uint16_t* V(int layer, size_t slot) const { return v_.data() + Offset(layer, slot); }

 private:
  KvCache(int layers, int blocks, int block_tokens, int kv_dim);
  size_t Offset(int layer, size_t slot) const {
    return (static_cast<size_t>(layer) * slots_per_layer_ + slot) * static_cast<size_t>(kv_dim_);
  }

  int layers_, blocks_, block_tokens_, kv_dim_;
  size_t slots_per_layer_;
  std::vector<uint16_t> k_, v_;  // [layer][block][slot in block][kv_dim]
};

}  // namespace citadel::model
