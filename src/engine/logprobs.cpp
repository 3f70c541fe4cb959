#include "engine/logprobs.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace citadel::engine {

double LogSumExp(std::span<const float> logits) {
  float max = -std::numeric_limits<float>::infinity();
  for (float x : logits) max = std::max(max, x);
  if (max == -std::numeric_limits<float>::infinity()) return max;
  double total = 0.0;
  for (float x : logits) total += std::exp(static_cast<double>(x) - max);
  return max + std::log(total);
}

size_t TopLogprobs(std::span<const float> logits, double log_sum_exp, std::span<TokenLogprob> out) {
  // out[0, count) holds the best so far in descending order; a token enters only if it beats the
  // current last, which for a long vocabulary is rare, so the pass is O(V) in practice.
  size_t count = 0;
  for (size_t i = 0; i < logits.size() && !out.empty(); ++i) {
    const float x = logits[i];
    if (std::isnan(x)) continue;
    if (count == out.size() && !(x > out[count - 1].logprob)) continue;
    size_t pos = count < out.size() ? count++ : count - 1;
    // Strictly greater moves up, so equal logits keep ascending id order.
    while (pos > 0 && x > out[pos - 1].logprob) {
      out[pos] = out[pos - 1];
      --pos;
    }
    out[pos] = {static_cast<int32_t>(i), x};
  }
  for (size_t i = 0; i < count; ++i) {
    out[i].logprob = static_cast<float>(static_cast<double>(out[i].logprob) - log_sum_exp);
  }
  return count;
}

}  // namespace citadel::engine
