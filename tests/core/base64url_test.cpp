#include "core/base64url.h"

#include <gtest/gtest.h>

#include <string>

namespace citadel {
namespace {

TEST(Base64Url, RoundTripsEveryLengthAndByte) {
  std::string bytes;
  for (int i = 0; i < 300; ++i) {
    const std::string encoded = EncodeBase64Url(bytes);
    EXPECT_EQ(encoded.find('='), std::string::npos);
    auto decoded = DecodeBase64Url(encoded);
    ASSERT_TRUE(decoded.has_value()) << i << ": " << decoded.error().message;
    EXPECT_EQ(*decoded, bytes);
    bytes.push_back(static_cast<char>(i * 37 + 11));
  }
}

TEST(Base64Url, KnownVectors) {
  EXPECT_EQ(EncodeBase64Url(std::string_view("\xfb\xff")), "-_8");
  EXPECT_EQ(EncodeBase64Url(std::string_view("foobar")), "Zm9vYmFy");
  EXPECT_EQ(*DecodeBase64Url("Zm9vYg"), "foob");
  EXPECT_EQ(*DecodeBase64Url(""), "");
}

TEST(Base64Url, RejectsPaddingForeignCharactersAndNonCanonicalTails) {
  EXPECT_FALSE(DecodeBase64Url("Zm9vYg==").has_value());  // padding
  EXPECT_FALSE(DecodeBase64Url("Zm9v+g").has_value());    // standard alphabet
  EXPECT_FALSE(DecodeBase64Url("Zm9v/g").has_value());
  EXPECT_FALSE(DecodeBase64Url("Zm9 vYg").has_value());   // whitespace
  EXPECT_FALSE(DecodeBase64Url("Zm9vY").has_value());     // impossible length
  EXPECT_FALSE(DecodeBase64Url("Zm9vYh").has_value());    // 'h' leaves non-zero low bits
  EXPECT_FALSE(DecodeBase64Url(std::string_view("Zm\0v", 4)).has_value());
}

}  // namespace
}  // namespace citadel
