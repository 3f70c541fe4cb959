// Both forward passes against llama.cpp on every model of ../shared/models: full logits of the
// last prompt position, arg-max at every position, top-10 overlap, and greedy continuations up to
// the first near-tie. The reference pass steps one token at a time; the optimized pass (the one
// Citadel serves with) takes the whole prompt as one batch, then decodes token by token.
//
// F16/F32 models meet every criterion of the inference-core issue (cosine >= 0.9999, arg-max at
// every position, reference top-10 within our top-12, greedy to the first near-tie). Quantized
// models are asserted on cosine >= 0.999 (the bound); their arg-max, top-10 and greedy
// differences are printed, not asserted. Attention reproduces llama.cpp's CPU flash attention over
// an F16 cache (V summed in F16), which brings most prompt positions of the quantized models to
// within 1e-4 of llama.cpp's logits; what remains comes from positions where a last-bit difference
// in float summation order flips an F16 rounding inside attention, and from Q4_1/Q5_1, whose Q8_1
// activation sum llama.cpp rounds to F16 (not emulated).

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <numeric>

#include "model/forward.h"
#include "model/reference_forward.h"
#include "testing/shared_data.h"

namespace citadel::model {
namespace {

using nlohmann::json;

std::vector<float> ReadFloats(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  in.seekg(0, std::ios::end);
  std::vector<float> out(static_cast<size_t>(in.tellg()) / sizeof(float));
  in.seekg(0);
  in.read(reinterpret_cast<char*>(out.data()), static_cast<std::streamsize>(out.size() * sizeof(float)));
  return out;
}

int ArgMax(std::span<const float> v) { return static_cast<int>(std::max_element(v.begin(), v.end()) - v.begin()); }

std::vector<int> TopK(std::span<const float> v, int k) {
  std::vector<int> ids(v.size());
  std::iota(ids.begin(), ids.end(), 0);
  std::partial_sort(ids.begin(), ids.begin() + k, ids.end(), [&v](int a, int b) { return v[a] > v[b]; });
  ids.resize(k);
  return ids;
}

// Where logits come from: the whole prompt at once (logits of every position), then one token at a
// time.
class LogitsSource {
 public:
  virtual ~LogitsSource() = default;
  virtual void Prompt(const std::vector<int32_t>& tokens, std::vector<float>& all_logits) = 0;
  virtual void Next(int32_t token, int pos, std::span<float> logits) = 0;
};

class ReferenceSource : public LogitsSource {
 public:
  ReferenceSource(const Model& model, int positions) : forward_(model, positions), n_vocab_(model.hparams().n_vocab) {}
  void Prompt(const std::vector<int32_t>& tokens, std::vector<float>& all) override {
    all.resize(tokens.size() * static_cast<size_t>(n_vocab_));
    for (size_t p = 0; p < tokens.size(); ++p) {
      ASSERT_TRUE(forward_.Step(tokens[p], static_cast<int>(p),
                                std::span(all).subspan(p * static_cast<size_t>(n_vocab_), static_cast<size_t>(n_vocab_))));
    }
  }
  void Next(int32_t token, int pos, std::span<float> logits) override { ASSERT_TRUE(forward_.Step(token, pos, logits)); }

 private:
  ReferenceForward forward_;
  int n_vocab_;
};

class OptimizedSource : public LogitsSource {
 public:
  OptimizedSource(const Model& model, int positions)
      : pool_(2), cache_(*KvCache::Create(model.hparams(), (positions + 15) / 16, 16)), n_vocab_(model.hparams().n_vocab) {
    for (int b = 0; b < cache_.blocks(); ++b) blocks_.push_back(b);
    forward_ = std::move(*Forward::Create(model, pool_, positions, positions));
  }
  void Prompt(const std::vector<int32_t>& tokens, std::vector<float>& all) override {
    all.resize(tokens.size() * static_cast<size_t>(n_vocab_));
    std::vector<int32_t> positions(tokens.size());
    std::iota(positions.begin(), positions.end(), 0);
    Run(tokens, positions, std::vector<uint8_t>(tokens.size(), 1), all);
  }
  void Next(int32_t token, int pos, std::span<float> logits) override { Run({token}, {pos}, {1}, logits); }

 private:
  void Run(const std::vector<int32_t>& tokens, const std::vector<int32_t>& positions, const std::vector<uint8_t>& want,
           std::span<float> logits) {
    const std::vector<int32_t> seqs(tokens.size(), 0);
    const std::vector<std::span<const int32_t>> tables = {blocks_};
    auto ok = forward_->Run({tokens, positions, seqs, want, tables}, cache_, logits);
    ASSERT_TRUE(ok) << ok.error().message;
  }
  ThreadPool pool_;
  KvCache cache_;
  std::vector<int32_t> blocks_;
  std::unique_ptr<Forward> forward_;
  int n_vocab_;
};

void MatchLlamaCpp(const std::string& name, bool optimized) {
  CITADEL_REQUIRE_SHARED(shared);
  const auto reference = json::parse(std::ifstream(shared / "reference" / "logits" / (name + ".json")));
  auto model = Model::Load(shared / "models" / (name + ".gguf"));
  ASSERT_TRUE(model) << model.error().message;
  const auto type = model->weights().layers[0].wq.type();
  const bool exact_type = type == gguf::TensorType::kF32 || type == gguf::TensorType::kF16;
  const double min_cosine = exact_type ? 0.9999 : 0.999;
  int argmax_differences = 0, top10_misses = 0;
  std::vector<float> logits(model->hparams().n_vocab);

  for (size_t c = 0; c < reference["cases"].size(); ++c) {
    const auto& rc = reference["cases"][c];
    SCOPED_TRACE(::testing::Message() << name << " case " << c << " '" << rc["prompt"].get<std::string>() << "'");
    const auto tokens = rc["tokens"].get<std::vector<int32_t>>();
    const auto greedy = rc["greedy"].get<std::vector<int32_t>>();
    const auto margins = rc["greedy_margin"].get<std::vector<double>>();
    const int positions = static_cast<int>(tokens.size() + greedy.size() + 1);
    std::unique_ptr<LogitsSource> source;
    if (optimized) {
      source = std::make_unique<OptimizedSource>(*model, positions);
    } else {
      source = std::make_unique<ReferenceSource>(*model, positions);
    }
    std::vector<float> all;
    source->Prompt(tokens, all);
    for (size_t p = 0; p < tokens.size(); ++p) {
      std::copy_n(all.begin() + static_cast<ptrdiff_t>(p * logits.size()), logits.size(), logits.begin());
      const auto& top = rc["positions"][p]["top"];
      const double margin = top[0][1].get<double>() - top[1][1].get<double>();
      if (ArgMax(logits) != top[0][0].get<int>()) {
        ++argmax_differences;
        std::printf("  %s case %zu: arg-max differs at position %zu (reference margin %.4f)\n", name.c_str(), c, p,
                    margin);
      }
      if (exact_type) {
        EXPECT_EQ(ArgMax(logits), top[0][0].get<int>()) << "arg-max at position " << p;
      }
      const auto ours = TopK(logits, 12);
      for (const auto& entry : top) {
        const bool found = std::find(ours.begin(), ours.end(), entry[0].get<int>()) != ours.end();
        top10_misses += !found;
        if (exact_type) {
          EXPECT_TRUE(found) << "reference top-10 id " << entry[0] << " not in our top-12 at " << p;
        }
      }
    }
    const auto expected = ReadFloats(shared / "reference" / "logits" / fmt::format("{}.{}.last.f32", name, c));
    ASSERT_EQ(expected.size(), logits.size());
    double dot = 0, na = 0, nb = 0, max_abs = 0;
    for (size_t i = 0; i < logits.size(); ++i) {
      dot += double{logits[i]} * expected[i];
      na += double{logits[i]} * logits[i];
      nb += double{expected[i]} * expected[i];
      max_abs = std::max(max_abs, std::abs(double{logits[i]} - expected[i]));
    }
    const double cosine = dot / std::sqrt(na * nb);
    EXPECT_GE(cosine, min_cosine);

    // Greedy continuation, compared up to the first step whose reference margin is a near-tie.
    size_t agreed = 0;
    bool diverged = false;
    int pos = static_cast<int>(tokens.size());
    int32_t next = ArgMax(logits);
    for (size_t g = 0; g < greedy.size(); ++g) {
      if (margins[g] < 0.05) break;
      if (next != greedy[g]) {
        if (exact_type) {
          ADD_FAILURE() << "greedy step " << g << ": " << next << " != " << greedy[g] << " (reference margin "
                        << margins[g] << ")";
        }
        diverged = true;
        break;
      }
      ++agreed;
      source->Next(next, pos++, logits);
      next = ArgMax(logits);
    }
    std::printf("%s %s case %zu: cosine %.7f, max |diff| %.5f, greedy %zu/%zu agree%s\n", optimized ? "optimized" : "reference", name.c_str(), c, cosine,
                max_abs, agreed, greedy.size(),
                diverged ? " (then DIVERGED)" : agreed < greedy.size() ? " (then a reference near-tie)" : "");
  }
  std::printf("%s: %d prompt positions with a different arg-max, %d reference top-10 ids outside our top-12\n",
              name.c_str(), argmax_differences, top10_misses);
}

class Logits : public ::testing::TestWithParam<std::string> {};
TEST_P(Logits, ReferenceForwardMatchesLlamaCpp) { MatchLlamaCpp(GetParam(), false); }

class ForwardLogits : public ::testing::TestWithParam<std::string> {};
TEST_P(ForwardLogits, MatchLlamaCpp) { MatchLlamaCpp(GetParam(), true); }

const auto kModels = ::testing::Values("tiny-llama-spm-q8_0", "tiny-llama-spm-q4_0", "tiny-llama-spm-q4_1",
                                       "tiny-llama-spm-q5_0", "tiny-llama-spm-q5_1", "tiny-llama-spm-q2_k",
                                       "tiny-llama-spm-q3_k_m", "tiny-llama-spm-q4_k_m", "tiny-llama-spm-q5_k_m",
                                       "tiny-llama-spm-q6_k", "tiny-llama3-bpe-q8_0", "tiny-qwen2-q8_0",
                                       "tiny-qwen3-f16");
std::string TestName(const ::testing::TestParamInfo<std::string>& info) {
  std::string n = info.param;
  std::replace(n.begin(), n.end(), '-', '_');
  return n;
}
INSTANTIATE_TEST_SUITE_P(Reference, Logits, kModels, TestName);
INSTANTIATE_TEST_SUITE_P(Reference, ForwardLogits, kModels, TestName);


}  // namespace
}  // namespace citadel::model
