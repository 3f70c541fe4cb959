#include "engine/candidate_steps.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/check.h"

namespace citadel::engine {
namespace {

// Sum of exp(logit - max) over items, in double so that 150k small terms do not lose the tail.
double SumExp(std::span<const Candidate> items, float max) {
  double total = 0.0;
  for (const Candidate& c : items) total += std::exp(static_cast<double>(c.logit) - max);
  return total;
}

}  // namespace

void Candidates::Reset(std::span<const float> logits) {
  items.clear();
  for (size_t i = 0; i < logits.size(); ++i) {
    // The comparison also drops NaN, which a broken model row could contain.
    if (logits[i] > -std::numeric_limits<float>::infinity()) {
      items.push_back({static_cast<int32_t>(i), logits[i]});
    }
  }
  sorted = false;
}

float Candidates::MaxLogit() const {
  if (sorted) return items.front().logit;
  float max = -std::numeric_limits<float>::infinity();
  for (const Candidate& c : items) max = std::max(max, c.logit);
  return max;
}

void TemperatureStep::Apply(Candidates& candidates) {
  // Scaling by a positive factor keeps the order, so a sorted list stays sorted.
  for (Candidate& c : candidates.items) c.logit *= inverse_;
}

void TopKStep::Apply(Candidates& candidates) {
  auto& items = candidates.items;
  if (k_ == 0 || k_ >= items.size()) return;
  if (!candidates.sorted) {
    std::nth_element(items.begin(), items.begin() + static_cast<ptrdiff_t>(k_), items.end(), Ahead);
    items.resize(k_);
    std::sort(items.begin(), items.end(), Ahead);
    candidates.sorted = true;
  } else {
    items.resize(k_);
  }
}

void TopPStep::Apply(Candidates& candidates) {
  auto& items = candidates.items;
  if (p_ >= 1.0 || items.size() <= 1) return;
  const float max = candidates.MaxLogit();
  const double target = p_ * SumExp(items, max);
  constexpr size_t kFirstPrefix = 64;
  size_t sorted_count = candidates.sorted ? items.size() : 0;
  size_t prefix = std::min(items.size(), kFirstPrefix);
  double cumulative = 0.0;
  size_t i = 0;
  for (;;) {
    if (prefix > sorted_count) {
      const auto first = items.begin() + static_cast<ptrdiff_t>(sorted_count);
      const auto last = items.begin() + static_cast<ptrdiff_t>(prefix);
      if (last != items.end()) std::nth_element(first, last, items.end(), Ahead);
      std::sort(first, last, Ahead);
      sorted_count = prefix;
    }
    for (; i < prefix; ++i) {
      cumulative += std::exp(static_cast<double>(items[i].logit) - max);
      if (cumulative >= target) {
        items.resize(i + 1);
        candidates.sorted = true;
        return;
      }
    }
    if (prefix == items.size()) break;
    prefix = std::min(items.size(), prefix * 4);
  }
  // Rounding kept the sum just below target: the nucleus is everything.
  candidates.sorted = true;
}

MinPStep::MinPStep(float p) : log_p_(std::log(p)) {}

void MinPStep::Apply(Candidates& candidates) {
  auto& items = candidates.items;
  if (items.empty()) return;
  const float threshold = candidates.MaxLogit() + log_p_;
  // remove_if keeps the relative order, so a sorted list stays sorted.
  items.erase(std::remove_if(items.begin(), items.end(),
                             [threshold](const Candidate& c) { return c.logit < threshold; }),
              items.end());
}

int32_t DrawCandidate(const Candidates& candidates, double u) {
  const auto& items = candidates.items;
  CITADEL_CHECK(!items.empty());
  const float max = candidates.MaxLogit();
  const double target = u * SumExp(items, max);
  double cumulative = 0.0;
  int32_t last_possible = items.front().id;
  for (const Candidate& c : items) {
    const double weight = std::exp(static_cast<double>(c.logit) - max);
    cumulative += weight;
    if (weight > 0.0) last_possible = c.id;
    if (cumulative > target) return c.id;
  }
  // u * total rounded up to the full sum: take the last token that has any weight at all, never
  // one whose probability underflowed to zero.
  return last_possible;
}

}  // namespace citadel::engine
