#include "engine/block_pool.h"

#include <openssl/evp.h>

#include <algorithm>
#include <memory>

#include "core/check.h"

namespace citadel::engine {
namespace {

BlockHash Sha256Prefix(std::span<const uint8_t> a, std::span<const uint8_t> b) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  uint8_t digest[EVP_MAX_MD_SIZE];
  unsigned length = 0;
  const bool ok = ctx && EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) == 1 &&
                  EVP_DigestUpdate(ctx.get(), a.data(), a.size()) == 1 &&
                  EVP_DigestUpdate(ctx.get(), b.data(), b.size()) == 1 &&
                  EVP_DigestFinal_ex(ctx.get(), digest, &length) == 1;
  CITADEL_CHECK_MSG(ok && length >= 16, "SHA-256 is always available in OpenSSL 3");
  BlockHash out;
  std::copy_n(digest, out.size(), out.begin());
  return out;
}

}  // namespace

BlockHash ModelHash(std::string_view model_id) {
  constexpr std::string_view kDomain = "citadel-kv-prefix-v1";
  return Sha256Prefix({reinterpret_cast<const uint8_t*>(kDomain.data()), kDomain.size()},
                      {reinterpret_cast<const uint8_t*>(model_id.data()), model_id.size()});
}

BlockHash ChainHash(const BlockHash& previous, std::span<const int32_t> tokens) {
  return Sha256Prefix(previous, {reinterpret_cast<const uint8_t*>(tokens.data()), tokens.size_bytes()});
}

BlockPool::BlockPool(int blocks) : blocks_(static_cast<size_t>(std::max(blocks, 0))) {
  free_.reserve(blocks_.size());
  for (int b = blocks - 1; b >= 0; --b) free_.push_back(b);  // hand out low ids first
}

std::vector<BlockId> BlockPool::AcquireCached(std::span<const BlockHash> hashes) {
  std::vector<BlockId> out;
  lookups_ += hashes.size();  // the hit rate is over all full prompt blocks, found or not
  for (const BlockHash& hash : hashes) {
    const auto it = by_hash_.find(hash);
    if (it == by_hash_.end()) break;
    ++hits_;
    const BlockId id = it->second;
    Block& block = blocks_[static_cast<size_t>(id)];
    if (block.refs == 0) lru_.erase(block.lru);  // revive a cached block
    ++block.refs;
    out.push_back(id);
  }
  return out;
}

Result<BlockId> BlockPool::Allocate() {
  BlockId id;
  if (!free_.empty()) {
    id = free_.back();
    free_.pop_back();
  } else if (!lru_.empty()) {
    id = lru_.front();
    lru_.pop_front();
    Forget(id);
  } else {
    return Err("KV cache: all {} blocks are in use", blocks_.size());
  }
  Block& block = blocks_[static_cast<size_t>(id)];
  block.refs = 1;
  return id;
}

void BlockPool::Publish(BlockId id, const BlockHash& hash) {
  Block& block = blocks_[static_cast<size_t>(id)];
  CITADEL_CHECK(block.refs > 0);
  if (block.published || by_hash_.contains(hash)) return;
  block.published = true;
  block.hash = hash;
  by_hash_.emplace(hash, id);
}

void BlockPool::Release(BlockId id) {
  Block& block = blocks_[static_cast<size_t>(id)];
  CITADEL_CHECK_MSG(block.refs > 0, "KV block released more often than acquired");
  if (--block.refs > 0) return;
  if (block.published) {
    block.lru = lru_.insert(lru_.end(), id);
  } else {
    free_.push_back(id);
  }
}

void BlockPool::Forget(BlockId id) {
  Block& block = blocks_[static_cast<size_t>(id)];
  if (block.published) by_hash_.erase(block.hash);
  block.published = false;
}

BlockPoolStats BlockPool::stats() const {
  BlockPoolStats s;
  s.blocks = static_cast<int>(blocks_.size());
  s.cached = static_cast<int>(lru_.size());
  s.free = static_cast<int>(free_.size());
  s.used = s.blocks - s.cached - s.free;
  s.lookups = lookups_;
  s.hits = hits_;
  return s;
}

}  // namespace citadel::engine
