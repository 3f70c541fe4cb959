#pragma once
// Log-probabilities as the API reports them. We take log-softmax of the logits after the logits
// processors (bias, penalties, plug-ins) and before temperature and truncation: that is the
// distribution the model and the request's own adjustments define, independent of how the token
// was then drawn. It matches OpenAI, whose logprobs do not change with temperature or top_p, and
// makes the logprobs of a greedy request equal those of a sampled one.

#include <cstdint>
#include <span>

namespace citadel::engine {

struct TokenLogprob {
  int32_t token = -1;
  float logprob = 0.0f;
};

// log(sum(exp(logits))), computed around the maximum; -infinity entries contribute nothing.
double LogSumExp(std::span<const float> logits);

// Writes the out.size() most likely tokens (descending, ties by ascending id) and returns how
// many were written (fewer when the vocabulary is smaller). One pass, no allocation.
size_t TopLogprobs(std::span<const float> logits, double log_sum_exp, std::span<TokenLogprob> out);

}  // namespace citadel::engine
