#include "watermark/detector.h"

#include <fmt/format.h>

#include <boost/math/special_functions/beta.hpp>

#include <algorithm>
#include <cmath>
#include <unordered_set>

#include "watermark/green_list.h"

namespace citadel::watermark {
namespace {

// Hashes and compares the n-gram tokens[i-h..i] in place, without copying it.
struct NGramRef {
  const int32_t* begin;
  size_t length;
  bool operator==(const NGramRef& other) const {
    return length == other.length && std::equal(begin, begin + length, other.begin);
  }
};
struct NGramHash {
  size_t operator()(const NGramRef& g) const {
    uint64_t h = 0xcbf29ce484222325ull;  // FNV-1a over the ids: not keyed, only bucketing
    for (size_t i = 0; i < g.length; ++i) {
      h ^= static_cast<uint32_t>(g.begin[i]);
      h *= 0x100000001b3ull;
    }
    return static_cast<size_t>(h ^ (h >> 29));
  }
};

}  // namespace

double ZScore(int64_t green, int64_t scored, double gamma) {
  if (scored <= 0) return 0.0;
  const double t = static_cast<double>(scored);
  return (static_cast<double>(green) - gamma * t) / std::sqrt(t * gamma * (1.0 - gamma));
}

double PValue(double z) { return 0.5 * std::erfc(z / std::sqrt(2.0)); }

double BinomialTail(int64_t green, int64_t scored, double gamma) {
  if (green <= 0) return 1.0;
  if (green > scored) return 0.0;
  // P(X >= k) for X ~ Binomial(n, p) is the regularized incomplete beta I_p(k, n - k + 1).
  return boost::math::ibeta(static_cast<double>(green), static_cast<double>(scored - green + 1), gamma);
}

std::vector<size_t> DistinctScoredPositions(std::span<const int32_t> tokens, int context_width) {
  const size_t h = static_cast<size_t>(context_width);
  std::vector<size_t> positions;
  if (tokens.size() <= h) return positions;
  std::unordered_set<NGramRef, NGramHash> seen;
  seen.reserve(tokens.size());
  for (size_t i = h; i < tokens.size(); ++i) {
    if (seen.insert(NGramRef{tokens.data() + i - h, h + 1}).second) positions.push_back(i);
  }
  return positions;
}

DetectionReport Detect(std::span<const int32_t> tokens, std::span<const TenantKey> keys,
                       const WatermarkSettings& settings, double threshold) {
  const Result<void> valid = settings.Validate();
  CITADEL_CHECK_MSG(valid.has_value(), "watermark settings must be validated before use");
  const size_t h = static_cast<size_t>(settings.context_width);
  const std::vector<size_t> positions = DistinctScoredPositions(tokens, settings.context_width);
  const uint64_t green_below = GreenThreshold(settings.gamma);

  DetectionReport report;
  report.tokens = static_cast<int64_t>(tokens.size());
  report.scored = static_cast<int64_t>(positions.size());
  report.repeated = tokens.size() > h ? static_cast<int64_t>(tokens.size() - h) - report.scored : 0;
  report.threshold = threshold;
  report.p_threshold = PValue(threshold);
  report.scores.reserve(keys.size());
  // Distinct windows always give distinct seeds under kPrevious (SipHash of the whole window), but
  // not under kMinHash, where only the minimising token counts: there the coin itself, Mix(seed,
  // token), is what must not be counted twice.
  const bool same_coin_possible = settings.scheme == Scheme::kMinHash && h > 1;
  std::unordered_set<uint64_t> coins;
  for (const TenantKey& key : keys) {
    KeyScore score{.tenant = key.tenant(), .key_id = key.key_id()};
    coins.clear();
    for (const size_t i : positions) {
      const uint64_t seed = ContextSeed(key, settings.scheme, tokens.subspan(i - h, h));
      const uint64_t coin = Mix(seed, static_cast<uint32_t>(tokens[i]));
      if (same_coin_possible && !coins.insert(coin).second) continue;
      ++score.scored;
      score.green += coin < green_below ? 1 : 0;
    }
    score.z = ZScore(score.green, score.scored, settings.gamma);
    score.p_value = BinomialTail(score.green, score.scored, settings.gamma);
    report.scores.push_back(std::move(score));
  }
  for (size_t k = 0; k < report.scores.size(); ++k) {
    const KeyScore& s = report.scores[k];
    if (s.scored == 0 || s.p_value > report.p_threshold) continue;
    const bool better = !report.best || s.p_value < report.scores[*report.best].p_value ||
                        (s.p_value == report.scores[*report.best].p_value && s.z > report.scores[*report.best].z);
    if (better) report.best = k;
  }
  return report;
}

std::string DetectionReport::Verdict() const {
  if (!best) return "no watermark found";
  const KeyScore& s = scores[*best];
  return fmt::format("watermarked by tenant {} (key id {})", s.tenant, s.key_id);
}

}  // namespace citadel::watermark
