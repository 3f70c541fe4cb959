#pragma once
// Per-sequence KV blocks on top of BlockPool: the block table the forward pass reads, prefix reuse
// when a sequence starts, a new block whenever one fills, publication of full blocks for later
// requests, and release when the sequence ends or is preempted.

#include <cstdint>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/result.h"
#include "engine/block_pool.h"

namespace citadel::engine {

using SequenceId = uint64_t;

class KvManager {
 public:
  KvManager(int blocks, int block_tokens, std::string_view model_id);

  // Starts a sequence whose first tokens are `prompt`: shares the cached blocks of its longest
  // cached prefix of full blocks (never the block holding the last prompt token, which must be
  // computed to produce logits) and allocates blocks for the rest of the prompt. Returns how many
  // prompt tokens are already in the cache. Err, changing nothing, when the pool cannot hold the
  // prompt now (the scheduler waits or preempts) or the id is in use.
  Result<int> Begin(SequenceId id, std::span<const int32_t> prompt);

  // Makes room for the sequence to hold `tokens` tokens in total, allocating blocks as needed.
  // Err, changing nothing, when the pool runs out.
  Result<void> Reserve(SequenceId id, int tokens);

  // Records that the K/V of the sequence's next tokens (prompt chunks, then generated tokens) have
  // been written; every block this fills is published for prefix reuse.
  void Commit(SequenceId id, std::span<const int32_t> tokens);

  // The block table for Batch::block_tables (valid until the next call that changes this sequence).
  std::span<const int32_t> BlockTable(SequenceId id) const;
  int Tokens(SequenceId id) const;  // tokens committed so far (cached prefix included)

  // Releases the sequence's blocks (published full blocks stay cached for reuse).
  void End(SequenceId id);

  // Blocks needed to hold `tokens` tokens.
  int BlocksFor(int tokens) const { return (tokens + block_tokens_ - 1) / block_tokens_; }
  int block_tokens() const { return block_tokens_; }
  const BlockPool& pool() const { return pool_; }

 private:
  struct Sequence {
    std::vector<int32_t> blocks;
    std::vector<int32_t> tokens;  // committed tokens
    BlockHash last_hash{};        // chain hash through the last full block
  };

  BlockPool pool_;
  int block_tokens_;
  BlockHash model_hash_;
  std::unordered_map<SequenceId, Sequence> sequences_;
};

}  // namespace citadel::engine
