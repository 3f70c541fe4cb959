#include "guard/authn/claim_path.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace citadel::guard {
namespace {

TEST(ClaimPath, SplitsOnDotsWithBackslashEscapes) {
  EXPECT_EQ(*ParseClaimPath("roles"), ClaimPath{"roles"});
  EXPECT_EQ(*ParseClaimPath("resource_access.my-app.roles"), (ClaimPath{"resource_access", "my-app", "roles"}));
  EXPECT_EQ(*ParseClaimPath(R"(https://x\.example/roles)"), ClaimPath{"https://x.example/roles"});
  EXPECT_EQ(*ParseClaimPath(R"(a\\.b)"), (ClaimPath{"a\\", "b"}));
  for (const char* bad : {"", ".", "a.", ".a", "a..b", "a\\", "a\\b"}) EXPECT_FALSE(ParseClaimPath(bad).has_value()) << bad;
}

TEST(ClaimPath, FindsNestedValuesOnlyThroughObjects) {
  const nlohmann::json doc = {{"a", {{"b", {{"c", 1}}}}}, {"list", {{{"x", 1}}}}};
  ASSERT_NE(FindClaim(doc, {"a", "b", "c"}), nullptr);
  EXPECT_EQ(*FindClaim(doc, {"a", "b", "c"}), 1);
  EXPECT_EQ(FindClaim(doc, {"a", "x"}), nullptr);
  EXPECT_EQ(FindClaim(doc, {"list", "x"}), nullptr);
  EXPECT_EQ(FindClaim(doc, {"a", "b", "c", "d"}), nullptr);
}

TEST(ClaimPath, StringListsFromArraysOrSpaceSeparatedText) {
  std::vector<std::string> out;
  AppendStringList(nlohmann::json{"a", "b", 3, "a"}, out);
  AppendStringList(nlohmann::json(" c  b d "), out);
  AppendStringList(nlohmann::json(42), out);
  EXPECT_EQ(out, (std::vector<std::string>{"a", "b", "c", "d"}));
}

}  // namespace
}  // namespace citadel::guard
