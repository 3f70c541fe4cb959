#include "engine/penalty_processors.h"

#include <algorithm>

namespace citadel::engine {
namespace {

// Copies tokens into scratch and sorts them. The capacity is kept and grown geometrically
// (assign() alone would reallocate to the exact size on every token of a growing sequence), so a
// sequence reallocates only O(log n) times over its whole life.
void SortInto(std::span<const int32_t> tokens, std::vector<int32_t>& scratch) {
  if (tokens.size() > scratch.capacity()) scratch.reserve(std::max(tokens.size(), 2 * scratch.capacity()));
  scratch.assign(tokens.begin(), tokens.end());
  std::sort(scratch.begin(), scratch.end());
}

}  // namespace

LogitBiasProcessor::LogitBiasProcessor(const std::map<int32_t, float>& bias)
    : bias_(bias.begin(), bias.end()) {}

void LogitBiasProcessor::Process(std::span<float> logits, const SequenceView& /*context*/) {
  for (const auto& [id, bias] : bias_) logits[static_cast<size_t>(id)] += bias;
}

PresenceFrequencyPenalty::PresenceFrequencyPenalty(float presence, float frequency)
    : presence_(presence), frequency_(frequency) {}

void PresenceFrequencyPenalty::Process(std::span<float> logits, const SequenceView& context) {
  SortInto(context.generated, sorted_);
  for (size_t i = 0; i < sorted_.size();) {
    size_t end = i + 1;
    while (end < sorted_.size() && sorted_[end] == sorted_[i]) ++end;
    // One subtraction of count * frequency (not count subtractions), so the result does not
    // depend on rounding order.
    const auto count = static_cast<float>(end - i);
    logits[static_cast<size_t>(sorted_[i])] -= count * frequency_ + presence_;
    i = end;
  }
}

RepetitionPenalty::RepetitionPenalty(float penalty) : penalty_(penalty) {}

void RepetitionPenalty::Process(std::span<float> logits, const SequenceView& context) {
  if (!prompt_ready_) {
    SortInto(context.prompt, prompt_distinct_);
    prompt_distinct_.erase(std::unique(prompt_distinct_.begin(), prompt_distinct_.end()),
                           prompt_distinct_.end());
    prompt_ready_ = true;
  }
  for (int32_t id : prompt_distinct_) Penalize(logits[static_cast<size_t>(id)]);
  SortInto(context.generated, generated_sorted_);
  for (size_t i = 0; i < generated_sorted_.size(); ++i) {
    const int32_t id = generated_sorted_[i];
    if (i > 0 && generated_sorted_[i - 1] == id) continue;
    if (std::binary_search(prompt_distinct_.begin(), prompt_distinct_.end(), id)) continue;
    Penalize(logits[static_cast<size_t>(id)]);
  }
}

}  // namespace citadel::engine
