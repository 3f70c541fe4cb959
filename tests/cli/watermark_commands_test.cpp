// `citadel watermark keygen` and `detect` on the real binary, with a generated model: a text built
// from tokens that are green under one tenant's key (and that survive decoding and re-encoding, as
// a leaked text must) is attributed to that tenant and to no other; bad input is one line and exit 1.

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sys/stat.h>

#include <random>
#include <string>
#include <vector>

#include "gguf/gguf_file.h"
#include "model_gen/random_model.h"
#include "cli/cli_test.h"
#include "tokenizer/tokenizer.h"
#include "watermark/green_list.h"
#include "watermark/keys.h"

namespace citadel {
namespace {

using nlohmann::json;
using testing::ShellQuote;

class WatermarkCommands : public testing::CliTest {
 protected:
  WatermarkCommands() : CliTest("citadel-wm-cli") {}
  void SetUp() override {
    CliTest::SetUp();
    model_ = (dir_ / "m.gguf").string();
    key_file_ = (dir_ / "wm.key").string();
    tools::ModelSpec spec;
    spec.n_vocab = 600;
    ASSERT_TRUE(tools::WriteRandomModel(spec, model_));
  }
  std::string Detect(const std::string& tenants, const std::string& text_file, const std::string& extra = "") const {
    return "watermark detect --model " + ShellQuote(model_) + " --key-file " + ShellQuote(key_file_) + " --tenants " +
           tenants + " " + extra + " " + ShellQuote(text_file);
  }

  std::string model_, key_file_;
};

// `n` tokens after "Report:", each green under `key` (gamma 0.25, h 1) and chosen so that the
// decoded text encodes back to exactly these tokens.
std::string GreenText(const tokenizer::Tokenizer& tok, const watermark::TenantKey& key, size_t n) {
  std::vector<int32_t> ids = *tok.Encode("Report:", {.add_special = false});
  const size_t start = ids.size();
  const uint64_t below = watermark::GreenThreshold(0.25);
  std::mt19937_64 rng(5);
  std::vector<int32_t> order(static_cast<size_t>(tok.vocab_size()));
  for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int32_t>(i);
  while (ids.size() < start + n) {
    const uint64_t seed = watermark::ContextSeed(key, watermark::Scheme::kPrevious, std::span(ids).last(1));
    std::shuffle(order.begin(), order.end(), rng);
    bool extended = false;
    for (const int32_t candidate : order) {
      if (!watermark::IsGreen(seed, candidate, below) || tok.IsControl(candidate)) continue;
      std::vector<int32_t> next = ids;
      next.push_back(candidate);
      const auto again = tok.Encode(tok.Decode(next), {.add_special = false});
      if (again && *again == next) {
        ids = std::move(next);
        extended = true;
        break;
      }
    }
    EXPECT_TRUE(extended) << "no green token round-trips after " << ids.size() << " tokens";
    if (!extended) break;
  }
  return tok.Decode(ids);
}

TEST_F(WatermarkCommands, DetectNamesTheTenantWhoseKeyMarkedTheText) {
  const auto keygen = Citadel("watermark keygen --out " + ShellQuote(key_file_));
  ASSERT_EQ(keygen.exit_code, 0) << keygen.err;
  struct stat st {};
  ASSERT_EQ(::stat(key_file_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  const auto keys = watermark::WatermarkKeys::Load(key_file_);
  ASSERT_TRUE(keys) << keys.error().message;
  const auto file = gguf::GgufFile::Open(model_);
  ASSERT_TRUE(file);
  const auto tok = tokenizer::Tokenizer::FromGguf(*file);
  ASSERT_TRUE(tok);
  const std::string leaked = Write("leaked.txt", GreenText(*tok, keys->ForTenant("globex"), 60));

  const auto r = Citadel(Detect("acme,globex,initech", leaked, "--json"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json report = json::parse(r.out);
  EXPECT_TRUE(report["watermarked"].get<bool>()) << r.out;
  EXPECT_EQ(report["tenant"], "globex");
  EXPECT_EQ(report["key_id"], keys->ForTenant("globex").key_id());
  EXPECT_NEAR(report["p_threshold"].get<double>(), 3.167e-5, 1e-8);
  for (const json& s : report["scores"]) {
    if (s["tenant"] == "globex") {
      // Every chosen token is green; only the few bigrams inside "Report:" are left to chance.
      EXPECT_GE(s["green"].get<int>(), s["scored"].get<int>() - 8) << s;
      EXPECT_GE(s["scored"].get<int>(), 60) << s;
      EXPECT_GT(s["z"].get<double>(), 10.0);
    } else {
      EXPECT_GT(s["p_value"].get<double>(), report["p_threshold"].get<double>()) << s;
    }
  }

  // Without the right tenant among the candidates, nobody is accused; the text table says so too.
  const auto others = Citadel(Detect("acme,initech", leaked));
  ASSERT_EQ(others.exit_code, 0) << others.err;
  EXPECT_NE(others.out.find("verdict: no watermark found"), std::string::npos) << others.out;
  const auto named = Citadel(Detect("acme,globex", leaked));
  EXPECT_NE(named.out.find("verdict: watermarked by tenant globex"), std::string::npos) << named.out;

  // A second keygen never overwrites the master that old leaks are attributed with.
  const auto again = Citadel("watermark keygen --out " + ShellQuote(key_file_));
  EXPECT_NE(again.exit_code, 0);
  EXPECT_EQ(watermark::WatermarkKeys::Load(key_file_)->ForTenant("globex").key_id(), keys->ForTenant("globex").key_id());
}

TEST_F(WatermarkCommands, BadInputIsOneLineAndExitOne) {
  ASSERT_EQ(Citadel("watermark keygen --out " + ShellQuote(key_file_)).exit_code, 0);
  const std::string text = Write("t.txt", "some text to score");
  const auto one_line = [](const testing::CommandResult& r) {
    return r.exit_code == 1 && !r.err.empty() && r.err.find('\n') == r.err.size() - 1;
  };
  const auto missing = Citadel(Detect("acme", (dir_ / "nope.txt").string()));
  EXPECT_TRUE(one_line(missing)) << missing.exit_code << " " << missing.err;
  const auto threshold = Citadel(Detect("acme", text, "--threshold 0"));
  EXPECT_TRUE(one_line(threshold)) << threshold.err;
  EXPECT_NE(threshold.err.find("--threshold"), std::string::npos) << threshold.err;
  const auto scheme = Citadel(Detect("acme", text, "--scheme lefthash"));
  EXPECT_TRUE(one_line(scheme)) << scheme.err;
  const auto gamma = Citadel(Detect("acme", text, "--gamma 1.5"));
  EXPECT_TRUE(one_line(gamma)) << gamma.err;
  const auto bad_key = Citadel("watermark detect --model " + ShellQuote(model_) + " --key-file " + ShellQuote(text) +
                               " --tenants acme " + ShellQuote(text));
  EXPECT_TRUE(one_line(bad_key)) << bad_key.err;
}

}  // namespace
}  // namespace citadel
