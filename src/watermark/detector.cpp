#include "watermark/detector.h"

#include <fmt/format.h>

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
  report.scores.reserve(keys.size());
  for (const TenantKey& key : keys) {
    KeyScore score{.tenant = key.tenant(), .key_id = key.key_id(), .scored = report.scored};
    for (const size_t i : positions) {
      const uint64_t seed = ContextSeed(key, settings.scheme, tokens.subspan(i - h, h));
      score.green += IsGreen(seed, tokens[i], green_below) ? 1 : 0;
    }
    score.z = ZScore(score.green, score.scored, settings.gamma);
    score.p_value = score.scored > 0 ? PValue(score.z) : 1.0;
    report.scores.push_back(std::move(score));
  }
  for (size_t k = 0; k < report.scores.size(); ++k) {
    if (report.scores[k].z < threshold) continue;
    if (!report.best || report.scores[k].z > report.scores[*report.best].z) report.best = k;
  }
  return report;
}

std::string DetectionReport::Verdict() const {
  if (!best) return "no watermark found";
  const KeyScore& s = scores[*best];
  return fmt::format("watermarked by tenant {} (key id {})", s.tenant, s.key_id);
}

}  // namespace citadel::watermark
