// `citadel run` on the real binary: greedy continuations against llama.cpp's (../shared), sampling
// determinism, chat mode, and one-line errors for bad input.

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

#include "model_gen/random_model.h"
#include "testing/shared_data.h"
#include "testing/subprocess.h"

namespace citadel {
namespace {

using nlohmann::json;
using testing::RunCommand;
using testing::ShellQuote;

testing::CommandResult Citadel(const std::string& args) { return RunCommand(std::string(CITADEL_BINARY) + " " + args); }

class RunCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::MakeTempDir("citadel-run");
    model_ = (dir_ / "m.gguf").string();
    tools::ModelSpec spec;
    spec.n_vocab = 400;
    ASSERT_TRUE(tools::WriteRandomModel(spec, model_));
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
  std::string model_;
};

TEST_F(RunCommandTest, SamplingIsReproducibleWithASeedAndGreedyIgnoresIt) {
  const std::string base = "run --json -m " + ShellQuote(model_) + " -p " + ShellQuote("the model") + " -n 12";
  const auto greedy1 = Citadel(base + " --seed 1"), greedy2 = Citadel(base + " --seed 2");
  ASSERT_EQ(greedy1.exit_code, 0) << greedy1.err;
  const json g1 = json::parse(greedy1.out), g2 = json::parse(greedy2.out);
  EXPECT_EQ(g1["tokens"], g2["tokens"]);
  EXPECT_EQ(g1["completion_tokens"].get<int>(), static_cast<int>(g1["tokens"].size()));
  EXPECT_GT(g1["prompt_tokens"].get<int>(), 0);
  const auto hot1 = Citadel(base + " --temp 1.5 --seed 7"), hot2 = Citadel(base + " --temp 1.5 --seed 7");
  ASSERT_EQ(hot1.exit_code, 0) << hot1.err;
  EXPECT_EQ(json::parse(hot1.out)["tokens"], json::parse(hot2.out)["tokens"]);
  const auto hot3 = Citadel(base + " --temp 1.5 --seed 8");
  EXPECT_NE(json::parse(hot1.out)["tokens"], json::parse(hot3.out)["tokens"]);
}

TEST_F(RunCommandTest, StopStringEndsTheOutputAndIsNotPrinted) {
  // Seeded sampling: a random-weight model's greedy output ends after a few tokens.
  const std::string base =
      "run --json -m " + ShellQuote(model_) + " -p " + ShellQuote("the model") + " -n 64 --temp 1 --seed 1";
  const auto full = Citadel(base);
  ASSERT_EQ(full.exit_code, 0) << full.err;
  const std::string text = json::parse(full.out)["text"];
  ASSERT_GE(text.size(), 12u) << "the generated model should produce some text";
  // A stop string from the middle of the greedy output (ASCII bytes only, so it is valid UTF-8).
  size_t at = 4;
  while (at + 3 < text.size() && (static_cast<unsigned char>(text[at]) >= 0x80 || static_cast<unsigned char>(text[at + 1]) >= 0x80 ||
                                  static_cast<unsigned char>(text[at + 2]) >= 0x80)) {
    ++at;
  }
  ASSERT_LT(at + 3, text.size()) << "no ASCII run in: " << text;
  const std::string stop = text.substr(at, 3);
  const auto stopped = Citadel(base + " --stop " + ShellQuote(stop));
  ASSERT_EQ(stopped.exit_code, 0) << stopped.err;
  EXPECT_EQ(json::parse(stopped.out)["text"].get<std::string>(), text.substr(0, text.find(stop)));
}

TEST_F(RunCommandTest, PrintsTextAndAStatisticsLine) {
  const auto r = Citadel("run -m " + ShellQuote(model_) + " -p hello -n 5 --chat --threads 2");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("tokens/s"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("time to first token"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("resident"), std::string::npos) << r.err;
}

TEST_F(RunCommandTest, ParallelRunsEveryRequestThroughTheEngineWithSoloOutputs) {
  const std::string base = "run --json -n 10 -m " + ShellQuote(model_);
  const auto solo_a = Citadel(base + " -p " + ShellQuote("the model"));
  const auto solo_b = Citadel(base + " -p " + ShellQuote("another prompt, longer than the first"));
  ASSERT_EQ(solo_a.exit_code, 0) << solo_a.err;
  ASSERT_EQ(solo_b.exit_code, 0) << solo_b.err;
  const auto r = Citadel(base + " --parallel 6 --batch 16 -p " + ShellQuote("the model") + " -p " +
                         ShellQuote("another prompt, longer than the first"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json out = json::parse(r.out);
  ASSERT_EQ(out["requests"].size(), 6u);
  for (size_t i = 0; i < 6; ++i) {
    const json& solo = json::parse(i % 2 == 0 ? solo_a.out : solo_b.out);
    EXPECT_EQ(out["requests"][i]["tokens"], solo["tokens"]) << "request " << i << " (greedy) differs from its solo run";
    EXPECT_EQ(out["requests"][i]["text"], solo["text"]) << "request " << i;
  }
  EXPECT_GT(out["aggregate_tokens_per_second"].get<double>(), 0.0);
  const auto text = Citadel("run -n 4 --parallel 3 -m " + ShellQuote(model_) + " -p hi");
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("--- request 2"), std::string::npos) << text.out;
  EXPECT_NE(text.err.find("aggregate generation"), std::string::npos) << text.err;
}

TEST_F(RunCommandTest, AQ8_0KvCacheIsBatchInvariantToo) {
  // Q8_0 rows need heads of whole 32-value blocks; the default test model's are 16 wide.
  const std::string wide = (dir_ / "wide.gguf").string();
  tools::ModelSpec spec;
  spec.n_vocab = 400;
  spec.n_embd = 128;
  ASSERT_TRUE(tools::WriteRandomModel(spec, wide));
  const auto refused = Citadel("run -n 2 --kv-type q8_0 -p x -m " + ShellQuote(model_));
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(refused.err.find("multiple of 32"), std::string::npos) << refused.err;
  const std::string base = "run --json -n 10 --kv-type q8_0 -m " + ShellQuote(wide);
  const auto solo = Citadel(base + " -p " + ShellQuote("the model"));
  ASSERT_EQ(solo.exit_code, 0) << solo.err;
  const auto r = Citadel(base + " --parallel 4 --batch 16 -p " + ShellQuote("the model"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json out = json::parse(r.out);
  ASSERT_EQ(out["requests"].size(), 4u);
  for (size_t i = 0; i < 4; ++i) EXPECT_EQ(out["requests"][i]["tokens"], json::parse(solo.out)["tokens"]) << "request " << i;
}

TEST_F(RunCommandTest, BadInputIsAOneLineError) {
  for (const std::string& args : std::vector<std::string>{"run -m /nonexistent.gguf -p x", "run -m " + ShellQuote(model_) + " -p x -n -1",
                                 "run -m " + ShellQuote(model_) + " -p x --temp -1", "run -m " + ShellQuote(model_) + " -p x --top-p 0",
                                 "run -m " + ShellQuote(model_) + " -p x -n 100000", "run -m " + ShellQuote(model_) + " -p x --parallel 0", "run -m " + ShellQuote(model_) + " -p x --kv-type q4_0",
                                 "run -m " + ShellQuote(model_), "run -m " + ShellQuote(model_) + " --prompts-file /nonexistent"}) {
    const auto r = Citadel(args);
    EXPECT_NE(r.exit_code, 0) << args;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << args << ": " << r.err;
    EXPECT_EQ(r.err.rfind("citadel: ", 0), 0u) << r.err;
  }
}

// The yardstick: greedy continuations token by token up to the first reference near-tie.
// Float models must match; quantized ones are reported (see tests/reference/model/logits_test.cpp).
TEST(RunCommandReference, GreedyMatchesLlamaCpp) {
  CITADEL_REQUIRE_SHARED(shared);
  for (const std::string& name : std::vector<std::string>{"tiny-qwen3-f16", "tiny-qwen2-q8_0", "tiny-llama-spm-q4_k_m", "tiny-llama3-bpe-q8_0"}) {
    const auto reference = json::parse(std::ifstream(shared / "reference" / "logits" / (name + ".json")));
    const bool float_model = name.find("f16") != std::string::npos;
    for (const auto& rc : reference["cases"]) {
      const auto r = Citadel("run --json -n 32 -m " + ShellQuote((shared / "models" / (name + ".gguf")).string()) +
                             " -p " + ShellQuote(rc["prompt"].get<std::string>()));
      ASSERT_EQ(r.exit_code, 0) << r.err;
      const json out = json::parse(r.out);
      ASSERT_EQ(out["prompt_tokens"].get<size_t>(), rc["tokens"].size()) << name << ": prompt tokenized differently";
      const auto ours = out["tokens"].get<std::vector<int>>();
      const auto greedy = rc["greedy"].get<std::vector<int>>();
      const auto margins = rc["greedy_margin"].get<std::vector<double>>();
      size_t agreed = 0;
      while (agreed < greedy.size() && margins[agreed] >= 0.05 && agreed < ours.size() && ours[agreed] == greedy[agreed]) {
        ++agreed;
      }
      const bool stopped_at_tie = agreed == greedy.size() || margins[agreed] < 0.05;
      std::printf("%s '%s': %zu/%zu greedy tokens agree%s\n", name.c_str(), rc["prompt"].get<std::string>().c_str(),
                  agreed, greedy.size(),
                  stopped_at_tie ? "" : fmt::format(" (then differs; reference margin {:.3f})", margins[agreed]).c_str());
      if (float_model) {
        EXPECT_TRUE(stopped_at_tie) << name << " diverges at step " << agreed;
      }
    }
  }
}

}  // namespace
}  // namespace citadel
