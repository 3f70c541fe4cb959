#include "guard/pii/stream_masker.h"

#include <gtest/gtest.h>

#include "test_scanner.h"

#include "generators.h"
#include "testing/random.h"

namespace citadel::guard::pii {
namespace {

class StreamTest : public ::testing::Test {
 protected:
  void SetUp() override { scanner_.emplace(testgen::BuildScanner({.dictionaries = {{"customer", {"张三丰集团"}}}})); }
  std::string OneShot(std::string_view text, const Policy& policy) {
    PlaceholderVault vault;
    auto findings = scanner_->Scan(text);
    EXPECT_TRUE(findings.has_value());
    auto out = Mask(text, *findings, policy, vault);
    EXPECT_TRUE(out.has_value());
    return out.value_or("");
  }
  std::string Streamed(std::span<const std::string_view> chunks, const Policy& policy) {
    PlaceholderVault vault;
    auto masker = StreamMasker::Create(*scanner_, policy, vault);
    EXPECT_TRUE(masker.has_value());
    std::string out;
    for (std::string_view c : chunks) out.append(masker->Feed(c).value());
    out.append(masker->Finish().value());
    return out;
  }
  std::optional<Scanner> scanner_;
};

TEST_F(StreamTest, EverySplitOfEverySentenceMatchesOneShot) {
  CITADEL_SEEDED_RNG(rng);
  const std::vector<std::string> values = {
      testgen::ChineseId18(rng), testgen::Mobile(rng), "+86 138-1234-5678", testgen::Card(rng),
      "４１１１－１１１１－１１１１－１１１１", "zhang.san@example.com", "10.20.30.40", "2001:db8::1",
      testgen::Ssn(rng), "GB82 WEST 1234 5698 7654 32", "E12345678", "AKIAIOSFODNN7EXAMPLE",
      "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln", fmt::format("ck_{}", testgen::Alnum(rng, 40, false)), "张三丰集团",
      "-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----", "(010) 62345678"};
  const Policy policy{.default_action = Action::kPlaceholder};
  for (const std::string& value : values) {
    for (const std::string& sentence : {fmt::format("请联系{}谢谢", value), fmt::format("value: {}, done. 13912345678", value)}) {
      const std::string expected = OneShot(sentence, policy);
      ASSERT_EQ(expected.find(value), std::string::npos) << "one-shot missed " << value;
      for (size_t split = 0; split <= sentence.size(); ++split) {
        const std::string_view s(sentence);
        const std::array<std::string_view, 2> chunks = {s.substr(0, split), s.substr(split)};
        ASSERT_EQ(Streamed(chunks, policy), expected) << "split at " << split << " of " << sentence;
      }
    }
  }
}

TEST_F(StreamTest, RandomChunkingOfALongTextMatchesOneShot) {
  CITADEL_SEEDED_RNG(rng);
  std::string text;
  for (int i = 0; i < 300; ++i) {
    const std::string values[] = {testgen::ChineseId18(rng), testgen::Mobile(rng), testgen::Card(rng), testgen::Iban(rng),
                                  testgen::Ipv4(rng), fmt::format("u{}@example.org", i), testgen::Digits(rng, 20)};
    text.append(fmt::format("{} {}{}", i % 2 == 0 ? "第" : "item", values[testgen::Uniform(rng, 0, 6)],
                            i % 3 == 0 ? "，" : ". "));
  }
  const Policy policy{.default_action = Action::kPlaceholder};
  const std::string expected = OneShot(text, policy);
  for (int round = 0; round < 20; ++round) {
    std::vector<std::string_view> chunks;
    for (size_t at = 0; at < text.size();) {
      const size_t n = std::min<size_t>(text.size() - at, testgen::Uniform(rng, 1, 12));
      chunks.push_back(std::string_view(text).substr(at, n));
      at += n;
    }
    ASSERT_EQ(Streamed(chunks, policy), expected);
  }
}

TEST(StreamMaskerTest, LongTokenRunsAreNotHeldWhole) {
  const Scanner scanner = testgen::BuildScanner();
  PlaceholderVault vault;
  auto masker = StreamMasker::Create(scanner, Policy{}, vault);
  ASSERT_TRUE(masker.has_value());
  size_t most_held = 0, emitted = 0;
  for (int i = 0; i < 4096; ++i) {
    emitted += masker->Feed("QUJDRA0x").value().size();
    most_held = std::max(most_held, masker->held());
  }
  EXPECT_LE(most_held, 254u + 8u);
  emitted += masker->Finish().value().size();
  EXPECT_EQ(emitted, 4096u * 8u);
  // A JWT longer than the e-mail bound is held from its "eyJ", so it is still masked whole.
  const std::string jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0." + std::string(600, 's');
  auto second = StreamMasker::Create(scanner, Policy{}, vault);
  std::string out = second->Feed(std::string(300, 'Q') + " ").value();
  for (size_t i = 0; i < jwt.size(); i += 7) out += second->Feed(std::string_view(jwt).substr(i, 7)).value();
  out += second->Finish().value();
  EXPECT_EQ(out, std::string(300, 'Q') + " ***");
}

TEST(StreamMaskerTest, HoldsBackOnlyAnOpenTail) {
  auto scanner = Scanner::Build({});
  ASSERT_TRUE(scanner.has_value());
  PlaceholderVault vault;
  auto masker = StreamMasker::Create(*scanner, Policy{}, vault);
  ASSERT_TRUE(masker.has_value());
  EXPECT_EQ(*masker->Feed("我的手机号是138"), "我的手机号是");
  EXPECT_EQ(masker->held(), 3u);
  EXPECT_EQ(*masker->Feed("12345678，好的。The "), "***，好的。The");  // a space may continue "86 138..."
  EXPECT_EQ(*masker->Feed("end"), " ");
  EXPECT_EQ(*masker->Feed("-----BEGIN PRIVATE KEY-----\nMIIB"), "end");
  EXPECT_EQ(*masker->Feed("\n-----END PRIVATE"), "");
  EXPECT_EQ(*masker->Feed(" KEY-----\n"), "***\n");
  EXPECT_EQ(*masker->Feed("x"), "");
  EXPECT_EQ(*masker->Finish(), "x");
}

TEST_F(StreamTest, BlockPolicySurfacesAsError) {
  PlaceholderVault vault;
  const Policy policy{.default_action = Action::kBlock};
  auto masker = StreamMasker::Create(*scanner_, policy, vault);
  ASSERT_TRUE(masker.has_value());
  EXPECT_TRUE(masker->Feed("hello ").has_value());
  auto r = masker->Feed("a@b.com please");
  if (r.has_value()) r = masker->Finish();  // the e-mail may still be held back
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message, "blocked: text contains EMAIL");
}

TEST(StreamRestorerTest, PlaceholdersSplitAcrossChunks) {
  PlaceholderVault vault;
  const std::string p = vault.PlaceholderFor("PHONE", "13812345678");
  const std::string text = fmt::format("call {} now [x] [PHONE_9]", p);
  for (size_t split = 0; split <= text.size(); ++split) {
    StreamRestorer restorer(vault);
    std::string out = restorer.Feed(text.substr(0, split));
    out += restorer.Feed(text.substr(split));
    out += restorer.Finish();
    ASSERT_EQ(out, "call 13812345678 now [x] [PHONE_9]") << split;
  }
  StreamRestorer restorer(vault);
  EXPECT_EQ(restorer.Feed("a [PHO"), "a ");
  EXPECT_EQ(restorer.Feed("NE_1] b"), "13812345678 b");
}

}  // namespace
}  // namespace citadel::guard::pii
