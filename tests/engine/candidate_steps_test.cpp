#include "engine/candidate_steps.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "testing/random.h"

namespace citadel::engine {
namespace {

std::vector<float> LogitsFromProbabilities(const std::vector<double>& probs) {
  std::vector<float> logits;
  for (double p : probs) logits.push_back(static_cast<float>(std::log(p)));
  return logits;
}

std::vector<int32_t> Ids(const Candidates& c) {
  std::vector<int32_t> ids;
  for (const Candidate& x : c.items) ids.push_back(x.id);
  return ids;
}

std::vector<int32_t> SortedIds(const Candidates& c) {
  std::vector<int32_t> ids = Ids(c);
  std::sort(ids.begin(), ids.end());
  return ids;
}

TEST(Candidates, ResetDropsBannedAndNanTokens) {
  const std::vector<float> logits = {1.0f, -INFINITY, NAN, -50.0f};
  Candidates c;
  c.Reset(logits);
  EXPECT_EQ(Ids(c), (std::vector<int32_t>{0, 3}));
}

TEST(TopKStep, KeepsTheKLargestInOrderTiesByLowerId) {
  const std::vector<float> logits = {0.1f, 3.0f, 2.0f, 3.0f, -1.0f, 2.5f};
  Candidates c;
  c.Reset(logits);
  TopKStep(3).Apply(c);
  EXPECT_EQ(Ids(c), (std::vector<int32_t>{1, 3, 5}));
  EXPECT_TRUE(c.sorted);
}

TEST(TopPStep, KeepsTheMinimalNucleus) {
  // Probabilities 0.1, 0.5, 0.05, 0.3, 0.05: sorted 0.5 (id 1), 0.3 (id 3), 0.1 (id 0), ...
  const auto logits = LogitsFromProbabilities({0.1, 0.5, 0.05, 0.3, 0.05});
  const struct {
    float p;
    std::vector<int32_t> nucleus;
  } cases[] = {{0.4f, {1}}, {0.75f, {1, 3}}, {0.85f, {1, 3, 0}}, {0.97f, {1, 3, 0, 2, 4}}, {1.0f, {0, 1, 2, 3, 4}}};
  for (const auto& tc : cases) {
    Candidates c;
    c.Reset(logits);
    TopPStep(tc.p).Apply(c);
    if (tc.p < 1.0f) {
      EXPECT_EQ(Ids(c), tc.nucleus) << "p = " << tc.p;
    } else {
      EXPECT_EQ(SortedIds(c), tc.nucleus) << "p = 1 keeps everything";
    }
  }
}

// A long random vocabulary makes the nucleus outgrow the first selected prefix; the result must
// equal the brute-force answer from a full sort.
TEST(TopPStep, MatchesFullSortOnLargeVocabulary) {
  CITADEL_SEEDED_RNG(rng);
  const std::vector<float> logits = testing::RandomFloats(rng, 5000, 3.0f);
  for (float p : {0.05f, 0.3f, 0.6f, 0.9f, 0.99f}) {
    Candidates c;
    c.Reset(logits);
    TopPStep(p).Apply(c);

    Candidates full;
    full.Reset(logits);
    const float max = *std::max_element(logits.begin(), logits.end());
    double total = 0.0;
    for (const Candidate& x : full.items) total += std::exp(static_cast<double>(x.logit) - max);
    std::sort(full.items.begin(), full.items.end(), Ahead);
    double cumulative = 0.0;
    size_t keep = full.items.size();
    for (size_t i = 0; i < full.items.size(); ++i) {
      cumulative += std::exp(static_cast<double>(full.items[i].logit) - max);
      if (cumulative >= p * total) {
        keep = i + 1;
        break;
      }
    }
    full.items.resize(keep);
    EXPECT_EQ(Ids(c), Ids(full)) << "p = " << p;
  }
}

TEST(MinPStep, KeepsTokensAtLeastPTimesTheMostLikely) {
  const auto logits = LogitsFromProbabilities({0.05, 0.5, 0.15, 0.3});
  Candidates c;
  c.Reset(logits);
  MinPStep(0.2f).Apply(c);  // threshold 0.1
  EXPECT_EQ(SortedIds(c), (std::vector<int32_t>{1, 2, 3}));
  MinPStep(0.5f).Apply(c);  // threshold 0.25
  EXPECT_EQ(SortedIds(c), (std::vector<int32_t>{1, 3}));
  MinPStep(1.0f).Apply(c);
  EXPECT_EQ(SortedIds(c), (std::vector<int32_t>{1}));
}

TEST(TemperatureStep, ScalesLogits) {
  const std::vector<float> logits = {1.0f, -2.0f};
  Candidates c;
  c.Reset(logits);
  TemperatureStep(0.5f).Apply(c);
  EXPECT_FLOAT_EQ(c.items[0].logit, 2.0f);
  EXPECT_FLOAT_EQ(c.items[1].logit, -4.0f);
}

TEST(DrawCandidate, InvertsTheCumulativeDistribution) {
  const auto logits = LogitsFromProbabilities({0.25, 0.5, 0.25});
  Candidates c;
  c.Reset(logits);
  EXPECT_EQ(DrawCandidate(c, 0.0), 0);
  EXPECT_EQ(DrawCandidate(c, 0.24), 0);
  EXPECT_EQ(DrawCandidate(c, 0.26), 1);
  EXPECT_EQ(DrawCandidate(c, 0.74), 1);
  EXPECT_EQ(DrawCandidate(c, 0.76), 2);
  EXPECT_EQ(DrawCandidate(c, 0.999999), 2);
}

}  // namespace
}  // namespace citadel::engine
