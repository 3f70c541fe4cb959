#pragma once
// Helpers shared by the engine's unit and reference tests: run a set of requests through an engine
// and collect each one's outcome, and the batch-invariance check (alone vs among 31 others).

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "engine/engine.h"

namespace citadel::engine::testing {

using namespace std::chrono_literals;

inline std::vector<int32_t> Prompt(size_t n, int32_t salt) {
  std::vector<int32_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<int32_t>((salt * 131 + static_cast<int32_t>(i) * 17) % 380 + 10);
  return v;
}

struct Outcome {
  std::vector<int32_t> tokens;
  std::string text;
  Finish finish = Finish::kNone;
  Usage usage;
  int events = 0;
};

// Submits every request at once and collects each one's events until all have finished.
inline std::vector<Outcome> RunAll(Engine& engine, std::vector<Request> requests) {
  EventQueue queue;
  std::map<RequestId, size_t> index;
  for (size_t i = 0; i < requests.size(); ++i) {
    auto id = engine.Submit(std::move(requests[i]), queue.Sink());
    CITADEL_CHECK_MSG(id.has_value(), id.error().message.c_str());
    index[*id] = i;
  }
  std::vector<Outcome> out(requests.size());
  size_t done = 0;
  while (done < out.size()) {
    auto event = queue.Pop(60s);
    CITADEL_CHECK_MSG(event.has_value(), "no event within a minute");
    Outcome& o = out[index.at(event->id)];
    o.tokens.insert(o.tokens.end(), event->tokens.begin(), event->tokens.end());
    o.text += event->text;
    ++o.events;
    if (event->finish != Finish::kNone) {
      o.finish = event->finish;
      o.usage = event->usage;
      ++done;
    }
  }
  return out;
}

// 32 requests: prompts of 5..160 tokens, greedy and seeded sampling mixed, different lengths.
inline std::vector<Request> Mixed() {
  std::vector<Request> requests;
  for (int i = 0; i < 32; ++i) {
    Request r;
    r.prompt = Prompt(static_cast<size_t>(5 + (i * 37) % 156), i);
    r.sampling.max_tokens = 8 + i % 9;
    if (i % 2 == 1) {
      r.sampling.temperature = 0.9f;
      r.sampling.top_p = 0.95f;
      r.sampling.seed = 1000 + static_cast<uint64_t>(i);
    } else {
      r.sampling.temperature = 0.0f;
    }
    requests.push_back(std::move(r));
  }
  return requests;
}

inline std::vector<Request> Copy(const std::vector<Request>& requests) {
  std::vector<Request> out;
  for (const Request& r : requests) out.push_back({r.prompt, r.sampling, r.stream, r.priority, r.deadline, r.ignore_end_of_generation, {}});
  return out;
}

inline void ExpectBatchInvariant(const model::Model& model, const tokenizer::Tokenizer& tokenizer,
                                 const EngineOptions& batched) {
  const std::vector<Request> requests = Mixed();
  EngineOptions solo_options{.threads = 2, .kv_type = batched.kv_type};
  auto solo_engine = Engine::Create(model, tokenizer, solo_options);
  ASSERT_TRUE(solo_engine) << solo_engine.error().message;
  std::vector<Outcome> solo;
  for (const Request& r : requests) {
    std::vector<Request> one;
    one.push_back({r.prompt, r.sampling, 0, 0, std::nullopt, false, {}});
    solo.push_back(RunAll(**solo_engine, std::move(one))[0]);
  }
  auto engine = Engine::Create(model, tokenizer, batched);
  ASSERT_TRUE(engine) << engine.error().message;
  const std::vector<Outcome> together = RunAll(**engine, Copy(requests));
  for (size_t i = 0; i < requests.size(); ++i) {
    EXPECT_EQ(together[i].tokens, solo[i].tokens) << "request " << i;
    EXPECT_EQ(together[i].text, solo[i].text) << "request " << i;
    EXPECT_EQ(together[i].finish, solo[i].finish) << "request " << i;
    EXPECT_EQ(together[i].usage.completion_tokens, static_cast<int>(together[i].tokens.size()));
    EXPECT_EQ(together[i].usage.prompt_tokens, static_cast<int>(requests[i].prompt.size()));
  }
  const EngineStats stats = (*engine)->Stats();
  EXPECT_EQ(stats.kv_blocks_used, 0) << "every block is released when its request ends";
  EXPECT_EQ(stats.finished, 32u);
  if (batched.kv_tokens > 0) {
    EXPECT_GT(stats.preemptions, 0u) << "the small pool must force preemption";
  }
}

}  // namespace citadel::engine::testing
