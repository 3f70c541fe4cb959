// Checks "nothing allocated per token in steady state" by counting every operator new in this
// test binary while a warmed-up sampler runs. Not built under AddressSanitizer, which replaces the
// allocator itself (and whose own allocations would be counted).
#if !defined(__SANITIZE_ADDRESS__)

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <new>
#include <vector>

#include "engine/sampler.h"
#include "testing/random.h"

namespace {
std::atomic<long> g_allocations{0};
}  // namespace

void* operator new(std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace citadel::engine {
namespace {

TEST(SamplerAllocation, SteadyStateSamplingAllocatesNothing) {
  CITADEL_SEEDED_RNG(rng);
  constexpr int32_t kVocab = 4096;
  constexpr size_t kSteps = 64;
  constexpr size_t kMeasured = 256;
  // Every built-in processor and candidate step on, plus logprobs.
  const SamplingParams params{.temperature = 0.9f,
                              .top_k = 200,
                              .top_p = 0.95f,
                              .min_p = 0.02f,
                              .repetition_penalty = 1.1f,
                              .presence_penalty = 0.3f,
                              .frequency_penalty = 0.2f,
                              .logit_bias = {{7, -100.0f}},
                              .logprobs = true,
                              .top_logprobs = 5};
  auto created = Sampler::Create(params, kVocab, citadel_seed_);
  ASSERT_TRUE(created);
  Sampler sampler = std::move(created).value();
  const std::vector<int32_t> prompt = {1, 2, 3, 5, 8, 13, 21};
  std::vector<int32_t> generated;
  generated.reserve(kSteps + kMeasured);  // the engine's sequence storage, not the sampler's
  const std::vector<float> base = testing::RandomFloats(rng, kVocab, 3.0f);
  std::vector<float> logits(base.size());
  SamplerWorkspace workspace;

  auto step = [&] {
    std::copy(base.begin(), base.end(), logits.begin());
    generated.push_back(sampler.Sample(logits, {prompt, generated}, workspace).token);
  };
  // Warm-up grows the workspace to the vocabulary.
  for (size_t i = 0; i < kSteps; ++i) step();
  const long before = g_allocations.load();
  for (size_t i = 0; i < kMeasured; ++i) step();
  // Only the penalties' scratch (a copy of the generated tokens) still grows with the sequence,
  // doubling its capacity: 2 processors x 3 doublings from 64 to 320 tokens. Anything allocated per
  // token would count at least kMeasured.
  EXPECT_LE(g_allocations.load() - before, 6);

  // With the sequence's length fixed (a retried step), nothing is allocated at all.
  generated.pop_back();
  const long steady = g_allocations.load();
  for (size_t i = 0; i < 16; ++i) {
    std::copy(base.begin(), base.end(), logits.begin());
    sampler.Sample(logits, {prompt, generated}, workspace);
  }
  EXPECT_EQ(g_allocations.load() - steady, 0);
}

}  // namespace
}  // namespace citadel::engine

#endif  // !__SANITIZE_ADDRESS__
