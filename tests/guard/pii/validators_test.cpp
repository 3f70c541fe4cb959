#include "guard/pii/validators.h"

#include <gtest/gtest.h>

#include "generators.h"
#include "testing/random.h"

namespace citadel::guard::pii {
namespace {

constexpr int kToday = 20261125;

void ExpectVerdicts(bool (*valid)(std::string_view), std::initializer_list<const char*> good,
                    std::initializer_list<const char*> bad) {
  for (const char* v : good) EXPECT_TRUE(valid(v)) << v;
  for (const char* v : bad) EXPECT_FALSE(valid(v)) << v;
}

// Generated values must validate; the corrupted copy (one check character changed) must not.
template <class Generate, class Corrupt>
void ExpectGeneratedValid(std::mt19937_64& rng, bool (*valid)(std::string_view), Generate generate, Corrupt corrupt) {
  for (int i = 0; i < 300; ++i) {
    const std::string value = generate(rng);
    ASSERT_TRUE(valid(value)) << value;
    const std::string wrong = corrupt(value);
    EXPECT_FALSE(valid(wrong)) << wrong;
  }
}

TEST(ChineseId, GeneratedNumbersValidateAndEveryOtherCheckDigitFails) {
  CITADEL_SEEDED_RNG(rng);
  for (int i = 0; i < 500; ++i) {
    const std::string id = testgen::ChineseId18(rng);
    ASSERT_TRUE(IsValidChineseId(id, kToday)) << id;
    for (char c : std::string("0123456789X")) {
      if (c == id[17]) continue;
      std::string wrong = id;
      wrong[17] = c;
      EXPECT_FALSE(IsValidChineseId(wrong, kToday)) << wrong;
    }
    EXPECT_TRUE(IsValidChineseId(testgen::ChineseId15(rng), kToday));
  }
}

TEST(ChineseId, KnownValuesAndDates) {
  EXPECT_TRUE(IsValidChineseId("11010519491231002X", kToday));  // the GB 11643 worked example
  EXPECT_TRUE(IsValidChineseId("11010519491231002x", kToday));
  EXPECT_EQ(ChineseIdCheckDigit("11010519491231002"), 'X');
  std::string first = "11010520270101001";  // born after "today"
  EXPECT_FALSE(IsValidChineseId(first + ChineseIdCheckDigit(first), kToday));
  first = "11010518990101001";  // before 1900
  EXPECT_FALSE(IsValidChineseId(first + ChineseIdCheckDigit(first), kToday));
  first = "11010519990230001";  // 30 February
  EXPECT_FALSE(IsValidChineseId(first + ChineseIdCheckDigit(first), kToday));
  first = "11010520000229001";  // leap day of a leap year
  EXPECT_TRUE(IsValidChineseId(first + ChineseIdCheckDigit(first), kToday));
  first = "99010519491231002";  // no province 99
  EXPECT_FALSE(IsValidChineseId(first + ChineseIdCheckDigit(first), kToday));
  EXPECT_TRUE(IsValidChineseId("110105491231002", kToday));
  EXPECT_FALSE(IsValidChineseId("110105491331002", kToday));  // month 13
}

TEST(Mobile, PrefixesAndSeparators) {
  ExpectVerdicts(IsValidChineseMobile,
                 {"13812345678", "+8613812345678", "+86 138 1234 5678", "0086-138-1234-5678", "86 13812345678",
                  "199-1234-5678"},
                 {"12812345678", "1381234567", "138-1234 5678", "1381-234-5678", "+87 13812345678"});
}

TEST(Landline, AreaCodesAndLocalLengths) {
  ExpectVerdicts(IsValidChineseLandline,
                 {"010-62345678", "021 87654321", "(0755)2345678", "(0755) 23456789", "0571-8888888"},
                 {"010-1234567", "010-12345678", "0755-0234567", "01012345678", "(010-12345678", "0755-123456"});
}

TEST(PaymentCard, LuhnAndIssuers) {
  CITADEL_SEEDED_RNG(rng);
  ExpectGeneratedValid(rng, IsValidPaymentCard, testgen::Card, [&](std::string wrong) {
    wrong.back() = static_cast<char>('0' + (wrong.back() - '0' + testgen::Uniform(rng, 1, 9)) % 10);
    return wrong;
  });
  EXPECT_TRUE(IsValidPaymentCard("4111 1111 1111 1111"));
  EXPECT_TRUE(IsValidPaymentCard("4111-1111-1111-1111"));
  EXPECT_FALSE(IsValidPaymentCard("4111-1111 1111-1111"));  // mixed separators
  EXPECT_FALSE(IsValidPaymentCard("20231125143000"));         // a timestamp, no issuer "2023"
  EXPECT_TRUE(LuhnValid("79927398713"));
  EXPECT_FALSE(LuhnValid("79927398710"));
}

TEST(Ssn, ReservedRanges) {
  ExpectVerdicts(IsValidSsn, {"123-45-6789", "899-01-0001"},
                 {"000-12-3456", "666-12-3456", "900-12-3456", "123-00-4567", "123-45-0000", "123456789"});
}

TEST(Iban, Mod97AndLengths) {
  CITADEL_SEEDED_RNG(rng);
  ExpectGeneratedValid(rng, IsValidIban, testgen::Iban, [](std::string wrong) {
    wrong[2] = static_cast<char>('0' + (wrong[2] - '0' + 1) % 10);
    return wrong;
  });
  ExpectGeneratedValid(rng, IsValidIban, testgen::Iban, [](std::string wrong) { return wrong.substr(1); });
  EXPECT_TRUE(IsValidIban("GB82 WEST 1234 5698 7654 32"));
  EXPECT_TRUE(IsValidIban("DE89370400440532013000"));
  EXPECT_FALSE(IsValidIban("GB82 WEST 1234 5698 765432"));
  EXPECT_FALSE(IsValidIban("XX89370400440532013000"));
}

TEST(Network, Ipv4AndIpv6) {
  EXPECT_TRUE(IsValidIpv4("192.168.1.255"));
  EXPECT_FALSE(IsValidIpv4("192.168.1.256"));
  EXPECT_FALSE(IsValidIpv4("192.168.01.2"));
  EXPECT_TRUE(IsValidIpv6("2001:db8::1"));
  EXPECT_TRUE(IsValidIpv6("fe80:0:0:0:202:b3ff:fe1e:8329"));
  EXPECT_FALSE(IsValidIpv6("12:30:45"));
  EXPECT_FALSE(IsValidIpv6("be::ef"));
  EXPECT_FALSE(IsValidIpv6("2001:db8:::1"));
}

TEST(Email, Shapes) {
  EXPECT_TRUE(IsValidEmail("zhang.san+tag@example.com.cn"));
  EXPECT_FALSE(IsValidEmail(".a@example.com"));
  EXPECT_FALSE(IsValidEmail("a..b@example.com"));
  EXPECT_FALSE(IsValidEmail("a@example.c"));
}

TEST(Jwt, HeaderMustBeJsonWithAlg) {
  // {"alg":"HS256","typ":"JWT"} . {"sub":"1"} . sig
  EXPECT_TRUE(IsValidJwt("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxIn0.c2ln"));
  // {"typ":"JWT"}: no alg
  EXPECT_FALSE(IsValidJwt("eyJ0eXAiOiJKV1QifQ.eyJzdWIiOiIxIn0.c2ln"));
  EXPECT_FALSE(IsValidJwt("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"));
}

}  // namespace
}  // namespace citadel::guard::pii
