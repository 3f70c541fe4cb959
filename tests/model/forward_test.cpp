// The optimized forward pass against the reference forward pass on generated models of every
// architecture and many weight types, and the properties continuous batching relies on: a token's
// logits do not depend on what else is in the batch, on how a prompt is split into batches, or on
// the thread count.

#include "model/forward.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numeric>

#include "gguf/writer.h"
#include "model/reference_forward.h"
#include "model_gen/random_model.h"

namespace citadel::model {
namespace {

using gguf::TensorType;

Model MakeModel(const std::string& arch, TensorType type, uint64_t seed = 7) {
  tools::ModelSpec spec;
  spec.arch = arch;
  spec.n_layer = 2;
  spec.n_embd = 256;
  spec.n_head = 4;
  spec.n_head_kv = 2;
  spec.n_ff = 512;
  spec.n_vocab = 300;
  spec.weight_type = type;
  spec.tied_output = arch != "llama";
  spec.seed = seed;
  auto writer = tools::BuildRandomModel(spec);
  CITADEL_CHECK(writer.has_value());
  auto bytes = writer->Serialize();
  CITADEL_CHECK(bytes.has_value());
  auto file = gguf::GgufFile::Parse(std::move(*bytes));
  CITADEL_CHECK(file.has_value());
  auto model = Model::FromFile(std::move(*file));
  CITADEL_CHECK_MSG(model.has_value(), model ? "" : model.error().message.c_str());
  return std::move(*model);
}

// One sequence whose blocks are handed out in a scrambled order, so that a forward pass that
// ignored the block table would read the wrong slots.
struct Sequence {
  std::vector<int32_t> blocks;
};

struct Runner {
  Runner(const Model& m, int threads, KvType kv_type = KvType::kF16, int blocks = 64, int block_tokens = 4)
      : pool(threads), cache(*KvCache::Create(m.hparams(), blocks, block_tokens, kv_type)) {
    forward = std::move(*Forward::Create(m, pool, 64, 128));
  }
  // Runs tokens of several sequences; returns logits of every token, in batch order.
  std::vector<float> Run(const std::vector<int32_t>& tokens, const std::vector<int32_t>& positions,
                         const std::vector<int32_t>& sequences, const std::vector<Sequence>& seqs) {
    std::vector<std::span<const int32_t>> tables;
    for (const auto& s : seqs) tables.emplace_back(s.blocks);
    const std::vector<uint8_t> want(tokens.size(), 1);
    std::vector<float> logits(tokens.size() * static_cast<size_t>(forward->model().hparams().n_vocab));
    auto ok = forward->Run({tokens, positions, sequences, want, tables}, cache, logits);
    EXPECT_TRUE(ok) << (ok ? "" : ok.error().message);
    return logits;
  }
  ThreadPool pool;
  KvCache cache;
  std::unique_ptr<Forward> forward;
};

std::vector<int32_t> Iota(int n, int from = 0) {
  std::vector<int32_t> v(static_cast<size_t>(n));
  std::iota(v.begin(), v.end(), from);
  return v;
}

const std::vector<int32_t> kPrompt = {1, 17, 250, 3, 99, 42, 7, 7, 180, 5, 260, 11, 64};

struct TypeCase {
  std::string arch;
  TensorType type;
};

class ForwardVsReference : public ::testing::TestWithParam<TypeCase> {};

// Same model, same rounding of activations and KV: the two passes differ only by float summation
// order. With float weights that leaves ~1e-6 relative; with quantized ones a last-bit difference
// can flip one activation code in the next layer, which a random network amplifies, hence the
// looser bound (the reference test against llama.cpp holds the bounds).
TEST_P(ForwardVsReference, PromptLogitsAgree) {
  const auto [arch, type] = GetParam();
  const Model model = MakeModel(arch, type);
  const int n_vocab = model.hparams().n_vocab;
  const bool float_weights = type == TensorType::kF32 || type == TensorType::kF16 || type == TensorType::kBF16;
  const double min_cosine = float_weights ? 0.99999 : 0.9995;
  // Q4_K, Q5_K and Q6_K prompts take the integer kernels (the tiles, bit-identical to the decode dots),
  // which sum exactly where the reference rounds in float, so codes flip a little more often: the
  // decode dots alone drifted to 2.2% of the logit scale on qwen3 Q6_K (position 12) before the tiles.
  const bool integer_k = type == TensorType::kQ4_K || type == TensorType::kQ5_K || type == TensorType::kQ6_K;
  const double max_drift = integer_k ? 0.03 : 0.02;
  Runner runner(model, 2);
  const auto fast = runner.Run(kPrompt, Iota(static_cast<int>(kPrompt.size())),
                               std::vector<int32_t>(kPrompt.size(), 0), {{{5, 2, 9, 0}}});
  ReferenceForward reference(model, 64);
  std::vector<float> expected(static_cast<size_t>(n_vocab));
  for (size_t p = 0; p < kPrompt.size(); ++p) {
    ASSERT_TRUE(reference.Step(kPrompt[p], static_cast<int>(p), expected));
    double dot = 0, na = 0, nb = 0, max_abs = 0, scale = 0;
    for (int i = 0; i < n_vocab; ++i) {
      const double a = fast[p * static_cast<size_t>(n_vocab) + static_cast<size_t>(i)], b = expected[static_cast<size_t>(i)];
      dot += a * b;
      na += a * a;
      nb += b * b;
      max_abs = std::max(max_abs, std::abs(a - b));
      scale = std::max(scale, std::abs(b));
    }
    EXPECT_GE(dot / std::sqrt(na * nb), min_cosine) << gguf::Name(type) << " position " << p;
    EXPECT_LE(max_abs, max_drift * scale) << gguf::Name(type) << " position " << p;
  }
}

INSTANTIATE_TEST_SUITE_P(Types, ForwardVsReference,
                         ::testing::Values(TypeCase{"llama", TensorType::kF32}, TypeCase{"llama", TensorType::kF16},
                                           TypeCase{"llama", TensorType::kBF16}, TypeCase{"llama", TensorType::kQ8_0},
                                           TypeCase{"llama", TensorType::kQ4_0}, TypeCase{"llama", TensorType::kQ4_1},
                                           TypeCase{"llama", TensorType::kQ5_0}, TypeCase{"llama", TensorType::kQ5_1},
                                           TypeCase{"llama", TensorType::kQ2_K}, TypeCase{"llama", TensorType::kQ3_K},
                                           TypeCase{"llama", TensorType::kQ4_K}, TypeCase{"llama", TensorType::kQ5_K},
                                           TypeCase{"llama", TensorType::kQ6_K}, TypeCase{"qwen2", TensorType::kQ8_0},
                                           TypeCase{"qwen2", TensorType::kQ4_K}, TypeCase{"qwen3", TensorType::kF16},
                                           TypeCase{"qwen3", TensorType::kQ6_K}),
                         [](const auto& info) { return info.param.arch + "_" + std::string(gguf::Name(info.param.type)); });

// Continuous batching mixes sequences in one batch and splits prompts across steps; neither may
// change a single bit of any token's logits, nor may the thread count. For every weight type with
// integer tile kernels (legacy and K-quants): batches of 1, 5, 7, 13 and 20 tokens take the decode
// dots and the tiles of every shape. Both KV cache types.
class BatchInvariance : public ::testing::TestWithParam<std::tuple<TensorType, KvType>> {};

TEST_P(BatchInvariance, LogitsDoNotDependOnBatchingOrThreads) {
  const auto [weight_type, kv_type] = GetParam();
  const Model model = MakeModel("qwen2", weight_type);
  const auto V = static_cast<size_t>(model.hparams().n_vocab);
  const std::vector<int32_t> other = {9, 8, 7, 6, 5, 4, 3};

  Runner alone(model, 1, kv_type);
  const auto a = alone.Run(kPrompt, Iota(13), std::vector<int32_t>(13, 0), {{{0, 1, 2, 3}}});
  Runner alone_other(model, 1, kv_type);
  const auto b = alone_other.Run(other, Iota(7), std::vector<int32_t>(7, 0), {{{0, 1}}});

  // Both sequences interleaved in one batch, three threads, other blocks.
  Runner mixed(model, 3, kv_type);
  std::vector<int32_t> tokens, positions, seqs;
  for (size_t i = 0; i < kPrompt.size(); ++i) {
    tokens.push_back(kPrompt[i]);
    positions.push_back(static_cast<int32_t>(i));
    seqs.push_back(0);
    if (i < other.size()) {
      tokens.push_back(other[i]);
      positions.push_back(static_cast<int32_t>(i));
      seqs.push_back(1);
    }
  }
  const std::vector<Sequence> tables = {{{10, 3, 7, 20}}, {{4, 11}}};
  const auto m = mixed.Run(tokens, positions, seqs, tables);
  size_t seen_a = 0, seen_b = 0;
  for (size_t t = 0; t < tokens.size(); ++t) {
    const std::span<const float> got(m.data() + t * V, V);
    const std::span<const float> want = seqs[t] == 0 ? std::span<const float>(a.data() + seen_a++ * V, V)
                                                     : std::span<const float>(b.data() + seen_b++ * V, V);
    ASSERT_TRUE(std::equal(got.begin(), got.end(), want.begin())) << "batch token " << t;
  }

  // The prompt in three steps (chunked prefill, then decode) gives the same last logits.
  Runner chunked(model, 2, kv_type);
  const std::vector<Sequence> table = {{{0, 1, 2, 3}}};
  (void)chunked.Run({kPrompt.begin(), kPrompt.begin() + 5}, Iota(5), std::vector<int32_t>(5, 0), table);
  (void)chunked.Run({kPrompt.begin() + 5, kPrompt.begin() + 12}, Iota(7, 5), std::vector<int32_t>(7, 0), table);
  const auto last = chunked.Run({kPrompt[12]}, {12}, {0}, table);
  ASSERT_TRUE(std::equal(last.begin(), last.end(), a.begin() + 12 * static_cast<ptrdiff_t>(V)));
}

INSTANTIATE_TEST_SUITE_P(Types, BatchInvariance,
                         ::testing::Combine(::testing::Values(TensorType::kQ8_0, TensorType::kQ4_0, TensorType::kQ5_0,
                                                              TensorType::kQ4_K, TensorType::kQ5_K, TensorType::kQ6_K),
                                            ::testing::Values(KvType::kF16, KvType::kQ8_0)),
                         [](const auto& info) {
                           return std::string(gguf::Name(std::get<0>(info.param))) + "_kv_" +
                                  std::string(Name(std::get<1>(info.param)));
                         });

// A Q8_0 cache stores K and V with about 0.4% relative error per value; the logits of a prompt
// stay close to those with the F16 cache (a random network amplifies differences, so the bound is
// looser than the weights' own), and the cache takes 34 bytes per 32 values instead of 64.
TEST(Forward, Q8_0CacheStaysCloseToF16) {
  for (const std::string arch : {"llama", "qwen2", "qwen3"}) {
    const Model model = MakeModel(arch, TensorType::kF16);
    const auto V = static_cast<size_t>(model.hparams().n_vocab);
    Runner f16(model, 2, KvType::kF16), q8(model, 2, KvType::kQ8_0);
    const std::vector<Sequence> table = {{{3, 1, 4, 0}}};
    const auto a = f16.Run(kPrompt, Iota(13), std::vector<int32_t>(13, 0), table);
    const auto b = q8.Run(kPrompt, Iota(13), std::vector<int32_t>(13, 0), table);
    for (size_t p = 0; p < kPrompt.size(); ++p) {
      double dot = 0, na = 0, nb = 0;
      for (size_t i = p * V; i < (p + 1) * V; ++i) {
        dot += double{a[i]} * b[i];
        na += double{a[i]} * a[i];
        nb += double{b[i]} * b[i];
      }
      EXPECT_GE(dot / std::sqrt(na * nb), 0.999) << arch << " position " << p;
    }
    EXPECT_EQ(q8.cache.bytes() * 64, f16.cache.bytes() * 34) << arch;
  }
}

TEST(Forward, Q8_0CacheNeedsWholeBlocksPerHead) {
  HParams h;
  h.n_layer = 1;
  h.n_head = 4;
  h.n_head_kv = 4;
  h.head_dim = 40;
  h.n_embd = 160;
  auto cache = KvCache::Create(h, 4, 4, KvType::kQ8_0);
  ASSERT_FALSE(cache);
  EXPECT_NE(cache.error().message.find("multiple of 32"), std::string::npos) << cache.error().message;
  EXPECT_TRUE(KvCache::Create(h, 4, 4, KvType::kF16));
  EXPECT_FALSE(ParseKvType("q4_0"));
  EXPECT_EQ(*ParseKvType("q8_0"), KvType::kQ8_0);
}

TEST(Forward, RejectsBadBatches) {
  const Model model = MakeModel("llama", TensorType::kQ8_0);
  ThreadPool pool(1);
  auto cache = KvCache::Create(model.hparams(), 4, 4);
  ASSERT_TRUE(cache);
  auto forward = Forward::Create(model, pool, 8, 16);
  ASSERT_TRUE(forward);
  const std::vector<int32_t> blocks = {0, 1, 2, 3};
  const std::vector<std::span<const int32_t>> tables = {blocks};
  std::vector<float> logits(static_cast<size_t>(model.hparams().n_vocab));
  const std::vector<uint8_t> want = {1};
  auto run = [&](int32_t token, int32_t pos, int32_t seq, std::span<const std::span<const int32_t>> t,
                 std::span<float> out) {
    const std::vector<int32_t> tok = {token}, p = {pos}, s = {seq};
    return (*forward)->Run({tok, p, s, want, t}, *cache, out);
  };
  EXPECT_TRUE(run(1, 0, 0, tables, logits));
  EXPECT_FALSE(run(300, 0, 0, tables, logits));
  EXPECT_FALSE(run(-1, 0, 0, tables, logits));
  EXPECT_FALSE(run(1, 16, 0, tables, logits));
  EXPECT_FALSE(run(1, 0, 1, tables, logits));
  EXPECT_FALSE(run(1, 0, 0, tables, std::span(logits).first(10)));
  const std::vector<int32_t> short_blocks = {0};
  const std::vector<std::span<const int32_t>> short_tables = {short_blocks};
  EXPECT_FALSE(run(1, 4, 0, short_tables, logits));
  const std::vector<int32_t> bad_blocks = {7};
  const std::vector<std::span<const int32_t>> bad_tables = {bad_blocks};
  auto err = run(1, 0, 0, bad_tables, logits);
  ASSERT_FALSE(err);
  EXPECT_NE(err.error().message.find("KV block 7"), std::string::npos) << err.error().message;
  EXPECT_FALSE(Forward::Create(model, pool, 0, 16));
}

}  // namespace
}  // namespace citadel::model
