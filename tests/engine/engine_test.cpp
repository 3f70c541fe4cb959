// The engine end to end on generated models: outputs do not depend on batching (alone vs among 31
// others, with chunked prefill and preemption), a cached prefix is reported and skipped, and every
// way a request can end (length, stop string, cancel, deadline, shutdown) and be refused.

#include "engine/engine.h"

#include <gtest/gtest.h>

#include <map>

#include "model/model.h"
#include "model_gen/random_model.h"
#include "tokenizer/tokenizer.h"
#include "engine/engine_harness.h"

namespace citadel::engine {
namespace {

using testing::Copy;
using testing::Outcome;
using testing::Prompt;
using testing::RunAll;

using namespace std::chrono_literals;

struct Loaded {
  model::Model model;
  tokenizer::Tokenizer tokenizer;
};

Loaded Load(const std::string& arch, gguf::TensorType type, uint32_t n_embd = 128) {
  tools::ModelSpec spec;
  spec.arch = arch;
  spec.n_layer = 2;
  spec.n_embd = n_embd;
  spec.n_head = 4;
  spec.n_head_kv = 2;
  spec.n_ff = 256;
  spec.n_vocab = 400;
  spec.n_ctx = 512;
  spec.weight_type = type;
  auto writer = tools::BuildRandomModel(spec);
  CITADEL_CHECK(writer.has_value());
  auto file = gguf::GgufFile::Parse(std::move(*writer->Serialize()));
  CITADEL_CHECK(file.has_value());
  auto model = model::Model::FromFile(std::move(*file));
  CITADEL_CHECK(model.has_value());
  auto tok = tokenizer::Tokenizer::FromGguf(model->file());
  CITADEL_CHECK(tok.has_value());
  return {std::move(*model), std::move(*tok)};
}

TEST(Engine, OutputsAreTheSameAloneOrAmong31Others) {
  for (const auto type : {gguf::TensorType::kQ8_0, gguf::TensorType::kQ4_0, gguf::TensorType::kQ5_0}) {
    SCOPED_TRACE(std::string(gguf::Name(type)));
    const Loaded m = Load("qwen2", type);
    // Chunked prefill (64 tokens a step) mixes prompt chunks with other requests' decode tokens.
    testing::ExpectBatchInvariant(m.model, m.tokenizer, {.threads = 2, .max_batch_tokens = 64, .max_running = 32});
  }
}

TEST(Engine, KQuantOutputsAreTheSameAloneOrAmong31Others) {
  // Rows of 256 so the weights really are K-quants (narrower rows fall back to Q8_0).
  for (const auto type : {gguf::TensorType::kQ4_K, gguf::TensorType::kQ6_K}) {
    SCOPED_TRACE(std::string(gguf::Name(type)));
    const Loaded m = Load("llama", type, 256);
    testing::ExpectBatchInvariant(m.model, m.tokenizer, {.threads = 2, .max_batch_tokens = 64, .max_running = 32});
  }
}

TEST(Engine, PreemptionWhenTheKvPoolIsTooSmallKeepsOutputsIdentical) {
  const Loaded m = Load("llama", gguf::TensorType::kQ8_0);
  // 512 token slots for 32 requests needing up to ~180 each: they cannot all run at once.
  testing::ExpectBatchInvariant(m.model, m.tokenizer, {.threads = 2, .kv_tokens = 512, .max_batch_tokens = 128, .max_running = 32});
}

TEST(Engine, AQ8_0KvCacheKeepsOutputsBatchInvariantUnderPreemption) {
  const Loaded m = Load("qwen2", gguf::TensorType::kQ4_0);
  testing::ExpectBatchInvariant(m.model, m.tokenizer,
                                {.threads = 2, .kv_tokens = 512, .kv_type = model::KvType::kQ8_0, .max_batch_tokens = 128, .max_running = 32});
}

TEST(Engine, AQ8_0KvCacheHoldsAlmostTwiceTheTokensInTheSameMemory) {
  const Loaded m = Load("llama", gguf::TensorType::kQ8_0);
  constexpr int64_t kBytes = 8 << 20;
  auto f16 = Engine::Create(m.model, m.tokenizer, {.threads = 1, .kv_memory_bytes = kBytes});
  auto q8 = Engine::Create(m.model, m.tokenizer, {.threads = 1, .kv_memory_bytes = kBytes, .kv_type = model::KvType::kQ8_0});
  ASSERT_TRUE(f16 && q8);
  // 64 bytes per 32 F16 values, 34 per Q8_0 block: 1.88 times the blocks.
  const double ratio = static_cast<double>((*q8)->Stats().kv_blocks_total) / (*f16)->Stats().kv_blocks_total;
  EXPECT_NEAR(ratio, 64.0 / 34.0, 0.01);
}

TEST(Engine, ASecondRequestWithTheSamePrefixReportsItCachedAndSkipsIt) {
  const Loaded m = Load("qwen3", gguf::TensorType::kQ8_0);
  auto engine = Engine::Create(m.model, m.tokenizer, {.threads = 2});
  ASSERT_TRUE(engine);
  const std::vector<int32_t> system = Prompt(300, 7);
  auto with_suffix = [&](int32_t salt) {
    Request r;
    r.prompt = system;
    for (int32_t t : Prompt(20, salt)) r.prompt.push_back(t);
    r.sampling.temperature = 0.0f;
    r.sampling.max_tokens = 4;
    std::vector<Request> one;
    one.push_back(std::move(r));
    return one;
  };
  const Outcome first = RunAll(**engine, with_suffix(1))[0];
  EXPECT_EQ(first.usage.cached_prompt_tokens, 0);
  const uint64_t computed_before = (*engine)->Stats().prompt_tokens;
  const Outcome second = RunAll(**engine, with_suffix(2))[0];
  EXPECT_EQ(second.usage.cached_prompt_tokens, 288) << "18 full blocks of 16 of the shared 300 tokens";
  EXPECT_EQ((*engine)->Stats().prompt_tokens - computed_before, 320u - 288u) << "only the rest is computed";
  EXPECT_GT((*engine)->Stats().prefix_hits, 0u);
}

TEST(Engine, StopStringsEndTheRequestAndAreNotEmitted) {
  const Loaded m = Load("llama", gguf::TensorType::kQ8_0);
  auto engine = Engine::Create(m.model, m.tokenizer, {.threads = 2});
  ASSERT_TRUE(engine);
  Request r;
  r.prompt = Prompt(12, 3);
  r.sampling.temperature = 0.0f;
  r.sampling.max_tokens = 24;
  std::vector<Request> one;
  one.push_back(std::move(r));
  const Outcome free_run = RunAll(**engine, Copy(one))[0];
  ASSERT_GE(free_run.text.size(), 6u);
  // Stop at a piece of the text that the unconstrained run produced, cut at character boundaries.
  const auto continuation = [&](size_t i) { return i < free_run.text.size() && (free_run.text[i] & 0xC0) == 0x80; };
  size_t begin = 3, end = 6;
  while (continuation(begin)) ++begin;
  end = std::max(end, begin + 1);
  while (continuation(end)) ++end;
  ASSERT_LT(begin, free_run.text.size());
  const std::string stop = free_run.text.substr(begin, end - begin);
  one[0].sampling.stop_strings = {stop};
  const Outcome stopped = RunAll(**engine, Copy(one))[0];
  EXPECT_EQ(stopped.finish, Finish::kStop);
  EXPECT_EQ(stopped.text, free_run.text.substr(0, free_run.text.find(stop)));
}

TEST(Engine, CancelFreesTheRequestAtOnce) {
  const Loaded m = Load("llama", gguf::TensorType::kQ8_0);
  auto engine = Engine::Create(m.model, m.tokenizer, {.threads = 2});
  ASSERT_TRUE(engine);
  EventQueue queue;
  Request r;
  r.prompt = Prompt(40, 1);
  r.sampling.temperature = 0.0f;  // no max_tokens: runs until the context is full
  auto id = (*engine)->Submit(std::move(r), queue.Sink());
  ASSERT_TRUE(id);
  auto first = queue.Pop(30s);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->finish, Finish::kNone);
  (*engine)->Cancel(*id);
  std::optional<Event> last;
  while (auto e = queue.Pop(30s)) {
    if (e->finish != Finish::kNone) {
      last = std::move(e);
      break;
    }
  }
  ASSERT_TRUE(last);
  EXPECT_EQ(last->finish, Finish::kCancelled);
  EXPECT_LT(last->usage.completion_tokens, 400);
  const auto deadline = Clock::now() + 10s;
  while ((*engine)->Stats().kv_blocks_used != 0 && Clock::now() < deadline) std::this_thread::sleep_for(1ms);
  EXPECT_EQ((*engine)->Stats().kv_blocks_used, 0);
  EXPECT_EQ((*engine)->Stats().running, 0);
}

TEST(Engine, APassedDeadlineCancels) {
  const Loaded m = Load("llama", gguf::TensorType::kQ8_0);
  auto engine = Engine::Create(m.model, m.tokenizer, {.threads = 2});
  ASSERT_TRUE(engine);
  std::vector<Request> one(1);
  one[0].prompt = Prompt(10, 1);
  one[0].deadline = Clock::now() - 1s;
  const Outcome o = RunAll(**engine, std::move(one))[0];
  EXPECT_EQ(o.finish, Finish::kCancelled);
  EXPECT_TRUE(o.tokens.empty());
}

TEST(Engine, RefusesWhatItCannotServeWithACode) {
  const Loaded m = Load("llama", gguf::TensorType::kQ8_0);
  auto engine = Engine::Create(m.model, m.tokenizer, {.threads = 1, .max_context = 256, .max_waiting = 4});
  ASSERT_TRUE(engine);
  EXPECT_EQ((*engine)->max_context(), 256);
  EventQueue queue;
  auto submit = [&](std::vector<int32_t> prompt, SamplingParams params = {}) {
    Request r;
    r.prompt = std::move(prompt);
    r.sampling = std::move(params);
    return (*engine)->Submit(std::move(r), queue.Sink());
  };
  auto empty = submit({});
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().code, kInvalidRequest);
  auto outside = submit({1, 400});
  ASSERT_FALSE(outside);
  EXPECT_EQ(outside.error().code, kInvalidRequest);
  EXPECT_NE(outside.error().message.find("400"), std::string::npos);
  auto too_long = submit(Prompt(256, 1));
  ASSERT_FALSE(too_long);
  EXPECT_EQ(too_long.error().code, kContextLengthExceeded);
  EXPECT_NE(too_long.error().message.find("256"), std::string::npos);
  auto over = submit(Prompt(200, 1), {.max_tokens = 100});
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error().code, kContextLengthExceeded);
  EXPECT_NE(over.error().message.find("200 prompt tokens + 100 max_tokens"), std::string::npos) << over.error().message;
  auto hot = submit(Prompt(10, 1), {.temperature = 3.0f});
  ASSERT_FALSE(hot);
  EXPECT_EQ(hot.error().code, kInvalidRequest);
  EXPECT_NE(hot.error().message.find("temperature"), std::string::npos);
  (*engine)->StopAccepting();
  auto late = submit(Prompt(10, 1));
  ASSERT_FALSE(late);
  EXPECT_EQ(late.error().code, kShuttingDown);
  EXPECT_FALSE(queue.Pop(10ms)) << "refused requests never reach the sink";
}

TEST(Engine, AFullQueueAnswersQueueFull) {
  const Loaded m = Load("llama", gguf::TensorType::kQ8_0);
  // One running slot and room for two waiting: the fourth long request finds the queue full.
  auto engine = Engine::Create(m.model, m.tokenizer, {.threads = 1, .max_running = 1, .max_waiting = 2});
  ASSERT_TRUE(engine);
  EventQueue queue;
  int refused = 0;
  for (int i = 0; i < 6; ++i) {
    Request r;
    r.prompt = Prompt(10, i);
    auto id = (*engine)->Submit(std::move(r), queue.Sink());
    if (!id) {
      EXPECT_EQ(id.error().code, kQueueFull);
      ++refused;
    }
  }
  EXPECT_GE(refused, 3);
}

TEST(Engine, DestroyingTheEngineCancelsWhatIsInFlight) {
  const Loaded m = Load("llama", gguf::TensorType::kQ8_0);
  EventQueue queue;
  {
    auto engine = Engine::Create(m.model, m.tokenizer, {.threads = 2});
    ASSERT_TRUE(engine);
    for (int i = 0; i < 4; ++i) {
      Request r;
      r.prompt = Prompt(20, i);
      // Random weights may sample the end token: a request that stopped on its own is not cancelled.
      r.ignore_end_of_generation = true;
      ASSERT_TRUE((*engine)->Submit(std::move(r), queue.Sink()));
    }
  }
  int cancelled = 0;
  while (auto e = queue.Pop(1000ms)) cancelled += e->finish == Finish::kCancelled ? 1 : 0;
  EXPECT_EQ(cancelled, 4);
}

TEST(Engine, FinishNames) {
  EXPECT_EQ(FinishName(Finish::kStop), "stop");
  EXPECT_EQ(FinishName(Finish::kLength), "length");
  EXPECT_EQ(FinishName(Finish::kCancelled), "cancelled");
  EXPECT_EQ(FinishName(Finish::kError), "error");
  EXPECT_EQ(FinishName(Finish::kNone), "");
}

}  // namespace
}  // namespace citadel::engine
