// `citadel model info` and `citadel model check` on the real binary: on generated models (always)
// and on every model of ../shared/models against llama.cpp's reference description (when present).

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

testing::CommandResult Citadel(const std::string& args) {
  return RunCommand(std::string(CITADEL_BINARY) + " " + args);
}

class GeneratedModel : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = testing::MakeTempDir("citadel-cli"); }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Write(const tools::ModelSpec& spec, const std::string& name) {
    const auto path = dir_ / name;
    auto written = tools::WriteRandomModel(spec, path);
    EXPECT_TRUE(written) << (written ? "" : written.error().message);
    return path.string();
  }

  std::filesystem::path dir_;
};

TEST_F(GeneratedModel, InfoJsonDescribesEveryArchitecture) {
  for (const char* arch : {"llama", "qwen2", "qwen3"}) {
    SCOPED_TRACE(arch);
    tools::ModelSpec spec;
    spec.arch = arch;
    spec.n_layer = 3;
    spec.n_embd = 64;
    spec.n_head = 4;
    spec.n_head_kv = 2;
    spec.head_dim = std::string(arch) == "qwen2" ? 0 : 32;  // differs from n_embd / n_head, as in Qwen3
    spec.n_ff = 96;
    spec.n_vocab = 300;
    spec.weight_type = gguf::TensorType::kQ4_0;
    const auto path = Write(spec, std::string(arch) + ".gguf");
    const auto r = Citadel("model info --json " + ShellQuote(path));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const json j = json::parse(r.out);
    EXPECT_EQ(j["architecture"], arch);
    EXPECT_TRUE(j["supported"].get<bool>());
    const auto& hp = j["hyperparameters"];
    EXPECT_EQ(hp["block_count"], 3);
    EXPECT_EQ(hp["embedding_length"], 64);
    EXPECT_EQ(hp["head_count"], 4);
    EXPECT_EQ(hp["head_count_kv"], 2);
    EXPECT_EQ(hp["key_length"], std::string(arch) == "qwen2" ? 16 : 32);
    EXPECT_EQ(hp["feed_forward_length"], 96);
    EXPECT_TRUE(hp["tied_output"].get<bool>());
    EXPECT_EQ(j["tokenizer"]["model"], "gpt2");
    EXPECT_EQ(j["tokenizer"]["vocab_size"], 300);
    EXPECT_TRUE(j["tokenizer"]["chat_template"].get<bool>());
    // 2 + 9 per layer, plus 3 biases (qwen2) or 2 norms (qwen3) per layer.
    const size_t extra = std::string(arch) == "qwen2" ? 3 : std::string(arch) == "qwen3" ? 2 : 0;
    EXPECT_EQ(j["tensors"].size(), 2 + 3 * (9 + extra));
    // Q, K, V and output projections are 128 wide with head_dim 32; qwen2's follow the embedding.
    uint64_t params = 0;
    for (const auto& t : j["tensors"]) params += t["n_elements"].get<uint64_t>();
    EXPECT_EQ(j["n_parameters"], params);
    EXPECT_EQ(j["type_mix"]["Q4_0"]["tensors"], 1 + 3 * 7);

    const auto check = Citadel("model check " + ShellQuote(path));
    EXPECT_EQ(check.exit_code, 0) << check.err;
    EXPECT_NE(check.out.find("ok: every weight decodes"), std::string::npos) << check.out;
  }
}

TEST_F(GeneratedModel, InfoTextNamesTheEssentials) {
  tools::ModelSpec spec;
  const auto path = Write(spec, "tiny.gguf");
  const auto r = Citadel("model info " + ShellQuote(path));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* needle : {"architecture  llama", "layers        2", "tokenizer     gpt2", "Q8_0", "token_embd.weight"}) {
    EXPECT_NE(r.out.find(needle), std::string::npos) << needle << "\n" << r.out;
  }
}

TEST_F(GeneratedModel, UnknownArchitectureIsReportedByInfoAndRefusedByCheck) {
  gguf::GgufWriter writer;
  writer.Set("general.architecture", "mamba");
  ASSERT_TRUE(writer.AddTensor("w", gguf::TensorType::kF32, {4}, std::vector<std::byte>(16)));
  const auto path = (dir_ / "mamba.gguf").string();
  ASSERT_TRUE(writer.WriteFile(path));
  const auto info = Citadel("model info --json " + ShellQuote(path));
  ASSERT_EQ(info.exit_code, 0) << info.err;
  EXPECT_EQ(json::parse(info.out)["supported"], false);
  const auto check = Citadel("model check " + ShellQuote(path));
  EXPECT_NE(check.exit_code, 0);
  EXPECT_NE(check.err.find("architecture 'mamba' is not supported (supported: llama, qwen2, qwen3)"),
            std::string::npos) << check.err;
}

TEST_F(GeneratedModel, BadInputGivesOneLineErrorAndNonZeroExit) {
  const auto missing = Citadel("model info " + ShellQuote((dir_ / "absent.gguf").string()));
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_NE(missing.err.find("cannot open"), std::string::npos) << missing.err;
  EXPECT_EQ(std::count(missing.err.begin(), missing.err.end(), '\n'), 1) << missing.err;

  const auto garbage_path = dir_ / "garbage.gguf";
  std::ofstream(garbage_path) << "this is not a model file at all";
  const auto garbage = Citadel("model info " + ShellQuote(garbage_path.string()));
  EXPECT_NE(garbage.exit_code, 0);
  EXPECT_EQ(std::count(garbage.err.begin(), garbage.err.end(), '\n'), 1) << garbage.err;

  const auto usage = Citadel("model info");
  EXPECT_EQ(usage.exit_code, 2);
  EXPECT_EQ(std::count(usage.err.begin(), usage.err.end(), '\n'), 1) << usage.err;
}

// Every model of ../shared/models against llama.cpp's description of it.
TEST(SharedModels, InfoJsonAgreesWithReference) {
  CITADEL_REQUIRE_SHARED(shared);
  int compared = 0;
  for (const auto& entry : std::filesystem::directory_iterator(shared / "reference" / "model-info")) {
    SCOPED_TRACE(entry.path().filename().string());
    const json expected = json::parse(std::ifstream(entry.path()));
    const auto model = shared / "models" / expected["file"].get<std::string>();
    const auto r = Citadel("model info --json " + ShellQuote(model.string()));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const json actual = json::parse(r.out);
    EXPECT_EQ(actual["architecture"], expected["architecture"]);
    ASSERT_EQ(actual["metadata"].size(), expected["metadata"].size());
    for (const auto& [key, value] : expected["metadata"].items()) {
      ASSERT_TRUE(actual["metadata"].contains(key)) << key;
      if (value.is_number_float()) {
        EXPECT_DOUBLE_EQ(actual["metadata"][key].get<double>(), value.get<double>()) << key;
      } else {
        EXPECT_EQ(actual["metadata"][key], value) << key;
      }
    }
    ASSERT_EQ(actual["tensors"].size(), expected["tensors"].size());
    for (size_t i = 0; i < expected["tensors"].size(); ++i) {
      const auto& e = expected["tensors"][i];
      const auto& a = actual["tensors"][i];
      EXPECT_EQ(a["name"], e["name"]);
      EXPECT_EQ(a["type"], e["type"]) << e["name"];
      EXPECT_EQ(a["shape"], e["shape"]) << e["name"];
      EXPECT_EQ(a["n_elements"], e["n_elements"]) << e["name"];
      EXPECT_EQ(a["n_bytes"], e["n_bytes"]) << e["name"];
    }
    ++compared;
  }
  size_t models = 0;
  for (const auto& m : std::filesystem::directory_iterator(shared / "models")) models += m.path().extension() == ".gguf";
  EXPECT_EQ(static_cast<size_t>(compared), models) << "every shared model has a reference description";
}

TEST(SharedModels, EveryModelPassesTheDryLoad) {
  CITADEL_REQUIRE_SHARED(shared);
  for (const auto& entry : std::filesystem::directory_iterator(shared / "models")) {
    SCOPED_TRACE(entry.path().filename().string());
    const auto r = Citadel("model check " + ShellQuote(entry.path().string()));
    EXPECT_EQ(r.exit_code, 0) << r.err;
  }
}

}  // namespace
}  // namespace citadel
