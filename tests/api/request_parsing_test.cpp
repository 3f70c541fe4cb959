// Request bodies -> engine parameters: types, ranges, defaults, and errors that name the field.

#include <gtest/gtest.h>

#include "api/api_error.h"
#include "api/chat_request.h"
#include "api/completion_request.h"
#include "api/json_fields.h"

namespace citadel::api {
namespace {

constexpr int32_t kVocab = 512;

Json Chat(Json extra = Json::object()) {
  Json body = {{"model", "m"}, {"messages", Json::array({{{"role", "user"}, {"content", "hi"}}})}};
  body.update(extra);
  return body;
}

// The param an error reports, as the client will see it.
std::string ParamOf(const Error& e) { return InvalidRequest(e).param; }

TEST(ParseBody, RejectsNonObjectsAndInvalidJson) {
  EXPECT_FALSE(ParseBodyObject("{\"a\": ").has_value());
  EXPECT_FALSE(ParseBodyObject("[1]").has_value());
  EXPECT_FALSE(ParseBodyObject("{\"\xff\": 1}").has_value());  // invalid UTF-8
  EXPECT_TRUE(ParseBodyObject("{\"a\": 1}").has_value());
}

TEST(ChatRequest, DefaultsAndFields) {
  auto r = ParseChatRequest(Chat({{"temperature", 0.5}, {"top_p", 0.9}, {"seed", 7}, {"max_tokens", 10},
                                  {"stop", "END"}, {"n", 2}, {"logit_bias", {{"5", -100}}},
                                  {"presence_penalty", 1}, {"frequency_penalty", -1}, {"user", "u"},
                                  {"some_unknown_field", {1, 2}}}),
                             kVocab);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  const auto& s = r->options.sampling;
  EXPECT_FLOAT_EQ(s.temperature, 0.5f);
  EXPECT_FLOAT_EQ(s.top_p, 0.9f);
  EXPECT_EQ(s.seed, 7u);
  EXPECT_EQ(s.max_tokens, 10);
  EXPECT_EQ(s.stop_strings, std::vector<std::string>{"END"});
  EXPECT_EQ(r->options.n, 2);
  EXPECT_FLOAT_EQ(s.logit_bias.at(5), -100.0f);
  EXPECT_FALSE(r->options.stream);

  auto defaults = ParseChatRequest(Chat(), kVocab);
  ASSERT_TRUE(defaults.has_value());
  EXPECT_FALSE(defaults->options.sampling.max_tokens.has_value());
  EXPECT_FLOAT_EQ(defaults->options.sampling.temperature, 1.0f);
}

TEST(ChatRequest, MaxCompletionTokensWinsAndStreamOptions) {
  auto r = ParseChatRequest(Chat({{"max_tokens", 10}, {"max_completion_tokens", 20}, {"stream", true},
                                  {"stream_options", {{"include_usage", true}}}}),
                            kVocab);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->options.sampling.max_tokens, 20);
  EXPECT_TRUE(r->options.stream);
  EXPECT_TRUE(r->options.include_usage);
  auto no_stream = ParseChatRequest(Chat({{"stream_options", {{"include_usage", true}}}}), kVocab);
  ASSERT_FALSE(no_stream.has_value());
  EXPECT_EQ(ParamOf(no_stream.error()), "stream_options");
}

TEST(ChatRequest, ContentPartsAndRoles) {
  Json body = Chat();
  body["messages"] = Json::array({{{"role", "developer"}, {"content", "be nice"}},
                                  {{"role", "user"}, {"content", Json::array({{{"type", "text"}, {"text", "a"}},
                                                                              {{"type", "text"}, {"text", "b"}}})}},
                                  {{"role", "assistant"}, {"content", nullptr}}});
  auto r = ParseChatRequest(body, kVocab);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->messages[0]["role"], "system");
  EXPECT_EQ(r->messages[1]["content"], "a\nb");
  EXPECT_EQ(r->messages[2]["content"], "");
}

struct BadCase {
  Json patch;
  std::string param;
};

class ChatRequestErrors : public ::testing::TestWithParam<BadCase> {};

TEST_P(ChatRequestErrors, NameTheParameter) {
  Json body = Chat();
  for (const auto& [k, v] : GetParam().patch.items()) body[k] = v;
  auto r = ParseChatRequest(body, kVocab);
  ASSERT_FALSE(r.has_value()) << body.dump();
  EXPECT_EQ(ParamOf(r.error()), GetParam().param) << r.error().message;
  EXPECT_EQ(InvalidRequest(r.error()).status, 400);
}

INSTANTIATE_TEST_SUITE_P(
    All, ChatRequestErrors,
    ::testing::Values(BadCase{{{"model", 3}}, "model"}, BadCase{{{"temperature", "hot"}}, "temperature"},
                      BadCase{{{"temperature", 3}}, "temperature"}, BadCase{{{"top_p", 0}}, "top_p"},
                      BadCase{{{"max_tokens", 0}}, "max_tokens"}, BadCase{{{"max_tokens", 1.5}}, "max_tokens"},
                      BadCase{{{"n", 0}}, "n"}, BadCase{{{"n", 100}}, "n"}, BadCase{{{"stop", 5}}, "stop"},
                      BadCase{{{"stop", {"a", 1}}}, "stop"}, BadCase{{{"seed", "x"}}, "seed"},
                      BadCase{{{"logit_bias", {{"abc", 1}}}}, "logit_bias"},
                      BadCase{{{"logit_bias", {{"99999", 1}}}}, "logit_bias"},
                      BadCase{{{"presence_penalty", 3}}, "presence_penalty"},
                      BadCase{{{"top_logprobs", 2}}, "top_logprobs"}, BadCase{{{"stream", "yes"}}, "stream"},
                      BadCase{{{"messages", Json::array()}}, "messages"}, BadCase{{{"messages", "hi"}}, "messages"},
                      BadCase{{{"messages", {{{"role", "king"}, {"content", "x"}}}}}, "messages[0].role"},
                      BadCase{{{"messages", {{{"role", "user"}, {"content", nullptr}}}}}, "messages[0].content"},
                      BadCase{{{"messages", {{{"role", "user"}, {"content", {{{"type", "image_url"}}}}}}}},
                              "messages[0].content[0].type"},
                      BadCase{{{"user", 5}}, "user"}));

TEST(CompletionRequest, PromptsEchoLogprobsDefaults) {
  Json body = {{"model", "m"}, {"prompt", {"a", "b"}}, {"echo", true}, {"logprobs", 2}};
  auto r = ParseCompletionRequest(body, kVocab);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->prompts, (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(r->echo);
  EXPECT_EQ(r->options.sampling.max_tokens, 16);  // OpenAI's default for completions
  EXPECT_TRUE(r->options.sampling.logprobs);
  EXPECT_EQ(r->options.sampling.top_logprobs, 2);
}

TEST(CompletionRequest, Errors) {
  auto suffix = ParseCompletionRequest({{"model", "m"}, {"prompt", "a"}, {"suffix", "z"}}, kVocab);
  ASSERT_FALSE(suffix.has_value());
  EXPECT_EQ(ParamOf(suffix.error()), "suffix");
  EXPECT_TRUE(ParseCompletionRequest({{"model", "m"}, {"prompt", "a"}, {"suffix", ""}}, kVocab).has_value());
  auto tokens = ParseCompletionRequest({{"model", "m"}, {"prompt", {1, 2}}}, kVocab);
  ASSERT_FALSE(tokens.has_value());
  EXPECT_EQ(ParamOf(tokens.error()), "prompt");
  auto missing = ParseCompletionRequest({{"model", "m"}}, kVocab);
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(ParamOf(missing.error()), "prompt");
  auto logprobs = ParseCompletionRequest({{"model", "m"}, {"prompt", "a"}, {"logprobs", 6}}, kVocab);
  ASSERT_FALSE(logprobs.has_value());
  EXPECT_EQ(ParamOf(logprobs.error()), "logprobs");
}

}  // namespace
}  // namespace citadel::api
