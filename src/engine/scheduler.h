#pragma once
// Continuous batching: which tokens of which sequences the next forward pass computes. Each step
// takes, within a per-step token budget, first the decode token of every running sequence, then
// chunks of running prefills, then admits waiting sequences (highest priority first, FCFS within a
// priority) while KV blocks and running slots last, so a long prompt is computed a chunk at a time
// and never stalls the streams already running. When a running sequence cannot get a KV block for
// its next token, the lowest-priority, latest-arrived running sequence is preempted: its blocks go
// back to the pool (its full blocks stay in the prefix cache) and it waits to be recomputed from its
// prompt and the tokens it had generated, which gives the same K/V and so the same output.
//
// The scheduler knows token ids and KV blocks, nothing of models or sampling; the engine runs the
// plan and appends the sampled tokens.

#include <cstdint>
#include <map>
#include <span>
#include <vector>

#include "engine/kv_manager.h"

namespace citadel::engine {

struct SchedulerLimits {
  int max_batch_tokens = 512;  // tokens per step
  int max_running = 64;        // sequences holding KV blocks at once
};

// Tokens [first, first + count) of sequence `id` go into this step's batch at positions first...
// wants_logits: the chunk ends at the sequence's last token, so the step yields its next token.
struct StepEntry {
  SequenceId id = 0;
  int first = 0;
  int count = 0;
  bool wants_logits = false;
};

struct StepPlan {
  std::vector<StepEntry> entries;
  std::vector<SequenceId> preempted;  // sent back to waiting by this plan
  int tokens = 0;
};

class Scheduler {
 public:
  Scheduler(KvManager& kv, SchedulerLimits limits);

  // Queues a sequence whose tokens so far are `prompt`. Ids must be unique among live sequences.
  void Add(SequenceId id, std::vector<int32_t> prompt, int priority);
  // Drops the sequence wherever it is, releasing its KV blocks.
  void Remove(SequenceId id);

  // Plans the next step (possibly preempting and admitting). Empty when nothing can run.
  StepPlan Plan();
  // The step's forward pass wrote the K/V of every entry: records them in the KV manager.
  void Completed(const StepPlan& plan);
  // Appends the token sampled for `id` after a step whose entry for it wanted logits.
  void Append(SequenceId id, int32_t token);

  std::span<const int32_t> Tokens(SequenceId id) const;  // prompt and tokens appended so far
  std::span<const int32_t> BlockTable(SequenceId id) const { return kv_.BlockTable(id); }
  // Prompt tokens served by the prefix cache when the sequence was first admitted; -1 before.
  int CachedPromptTokens(SequenceId id) const;

  bool Contains(SequenceId id) const { return sequences_.contains(id); }
  int waiting() const { return static_cast<int>(sequences_.size() - running_.size()); }
  int running() const { return static_cast<int>(running_.size()); }
  int64_t StoredTokens() const;  // K/V tokens held for running sequences
  uint64_t preemptions() const { return preemptions_; }
  const KvManager& kv() const { return kv_; }

 private:
  struct Sequence {
    std::vector<int32_t> tokens;
    int priority = 0;
    uint64_t arrival = 0;
    int computed = 0;  // tokens whose K/V is in the cache
    bool running = false;
    int cached_prompt = -1;
  };
  // Order of service: higher priority, then earlier arrival.
  struct Key {
    int priority;
    uint64_t arrival;
    bool operator<(const Key& o) const { return priority != o.priority ? priority > o.priority : arrival < o.arrival; }
  };
  Key KeyOf(const Sequence& s) const { return {s.priority, s.arrival}; }
  void Preempt(SequenceId id);
  bool Admit(SequenceId id);

  KvManager& kv_;
  SchedulerLimits limits_;
  std::map<SequenceId, Sequence> sequences_;
  std::map<Key, SequenceId> running_;   // in order of service
  std::map<Key, SequenceId> waiting_;   // in order of service
  uint64_t next_arrival_ = 0;
  uint64_t preemptions_ = 0;
};

}  // namespace citadel::engine
