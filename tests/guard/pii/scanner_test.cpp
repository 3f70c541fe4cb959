#include "guard/pii/scanner.h"

#include <gtest/gtest.h>

#include <chrono>

#include "test_scanner.h"

#include <string>
#include <vector>

namespace citadel::guard::pii {
namespace {

struct Hit {
  std::string label;
  std::string text;
  bool operator==(const Hit&) const = default;
};
void PrintTo(const Hit& h, std::ostream* os) { *os << h.label << ":" << h.text; }

class ScannerTest : public ::testing::Test {
 protected:
  void SetUp() override { scanner_.emplace(testgen::BuildScanner()); }
  std::vector<Hit> Hits(std::string_view text) const {
    auto findings = scanner_->Scan(text);
    EXPECT_TRUE(findings.has_value());
    std::vector<Hit> out;
    if (!findings) return out;
    for (const Finding& f : *findings) {
      out.push_back({std::string(f.label), std::string(text.substr(f.start, f.end - f.start))});
    }
    return out;
  }
  std::optional<Scanner> scanner_;
};

TEST_F(ScannerTest, ChineseNeighboursAreBoundariesDigitsAndLettersAreNot) {
  EXPECT_EQ(Hits("我的手机号13812345678谢谢"), (std::vector<Hit>{{"PHONE", "13812345678"}}));
  EXPECT_TRUE(Hits("编号913812345678").empty());
  EXPECT_TRUE(Hits("编号138123456789").empty());
  EXPECT_TRUE(Hits("x13812345678").empty());
  EXPECT_EQ(Hits("call +86 138-1234-5678."), (std::vector<Hit>{{"PHONE", "+86 138-1234-5678"}}));
}

TEST_F(ScannerTest, IdCardEmbeddedInLongerRunIsNotAMatch) {
  EXPECT_EQ(Hits("身份证11010519491231002X。"), (std::vector<Hit>{{"ID_CARD", "11010519491231002X"}}));
  EXPECT_TRUE(Hits("单号711010519491231002X").empty());
  EXPECT_TRUE(Hits("单号1101051949123100271").empty());
}

TEST_F(ScannerTest, FullWidthDigitsAreFoundAndReportedInOriginalBytes) {
  const std::string text = "电话：１３８１２３４５６７８。";
  const auto hits = Hits(text);
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0], (Hit{"PHONE", "１３８１２３４５６７８"}));
  EXPECT_EQ(Hits("卡号４１１１－１１１１－１１１１－１１１１"), (std::vector<Hit>{{"BANK_CARD", "４１１１－１１１１－１１１１－１１１１"}}));
}

TEST_F(ScannerTest, EachBuiltinType) {
  EXPECT_EQ(Hits("mail zhang.san@example.com.cn now"), (std::vector<Hit>{{"EMAIL", "zhang.san@example.com.cn"}}));
  EXPECT_EQ(Hits("host 10.0.0.255, v6 2001:db8::1;"),
            (std::vector<Hit>{{"IPV4", "10.0.0.255"}, {"IPV6", "2001:db8::1"}}));
  EXPECT_TRUE(Hits("version 1.2.3.4.5").empty());
  EXPECT_EQ(Hits("SSN 123-45-6789 ok"), (std::vector<Hit>{{"SSN", "123-45-6789"}}));
  EXPECT_EQ(Hits("IBAN GB82 WEST 1234 5698 7654 32."), (std::vector<Hit>{{"IBAN", "GB82 WEST 1234 5698 7654 32"}}));
  EXPECT_EQ(Hits("护照E12345678，通行证C87654321"),
            (std::vector<Hit>{{"PASSPORT", "E12345678"}, {"HK_MACAU_PERMIT", "C87654321"}}));
  EXPECT_EQ(Hits("座机(0755) 23456789"), (std::vector<Hit>{{"LANDLINE", "(0755) 23456789"}}));
  EXPECT_EQ(Hits("key AKIAIOSFODNN7EXAMPLE."), (std::vector<Hit>{{"AWS_ACCESS_KEY", "AKIAIOSFODNN7EXAMPLE"}}));
  const std::string api_key = "ck_" + std::string(40, 'a');
  EXPECT_EQ(Hits("use " + api_key + " here"), (std::vector<Hit>{{"API_KEY", api_key}}));
  EXPECT_TRUE(Hits("use " + api_key + "b here").empty());
  const std::string jwt = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxIn0.c2ln";
  EXPECT_EQ(Hits("Bearer " + jwt), (std::vector<Hit>{{"JWT", jwt}}));
  const std::string pem = "-----BEGIN RSA PRIVATE KEY-----\nMIIBOgIBAAJBAK+x/y=\nabc\n-----END RSA PRIVATE KEY-----";
  EXPECT_EQ(Hits("key:\n" + pem + "\nbye"), (std::vector<Hit>{{"PRIVATE_KEY", pem}}));
}

TEST_F(ScannerTest, EmailStartsWhereItsLocalPartBegins) {
  EXPECT_EQ(Hits("mail zhang.wei+hr@corp.example.cn now"), (std::vector<Hit>{{"EMAIL", "zhang.wei+hr@corp.example.cn"}}));
  EXPECT_EQ(Hits("联系x_y@a.io谢谢"), (std::vector<Hit>{{"EMAIL", "x_y@a.io"}}));
  EXPECT_TRUE(Hits("@corp.example.cn").empty()) << "no local part";
  EXPECT_TRUE(Hits(std::string(300, 'a') + "@corp.example.cn").empty()) << "longer than an address can be";
}

TEST_F(ScannerTest, ManyDomainEndsAfterALongLocalRunStayLinear) {
  // One '@' with thousands of possible match ends after a long run of local-part characters: each
  // end looks back at most an address's length.
  std::string text = std::string(1 << 20, 'a') + "@b";
  for (int i = 0; i < 20000; ++i) text += ".cc";
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(Hits(text).empty());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(20));
}

TEST_F(ScannerTest, OverlapsResolveToTheLongestFinding) {
  // The phone number is valid on its own ('@' is a boundary), but the e-mail address contains it.
  EXPECT_EQ(Hits("QQ邮箱13812345678@qq.com。"), (std::vector<Hit>{{"EMAIL", "13812345678@qq.com"}}));
  EXPECT_EQ(Hits("13812345678 13912345678"), (std::vector<Hit>{{"PHONE", "13812345678"}, {"PHONE", "13912345678"}}));
}

TEST_F(ScannerTest, HardNegatives) {
  EXPECT_TRUE(Hits("时间戳20231125143000，金额12345.67元").empty());
  EXPECT_TRUE(Hits("订单号2023112512345678").empty());
  EXPECT_TRUE(Hits("11010519491231002X1").empty());
  EXPECT_TRUE(Hits("卡号4111111111111112").empty());  // Luhn fails
}

TEST(ScannerCustom, RegexAndDictionaryDetectors) {
  ScannerConfig config{.builtins = false,
                       .regexes = {{"project", "PRJ-[0-9]{4}"}},
                       .dictionaries = {{"customer", {"Acme Corp", "张三丰"}, true}}};
  auto scanner = Scanner::Build(config);
  ASSERT_TRUE(scanner.has_value()) << scanner.error().message;
  const std::string text = "张三丰 of ACME CORP asked about PRJ-0042; Acme Corporation did not.";
  auto findings = scanner->Scan(text);
  ASSERT_TRUE(findings.has_value());
  ASSERT_EQ(findings->size(), 3u);
  EXPECT_EQ((*findings)[0].label, "CUSTOMER");
  EXPECT_EQ(text.substr((*findings)[1].start, (*findings)[1].end - (*findings)[1].start), "ACME CORP");
  EXPECT_EQ((*findings)[2].label, "PROJECT");
  EXPECT_EQ((*findings)[2].type, PiiType::kCustom);
}

TEST(ScannerCustom, InvalidPatternNamesTheDetector) {
  auto scanner = Scanner::Build({.regexes = {{"good", "a+"}, {"broken", "(unclosed"}}});
  ASSERT_FALSE(scanner.has_value());
  EXPECT_NE(scanner.error().message.find("'broken'"), std::string::npos) << scanner.error().message;
  EXPECT_FALSE(Scanner::Build({.regexes = {{"bad name!", "a"}}}).has_value());
}

}  // namespace
}  // namespace citadel::guard::pii
