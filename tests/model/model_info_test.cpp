#include "model/model_info.h"

#include <gtest/gtest.h>

#include "gguf/writer.h"

namespace citadel::model {
namespace {

Result<gguf::GgufFile> Parse(const gguf::GgufWriter& writer) {
  CITADEL_ASSIGN_OR_RETURN(auto bytes, writer.Serialize());
  return gguf::GgufFile::Parse(std::move(bytes));
}

TEST(ModelInfo, ReadsHyperParametersOfAnyIntegerWidth) {
  gguf::GgufWriter w;
  w.Set("general.architecture", "llama");
  w.Set("llama.context_length", uint64_t{131072});  // some converters write 64-bit counts
  w.Set("llama.block_count", uint32_t{32});
  w.Set("llama.rope.freq_base", 500000.0f);
  w.Set("llama.rope.scaling.type", "linear");
  w.Set("llama.rope.scaling.factor", 8.0f);
  w.Set("tokenizer.ggml.model", "gpt2");
  w.Set("tokenizer.ggml.tokens", gguf::Array::Of<std::string>({"a", "b", "c"}));
  ASSERT_TRUE(w.AddTensor("token_embd.weight", gguf::TensorType::kF16, {4, 3}, std::vector<std::byte>(24)));
  ASSERT_TRUE(w.AddTensor("output.weight", gguf::TensorType::kQ8_0, {32, 3}, std::vector<std::byte>(3 * 34)));
  auto file = Parse(w);
  ASSERT_TRUE(file) << file.error().message;
  auto info = Describe(*file);
  ASSERT_TRUE(info) << info.error().message;
  EXPECT_TRUE(info->supported);
  EXPECT_EQ(info->context_length, 131072);
  EXPECT_EQ(info->block_count, 32);
  EXPECT_FALSE(info->head_count.has_value());
  EXPECT_DOUBLE_EQ(*info->rope_freq_base, 500000.0);
  EXPECT_EQ(info->rope_scaling_type, "linear");
  EXPECT_DOUBLE_EQ(*info->rope_scaling_factor, 8.0);
  EXPECT_EQ(info->vocab_size, 3u);
  EXPECT_FALSE(info->tied_output);
  EXPECT_EQ(info->n_parameters, 12u + 96u);
  EXPECT_EQ(info->tensor_bytes, 24u + 102u);
  EXPECT_EQ(info->type_mix.at("Q8_0").bytes, 102u);
}

TEST(ModelInfo, WrongTypesAndMissingArchitectureAreErrors) {
  gguf::GgufWriter no_arch;
  auto file = Parse(no_arch);
  ASSERT_TRUE(file);
  auto info = Describe(*file);
  ASSERT_FALSE(info);
  EXPECT_NE(info.error().message.find("general.architecture"), std::string::npos) << info.error().message;

  gguf::GgufWriter bad_type;
  bad_type.Set("general.architecture", "qwen3");
  bad_type.Set("qwen3.block_count", "twenty");
  file = Parse(bad_type);
  ASSERT_TRUE(file);
  info = Describe(*file);
  ASSERT_FALSE(info);
  EXPECT_NE(info.error().message.find("qwen3.block_count"), std::string::npos) << info.error().message;
}

TEST(ModelInfo, UnknownArchitectureIsDescribedNotRejected) {
  gguf::GgufWriter w;
  w.Set("general.architecture", "rwkv7");
  auto file = Parse(w);
  ASSERT_TRUE(file);
  auto info = Describe(*file);
  ASSERT_TRUE(info);
  EXPECT_FALSE(info->supported);
  EXPECT_EQ(info->architecture, "rwkv7");
}

}  // namespace
}  // namespace citadel::model
