// Conformance: every ../shared/reference/chat/*.json case (rendered by Hugging Face's Jinja2 setup)
// must render byte-identically, or fail when the reference raised.
#include "tokenizer/chat_template.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "testing/shared_data.h"

namespace citadel::tokenizer {
namespace {

constexpr const char* kNoShared = "shared_data_absent";

std::vector<std::string> CaseNames() {
  std::vector<std::string> names;
  const auto shared = ::citadel::testing::SharedDir();
  std::error_code ec;
  if (shared && std::filesystem::is_directory(*shared / "reference" / "chat", ec)) {
    for (const auto& entry : std::filesystem::directory_iterator(*shared / "reference" / "chat", ec)) {
      if (entry.path().extension() == ".json") names.push_back(entry.path().stem().string());
    }
  }
  std::sort(names.begin(), names.end());
  if (names.empty()) names.push_back(kNoShared);
  return names;
}

std::string ParamName(const ::testing::TestParamInfo<std::string>& info) {
  std::string name = info.param;
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name;
}

// Describes where two strings first differ, with some context on each side.
std::string DescribeMismatch(const std::string& expected, const std::string& actual) {
  std::size_t offset = 0;
  while (offset < expected.size() && offset < actual.size() && expected[offset] == actual[offset]) ++offset;
  const std::size_t from = offset > 60 ? offset - 60 : 0;
  nlohmann::json ctx;
  ctx["offset"] = offset;
  ctx["expected_len"] = expected.size();
  ctx["actual_len"] = actual.size();
  ctx["expected_near"] = expected.substr(from, 120);
  ctx["actual_near"] = actual.substr(from, 120);
  return ctx.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
}

class ChatTemplateReference : public ::testing::TestWithParam<std::string> {};

TEST_P(ChatTemplateReference, RendersLikeReference) {
  CITADEL_REQUIRE_SHARED(shared);
  const auto path = shared / "reference" / "chat" / (GetParam() + ".json");
  std::ifstream file(path);
  ASSERT_TRUE(file) << "cannot open " << path;
  std::stringstream buffer;
  buffer << file.rdbuf();
  const auto test_case = nlohmann::ordered_json::parse(buffer.str());

  auto chat = ChatTemplate::Create(test_case.at("template").get<std::string>(),
                                   test_case.at("bos_token").get<std::string>(),
                                   test_case.at("eos_token").get<std::string>());
  ASSERT_TRUE(chat) << chat.error().message;

  jinja::RenderOptions options;
  if (test_case.contains("date_for_strftime_now") && test_case["date_for_strftime_now"].is_string()) {
    const std::string date = test_case["date_for_strftime_now"].get<std::string>();  // YYYY-MM-DD
    options.today = jinja::CivilDate{std::stoi(date.substr(0, 4)), std::stoi(date.substr(5, 2)),
                                     std::stoi(date.substr(8, 2))};
  }
  const auto tools = test_case.contains("tools") ? test_case["tools"] : nlohmann::ordered_json();
  auto rendered = chat->Render(test_case.at("messages"), tools, test_case.at("add_generation_prompt").get<bool>(),
                               nlohmann::ordered_json::object(), options);

  if (test_case.contains("expected_error") && !test_case["expected_error"].is_null()) {
    const std::string expected_error = test_case["expected_error"].get<std::string>();
    ASSERT_FALSE(rendered) << "expected error '" << expected_error << "', rendered:\n" << *rendered;
    EXPECT_NE(rendered.error().message.find(expected_error), std::string::npos)
        << "error '" << rendered.error().message << "' does not carry '" << expected_error << "'";
    return;
  }
  ASSERT_TRUE(rendered) << rendered.error().message;
  const std::string expected = test_case.at("expected").get<std::string>();
  EXPECT_TRUE(*rendered == expected) << DescribeMismatch(expected, *rendered);
}

INSTANTIATE_TEST_SUITE_P(Chat, ChatTemplateReference, ::testing::ValuesIn(CaseNames()), ParamName);

}  // namespace
}  // namespace citadel::tokenizer
