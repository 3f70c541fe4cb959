// The scheduler's plans, without a model: chunked prefill under the token budget, decode tokens
// before prefill chunks, admission by priority then arrival, and preemption of the last-served
// sequence when KV blocks run out (it comes back later with its generated tokens).

#include "engine/scheduler.h"

#include <gtest/gtest.h>

namespace citadel::engine {
namespace {

std::vector<int32_t> Prompt(int n, int32_t salt) {
  std::vector<int32_t> v(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) v[static_cast<size_t>(i)] = (salt * 31 + i * 7) % 97 + 1;
  return v;
}

// Runs the plan as the engine would: commit, then append a token to every sequence that got logits.
void Execute(Scheduler& s, const StepPlan& plan, int32_t token = 5) {
  s.Completed(plan);
  for (const StepEntry& e : plan.entries) {
    if (e.wants_logits) s.Append(e.id, token);
  }
}

TEST(Scheduler, ChunksALongPromptUnderTheTokenBudget) {
  KvManager kv(64, 4, "m");
  Scheduler s(kv, {.max_batch_tokens = 8, .max_running = 4});
  s.Add(1, Prompt(20, 1), 0);
  std::vector<int> chunks;
  for (int step = 0; step < 3; ++step) {
    const StepPlan plan = s.Plan();
    ASSERT_EQ(plan.entries.size(), 1u);
    chunks.push_back(plan.entries[0].count);
    EXPECT_EQ(plan.entries[0].wants_logits, step == 2);
    Execute(s, plan);
  }
  EXPECT_EQ(chunks, (std::vector<int>{8, 8, 4}));
  const StepPlan decode = s.Plan();
  ASSERT_EQ(decode.entries.size(), 1u);
  EXPECT_EQ(decode.entries[0].first, 20);
  EXPECT_EQ(decode.entries[0].count, 1);
  EXPECT_TRUE(decode.entries[0].wants_logits);
}

TEST(Scheduler, DecodesGoFirstAndPrefillsTakeTheRestOfTheBudget) {
  KvManager kv(64, 4, "m");
  Scheduler s(kv, {.max_batch_tokens = 8, .max_running = 4});
  s.Add(1, Prompt(3, 1), 0);
  Execute(s, s.Plan());  // 1 is now decoding
  s.Add(2, Prompt(30, 2), 0);
  const StepPlan plan = s.Plan();
  ASSERT_EQ(plan.entries.size(), 2u);
  EXPECT_EQ(plan.entries[0].id, 1u);
  EXPECT_EQ(plan.entries[0].count, 1);
  EXPECT_EQ(plan.entries[1].id, 2u);
  EXPECT_EQ(plan.entries[1].count, 7) << "the budget of 8 less the decode token";
  EXPECT_FALSE(plan.entries[1].wants_logits);
  EXPECT_EQ(plan.tokens, 8);
}

TEST(Scheduler, AdmitsByPriorityThenArrivalUpToMaxRunning) {
  KvManager kv(64, 4, "m");
  Scheduler s(kv, {.max_batch_tokens = 64, .max_running = 2});
  s.Add(1, Prompt(4, 1), 0);
  s.Add(2, Prompt(4, 2), 5);
  s.Add(3, Prompt(4, 3), 0);
  s.Add(4, Prompt(4, 4), 5);
  const StepPlan plan = s.Plan();
  ASSERT_EQ(plan.entries.size(), 2u);
  EXPECT_EQ(plan.entries[0].id, 2u);
  EXPECT_EQ(plan.entries[1].id, 4u);
  EXPECT_EQ(s.running(), 2);
  EXPECT_EQ(s.waiting(), 2);
  Execute(s, plan);
  s.Remove(2);
  const StepPlan next = s.Plan();
  ASSERT_EQ(next.entries.size(), 2u);
  EXPECT_EQ(next.entries[0].id, 4u) << "decode of the running one first";
  EXPECT_EQ(next.entries[1].id, 1u) << "then the earliest arrival of priority 0";
}

TEST(Scheduler, WaitsForBlocksInArrivalOrder) {
  KvManager kv(4, 4, "m");  // 16 token slots
  Scheduler s(kv, {.max_batch_tokens = 64, .max_running = 8});
  s.Add(1, Prompt(10, 1), 0);  // 3 blocks
  s.Add(2, Prompt(8, 2), 0);   // 2 blocks: does not fit beside 1
  s.Add(3, Prompt(2, 3), 0);   // 1 block would fit, but must not overtake 2
  const StepPlan plan = s.Plan();
  ASSERT_EQ(plan.entries.size(), 1u);
  EXPECT_EQ(plan.entries[0].id, 1u);
  EXPECT_EQ(s.waiting(), 2);
  Execute(s, plan);
  s.Remove(1);
  const StepPlan next = s.Plan();
  ASSERT_EQ(next.entries.size(), 2u);
  EXPECT_EQ(next.entries[0].id, 2u);
  EXPECT_EQ(next.entries[1].id, 3u);
}

TEST(Scheduler, PreemptsTheLastServedSequenceAndResumesItWithItsTokens) {
  KvManager kv(4, 4, "m");  // 16 token slots
  Scheduler s(kv, {.max_batch_tokens = 64, .max_running = 8});
  s.Add(1, Prompt(7, 1), 0);  // 2 blocks
  s.Add(2, Prompt(7, 2), 0);  // 2 blocks: the pool is now full
  Execute(s, s.Plan(), 11);       // both prefilled, each got token 11 (8 tokens: still 2 blocks)
  Execute(s, s.Plan(), 12);       // both decode token 11; each now has 9 tokens and needs a third block
  const StepPlan plan = s.Plan();
  ASSERT_EQ(plan.preempted, (std::vector<SequenceId>{2}));
  ASSERT_EQ(plan.entries.size(), 1u);
  EXPECT_EQ(plan.entries[0].id, 1u);
  EXPECT_EQ(s.preemptions(), 1u);
  EXPECT_EQ(s.waiting(), 1);
  Execute(s, plan, 13);
  s.Remove(1);
  const StepPlan resumed = s.Plan();
  ASSERT_EQ(resumed.entries.size(), 1u);
  EXPECT_EQ(resumed.entries[0].id, 2u);
  EXPECT_EQ(resumed.entries[0].first + resumed.entries[0].count, 9)
      << "recomputes its prompt and both generated tokens, up to the full blocks found cached";
  EXPECT_TRUE(resumed.entries[0].wants_logits);
  std::vector<int32_t> expected = Prompt(7, 2);
  expected.push_back(11);
  expected.push_back(12);
  const auto tokens = s.Tokens(2);
  EXPECT_EQ(std::vector<int32_t>(tokens.begin(), tokens.end()), expected);
  EXPECT_EQ(s.CachedPromptTokens(2), 0) << "usage reports the first admission's cache hits";
}

TEST(Scheduler, StoredTokensOverAllocatedSlots) {
  KvManager kv(64, 16, "m");
  Scheduler s(kv, {.max_batch_tokens = 512, .max_running = 8});
  for (SequenceId id = 1; id <= 4; ++id) s.Add(id, Prompt(100, static_cast<int32_t>(id)), 0);
  Execute(s, s.Plan());
  EXPECT_EQ(s.StoredTokens(), 400);
  EXPECT_EQ(kv.pool().stats().used, 4 * 7);
}

}  // namespace
}  // namespace citadel::engine
