// `citadel tokenize`, `detokenize` and `chat-template` on the real binary, with a generated model
// (byte-level BPE vocabulary and ChatML template from the model generator).

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

#include "cli/cli_test.h"
#include "model_gen/random_model.h"

namespace citadel {
namespace {

using nlohmann::json;
using testing::RunCommand;
using testing::ShellQuote;

class TokenizerCommands : public testing::CliTest {
 protected:
  TokenizerCommands() : CliTest("citadel-tok") {}
  void SetUp() override {
    CliTest::SetUp();
    model_ = (dir_ / "m.gguf").string();
    tools::ModelSpec spec;
    spec.n_vocab = 400;
    ASSERT_TRUE(tools::WriteRandomModel(spec, model_));
  }
  std::string model_;
};

TEST_F(TokenizerCommands, TokenizeAndDetokenizeRoundTrip) {
  const std::string text = "The model answers: \xE4\xBD\xA0\xE5\xA5\xBD! \xF0\x9F\x9A\x80";
  const auto r = Citadel("tokenize -m " + ShellQuote(model_) + " " + ShellQuote(text));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto ids = json::parse(r.out).get<std::vector<int>>();
  ASSERT_FALSE(ids.empty());
  const auto back = Citadel("detokenize -m " + ShellQuote(model_) + " " + ShellQuote(json(ids).dump()));
  ASSERT_EQ(back.exit_code, 0) << back.err;
  EXPECT_EQ(back.out, text + "\n");
  const auto count = Citadel("tokenize --count -m " + ShellQuote(model_) + " " + ShellQuote(text));
  EXPECT_EQ(count.out, std::to_string(ids.size()) + "\n");
}

TEST_F(TokenizerCommands, ControlTokenTextIsPlainUnlessSpecialIsGiven) {
  const std::string text = "<|im_start|>system";
  const auto plain = Citadel("tokenize --pieces -m " + ShellQuote(model_) + " " + ShellQuote(text));
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  const auto special = Citadel("tokenize --special -m " + ShellQuote(model_) + " " + ShellQuote(text));
  ASSERT_EQ(special.exit_code, 0) << special.err;
  const int im_start = 398;  // generated vocabularies end with <|endoftext|> <|im_start|> <|im_end|>
  EXPECT_EQ(json::parse(special.out)[0], im_start);
  for (const auto& piece : json::parse(plain.out)) EXPECT_NE(piece["id"], im_start) << plain.out;
}

TEST_F(TokenizerCommands, ChatTemplateRendersMessagesAndRequestBodies) {
  const auto messages = Write("m.json", R"([{"role":"system","content":"Be brief."},{"role":"user","content":"Hi"}])");
  const auto r = Citadel("chat-template -m " + ShellQuote(model_) + " --messages " + ShellQuote(messages));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
  const auto body = Write("b.json", R"({"model":"x","messages":[{"role":"user","content":"Yo"}]})");
  const auto b = Citadel("chat-template --no-generation-prompt -m " + ShellQuote(model_) + " --messages " +
                         ShellQuote(body));
  ASSERT_EQ(b.exit_code, 0) << b.err;
  EXPECT_EQ(b.out, "<|im_start|>user\nYo<|im_end|>\n");
}

TEST_F(TokenizerCommands, BadInputGivesOneLineErrors) {
  const auto bad_id = Citadel("detokenize -m " + ShellQuote(model_) + " '1 2 999999'");
  EXPECT_EQ(bad_id.exit_code, 1);
  EXPECT_NE(bad_id.err.find("'999999' is not a token id"), std::string::npos) << bad_id.err;
  const auto bad_json = Citadel("chat-template -m " + ShellQuote(model_) + " --messages " +
                                ShellQuote(Write("bad.json", "{not json")));
  EXPECT_EQ(bad_json.exit_code, 1);
  EXPECT_NE(bad_json.err.find("is not valid JSON"), std::string::npos) << bad_json.err;
  const auto no_model = Citadel("tokenize -m " + ShellQuote((dir_ / "none.gguf").string()) + " hi");
  EXPECT_EQ(no_model.exit_code, 1);
  for (const auto* r : {&bad_id, &bad_json, &no_model}) {
    EXPECT_EQ(std::count(r->err.begin(), r->err.end(), '\n'), 1) << r->err;
  }
}

TEST(TokenizerCommandsShared, QwenChatTemplateOfSharedModel) {
  CITADEL_REQUIRE_SHARED(shared);
  const auto dir = testing::MakeTempDir("citadel-tok-shared");
  const auto messages = dir / "m.json";
  std::ofstream(messages) << R"([{"role":"user","content":"Hi"}])";
  const auto r = RunCommand(std::string(CITADEL_BINARY) + " chat-template -m " +
                            ShellQuote((shared / "models" / "tiny-qwen3-f16.gguf").string()) + " --messages " +
                            ShellQuote(messages.string()));
  std::filesystem::remove_all(dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            "<|im_start|>system\nYou are a helpful assistant<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"
            "<|im_start|>assistant\n");
}

}  // namespace
}  // namespace citadel
