#pragma once
// The paged KV cache's bookkeeping: a fixed pool of blocks (the model's KvCache holds their
// contents), each either free, owned by running sequences (reference counted, so sequences that
// share a prefix share its blocks read-only), or cached: no longer owned but holding the K/V of a
// full block of tokens that a later request with the same prefix can reuse without computing it.
// Cached blocks are evicted least recently used when free blocks run out.
//
// A full block is identified by a hash chained over the model, every token before it and its own
// tokens, so equal hashes mean equal prefixes (SHA-256: a tenant cannot craft a collision that
// would hand it another tenant's cached K/V).

#include <array>
#include <cstdint>
#include <list>
#include <span>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/result.h"

namespace citadel::engine {

using BlockId = int32_t;
using BlockHash = std::array<uint8_t, 16>;

struct BlockHashHasher {
  size_t operator()(const BlockHash& h) const {
    size_t v = 0;
    for (size_t i = 0; i < sizeof(size_t); ++i) v = (v << 8) | h[i];
    return v;
  }
};

// Hash of a full block: SHA-256(previous hash, tokens), truncated to 128 bits. The first block's
// previous hash is the model's id hash (ModelHash), so prefixes never match across models.
BlockHash ModelHash(std::string_view model_id);
BlockHash ChainHash(const BlockHash& previous, std::span<const int32_t> tokens);

struct BlockPoolStats {
  int blocks = 0;
  int used = 0;    // owned by at least one sequence
  int cached = 0;  // unowned, reusable by hash
  int free = 0;    // neither
  uint64_t lookups = 0;  // full prompt blocks looked up
  uint64_t hits = 0;     // of those, found cached or shared
};

class BlockPool {
 public:
  explicit BlockPool(int blocks);

  // The longest run of leading full blocks of `hashes` present in the pool (owned or cached);
  // takes a reference on each (reviving cached ones) and returns their ids. Counts lookups/hits.
  std::vector<BlockId> AcquireCached(std::span<const BlockHash> hashes);

  // A fresh block with one reference: a free one, else the least recently used cached one (its
  // hash forgotten). Err when every block is owned.
  Result<BlockId> Allocate();

  // Records that `block` (owned) now holds the full block with this hash, so later AcquireCached
  // calls find it. If another block already has the hash, the pool keeps that one (the caller's
  // block stays a private copy).
  void Publish(BlockId block, const BlockHash& hash);

  // Drops one reference; a block nobody owns becomes cached if it was published, free otherwise.
  void Release(BlockId block);

  // Blocks Allocate could hand out now (free + cached).
  int Available() const { return static_cast<int>(free_.size() + lru_.size()); }
  BlockPoolStats stats() const;

 private:
  struct Block {
    int refs = 0;
    bool published = false;
    BlockHash hash{};
    std::list<BlockId>::iterator lru;  // valid while cached
  };
  void Forget(BlockId block);

  std::vector<Block> blocks_;
  std::vector<BlockId> free_;
  std::list<BlockId> lru_;  // cached blocks, least recently released first
  std::unordered_map<BlockHash, BlockId, BlockHashHasher> by_hash_;
  uint64_t lookups_ = 0, hits_ = 0;
};

}  // namespace citadel::engine
