#include "engine/sampler.h"

#include <cmath>
#include <limits>

#include "engine/penalty_processors.h"
#include "engine/philox.h"

namespace citadel::engine {

int32_t Argmax(std::span<const float> logits) {
  int32_t best = 0;
  float best_logit = -std::numeric_limits<float>::infinity();
  for (size_t i = 0; i < logits.size(); ++i) {
    if (logits[i] > best_logit) {  // strict: an equal later logit does not replace the earlier id
      best_logit = logits[i];
      best = static_cast<int32_t>(i);
    }
  }
  return best;
}

Result<Sampler> Sampler::Create(const SamplingParams& params, int32_t vocab_size, uint64_t seed_if_unset,
                                uint32_t stream) {
  CITADEL_RETURN_IF_ERROR(params.Validate(vocab_size));
  Sampler sampler;
  sampler.vocab_size_ = vocab_size;
  sampler.seed_ = params.seed.value_or(seed_if_unset);
  sampler.stream_ = stream;
  sampler.greedy_ = params.temperature < kGreedyTemperature;
  sampler.logprobs_ = params.logprobs;
  sampler.top_logprobs_ = static_cast<size_t>(params.top_logprobs);

  // Bias first: a request that bans a token (-100) bans it whatever the penalties do afterwards.
  if (!params.logit_bias.empty()) {
    sampler.processors_.push_back(std::make_unique<LogitBiasProcessor>(params.logit_bias));
  }
  if (params.repetition_penalty != 1.0f) {
    sampler.processors_.push_back(std::make_unique<RepetitionPenalty>(params.repetition_penalty));
  }
  if (params.presence_penalty != 0.0f || params.frequency_penalty != 0.0f) {
    sampler.processors_.push_back(
        std::make_unique<PresenceFrequencyPenalty>(params.presence_penalty, params.frequency_penalty));
  }
  // Temperature before truncation (HF / vLLM order): top-p and min-p see the distribution the
  // token is actually drawn from.
  if (!sampler.greedy_) {
    if (params.temperature != 1.0f) sampler.steps_.push_back(std::make_unique<TemperatureStep>(params.temperature));
    if (params.top_k > 0) sampler.steps_.push_back(std::make_unique<TopKStep>(params.top_k));
    if (params.top_p < 1.0f) sampler.steps_.push_back(std::make_unique<TopPStep>(params.top_p));
    if (params.min_p > 0.0f) sampler.steps_.push_back(std::make_unique<MinPStep>(params.min_p));
  }
  return sampler;
}

void Sampler::AddProcessor(std::unique_ptr<LogitsProcessor> processor) {
  processors_.push_back(std::move(processor));
}

SampledToken Sampler::Sample(std::span<float> logits, const SequenceView& context, SamplerWorkspace& workspace) {
  CITADEL_CHECK(logits.size() == static_cast<size_t>(vocab_size_));
  for (auto& processor : processors_) processor->Process(logits, context);

  SampledToken result;
  Candidates& candidates = workspace.candidates;
  if (greedy_) {
    result.token = Argmax(logits);
  } else {
    candidates.Reset(logits);
    if (candidates.items.empty()) {
      // Every token was banned by a processor: fall back to the deterministic argmax rather than
      // fail the request mid-stream.
      result.token = Argmax(logits);
    } else {
      for (auto& step : steps_) step->Apply(candidates);
      result.token = DrawCandidate(candidates, UniformForStep(seed_, context.generated.size(), stream_));
    }
  }

  if (logprobs_) {
    const double log_sum_exp = LogSumExp(logits);
    constexpr float kMinusInf = -std::numeric_limits<float>::infinity();
    if (log_sum_exp == kMinusInf) {
      // Only a plug-in can ban every token; argmax then picked id 0. Report it as impossible
      // rather than the NaN that -inf - -inf would give, and list no alternatives.
      result.logprob = kMinusInf;
    } else {
      result.logprob = static_cast<float>(logits[static_cast<size_t>(result.token)] - log_sum_exp);
      result.top_count = TopLogprobs(logits, log_sum_exp, std::span(result.top.data(), top_logprobs_));
    }
  }
  return result;
}

}  // namespace citadel::engine
