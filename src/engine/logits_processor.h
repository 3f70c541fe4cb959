#pragma once
// The plug-in point of the sampler: a LogitsProcessor rewrites the full logits row of one sequence
// before candidates are chosen (bias, penalties, and later watermarking and constrained output).
// One instance belongs to one request, so it may keep per-request scratch buffers; it is called
// once per generated token from the engine thread.

#include <cstdint>
#include <span>

namespace citadel::engine {

// The tokens a sequence has seen so far. Both spans stay valid only for the duration of a call.
struct SequenceView {
  std::span<const int32_t> prompt;
  std::span<const int32_t> generated;  // generated.size() is the index of the token being sampled
};

class LogitsProcessor {
 public:
  virtual ~LogitsProcessor() = default;
  // Rewrites logits in place (logits.size() == vocabulary size). Setting a logit to -infinity
  // removes the token from the draw; it must not allocate in steady state.
  virtual void Process(std::span<float> logits, const SequenceView& context) = 0;
};

}  // namespace citadel::engine
