#pragma once
// The optimized forward pass of the llama family (llama, qwen2, qwen3) over a batch of tokens that
// may belong to several sequences: each token brings its position and sequence; K/V go to and come
// from the paged KV cache through each sequence's block table. A batch can be one decode token, a
// whole prompt, or the mix of both that continuous batching builds. Weights are read in place from
// the mapped file (or from the model's load-time packed copy where it has one, model/packed_weights.h);
// all activation buffers are sized once at construction, so Run does not allocate.

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "core/result.h"
#include "core/thread_pool.h"
#include "model/kv_cache.h"
#include "model/model.h"

namespace citadel::model {

struct Batch {
  std::span<const int32_t> tokens;
  std::span<const int32_t> positions;   // per token; position p attends to 0..p of its sequence
  std::span<const int32_t> sequences;   // per token: index into block_tables
  std::span<const uint8_t> want_logits;  // per token: nonzero to get its next-token logits
  // Per sequence: the KV blocks holding positions 0, block_tokens, 2 * block_tokens, ...
  std::span<const std::span<const int32_t>> block_tables;
};

class Forward {
 public:
  // Sizes every buffer for batches of up to `max_batch_tokens` tokens and sequences of up to
  // `max_context` positions. Errors: non-positive limits.
  static Result<std::unique_ptr<Forward>> Create(const Model& model, ThreadPool& pool, int max_batch_tokens,
                                                 int max_context);
  ~Forward();

  // Runs the batch, writing the KV of every token into the cache and, for each token that wants
  // them (in batch order), n_vocab logits into consecutive rows of `logits`. The K/V of positions
  // below a token's own that are not in this batch must already be in the cache. Errors (nothing
  // is written): a token outside the vocabulary, a position outside [0, max_context), an unknown
  // sequence, a block table too short or naming a block the cache lacks, a wrong logits size.
  Result<void> Run(const Batch& batch, KvCache& cache, std::span<float> logits);

  const Model& model() const;
  int max_batch_tokens() const;
  int max_context() const;

 private:
  struct State;
  explicit Forward(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace citadel::model
