#include "engine/block_pool.h"

#include <gtest/gtest.h>

#include <numeric>
#include <vector>

namespace citadel::engine {
namespace {

std::vector<BlockHash> Chain(std::string_view model, const std::vector<int32_t>& tokens, size_t block_tokens) {
  std::vector<BlockHash> out;
  BlockHash h = ModelHash(model);
  for (size_t b = 0; b + block_tokens <= tokens.size(); b += block_tokens) {
    h = ChainHash(h, std::span(tokens).subspan(b, block_tokens));
    out.push_back(h);
  }
  return out;
}

TEST(BlockHash, DependsOnModelEveryEarlierTokenAndOrder) {
  const std::vector<int32_t> a = {1, 2, 3, 4, 5, 6, 7, 8};
  std::vector<int32_t> b = a;
  b[0] = 9;  // differs only in the first block
  EXPECT_EQ(Chain("m", a, 4), Chain("m", a, 4));
  EXPECT_NE(Chain("m", a, 4)[1], Chain("m", b, 4)[1]) << "a later block must carry its whole prefix";
  EXPECT_NE(Chain("m", a, 4)[0], Chain("other", a, 4)[0]);
  const std::vector<int32_t> swapped = {2, 1, 3, 4};
  EXPECT_NE(Chain("m", a, 4)[0], Chain("m", swapped, 4)[0]);
}

TEST(BlockPool, AllocatesEveryBlockOnceThenFails) {
  BlockPool pool(3);
  std::vector<BlockId> got;
  for (int i = 0; i < 3; ++i) {
    auto b = pool.Allocate();
    ASSERT_TRUE(b);
    got.push_back(*b);
  }
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, (std::vector<BlockId>{0, 1, 2}));
  EXPECT_FALSE(pool.Allocate());
  EXPECT_EQ(pool.stats().used, 3);
  pool.Release(got[1]);
  EXPECT_EQ(pool.stats().free, 1);
  auto again = pool.Allocate();
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, got[1]);
}

TEST(BlockPool, PublishedBlocksAreSharedAndSurviveTheirOwnerUntilEvicted) {
  BlockPool pool(4);
  const std::vector<int32_t> prompt = {5, 6, 7, 8, 9, 10, 11, 12, 13};
  const auto hashes = Chain("m", prompt, 4);  // two full blocks
  ASSERT_EQ(hashes.size(), 2u);

  // First request computes both blocks and publishes them.
  EXPECT_TRUE(pool.AcquireCached(hashes).empty());
  const BlockId b0 = *pool.Allocate(), b1 = *pool.Allocate();
  pool.Publish(b0, hashes[0]);
  pool.Publish(b1, hashes[1]);

  // A concurrent request with the same prefix shares them (reference counted).
  const auto shared = pool.AcquireCached(hashes);
  EXPECT_EQ(shared, (std::vector<BlockId>{b0, b1}));
  EXPECT_EQ(pool.stats().used, 2);

  // Both finish: the blocks stay cached, not free, and a third request still finds them.
  for (BlockId b : {b0, b1, b0, b1}) pool.Release(b);
  EXPECT_EQ(pool.stats().cached, 2);
  EXPECT_EQ(pool.AcquireCached(hashes).size(), 2u);
  const auto stats = pool.stats();
  EXPECT_EQ(stats.hits, 4u);
  EXPECT_EQ(stats.lookups, 6u);
  pool.Release(b0);
  pool.Release(b1);

  // Pressure: allocating every block evicts the cached ones, least recently released first, and
  // forgets their hashes.
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(pool.Allocate());
  EXPECT_TRUE(pool.AcquireCached(hashes).empty());
  EXPECT_EQ(pool.stats().cached, 0);
}

TEST(BlockPool, AMissStopsTheRunAndEvictionIsLeastRecentlyUsed) {
  BlockPool pool(3);
  const auto h = Chain("m", std::vector<int32_t>(12, 1), 4);
  std::vector<BlockId> ids;
  for (int i = 0; i < 3; ++i) {
    ids.push_back(*pool.Allocate());
    pool.Publish(ids.back(), h[static_cast<size_t>(i)]);
  }
  pool.Release(ids[2]);  // released first: evicted first
  pool.Release(ids[0]);
  pool.Release(ids[1]);
  const BlockId fresh = *pool.Allocate();
  EXPECT_EQ(fresh, ids[2]);
  // Block 2's hash is gone: a lookup of all three finds the first two only.
  EXPECT_EQ(pool.AcquireCached(h), (std::vector<BlockId>{ids[0], ids[1]}));
  // A hash published twice keeps the first block; the second stays private.
  pool.Publish(fresh, h[0]);
  pool.Release(fresh);
  EXPECT_EQ(pool.stats().free, 1);
}

}  // namespace
}  // namespace citadel::engine
