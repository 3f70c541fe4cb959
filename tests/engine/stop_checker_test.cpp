#include "engine/stop_checker.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "testing/random.h"
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

TEST(StopChecker, TheStopCompletedFirstWinsHoweverTheTextIsCut) {
  // "b" is complete after two bytes, "abc" only after three: generation stops at "b".
  StopChecker whole = Strings({"abc", "b"});
  EXPECT_EQ(Feed(whole, {"abc"}).text, "a");
  StopChecker split = Strings({"abc", "b"});
  EXPECT_EQ(Feed(split, {"a", "b", "c"}).text, "a");
  // Same end: the longer (earlier-starting) one wins.
  StopChecker same_end = Strings({"c", "bc"});
  EXPECT_EQ(Feed(same_end, {"abcd"}).text, "a");
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

// Random text over a tiny alphabet (so stop strings and near-misses are frequent), cut into random
// deltas: the released text must equal the text before the earliest stop string, and a chunk is
// never released that the reference would withhold.
TEST(StopChecker, RandomSplitsMatchTheReference) {
  CITADEL_SEEDED_RNG(rng);
  auto random_string = [&rng](size_t min_len, size_t max_len) {
    std::string s(min_len + rng() % (max_len - min_len + 1), 'a');
    for (char& c : s) c = "abc"[rng() % 3];
    return s;
  };
  for (int trial = 0; trial < 2000; ++trial) {
    std::vector<std::string> stops;
    for (size_t i = 0, n = 1 + rng() % 3; i < n; ++i) stops.push_back(random_string(1, 5));
    const std::string text = random_string(0, 40);
    // Reference over the whole text: the stop string that is complete first (smallest end),
    // ties to the earliest start.
    size_t first = std::string::npos;
    size_t first_end = std::string::npos;
    for (const std::string& stop : stops) {
      const size_t at = text.find(stop);
      if (at == std::string::npos) continue;
      if (at + stop.size() < first_end || (at + stop.size() == first_end && at < first)) {
        first = at;
        first_end = at + stop.size();
      }
    }
    const std::string expected = text.substr(0, first);

    std::vector<std::string> deltas;
    for (size_t at = 0; at < text.size();) {
      const size_t len = std::min(text.size() - at, static_cast<size_t>(rng() % 6));
      deltas.push_back(text.substr(at, len));
      at += len;
    }
    StopChecker checker = Strings(stops);
    std::string released;
    for (const std::string& delta : deltas) {
      released.append(checker.Push(delta).text);
      ASSERT_EQ(expected.compare(0, released.size(), released), 0) << "released text that follows a stop";
    }
    released.append(checker.Flush());
    ASSERT_EQ(released, expected) << "text '" << text << "'";
    ASSERT_EQ(checker.stopped(), first != std::string::npos);
  }
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

}  // namespace
}  // namespace citadel::engine
