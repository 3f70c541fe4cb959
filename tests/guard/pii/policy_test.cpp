#include "guard/pii/policy.h"

#include <gtest/gtest.h>

#include "test_scanner.h"

namespace citadel::guard::pii {
namespace {

class PolicyTest : public ::testing::Test {
 protected:
  void SetUp() override { scanner_.emplace(testgen::BuildScanner()); }
  Result<std::string> Apply(std::string_view text, const Policy& policy) {
    auto findings = scanner_->Scan(text);
    EXPECT_TRUE(findings.has_value());
    return Mask(text, *findings, policy, vault_);
  }
  std::optional<Scanner> scanner_;
  PlaceholderVault vault_;
};

TEST_F(PolicyTest, RedactReplacesEveryFinding) {
  const auto out = Apply("电话13812345678，邮箱a@b.com", Policy{});
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(*out, "电话***，邮箱***");
}

TEST_F(PolicyTest, PlaceholdersAreConsistentWithinAConversationAndRestorable) {
  const Policy policy{.default_action = Action::kPlaceholder};
  const std::string first = "call 13812345678 or 13987654321";
  const auto a = Apply(first, policy);
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(*a, "call [PHONE_1] or [PHONE_2]");
  const auto b = Apply("again 13987654321, id 11010519491231002X", policy);
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(*b, "again [PHONE_2], id [ID_CARD_1]");
  EXPECT_EQ(vault_.Restore(*a), first);
  EXPECT_EQ(vault_.Restore("[PHONE_3] [PHONE_1] [[PHONE_2]]"), "[PHONE_3] 13812345678 [13987654321]");
}

TEST_F(PolicyTest, HashIsKeyedAndStable) {
  Policy policy{.default_action = Action::kHash, .hash_key = "k1"};
  const auto a = Apply("a@b.com", policy);
  const auto b = Apply("x a@b.com", policy);
  ASSERT_TRUE(a.has_value() && b.has_value());
  EXPECT_EQ(*a, "[EMAIL:" + KeyedDigest("k1", "a@b.com") + "]");
  EXPECT_EQ("x " + *a, *b);
  policy.hash_key = "k2";
  EXPECT_NE(*Apply("a@b.com", policy), *a);
  // RFC 4231 test case 2: HMAC-SHA256("Jefe", "what do ya want for nothing?") = 5bdcc146...
  EXPECT_EQ(KeyedDigest("Jefe", "what do ya want for nothing?"), "5bdcc146");
}

TEST_F(PolicyTest, BlockNamesTypesNeverValues) {
  const Policy policy{.by_label = {{"PHONE", Action::kBlock}, {"EMAIL", Action::kBlock}}};
  const auto out = Apply("13812345678 a@b.com", policy);
  ASSERT_FALSE(out.has_value());
  EXPECT_EQ(out.error().message, "blocked: text contains EMAIL, PHONE");
  const auto allowed = Apply("ip 10.1.2.3", Policy{.by_label = {{"IPV4", Action::kAllow}}});
  EXPECT_EQ(*allowed, "ip 10.1.2.3");
}

TEST(ParseAction, NamesAndErrors) {
  EXPECT_EQ(*ParseAction("placeholder"), Action::kPlaceholder);
  EXPECT_FALSE(ParseAction("mask").has_value());
}

}  // namespace
}  // namespace citadel::guard::pii

namespace citadel::guard::pii {
namespace {

TEST(PolicyCustom, CustomDetectorsGetTheirOwnPlaceholdersAndActions) {
  const Scanner scanner = testgen::BuildScanner(
      {.regexes = {{"project", "Project [A-Z][a-z]+"}}, .dictionaries = {{"customer", {"Acme"}}}});
  const std::string text = "Acme asked about Project Falcon; Acme again.";
  auto findings = scanner.Scan(text);
  ASSERT_TRUE(findings.has_value());
  PlaceholderVault vault;
  const Policy policy{.default_action = Action::kPlaceholder, .by_label = {{"PROJECT", Action::kRedact}}};
  const auto out = Mask(text, *findings, policy, vault);
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(*out, "[CUSTOMER_1] asked about ***; [CUSTOMER_1] again.");
}

}  // namespace
}  // namespace citadel::guard::pii
