#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "gguf/gguf_file.h"
#include "model_gen/byte_bpe_vocab.h"
#include "model_gen/random_model.h"
#include "quant/quant.h"
#include "testing/shared_data.h"

namespace citadel::tools {
namespace {

using gguf::TensorType;

Result<gguf::GgufFile> BuildAndParse(const ModelSpec& spec) {
  CITADEL_ASSIGN_OR_RETURN(auto writer, BuildRandomModel(spec));
  CITADEL_ASSIGN_OR_RETURN(auto bytes, writer.Serialize());
  return gguf::GgufFile::Parse(std::move(bytes));
}

TEST(ByteBpeVocab, HasExactSizeUniqueTokensAndValidMerges) {
  auto vocab = TrainByteBpeVocab(400);
  ASSERT_TRUE(vocab) << vocab.error().message;
  EXPECT_EQ(vocab->tokens.size(), 400u);
  EXPECT_EQ(vocab->token_types.size(), 400u);
  std::set<std::string> unique(vocab->tokens.begin(), vocab->tokens.end());
  EXPECT_EQ(unique.size(), vocab->tokens.size());
  EXPECT_GT(vocab->merges.size(), 50u);
  for (const auto& merge : vocab->merges) {
    const auto space = merge.find(' ');
    ASSERT_NE(space, std::string::npos) << merge;
    EXPECT_TRUE(unique.count(merge.substr(0, space))) << merge;
    EXPECT_TRUE(unique.count(merge.substr(space + 1))) << merge;
    EXPECT_TRUE(unique.count(merge.substr(0, space) + merge.substr(space + 1))) << merge;
  }
  EXPECT_EQ(vocab->tokens[vocab->im_start_id], "<|im_start|>");
  EXPECT_EQ(vocab->token_types[vocab->im_end_id], 3);
  EXPECT_EQ(ByteToPiece(' '), "\xC4\xA0");  // U+0120 'Ġ', as in GPT-2
  EXPECT_EQ(ByteToPiece('A'), "A");
}

TEST(RandomModel, Qwen3ShapeHasPerHeadNormsAndSeparateHeadDim) {
  ModelSpec spec;
  spec.arch = "qwen3";
  spec.n_embd = 64;
  spec.n_head = 4;
  spec.n_head_kv = 2;
  spec.head_dim = 32;
  spec.weight_type = TensorType::kQ8_0;
  auto file = BuildAndParse(spec);
  ASSERT_TRUE(file) << file.error().message;
  const auto* q = file->FindTensor("blk.1.attn_q.weight");
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(q->shape, (std::vector<uint64_t>{64, 128}));
  const auto* k_norm = file->FindTensor("blk.0.attn_k_norm.weight");
  ASSERT_NE(k_norm, nullptr);
  EXPECT_EQ(k_norm->shape, (std::vector<uint64_t>{32}));
  EXPECT_EQ(file->FindTensor("output.weight"), nullptr);  // tied
  EXPECT_EQ(*file->GetInteger("qwen3.attention.key_length"), 32);
  EXPECT_EQ(*file->Get<std::string>("tokenizer.ggml.model"), "gpt2");
}

TEST(RandomModel, Qwen2HasQkvBiasesAndUntiedOutputWhenAsked) {
  ModelSpec spec;
  spec.arch = "qwen2";
  spec.tied_output = false;
  auto file = BuildAndParse(spec);
  ASSERT_TRUE(file) << file.error().message;
  EXPECT_NE(file->FindTensor("blk.0.attn_v.bias"), nullptr);
  EXPECT_NE(file->FindTensor("output.weight"), nullptr);
}

TEST(RandomModel, KQuantFallsBackWhereRowsAreNotWholeSuperBlocks) {
  EXPECT_EQ(EffectiveWeightType(TensorType::kQ4_K, 256), TensorType::kQ4_K);
  EXPECT_EQ(EffectiveWeightType(TensorType::kQ4_K, 64), TensorType::kQ8_0);
  EXPECT_EQ(EffectiveWeightType(TensorType::kQ4_0, 48), TensorType::kF16);
  ModelSpec spec;
  spec.n_embd = 256;
  spec.n_ff = 320;  // ffn_down rows of 320 elements cannot be Q4_K
  spec.weight_type = TensorType::kQ4_K;
  auto file = BuildAndParse(spec);
  ASSERT_TRUE(file) << file.error().message;
  EXPECT_EQ(file->FindTensor("blk.0.ffn_up.weight")->type, TensorType::kQ4_K);
  EXPECT_EQ(file->FindTensor("blk.0.ffn_down.weight")->type, TensorType::kQ8_0);
}

TEST(RandomModel, WeightsAreDeterministicFiniteAndScaled) {
  ModelSpec spec;
  auto a = BuildAndParse(spec);
  auto b = BuildAndParse(spec);
  ASSERT_TRUE(a && b);
  const auto* t = a->FindTensor("blk.0.ffn_gate.weight");
  const auto da = a->TensorData(*t);
  const auto db = b->TensorData(*b->FindTensor("blk.0.ffn_gate.weight"));
  ASSERT_EQ(da.size(), db.size());
  EXPECT_TRUE(std::equal(da.begin(), da.end(), db.begin()));
  std::vector<float> values(t->n_elements);
  ASSERT_TRUE(quant::Dequantize(t->type, da, values));
  double sum_sq = 0;
  for (float v : values) {
    ASSERT_TRUE(std::isfinite(v));
    sum_sq += double{v} * v;
  }
  const double stddev = std::sqrt(sum_sq / static_cast<double>(values.size()));
  EXPECT_NEAR(stddev, 1.0 / std::sqrt(64.0), 0.02);  // 1/sqrt(fan_in)
}

TEST(RandomModel, RejectsImpossibleShapes) {
  ModelSpec spec;
  spec.n_head = 4;
  spec.n_head_kv = 3;
  auto bad_gqa = BuildRandomModel(spec);
  ASSERT_FALSE(bad_gqa);
  EXPECT_NE(bad_gqa.error().message.find("not a multiple"), std::string::npos);
  spec = {};
  spec.arch = "gpt-j";
  ASSERT_FALSE(BuildRandomModel(spec));
  spec = {};
  spec.arch = "qwen2";
  spec.head_dim = 32;  // 4 x 32 != 64
  auto bad_qwen2 = BuildRandomModel(spec);
  ASSERT_FALSE(bad_qwen2);
  EXPECT_NE(bad_qwen2.error().message.find("qwen2 needs head dimension"), std::string::npos);
  EXPECT_FALSE(PresetSpec("llama3-8b", "qwen3"));
  EXPECT_FALSE(PresetSpec("no-such-preset", "llama"));
  auto qwen = PresetSpec("qwen3-0.6b", "qwen3");
  ASSERT_TRUE(qwen);
  EXPECT_EQ(qwen->HeadDim(), 128u);
  EXPECT_TRUE(Validate(*qwen));
}

TEST(RandomModel, CopiesTokenizerFromAnotherFile) {
  const auto dir = testing::MakeTempDir("citadel-gen");
  ModelSpec source;
  source.n_vocab = 333;
  ASSERT_TRUE(WriteRandomModel(source, dir / "source.gguf"));
  ModelSpec spec;
  spec.arch = "qwen3";
  spec.tokenizer_from = dir / "source.gguf";
  auto file = BuildAndParse(spec);
  ASSERT_TRUE(file) << file.error().message;
  EXPECT_EQ(file->FindTensor("token_embd.weight")->shape[1], 333u);
  EXPECT_EQ((*file->GetArrayValue("tokenizer.ggml.tokens"))->size(), 333u);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace citadel::tools
