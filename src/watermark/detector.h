#pragma once
// Detection: score a token sequence under each candidate tenant key with the one-proportion z-test
// of Kirchenbauer et al. Without the watermark each scored token is green with probability gamma,
// so the green count G of T scored tokens has mean gamma*T and variance T*gamma*(1-gamma):
//   z = (G - gamma*T) / sqrt(T * gamma * (1 - gamma)),   p = P(Z >= z) = erfc(z / sqrt 2) / 2.
// Scored tokens: every token after the first h (which have no full context), counting each distinct
// (context window, token) n-gram once, so repeated boilerplate cannot inflate the score.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "watermark/keys.h"
#include "watermark/settings.h"

namespace citadel::watermark {

inline constexpr double kDefaultThreshold = 4.0;

struct KeyScore {
  std::string tenant;
  std::string key_id;
  int64_t scored = 0;  // T
  int64_t green = 0;   // G
  double z = 0.0;
  double p_value = 1.0;
};

struct DetectionReport {
  int64_t tokens = 0;      // length of the input
  int64_t scored = 0;      // distinct (window, token) n-grams after the first h tokens
  int64_t repeated = 0;    // n-grams skipped as repeats
  double threshold = kDefaultThreshold;
  std::vector<KeyScore> scores;  // one per key, in the order given
  std::optional<size_t> best;    // index into scores of the highest z, if it reaches threshold

  bool watermarked() const { return best.has_value(); }
  // "watermarked by tenant X (key id ...)" or "no watermark found".
  std::string Verdict() const;
};

// z and one-sided p for G green of T scored (ZScore is 0 when T == 0; Detect then reports p = 1).
double ZScore(int64_t green, int64_t scored, double gamma);
double PValue(double z);

// The indices i (>= h) of tokens whose (tokens[i-h..i-1], tokens[i]) n-gram occurs for the first
// time. Key-independent, so Detect computes it once for all keys.
std::vector<size_t> DistinctScoredPositions(std::span<const int32_t> tokens, int context_width);

// settings must pass Validate(). Costs one SipHash per scored token and key: 1,000 tokens under
// 100 keys take about a millisecond.
DetectionReport Detect(std::span<const int32_t> tokens, std::span<const TenantKey> keys,
                       const WatermarkSettings& settings, double threshold = kDefaultThreshold);

}  // namespace citadel::watermark
