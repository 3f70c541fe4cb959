// The engine's batching guarantee on the shared llama.cpp test models: greedy and seeded-sampling
// outputs of each of 32 requests are identical whether it ran alone or among the 31 others, with
// chunked prefill mixing prompt chunks and decode tokens, and with a KV pool so small that requests
// are preempted and recomputed. Weight types whose kernels are batch invariant (Q8_0, Q4_0, Q5_0).

#include <gtest/gtest.h>

#include "engine/engine_harness.h"
#include "model/model.h"
#include "testing/shared_data.h"
#include "tokenizer/tokenizer.h"

namespace citadel::engine {
namespace {

class SharedModelBatching : public ::testing::TestWithParam<const char*> {};

TEST_P(SharedModelBatching, OutputsAreTheSameAloneOrAmong31Others) {
  CITADEL_REQUIRE_SHARED(shared);
  const auto path = shared / "models" / GetParam();
  auto model = model::Model::Load(path.string());
  ASSERT_TRUE(model) << model.error().message;
  auto tok = tokenizer::Tokenizer::FromGguf(model->file());
  ASSERT_TRUE(tok) << tok.error().message;
  testing::ExpectBatchInvariant(*model, *tok, {.threads = 2, .max_batch_tokens = 96, .max_running = 32});
  // 512 token slots for 32 requests of up to ~180 tokens: they cannot all run at once.
  testing::ExpectBatchInvariant(*model, *tok, {.threads = 2, .kv_tokens = 512, .max_batch_tokens = 96, .max_running = 32});
}

INSTANTIATE_TEST_SUITE_P(Models, SharedModelBatching,
                         ::testing::Values("tiny-llama-spm-q8_0.gguf", "tiny-llama-spm-q4_0.gguf",
                                           "tiny-llama-spm-q5_0.gguf", "tiny-llama3-bpe-q8_0.gguf",
                                           "tiny-qwen2-q8_0.gguf"),
                         [](const auto& info) {
                           std::string name = info.param;
                           name = name.substr(0, name.find(".gguf"));
                           for (char& c : name) c = std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
                           return name;
                         });

}  // namespace
}  // namespace citadel::engine
