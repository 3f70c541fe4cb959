#include "engine/kv_manager.h"

#include "core/check.h"

namespace citadel::engine {

KvManager::KvManager(int blocks, int block_tokens, std::string_view model_id)
    : pool_(blocks), block_tokens_(block_tokens), model_hash_(ModelHash(model_id)) {
  CITADEL_CHECK(block_tokens > 0);
}

Result<int> KvManager::Begin(SequenceId id, std::span<const int32_t> prompt) {
  if (sequences_.contains(id)) return Err("sequence {} already exists", id);
  if (prompt.empty()) return Err("sequence {}: empty prompt", id);
  const auto bt = static_cast<size_t>(block_tokens_);
  // Full blocks that may come from the cache: all but the one holding the last prompt token.
  const size_t shareable = (prompt.size() - 1) / bt;
  std::vector<BlockHash> hashes;
  BlockHash h = model_hash_;
  for (size_t b = 0; b < shareable; ++b) {
    h = ChainHash(h, prompt.subspan(b * bt, bt));
    hashes.push_back(h);
  }
  Sequence seq;
  seq.blocks = pool_.AcquireCached(hashes);
  const size_t cached_tokens = seq.blocks.size() * bt;
  const int needed = BlocksFor(static_cast<int>(prompt.size())) - static_cast<int>(seq.blocks.size());
  if (needed > pool_.Available()) {
    for (BlockId b : seq.blocks) pool_.Release(b);
    return Err("KV cache: sequence {} needs {} more blocks, {} available", id, needed, pool_.Available());
  }
  for (int i = 0; i < needed; ++i) seq.blocks.push_back(*pool_.Allocate());
  seq.tokens.assign(prompt.begin(), prompt.begin() + static_cast<ptrdiff_t>(cached_tokens));
  seq.last_hash = cached_tokens == 0 ? model_hash_ : hashes[cached_tokens / bt - 1];
  sequences_.emplace(id, std::move(seq));
  return static_cast<int>(cached_tokens);
}

Result<void> KvManager::Reserve(SequenceId id, int tokens) {
  auto it = sequences_.find(id);
  CITADEL_CHECK_MSG(it != sequences_.end(), "Reserve on an unknown sequence");
  Sequence& seq = it->second;
  const int needed = BlocksFor(tokens) - static_cast<int>(seq.blocks.size());
  if (needed <= 0) return Ok();
  if (needed > pool_.Available()) {
    return Err("KV cache: sequence {} needs {} more blocks, {} available", id, needed, pool_.Available());
  }
  for (int i = 0; i < needed; ++i) seq.blocks.push_back(*pool_.Allocate());
  return Ok();
}

void KvManager::Commit(SequenceId id, std::span<const int32_t> tokens) {
  auto it = sequences_.find(id);
  CITADEL_CHECK_MSG(it != sequences_.end(), "Commit on an unknown sequence");
  Sequence& seq = it->second;
  const auto bt = static_cast<size_t>(block_tokens_);
  const size_t before = seq.tokens.size();
  seq.tokens.insert(seq.tokens.end(), tokens.begin(), tokens.end());
  CITADEL_CHECK_MSG(seq.tokens.size() <= seq.blocks.size() * bt, "Commit beyond the reserved blocks");
  for (size_t full = before / bt; full < seq.tokens.size() / bt; ++full) {
    seq.last_hash = ChainHash(seq.last_hash, std::span(seq.tokens).subspan(full * bt, bt));
    pool_.Publish(seq.blocks[full], seq.last_hash);
  }
}

std::span<const int32_t> KvManager::BlockTable(SequenceId id) const {
  const auto it = sequences_.find(id);
  CITADEL_CHECK_MSG(it != sequences_.end(), "BlockTable of an unknown sequence");
  return it->second.blocks;
}

int KvManager::Tokens(SequenceId id) const {
  const auto it = sequences_.find(id);
  CITADEL_CHECK_MSG(it != sequences_.end(), "Tokens of an unknown sequence");
  return static_cast<int>(it->second.tokens.size());
}

void KvManager::End(SequenceId id) {
  const auto it = sequences_.find(id);
  if (it == sequences_.end()) return;
  for (BlockId b : it->second.blocks) pool_.Release(b);
  sequences_.erase(it);
}

}  // namespace citadel::engine
