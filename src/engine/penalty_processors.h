#pragma once
// The built-in logits processors: logit bias and the three repetition penalties.

#include <cstdint>
#include <map>
#include <span>
#include <utility>
#include <vector>

#include "engine/logits_processor.h"

namespace citadel::engine {

// logits[id] += bias for each (id, bias). Ids were validated against the vocabulary.
class LogitBiasProcessor final : public LogitsProcessor {
 public:
  explicit LogitBiasProcessor(const std::map<int32_t, float>& bias);
  void Process(std::span<float> logits, const SequenceView& context) override;

 private:
  std::vector<std::pair<int32_t, float>> bias_;
};

// OpenAI semantics over the generated tokens only:
//   logits[t] -= count[t] * frequency + (count[t] > 0) * presence
class PresenceFrequencyPenalty final : public LogitsProcessor {
 public:
  PresenceFrequencyPenalty(float presence, float frequency);
  void Process(std::span<float> logits, const SequenceView& context) override;

 private:
  float presence_;
  float frequency_;
  std::vector<int32_t> sorted_;  // scratch: the generated tokens, sorted to count runs
};

// HF / llama.cpp semantics over prompt + generated, once per distinct token: a positive logit is
// divided by the penalty, a negative one multiplied, so penalty > 1 always makes the token less
// likely. The prompt's distinct tokens are computed on the first call and reused: a processor
// belongs to one request, whose prompt does not change.
class RepetitionPenalty final : public LogitsProcessor {
 public:
  explicit RepetitionPenalty(float penalty);
  void Process(std::span<float> logits, const SequenceView& context) override;

 private:
  void Penalize(float& logit) const { logit = logit > 0.0f ? logit / penalty_ : logit * penalty_; }

  float penalty_;
  bool prompt_ready_ = false;
  std::vector<int32_t> prompt_distinct_;  // sorted, unique
  std::vector<int32_t> generated_sorted_;  // scratch
};

}  // namespace citadel::engine
