#include "engine/scheduler.h"

#include <algorithm>

#include "core/check.h"

namespace citadel::engine {

Scheduler::Scheduler(KvManager& kv, SchedulerLimits limits) : kv_(kv), limits_(limits) {
  CITADEL_CHECK(limits.max_batch_tokens > 0 && limits.max_running > 0);
}

void Scheduler::Add(SequenceId id, std::vector<int32_t> prompt, int priority) {
  CITADEL_CHECK_MSG(!prompt.empty(), "Scheduler::Add with an empty prompt");
  Sequence seq{std::move(prompt), priority, next_arrival_++};
  const auto [it, inserted] = sequences_.emplace(id, std::move(seq));
  CITADEL_CHECK_MSG(inserted, "Scheduler::Add with an id in use");
  waiting_.emplace(KeyOf(it->second), id);
}

void Scheduler::Remove(SequenceId id) {
  const auto it = sequences_.find(id);
  if (it == sequences_.end()) return;
  if (it->second.running) {
    running_.erase(KeyOf(it->second));
    kv_.End(id);
  } else {
    waiting_.erase(KeyOf(it->second));
  }
  sequences_.erase(it);
}

void Scheduler::Preempt(SequenceId id) {
  Sequence& seq = sequences_.at(id);
  kv_.End(id);
  running_.erase(KeyOf(seq));
  seq.running = false;
  seq.computed = 0;
  waiting_.emplace(KeyOf(seq), id);
  ++preemptions_;
}

bool Scheduler::Admit(SequenceId id) {
  Sequence& seq = sequences_.at(id);
  auto cached = kv_.Begin(id, seq.tokens);
  if (!cached) return false;
  seq.computed = *cached;
  if (seq.cached_prompt < 0) seq.cached_prompt = *cached;
  seq.running = true;
  waiting_.erase(KeyOf(seq));
  running_.emplace(KeyOf(seq), id);
  return true;
}

StepPlan Scheduler::Plan() {
  StepPlan plan;
  // Every running sequence needs K/V room for all its known tokens. Reserving walks the running
  // sequences in order of service, so a victim is always served after the one that needs room.
  std::vector<SequenceId> order;
  for (const auto& [key, id] : running_) order.push_back(id);
  for (const SequenceId id : order) {
    Sequence& seq = sequences_.at(id);
    if (!seq.running) continue;  // preempted for an earlier one in this loop
    while (!kv_.Reserve(id, static_cast<int>(seq.tokens.size()))) {
      const SequenceId victim = std::prev(running_.end())->second;
      Preempt(victim);
      plan.preempted.push_back(victim);
      if (victim == id) break;
    }
  }

  int budget = limits_.max_batch_tokens;
  const auto schedule = [&](SequenceId id, Sequence& seq) {
    const int remaining = static_cast<int>(seq.tokens.size()) - seq.computed;
    const int count = std::min(remaining, budget);
    if (count <= 0) return;
    plan.entries.push_back({id, seq.computed, count, count == remaining});
    budget -= count;
  };
  // Decode tokens first (one each, the latency of every running stream), then prefill chunks.
  for (const bool decode : {true, false}) {
    for (const auto& [key, id] : running_) {
      Sequence& seq = sequences_.at(id);
      if ((static_cast<int>(seq.tokens.size()) - seq.computed == 1) == decode) schedule(id, seq);
    }
  }
  // Admitting right after preempting would only hand the freed blocks back and forth.
  if (plan.preempted.empty()) {
    while (budget > 0 && !waiting_.empty() && static_cast<int>(running_.size()) < limits_.max_running) {
      const SequenceId id = waiting_.begin()->second;
      if (!Admit(id)) break;  // FCFS: later arrivals do not overtake one that waits for blocks
      schedule(id, sequences_.at(id));
    }
  }
  for (const StepEntry& e : plan.entries) plan.tokens += e.count;
  return plan;
}

void Scheduler::Completed(const StepPlan& plan) {
  for (const StepEntry& e : plan.entries) {
    Sequence& seq = sequences_.at(e.id);
    CITADEL_CHECK(seq.running && e.first == seq.computed);
    kv_.Commit(e.id, std::span<const int32_t>(seq.tokens).subspan(static_cast<size_t>(e.first), static_cast<size_t>(e.count)));
    seq.computed += e.count;
  }
}

void Scheduler::Append(SequenceId id, int32_t token) {
  Sequence& seq = sequences_.at(id);
  CITADEL_CHECK_MSG(seq.computed == static_cast<int>(seq.tokens.size()), "Append before the sequence's logits");
  seq.tokens.push_back(token);
}

std::span<const int32_t> Scheduler::Tokens(SequenceId id) const { return sequences_.at(id).tokens; }

int Scheduler::CachedPromptTokens(SequenceId id) const { return sequences_.at(id).cached_prompt; }

int64_t Scheduler::StoredTokens() const {
  int64_t stored = 0;
  for (const auto& [key, id] : running_) stored += sequences_.at(id).computed;
  return stored;
}

}  // namespace citadel::engine
