// KvManager's block accounting, and prefix reuse end to end: a second request with the same long
// prefix starts with that prefix cached, computes only the rest, and gets bit-identical logits.

#include "engine/kv_manager.h"

#include <gtest/gtest.h>

#include <numeric>

#include "model/forward.h"
#include "model_gen/random_model.h"

namespace citadel::engine {
namespace {

std::vector<int32_t> Tokens(int n, int32_t from) {
  std::vector<int32_t> v(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) v[static_cast<size_t>(i)] = (from + 7 * i) % 250 + 1;
  return v;
}

TEST(KvManager, BeginReserveCommitEnd) {
  KvManager kv(/*blocks=*/6, /*block_tokens=*/4, "m");
  const auto prompt = Tokens(9, 0);  // 3 blocks, the last partly filled
  auto cached = kv.Begin(1, prompt);
  ASSERT_TRUE(cached);
  EXPECT_EQ(*cached, 0);
  EXPECT_EQ(kv.BlockTable(1).size(), 3u);
  kv.Commit(1, prompt);
  EXPECT_EQ(kv.pool().stats().used, 3);
  ASSERT_TRUE(kv.Reserve(1, 13));  // grows to 4 blocks
  EXPECT_EQ(kv.BlockTable(1).size(), 4u);
  EXPECT_FALSE(kv.Reserve(1, 40)) << "needs 10 blocks, the pool has 6";
  EXPECT_EQ(kv.BlockTable(1).size(), 4u) << "a failed Reserve changes nothing";
  EXPECT_FALSE(kv.Begin(1, prompt)) << "id in use";
  EXPECT_FALSE(kv.Begin(2, Tokens(12, 3))) << "3 blocks needed, 2 available";
  EXPECT_EQ(kv.pool().stats().used, 4);
  kv.End(1);
  EXPECT_EQ(kv.pool().stats().used, 0);
  EXPECT_EQ(kv.pool().stats().cached, 2) << "the two full prompt blocks stay cached";
}

TEST(KvManager, APromptIsNeverFullyServedFromCache) {
  KvManager kv(8, 4, "m");
  const auto prompt = Tokens(8, 0);  // exactly two full blocks
  ASSERT_TRUE(kv.Begin(1, prompt));
  kv.Commit(1, prompt);
  kv.End(1);
  auto cached = kv.Begin(2, prompt);
  ASSERT_TRUE(cached);
  EXPECT_EQ(*cached, 4) << "the block with the last prompt token is computed again, for its logits";
}

model::Model MakeModel() {
  tools::ModelSpec spec;
  spec.arch = "qwen2";
  spec.n_layer = 2;
  spec.n_embd = 128;
  spec.n_head = 4;
  spec.n_head_kv = 2;
  spec.n_ff = 256;
  spec.n_vocab = 300;
  spec.weight_type = gguf::TensorType::kQ4_0;
  auto writer = tools::BuildRandomModel(spec);
  CITADEL_CHECK(writer.has_value());
  auto file = gguf::GgufFile::Parse(std::move(*writer->Serialize()));
  CITADEL_CHECK(file.has_value());
  return std::move(*model::Model::FromFile(std::move(*file)));
}

TEST(KvManager, CachedPrefixSkipsComputationWithIdenticalLogits) {
  const model::Model model = MakeModel();
  constexpr int kBlockTokens = 16, kBlocks = 32;
  ThreadPool pool(2);
  auto cache = model::KvCache::Create(model.hparams(), kBlocks, kBlockTokens);
  ASSERT_TRUE(cache);
  auto forward = model::Forward::Create(model, pool, 256, 256);
  ASSERT_TRUE(forward);
  KvManager kv(kBlocks, kBlockTokens, "random-qwen2");
  const auto V = static_cast<size_t>(model.hparams().n_vocab);

  // Runs tokens [from, prompt.size()) of sequence `id` and returns the last token's logits.
  auto prefill = [&](SequenceId id, const std::vector<int32_t>& prompt, int from) {
    std::vector<int32_t> tokens(prompt.begin() + from, prompt.end()), positions(tokens.size()), seqs(tokens.size(), 0);
    std::iota(positions.begin(), positions.end(), from);
    std::vector<uint8_t> want(tokens.size(), 0);
    want.back() = 1;
    const std::vector<std::span<const int32_t>> tables = {kv.BlockTable(id)};
    std::vector<float> logits(V);
    auto ok = (*forward)->Run({tokens, positions, seqs, want, tables}, *cache, logits);
    EXPECT_TRUE(ok) << (ok ? "" : ok.error().message);
    kv.Commit(id, tokens);
    return logits;
  };

  auto system = Tokens(100, 11);  // a shared system prompt of 6 full blocks and a bit
  auto first = system, second = system;
  for (int32_t t : Tokens(20, 5)) first.push_back(t);
  for (int32_t t : Tokens(30, 9)) second.push_back(t);

  auto c1 = kv.Begin(1, first);
  ASSERT_TRUE(c1);
  EXPECT_EQ(*c1, 0);
  (void)prefill(1, first, 0);
  kv.End(1);

  auto c2 = kv.Begin(2, second);
  ASSERT_TRUE(c2);
  EXPECT_EQ(*c2, 96) << "6 full blocks of the shared prefix";
  const auto with_cache = prefill(2, second, *c2);
  kv.End(2);

  // The same request on a cold pool computes everything and must agree bit for bit.
  KvManager cold(kBlocks, kBlockTokens, "another-id");
  std::swap(kv, cold);
  ASSERT_EQ(*kv.Begin(3, second), 0);
  const auto without_cache = prefill(3, second, 0);
  EXPECT_EQ(with_cache, without_cache);
  const auto stats = cold.pool().stats();
  EXPECT_EQ(stats.hits, 6u);
}

}  // namespace
}  // namespace citadel::engine
