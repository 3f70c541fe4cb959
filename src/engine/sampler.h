#pragma once
// One request's sampler: logits processors over the full row (logit bias, penalties, then any
// plug-ins), then candidate steps (temperature, top-k, top-p, min-p), then the draw.
//
// Reproducibility: the uniform number for the token at step k (k = tokens generated so far) is
// Philox4x32-10 keyed by the request's seed with counter k (engine/philox.h). The sampler keeps no
// RNG state, so a request's tokens depend only on its seed and its own logits — not on the batch
// it shares, nor the order the engine samples requests in, nor on retries of a step.

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "core/result.h"
#include "engine/candidate_steps.h"
#include "engine/logits_processor.h"
#include "engine/logprobs.h"
#include "engine/sampling_params.h"

namespace citadel::engine {

// Temperatures below this are greedy: 1/T would make exp() overflow-prone, and the draw is argmax
// with probability ~1 anyway (vLLM uses the same cut-off).
inline constexpr float kGreedyTemperature = 1e-5f;

// Scratch sized by the vocabulary. One per engine thread, shared by every request it samples, so
// memory does not grow with the number of running requests.
struct SamplerWorkspace {
  Candidates candidates;
};

struct SampledToken {
  int32_t token = -1;
  float logprob = 0.0f;  // of token; set when the request asked for logprobs
  std::array<TokenLogprob, kMaxTopLogprobs> top{};
  size_t top_count = 0;

  std::span<const TokenLogprob> top_logprobs() const { return {top.data(), top_count}; }
};

// Owned by one request and called from the engine thread only; not thread-safe.
class Sampler {
 public:
  // Validates params. seed_if_unset is used when params.seed is empty (the engine supplies it from
  // its entropy source, and can report it back so the output can be reproduced). stream tells
  // apart sequences that share the seed: the choice index of an n > 1 request.
  static Result<Sampler> Create(const SamplingParams& params, int32_t vocab_size, uint64_t seed_if_unset,
                                uint32_t stream = 0);

  // Appends a processor after the built-in ones (watermarking, constrained output).
  void AddProcessor(std::unique_ptr<LogitsProcessor> processor);

  // Samples the token at step context.generated.size(). logits (vocab_size entries) is rewritten
  // by the processors. Allocates nothing once workspace has grown to the vocabulary.
  SampledToken Sample(std::span<float> logits, const SequenceView& context, SamplerWorkspace& workspace);

  uint64_t seed() const { return seed_; }
  uint32_t stream() const { return stream_; }
  bool greedy() const { return greedy_; }

 private:
  Sampler() = default;

  std::vector<std::unique_ptr<LogitsProcessor>> processors_;
  std::vector<std::unique_ptr<CandidateStep>> steps_;
  int32_t vocab_size_ = 0;
  uint64_t seed_ = 0;
  uint32_t stream_ = 0;
  bool greedy_ = false;
  bool logprobs_ = false;
  size_t top_logprobs_ = 0;
};

// Argmax with ties broken towards the lowest id; NaN never wins.
int32_t Argmax(std::span<const float> logits);

}  // namespace citadel::engine
