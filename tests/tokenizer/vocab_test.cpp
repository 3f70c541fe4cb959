#include "tokenizer/vocab.h"

#include <gtest/gtest.h>

#include "gguf/gguf_file.h"
#include "gguf/writer.h"
#include "tokenizer/tokenizer.h"

namespace citadel::tokenizer {
namespace {

Result<Vocab> Load(const gguf::GgufWriter& w) {
  CITADEL_ASSIGN_OR_RETURN(auto bytes, w.Serialize());
  CITADEL_ASSIGN_OR_RETURN(auto file, gguf::GgufFile::Parse(std::move(bytes)));
  return LoadVocab(file);
}

std::string ErrorOf(const gguf::GgufWriter& w) {
  auto v = Load(w);
  return v ? std::string("(no error)") : v.error().message;
}

gguf::GgufWriter SpmWriter() {
  gguf::GgufWriter w;
  w.Set("tokenizer.ggml.model", "llama");
  w.Set("tokenizer.ggml.tokens", gguf::Array::Of<std::string>({"<unk>", "<s>", "</s>", "a"}));
  w.Set("tokenizer.ggml.scores", gguf::Array::Of<float>({0, 0, 0, -1}));
  w.Set("tokenizer.ggml.token_type", gguf::Array::Of<int32_t>({2, 3, 3, 1}));
  w.Set("tokenizer.ggml.bos_token_id", uint32_t{1});
  w.Set("tokenizer.ggml.eos_token_id", uint32_t{2});
  return w;
}

TEST(Vocab, LoadsSentencePieceDefaults) {
  auto v = Load(SpmWriter());
  ASSERT_TRUE(v) << v.error().message;
  EXPECT_EQ(v->kind, ModelKind::kSentencePiece);
  EXPECT_TRUE(v->add_bos);
  EXPECT_TRUE(v->add_space_prefix);
  EXPECT_EQ(v->unk, 0);
  EXPECT_EQ(v->Find("a"), 3);
  EXPECT_EQ(v->types[1], TokenType::kControl);
}

TEST(Vocab, MalformedMetadataGivesErrorsNamingTheKey) {
  auto w = SpmWriter();
  w.Set("tokenizer.ggml.model", "bert");
  EXPECT_NE(ErrorOf(w).find("tokenizer model 'bert' is not supported"), std::string::npos) << ErrorOf(w);
  w = SpmWriter();
  w.Set("tokenizer.ggml.scores", gguf::Array::Of<float>({0, 0}));
  EXPECT_NE(ErrorOf(w).find("'tokenizer.ggml.scores': 2 entries for 4 tokens"), std::string::npos) << ErrorOf(w);
  w = SpmWriter();
  w.Remove("tokenizer.ggml.tokens");
  EXPECT_NE(ErrorOf(w).find("tokenizer.ggml.tokens' is missing"), std::string::npos) << ErrorOf(w);
  w = SpmWriter();
  w.Set("tokenizer.ggml.bos_token_id", uint32_t{99});  // out of range: treated as absent
  EXPECT_NE(ErrorOf(w).find("add_bos_token is set but bos_token_id"), std::string::npos) << ErrorOf(w);
  w = SpmWriter();
  w.Set("tokenizer.ggml.model", "gpt2");
  EXPECT_NE(ErrorOf(w).find("tokenizer.ggml.merges' is missing"), std::string::npos) << ErrorOf(w);
}

TEST(Vocab, ByteLevelVocabularyMustCoverEveryByte) {
  gguf::GgufWriter w;
  w.Set("tokenizer.ggml.model", "gpt2");
  w.Set("tokenizer.ggml.tokens", gguf::Array::Of<std::string>({"a", "b"}));
  w.Set("tokenizer.ggml.merges", gguf::Array::Of<std::string>({"a b"}));
  auto bytes = w.Serialize();
  auto file = gguf::GgufFile::Parse(std::move(*bytes));
  ASSERT_TRUE(file);
  auto t = Tokenizer::FromGguf(*file);
  ASSERT_FALSE(t);
  EXPECT_NE(t.error().message.find("no token for byte 0x00"), std::string::npos) << t.error().message;
}

}  // namespace
}  // namespace citadel::tokenizer
