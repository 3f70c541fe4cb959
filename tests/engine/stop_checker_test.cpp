#include "engine/stop_checker.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tokenizer/tokenizer.h"
#include "tokenizer/tokenizer_test_vocabs.h"

namespace citadel::engine {
namespace {

struct Outcome {
  std::string text;
  bool stopped = false;
};

// Feeds the deltas, then flushes, and returns everything released.
Outcome Feed(StopChecker& checker, const std::vector<std::string>& deltas) {
  Outcome out;
  for (const std::string& delta : deltas) {
    const StopChecker::Step step = checker.Push(delta);
    out.text.append(step.text);
    out.stopped = out.stopped || step.stopped;
  }
  out.text.append(checker.Flush());
  return out;
}

StopChecker Strings(std::vector<std::string> stops) { return StopChecker({}, {}, std::move(stops)); }

TEST(StopChecker, StopStringSplitAtEveryBytePosition) {
  const std::string text = "hello</end>world";
  for (size_t cut = 0; cut <= text.size(); ++cut) {
    StopChecker checker = Strings({"</end>"});
    const Outcome out = Feed(checker, {text.substr(0, cut), text.substr(cut)});
    EXPECT_EQ(out.text, "hello") << "cut at " << cut;
    EXPECT_TRUE(out.stopped) << "cut at " << cut;
  }
  // And one byte per delta.
  StopChecker checker = Strings({"</end>"});
  std::vector<std::string> bytes;
  for (char c : text) bytes.emplace_back(1, c);
  const Outcome out = Feed(checker, bytes);
  EXPECT_EQ(out.text, "hello");
  EXPECT_TRUE(out.stopped);
}

TEST(StopChecker, HoldsAPossiblePrefixAndReleasesItWhenItStopsMatching) {
  StopChecker checker = Strings({"STOP"});
  StopChecker::Step step = checker.Push("abc ST");
  EXPECT_EQ(step.text, "abc ");
  EXPECT_FALSE(step.stopped);
  step = checker.Push("A");  // "STA" cannot start "STOP" any more
  EXPECT_EQ(step.text, "STA");
  step = checker.Push("RT S");
  EXPECT_EQ(step.text, "RT ");
  EXPECT_EQ(checker.Flush(), "S");  // end of generation releases the held "S"
  EXPECT_FALSE(checker.stopped());
}

TEST(StopChecker, OverlappingPrefixIsNotLost) {
  // "aab" must be found in "aaab": the held "aa" turns into a match one byte later.
  StopChecker checker = Strings({"aab"});
  const Outcome out = Feed(checker, {"x", "a", "a", "a", "b", "tail"});
  EXPECT_EQ(out.text, "xa");
  EXPECT_TRUE(out.stopped);
}

TEST(StopChecker, EarliestOfSeveralStopStringsWins) {
  StopChecker checker = Strings({"\n\n", "END", "b E"});
  const Outcome out = Feed(checker, {"a b", " END more\n\n"});
  EXPECT_EQ(out.text, "a ");  // "b E" starts before "END"
  EXPECT_TRUE(out.stopped);

  StopChecker other = Strings({"\n\n", "END"});
  EXPECT_EQ(Feed(other, {"line\n", "\nEND"}).text, "line");
}

TEST(StopChecker, StopAtTheVeryStart) {
  StopChecker checker = Strings({"<|x|>"});
  const StopChecker::Step step = checker.Push("<|x|>hello");
  EXPECT_EQ(step.text, "");
  EXPECT_TRUE(step.stopped);
  EXPECT_EQ(checker.Push("more").text, "");
  EXPECT_EQ(checker.Flush(), "");
}

TEST(StopChecker, MultiByteUtf8StopString) {
  const std::string stop = "\xE7\xBB\x88\xE6\xAD\xA2";  // 终止
  const std::vector<std::string> chars = {"\xE4\xBD\xA0", "\xE5\xA5\xBD", "\xE7\xBB\x88", "\xE6\xAD\xA2", "!"};
  StopChecker checker = Strings({stop});
  const Outcome out = Feed(checker, chars);  // one character per delta
  EXPECT_EQ(out.text, "\xE4\xBD\xA0\xE5\xA5\xBD");
  EXPECT_TRUE(out.stopped);

  // 终 is held, then released with 点 since 终点 is not 终止; released text is whole characters.
  StopChecker held = Strings({stop});
  StopChecker::Step step = held.Push("\xE4\xBD\xA0\xE7\xBB\x88");
  EXPECT_EQ(step.text, "\xE4\xBD\xA0");
  step = held.Push("\xE7\x82\xB9");
  EXPECT_EQ(step.text, "\xE7\xBB\x88\xE7\x82\xB9");
  EXPECT_FALSE(step.stopped);
}

TEST(StopChecker, WithoutStopStringsEverythingPassesAtOnce) {
  StopChecker checker({}, {}, {});
  EXPECT_EQ(checker.Push("abc").text, "abc");
  EXPECT_EQ(checker.Flush(), "");
}

TEST(StopChecker, StopTokensIncludeEndOfGeneration) {
  const auto tokenizer = tokenizer::Tokenizer::FromVocab(tokenizer::testing::SpmVocab());
  ASSERT_TRUE(tokenizer);
  const std::vector<int32_t> eog = EndOfGenerationTokens(*tokenizer);
  EXPECT_EQ(eog, (std::vector<int32_t>{2}));  // </s>
  const std::vector<int32_t> stop_ids = {7, 5};
  StopChecker checker(stop_ids, eog, {});
  EXPECT_TRUE(checker.IsStopToken(2));
  EXPECT_TRUE(checker.IsStopToken(5));
  EXPECT_TRUE(checker.IsStopToken(7));
  EXPECT_FALSE(checker.IsStopToken(1));
  EXPECT_FALSE(checker.IsStopToken(6));
}

TEST(FinishReason, OpenAiNames) {
  EXPECT_EQ(FinishReasonName(FinishReason::kStop), "stop");
  EXPECT_EQ(FinishReasonName(FinishReason::kLength), "length");
  EXPECT_EQ(FinishReasonName(FinishReason::kNone), "");
}

}  // namespace
}  // namespace citadel::engine
