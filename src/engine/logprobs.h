#pragma once
// Log-probabilities as the API reports them. We take log-softmax of the logits after the logits
// processors (bias, penalties, plug-ins) and before temperature and truncation: the distribution
// the model and the request's own adjustments define, independent of how the token was then drawn.
// So the logprobs of a greedy request equal those of a sampled one, and a token banned with
// logit_bias -100 shows as (nearly) impossible. This is what OpenAI reports as far as its
// documentation goes (logprobs are not said to depend on temperature or top_p); vLLM's default
// ("raw_logprobs") is taken before the processors instead.

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
