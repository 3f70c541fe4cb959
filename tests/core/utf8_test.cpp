// Strict UTF-8 validation (RFC 3629). GGUF keys and tensor names are checked with it, so every way
// a byte string can fail to be UTF-8 is covered here once.

#include "core/utf8.h"

#include <gtest/gtest.h>

#include <string>

namespace citadel {
namespace {

// Built from a byte list rather than by string concatenation, which makes g++ 12 -O3 report a
// spurious -Wrestrict.
std::string Bytes(std::initializer_list<unsigned char> bytes) { return std::string(bytes.begin(), bytes.end()); }

TEST(Utf8Test, AcceptsValidText) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("plain ascii"));
  EXPECT_TRUE(IsValidUtf8(std::string("nul\0inside", 10)));  // U+0000 is a valid scalar value
  EXPECT_TRUE(IsValidUtf8("\u00e9t\u00e9"));                  // 2-byte
  EXPECT_TRUE(IsValidUtf8("\u4e2d\u6587"));                   // 3-byte
  EXPECT_TRUE(IsValidUtf8("\U0001F600"));                     // 4-byte emoji
  EXPECT_TRUE(IsValidUtf8(Bytes({0xF0, 0x90, 0x80, 0x80})));  // U+10000, smallest 4-byte
  EXPECT_TRUE(IsValidUtf8(Bytes({0xF4, 0x8F, 0xBF, 0xBF})));  // U+10FFFF, largest scalar
  EXPECT_TRUE(IsValidUtf8(Bytes({0xC2, 0x80})));              // U+0080, smallest 2-byte
  EXPECT_TRUE(IsValidUtf8(Bytes({0xDF, 0xBF})));              // U+07FF
  EXPECT_TRUE(IsValidUtf8(Bytes({0xE0, 0xA0, 0x80})));        // U+0800, smallest 3-byte
  EXPECT_TRUE(IsValidUtf8(Bytes({0xED, 0x9F, 0xBF})));        // U+D7FF, just below surrogates
  EXPECT_TRUE(IsValidUtf8(Bytes({0xEE, 0x80, 0x80})));        // U+E000, just above surrogates
  EXPECT_TRUE(IsValidUtf8(Bytes({0xEF, 0xBF, 0xBF})));        // U+FFFF (a noncharacter, still valid)
}

TEST(Utf8Test, RejectsOverlongForms) {
  EXPECT_FALSE(IsValidUtf8(Bytes({0xC0, 0x80})));              // U+0000 in 2 bytes
  EXPECT_FALSE(IsValidUtf8(Bytes({0xC1, 0xBF})));              // U+007F in 2 bytes
  EXPECT_FALSE(IsValidUtf8(Bytes({0xE0, 0x80, 0xAF})));        // '/' in 3 bytes
  EXPECT_FALSE(IsValidUtf8(Bytes({0xE0, 0x9F, 0xBF})));        // U+07FF in 3 bytes
  EXPECT_FALSE(IsValidUtf8(Bytes({0xF0, 0x80, 0x80, 0xAF})));  // '/' in 4 bytes
  EXPECT_FALSE(IsValidUtf8(Bytes({0xF0, 0x8F, 0xBF, 0xBF})));  // U+FFFF in 4 bytes
}

TEST(Utf8Test, RejectsSurrogates) {
  EXPECT_FALSE(IsValidUtf8(Bytes({0xED, 0xA0, 0x80})));  // U+D800
  EXPECT_FALSE(IsValidUtf8(Bytes({0xED, 0xBF, 0xBF})));  // U+DFFF
  // A CESU-8 style surrogate pair for U+1F600.
  EXPECT_FALSE(IsValidUtf8(Bytes({0xED, 0xA0, 0xBD, 0xED, 0xB8, 0x80})));
}

TEST(Utf8Test, RejectsAboveMaximum) {
  EXPECT_FALSE(IsValidUtf8(Bytes({0xF4, 0x90, 0x80, 0x80})));  // U+110000
  EXPECT_FALSE(IsValidUtf8(Bytes({0xF5, 0x80, 0x80, 0x80})));
  EXPECT_FALSE(IsValidUtf8(Bytes({0xF7, 0xBF, 0xBF, 0xBF})));
  EXPECT_FALSE(IsValidUtf8(Bytes({0xF8, 0x88, 0x80, 0x80, 0x80})));  // old 5-byte form
  EXPECT_FALSE(IsValidUtf8(Bytes({0xFC, 0x84, 0x80, 0x80, 0x80, 0x80})));
  EXPECT_FALSE(IsValidUtf8(Bytes({0xFE})));
  EXPECT_FALSE(IsValidUtf8(Bytes({0xFF})));
}

TEST(Utf8Test, RejectsTruncatedSequences) {
  EXPECT_FALSE(IsValidUtf8(Bytes({0xC3})));
  EXPECT_FALSE(IsValidUtf8(Bytes({0xE4, 0xB8})));
  EXPECT_FALSE(IsValidUtf8(Bytes({0xF0, 0x9F, 0x98})));
  EXPECT_FALSE(IsValidUtf8(Bytes({'o', 'k', 0xF0, 0x9F})));
  // Truncated in the middle: the next lead byte is not a continuation.
  EXPECT_FALSE(IsValidUtf8(Bytes({0xE4, 0xB8, 0x41})));
  EXPECT_FALSE(IsValidUtf8(Bytes({0xF0, 0x9F, 0x98, 0xC3, 0xA9})));
}

TEST(Utf8Test, RejectsStrayContinuationBytes) {
  EXPECT_FALSE(IsValidUtf8(Bytes({0x80})));
  EXPECT_FALSE(IsValidUtf8(Bytes({0xBF})));
  EXPECT_FALSE(IsValidUtf8(Bytes({'a', 0x80, 'b'})));
  EXPECT_FALSE(IsValidUtf8(Bytes({0xC3, 0xA9, 0xA9})));  // one continuation too many
}

TEST(Utf8Test, EveryTwoByteSequenceAgreesWithTheRule) {
  // Exhaustive over two bytes: valid exactly when both are ASCII, or a C2..DF lead with one
  // continuation byte.
  for (int a = 0; a < 256; ++a) {
    for (int b = 0; b < 256; ++b) {
      const std::string s = Bytes({static_cast<unsigned char>(a), static_cast<unsigned char>(b)});
      const bool expected = (a < 0x80 && b < 0x80) || (a >= 0xC2 && a <= 0xDF && (b & 0xC0) == 0x80);
      ASSERT_EQ(IsValidUtf8(s), expected) << std::hex << a << " " << b;
    }
  }
}

}  // namespace
}  // namespace citadel
