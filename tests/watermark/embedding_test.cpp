// Embedding and detection end to end: a generated tiny model served by the engine, requests
// watermarked under different tenants' keys, and detection among several keys.

#include <gtest/gtest.h>

#include <vector>

#include "engine/engine.h"
#include "engine/engine_harness.h"
#include "model/model.h"
#include "model_gen/random_model.h"
#include "tokenizer/tokenizer.h"
#include "watermark/detector.h"
#include "watermark/processor.h"
#include "watermark/test_keys.h"

namespace citadel::watermark {
namespace {

struct Loaded {
  model::Model model;
  tokenizer::Tokenizer tokenizer;
};

Loaded TinyModel() {
  tools::ModelSpec spec;
  spec.arch = "qwen2";
  spec.n_embd = 64;
  spec.n_ff = 128;
  spec.n_vocab = 512;
  spec.n_ctx = 512;
  spec.seed = 5;
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

// 4 tenants; request i is watermarked for tenant i % 4 when `mark`, else plain.
std::vector<engine::Request> Requests(const std::vector<TenantKey>& tenants, const WatermarkSettings& settings,
                                      int count, int tokens, float temperature, bool mark) {
  std::vector<engine::Request> requests;
  for (int i = 0; i < count; ++i) {
    engine::Request r;
    r.prompt = engine::testing::Prompt(8, 300 + i);
    r.sampling.temperature = temperature;
    r.sampling.seed = 7000 + static_cast<uint64_t>(i);
    r.sampling.max_tokens = tokens;
    r.ignore_end_of_generation = true;
    if (mark) r.processors.push_back(MakeProcessor(tenants[static_cast<size_t>(i) % tenants.size()], settings));
    requests.push_back(std::move(r));
  }
  return requests;
}

class WatermarkEmbedding : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { loaded_ = new Loaded(TinyModel()); }
  static void TearDownTestSuite() { delete loaded_; }
  static Loaded* loaded_;

  std::vector<TenantKey> tenants_ = {WatermarkKeys(testing::FixedMaster(0x5a)).ForTenant("acme"), WatermarkKeys(testing::FixedMaster(0x5a)).ForTenant("globex"),
                                     WatermarkKeys(testing::FixedMaster(0x5a)).ForTenant("initech"), WatermarkKeys(testing::FixedMaster(0x5a)).ForTenant("umbrella")};
};
Loaded* WatermarkEmbedding::loaded_ = nullptr;

TEST_F(WatermarkEmbedding, SampledOutputsAreAttributedToTheirTenantAndPlainOnesAreNot) {
  for (const Scheme scheme : {Scheme::kPrevious, Scheme::kMinHash}) {
    const WatermarkSettings settings{.context_width = scheme == Scheme::kMinHash ? 3 : 1, .scheme = scheme};
    SCOPED_TRACE(std::string(SchemeName(scheme)));
    auto engine = engine::Engine::Create(loaded_->model, loaded_->tokenizer, {.threads = 2});
    ASSERT_TRUE(engine) << engine.error().message;
    const auto marked = engine::testing::RunAll(**engine, Requests(tenants_, settings, 8, 120, 1.0f, true));
    const auto plain = engine::testing::RunAll(**engine, Requests(tenants_, settings, 8, 120, 1.0f, false));
    for (size_t i = 0; i < marked.size(); ++i) {
      const DetectionReport report = Detect(marked[i].tokens, tenants_, settings);
      ASSERT_TRUE(report.watermarked()) << "request " << i << " best z " << report.scores[i % 4].z;
      EXPECT_EQ(*report.best, i % tenants_.size()) << "request " << i;
      const DetectionReport clean = Detect(plain[i].tokens, tenants_, settings);
      EXPECT_FALSE(clean.watermarked()) << "request " << i << ": " << clean.Verdict();
      for (const KeyScore& s : clean.scores) EXPECT_LT(s.z, 4.0);
    }
  }
}

TEST_F(WatermarkEmbedding, GreedyDecodingIsBiasedToo) {
  const WatermarkSettings settings;
  auto engine = engine::Engine::Create(loaded_->model, loaded_->tokenizer, {.threads = 2});
  ASSERT_TRUE(engine) << engine.error().message;
  const auto marked = engine::testing::RunAll(**engine, Requests(tenants_, settings, 8, 150, 0.0f, true));
  const auto plain = engine::testing::RunAll(**engine, Requests(tenants_, settings, 8, 150, 0.0f, false));
  // Greedy outputs of a random model fall into loops, which the detector scores once; pool each
  // tenant's outputs (as a leak of several answers would be) to have enough distinct n-grams.
  for (size_t k = 0; k < tenants_.size(); ++k) {
    std::vector<int32_t> leak, clean;
    for (size_t i = k; i < marked.size(); i += tenants_.size()) {
      leak.insert(leak.end(), marked[i].tokens.begin(), marked[i].tokens.end());
      clean.insert(clean.end(), plain[i].tokens.begin(), plain[i].tokens.end());
    }
    const DetectionReport report = Detect(leak, std::span(&tenants_[k], 1), settings);
    EXPECT_GE(report.scores[0].z, 4.0) << "tenant " << k << " T " << report.scored << " G " << report.scores[0].green;
    EXPECT_LT(Detect(clean, std::span(&tenants_[k], 1), settings).scores[0].z, 4.0);
    EXPECT_NE(marked[k].tokens, plain[k].tokens) << "the bias moved the argmax somewhere";
  }
}

}  // namespace
}  // namespace citadel::watermark
