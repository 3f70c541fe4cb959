// The SentencePiece encoder may merge word by word only when that gives exactly the ids of merging
// the whole text; these tests hold the two paths against each other.

#include "tokenizer/merge_algorithms.h"

#include <gtest/gtest.h>

#include <array>
#include <string>
#include <vector>

#include "testing/random.h"
#include "tokenizer_test_vocabs.h"

namespace citadel::tokenizer::internal {
namespace {

const std::string kS = "\xE2\x96\x81";  // U+2581

std::vector<int32_t> EncodeWith(const Vocab& v, std::string_view text, bool split) {
  const std::vector<int32_t> byte_tokens = SpmByteTokens(v);
  SpmEncoder encoder(v, byte_tokens, split);
  std::vector<int32_t> out;
  encoder.Encode(text, out);
  return out;
}

Vocab WithToken(Vocab v, const std::string& text, float score) {
  v.tokens.push_back(text);
  v.scores.push_back(score);
  v.types.push_back(TokenType::kNormal);
  v.Index();
  return v;
}

TEST(SpmSegmentation, AllowedOnlyWhenU2581IsAlwaysALeadingRun) {
  const Vocab plain = tokenizer::testing::SpmVocab();
  EXPECT_TRUE(SpmCanSplitAtWordStarts(plain));
  EXPECT_TRUE(SpmCanSplitAtWordStarts(WithToken(plain, kS + kS + "ab", -1)));
  EXPECT_FALSE(SpmCanSplitAtWordStarts(WithToken(plain, "a" + kS + "b", -1)));
  EXPECT_FALSE(SpmCanSplitAtWordStarts(WithToken(plain, kS + "a" + kS, -1)));
}

TEST(SpmSegmentation, CrossWordTokensStillMergeWhenTheVocabularyHasThem) {
  // "b▁" and "b▁h" span a word start: the whole-text path must find them, and the vocabulary
  // check must have switched the word-by-word path off.
  const Vocab v = WithToken(WithToken(tokenizer::testing::SpmVocab(), "b" + kS, 5), "b" + kS + "h", 10);
  ASSERT_FALSE(SpmCanSplitAtWordStarts(v));
  const auto ids = EncodeWith(v, kS + "ab" + kS + "hi", false);
  EXPECT_NE(std::find(ids.begin(), ids.end(), v.Find("b" + kS + "h")), ids.end());
}

TEST(SpmSegmentation, WordByWordEqualsWholeText) {
  const Vocab v = WithToken(WithToken(tokenizer::testing::SpmVocab(), kS + kS, -0.1f), kS + kS + "a", -0.2f);
  ASSERT_TRUE(SpmCanSplitAtWordStarts(v));
  // Letters with tokens, U+2581 runs, a two-byte character that falls back to bytes, a stray
  // continuation byte and a truncated three-byte lead (invalid UTF-8 must not move a cut).
  const std::array<std::string, 9> alphabet = {"a", "b", "c", "h", "i", kS, "\xC3\xA9", "\x80", "\xE2"};
  CITADEL_SEEDED_RNG(rng);
  for (int round = 0; round < 2000; ++round) {
    std::string text;
    const int n = static_cast<int>(rng() % 24);
    for (int i = 0; i < n; ++i) text += alphabet[rng() % alphabet.size()];
    ASSERT_EQ(EncodeWith(v, text, true), EncodeWith(v, text, false)) << "text '" << text << "'";
  }
}

}  // namespace
}  // namespace citadel::tokenizer::internal
