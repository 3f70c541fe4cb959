#pragma once
// The second half of the sampler chain: after the logits processors have rewritten the full row,
// the tokens still in the draw become Candidates and pass through small CandidateSteps
// (temperature, top-k, top-p, min-p) before the draw. Same shape as llama.cpp's sampler chain,
// but a step sees only the candidates, so top-k and top-p never sort the whole vocabulary.

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace citadel::engine {

struct Candidate {
  int32_t id;
  float logit;  // temperature-scaled once TemperatureStep has run
};

// Orders candidates by descending logit, ties by ascending id, so every ordering is deterministic.
inline bool Ahead(const Candidate& a, const Candidate& b) {
  return a.logit > b.logit || (a.logit == b.logit && a.id < b.id);
}

struct Candidates {
  std::vector<Candidate> items;  // storage reused across tokens; clear() keeps its capacity
  bool sorted = false;           // items are in Ahead() order

  // Loads every token whose logit is finite (a processor bans a token with -infinity).
  void Reset(std::span<const float> logits);
  float MaxLogit() const;
};

class CandidateStep {
 public:
  virtual ~CandidateStep() = default;
  virtual void Apply(Candidates& candidates) = 0;
};

class TemperatureStep final : public CandidateStep {
 public:
  explicit TemperatureStep(float temperature) : inverse_(1.0f / temperature) {}
  void Apply(Candidates& candidates) override;

 private:
  float inverse_;
};

// Keeps the k most likely candidates (nth_element, then a sort of those k only).
class TopKStep final : public CandidateStep {
 public:
  explicit TopKStep(int32_t k) : k_(static_cast<size_t>(k)) {}
  void Apply(Candidates& candidates) override;

 private:
  size_t k_;
};

// Keeps the minimal prefix of the sorted candidates whose probability mass reaches p. Sorts
// lazily: a growing prefix is selected with nth_element until it holds the nucleus, so a peaked
// distribution costs O(n) instead of a full O(n log n) sort of the vocabulary.
class TopPStep final : public CandidateStep {
 public:
  explicit TopPStep(float p) : p_(p) {}
  void Apply(Candidates& candidates) override;

 private:
  double p_;
};

// Keeps candidates whose probability is at least p times the largest one, i.e. whose logit is
// at least max + ln(p); no normalization or sorting needed.
class MinPStep final : public CandidateStep {
 public:
  explicit MinPStep(float p);
  void Apply(Candidates& candidates) override;

 private:
  float log_p_;
};

// Inverse-CDF draw over softmax(candidates) with u in [0, 1). Candidates must not be empty.
int32_t DrawCandidate(const Candidates& candidates, double u);

}  // namespace citadel::engine
