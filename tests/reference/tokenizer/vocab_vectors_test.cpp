// Tokenization exact to llama.cpp: its own tokenizer test vectors for six vocabularies, and the
// prompts of the logits reference (tokenized with BOS where the vocabulary asks for it).

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <cstdlib>
#include <sstream>

#include "gguf/gguf_file.h"
#include "testing/shared_data.h"
#include "tokenizer/tokenizer.h"

namespace citadel::tokenizer {
namespace {

std::string ReadAll(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Inputs are separated by "\n__ggml_vocab_test__\n" (llama.cpp's test-tokenizer-0 format).
std::vector<std::string> ReadInputs(const std::filesystem::path& path) {
  const std::string raw = ReadAll(path);
  const std::string separator = "\n__ggml_vocab_test__\n";
  std::vector<std::string> inputs;
  size_t pos = 0;
  while (pos < raw.size()) {
    const size_t next = raw.find(separator, pos);
    if (next == std::string::npos) {
      inputs.push_back(raw.substr(pos));
      break;
    }
    inputs.push_back(raw.substr(pos, next - pos));
    pos = next + separator.size();
  }
  return inputs;
}

std::vector<std::vector<int32_t>> ReadOutputs(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::vector<std::vector<int32_t>> outputs;
  for (std::string line; std::getline(in, line);) {
    std::istringstream ids(line);
    std::vector<int32_t> row;
    for (int32_t id; ids >> id;) row.push_back(id);
    outputs.push_back(std::move(row));
  }
  return outputs;
}

std::string Show(const std::vector<int32_t>& ids) {
  std::string s;
  for (int32_t id : ids) s += std::to_string(id) + " ";
  return s;
}

class VocabVectors : public ::testing::TestWithParam<std::string> {};

TEST_P(VocabVectors, EveryCaseMatchesLlamaCpp) {
  CITADEL_REQUIRE_SHARED(shared);
  const auto base = shared / "reference" / "tokenizer" / ("ggml-vocab-" + GetParam() + ".gguf");
  auto file = gguf::GgufFile::Open(base);
  ASSERT_TRUE(file) << file.error().message;
  auto tokenizer = Tokenizer::FromGguf(*file);
  ASSERT_TRUE(tokenizer) << tokenizer.error().message;
  const auto inputs = ReadInputs(base.string() + ".inp");
  const auto outputs = ReadOutputs(base.string() + ".out");
  ASSERT_EQ(inputs.size(), outputs.size());
  ASSERT_FALSE(inputs.empty());

  size_t matched = 0, round_trips = 0;
  for (size_t i = 0; i < inputs.size(); ++i) {
    auto ids = tokenizer->Encode(inputs[i], {.add_special = false, .parse_special = false});
    ASSERT_TRUE(ids) << ids.error().message;
    if (*ids == outputs[i]) {
      ++matched;
    } else {
      ADD_FAILURE() << "case " << i << " '" << inputs[i] << "'\n  expected " << Show(outputs[i]) << "\n  actual   "
                    << Show(*ids);
    }
    const bool round_trip = tokenizer->Decode(*ids) == inputs[i];
    round_trips += round_trip;
    if (!round_trip && std::getenv("CITADEL_SHOW_ROUND_TRIPS")) {
      std::printf("no round trip: case %zu '%s' -> '%s'\n", i, inputs[i].c_str(), tokenizer->Decode(*ids).c_str());
    }
  }
  std::printf("vocab %s: %zu/%zu cases match, %zu/%zu decode back to the input\n", GetParam().c_str(), matched,
              inputs.size(), round_trips, inputs.size());
  EXPECT_EQ(matched, inputs.size());
}

INSTANTIATE_TEST_SUITE_P(Reference, VocabVectors,
                         ::testing::Values("llama-spm", "llama-bpe", "qwen2", "gpt-2", "deepseek-llm", "phi-3"));

TEST(LogitsPrompts, TokenizeLikeLlamaCppWithBos) {
  CITADEL_REQUIRE_SHARED(shared);
  int checked = 0;
  for (const auto& entry : std::filesystem::directory_iterator(shared / "reference" / "logits")) {
    if (entry.path().extension() != ".json") continue;
    const auto reference = nlohmann::json::parse(std::ifstream(entry.path()));
    const auto model = shared / "models" / (entry.path().stem().string() + ".gguf");
    auto file = gguf::GgufFile::Open(model);
    ASSERT_TRUE(file) << model << ": " << file.error().message;
    auto tokenizer = Tokenizer::FromGguf(*file);
    ASSERT_TRUE(tokenizer) << tokenizer.error().message;
    for (const auto& c : reference["cases"]) {
      const auto expected = c["tokens"].get<std::vector<int32_t>>();
      auto ids = tokenizer->Encode(c["prompt"].get<std::string>(), {.add_special = true, .parse_special = false});
      ASSERT_TRUE(ids);
      EXPECT_EQ(*ids, expected) << entry.path().filename() << ": '" << c["prompt"] << "'";
      ++checked;
    }
  }
  EXPECT_GT(checked, 0);
}

}  // namespace
}  // namespace citadel::tokenizer
