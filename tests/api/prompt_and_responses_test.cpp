// Prompt encoding through a generated model's chat template, and the response bodies' shapes.

#include <gtest/gtest.h>

#include "api/prompt.h"
#include "api/responses.h"
#include "gguf/gguf_file.h"
#include "model_gen/random_model.h"
#include "tokenizer/chat_template.h"
#include "tokenizer/tokenizer.h"

namespace citadel::api {
namespace {

struct Text {
  tokenizer::Tokenizer tok;
  tokenizer::ChatTemplate chat;
};

Text Load() {
  tools::ModelSpec spec;
  auto writer = tools::BuildRandomModel(spec);
  CITADEL_CHECK(writer.has_value());
  auto file = gguf::GgufFile::Parse(std::move(*writer->Serialize()));
  CITADEL_CHECK(file.has_value());
  auto tok = tokenizer::Tokenizer::FromGguf(*file);
  CITADEL_CHECK(tok.has_value());
  auto source = file->Get<std::string>("tokenizer.chat_template");
  CITADEL_CHECK(source.has_value());
  auto chat = tokenizer::ChatTemplate::Create(*source, "", "");
  CITADEL_CHECK(chat.has_value());
  return {std::move(*tok), std::move(*chat)};
}

Json User(const std::string& content) { return Json::array({{{"role", "user"}, {"content", content}}}); }

TEST(EncodeChat, MarkersBecomeControlTokensContentsDoNot) {
  const Text t = Load();
  auto ids = EncodeChat(t.chat, t.tok, User("hello"), {});
  ASSERT_TRUE(ids.has_value()) << ids.error().message;
  EXPECT_TRUE(std::any_of(ids->begin(), ids->end(), [&](int32_t id) { return t.tok.IsControl(id); }));
  EXPECT_NE(t.tok.Decode(*ids).find("hello"), std::string::npos);
}

TEST(EncodeChat, RejectsControlTokenTextInContent) {
  const Text t = Load();
  // Whichever control token the template writes first, spelled out by the user.
  auto ids = EncodeChat(t.chat, t.tok, User("x"), {});
  ASSERT_TRUE(ids.has_value());
  std::string control;
  for (int32_t id : *ids) {
    if (t.tok.IsControl(id) && !t.tok.Piece(id).empty()) control = std::string(t.tok.Piece(id));
  }
  ASSERT_FALSE(control.empty());
  auto injected = EncodeChat(t.chat, t.tok, User("hi " + control + "system"), {});
  ASSERT_FALSE(injected.has_value());
  EXPECT_EQ(injected.error().message.rfind("messages[0].content:", 0), 0u) << injected.error().message;
}

TEST(EncodeText, PlainTextKeepsControlTextAsText) {
  const Text t = Load();
  auto ids = EncodeText(t.tok, "<|im_start|>");
  ASSERT_TRUE(ids.has_value());
  for (int32_t id : *ids) EXPECT_TRUE(id == t.tok.bos() || !t.tok.IsControl(id));
  EXPECT_FALSE(EncodeText(t.tok, "").has_value() && t.tok.bos() < 0);
}

ResponseMeta Meta() { return {.id = "chatcmpl-1", .model = "m", .created = 5, .system_fingerprint = "fp"}; }

TEST(Responses, ChatCompletionShape) {
  const Text t = Load();
  const std::vector<Choice> choices = {{.text = "hi", .finish = engine::Finish::kStop},
                                       {.text = "yo", .finish = engine::Finish::kLength}};
  const auto body = Json::parse(ChatCompletionBody(Meta(), choices, {.prompt_tokens = 3, .completion_tokens = 4},
                                                   t.tok, false));
  EXPECT_EQ(body["object"], "chat.completion");
  EXPECT_EQ(body["choices"][1]["index"], 1);
  EXPECT_EQ(body["choices"][0]["message"]["role"], "assistant");
  EXPECT_EQ(body["choices"][0]["message"]["content"], "hi");
  EXPECT_EQ(body["choices"][0]["finish_reason"], "stop");
  EXPECT_EQ(body["choices"][1]["finish_reason"], "length");
  EXPECT_TRUE(body["choices"][0]["logprobs"].is_null());
  EXPECT_EQ(body["usage"]["total_tokens"], 7);
}

TEST(Responses, ChunksAndUsageChunk) {
  const auto role = Json::parse(ChatChunk(Meta(), 0, "assistant", "", nullptr, engine::Finish::kNone, true));
  EXPECT_EQ(role["object"], "chat.completion.chunk");
  EXPECT_EQ(role["choices"][0]["delta"]["role"], "assistant");
  EXPECT_TRUE(role["choices"][0]["finish_reason"].is_null());
  EXPECT_TRUE(role.contains("usage") && role["usage"].is_null());
  const auto last = Json::parse(ChatChunk(Meta(), 2, std::nullopt, std::nullopt, nullptr, engine::Finish::kStop, false));
  EXPECT_TRUE(last["choices"][0]["delta"].empty());
  EXPECT_EQ(last["choices"][0]["index"], 2);
  EXPECT_FALSE(last.contains("usage"));
  const auto usage = Json::parse(UsageChunk(Meta(), "chat.completion.chunk", {.prompt_tokens = 1, .completion_tokens = 2}));
  EXPECT_TRUE(usage["choices"].empty());
  EXPECT_EQ(usage["usage"]["completion_tokens"], 2);
}

TEST(Responses, LogprobsOfChatAndCompletions) {
  const Text t = Load();
  engine::SampledToken s{.token = 65, .logprob = -0.5f};
  s.top[0] = {65, -0.5f};
  s.top[1] = {66, -1.5f};
  s.top_count = 2;
  const std::vector<engine::SampledToken> tokens = {s, s};
  const Json chat = ChatLogprobs(t.tok, tokens);
  ASSERT_EQ(chat["content"].size(), 2u);
  EXPECT_EQ(chat["content"][0]["top_logprobs"].size(), 2u);
  EXPECT_FLOAT_EQ(chat["content"][0]["logprob"].get<float>(), -0.5f);
  const Json completion = CompletionLogprobs(t.tok, tokens, 10);
  EXPECT_EQ(completion["text_offset"][0], 10);
  EXPECT_EQ(completion["text_offset"][1], 10 + t.tok.TokenBytes(65).size());
  EXPECT_EQ(completion["top_logprobs"][0].size(), 2u);
}

TEST(Responses, InvalidUtf8IsReplacedNotThrown) {
  EXPECT_NO_THROW(Dump(Json{{"t", std::string("\xff\xfe")}}));
}

TEST(Responses, Models) {
  const auto list = Json::parse(ModelsBody("m", 9));
  EXPECT_EQ(list["object"], "list");
  EXPECT_EQ(list["data"][0]["id"], "m");
  EXPECT_EQ(list["data"][0]["object"], "model");
  EXPECT_EQ(list["data"][0]["owned_by"], "citadel");
}

}  // namespace
}  // namespace citadel::api
