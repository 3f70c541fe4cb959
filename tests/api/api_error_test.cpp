// OpenAI's error object and the mapping of engine rejections to HTTP statuses.

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "api/api_error.h"
#include "engine/engine.h"

namespace citadel::api {
namespace {

TEST(ApiError, BodyHasOpenAisShapeWithNulls) {
  const auto body = nlohmann::ordered_json::parse(ErrorBody({.status = 400, .message = "bad"}));
  ASSERT_TRUE(body.contains("error"));
  const auto& e = body["error"];
  std::vector<std::string> keys;
  for (const auto& [k, v] : e.items()) keys.push_back(k);
  EXPECT_EQ(keys, (std::vector<std::string>{"message", "type", "param", "code"}));
  EXPECT_EQ(e["message"], "bad");
  EXPECT_EQ(e["type"], "invalid_request_error");
  EXPECT_TRUE(e["param"].is_null());
  EXPECT_TRUE(e["code"].is_null());
}

TEST(ApiError, ParamComesFromTheMessagesFieldPrefix) {
  EXPECT_EQ(InvalidRequest(Err("temperature: 3 is outside [0, 2]")).param, "temperature");
  EXPECT_EQ(InvalidRequest(Err("messages[1].content: no")).param, "messages[1].content");
  EXPECT_EQ(InvalidRequest(Err("We could not parse the JSON body: x")).param, "");
  EXPECT_EQ(InvalidRequest(Err("no field here")).param, "");
}

TEST(ApiError, EngineRejections) {
  auto code = [](std::string_view c) { return Error{"x", std::string(c)}; };
  const ApiError full = FromEngineRejection(code(engine::kQueueFull), "messages");
  EXPECT_EQ(full.status, 429);
  EXPECT_EQ(full.retry_after_seconds, 1);
  EXPECT_EQ(full.code, "rate_limit_exceeded");
  const ApiError context = FromEngineRejection(code(engine::kContextLengthExceeded), "prompt");
  EXPECT_EQ(context.status, 400);
  EXPECT_EQ(context.param, "prompt");
  EXPECT_EQ(context.code, "context_length_exceeded");
  EXPECT_EQ(FromEngineRejection(code(engine::kShuttingDown), "m").status, 503);
  EXPECT_EQ(FromEngineRejection(code(engine::kInvalidRequest), "m").status, 400);
  EXPECT_EQ(FromEngineRejection(code("other"), "m").status, 500);
  EXPECT_EQ(ModelNotFound("gpt").status, 404);
  EXPECT_EQ(ModelNotFound("gpt").code, "model_not_found");
}

}  // namespace
}  // namespace citadel::api
