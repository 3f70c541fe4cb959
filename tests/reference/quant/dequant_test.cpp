// Bit-exactness against llama.cpp: every tensor listed in shared/reference/dequant/index.json is
// dequantized from its GGUF file and compared, float by float on the bit pattern, with the float32
// dump llama.cpp produced from the same bytes.

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <bit>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "gguf/gguf_file.h"
#include "quant/quant.h"
#include "testing/shared_data.h"

namespace citadel::quant {
namespace {

std::vector<float> ReadFloats(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<float> floats(bytes.size() / sizeof(float));
  std::memcpy(floats.data(), bytes.data(), floats.size() * sizeof(float));
  return floats;
}

TEST(DequantReferenceTest, EveryIndexedTensorIsBitExact) {
  CITADEL_REQUIRE_SHARED(shared);
  const auto dir = shared / "reference" / "dequant";
  std::ifstream index_file(dir / "index.json");
  ASSERT_TRUE(index_file) << dir / "index.json";
  const auto index = nlohmann::json::parse(index_file);
  ASSERT_FALSE(index.empty());

  std::map<std::string, int> tensors_per_type;
  for (const auto& entry : index) {
    const std::string model = entry.at("model");
    const std::string tensor_name = entry.at("tensor");
    SCOPED_TRACE(model + " / " + tensor_name);
    auto file = gguf::GgufFile::Open(shared / "models" / model);
    ASSERT_TRUE(file) << file.error().message;
    const gguf::TensorInfo* tensor = file->FindTensor(tensor_name);
    ASSERT_NE(tensor, nullptr);
    const std::string type_name(gguf::Name(tensor->type));
    EXPECT_EQ(type_name, entry.at("type").get<std::string>());
    ++tensors_per_type[type_name];

    const std::vector<float> expected = ReadFloats(dir / entry.at("file").get<std::string>());
    ASSERT_EQ(expected.size(), tensor->n_elements);
    std::vector<float> actual(tensor->n_elements);
    auto result = Dequantize(tensor->type, file->TensorData(*tensor), actual);
    ASSERT_TRUE(result) << result.error().message;

    size_t mismatches = 0;
    for (size_t i = 0; i < actual.size(); ++i) {
      if (std::bit_cast<uint32_t>(actual[i]) == std::bit_cast<uint32_t>(expected[i])) continue;
      if (mismatches++ == 0) {
        ADD_FAILURE() << type_name << ": first mismatch at element " << i << ": got " << actual[i]
                      << " (0x" << std::hex << std::bit_cast<uint32_t>(actual[i]) << "), llama.cpp "
                      << expected[i] << " (0x" << std::bit_cast<uint32_t>(expected[i]) << std::dec << ")";
      }
    }
    EXPECT_EQ(mismatches, 0u) << type_name << ": " << mismatches << " of " << actual.size() << " differ";
  }
  // Every type the index mentions must have been exercised (guards against an index we misread).
  std::set<std::string> types_indexed, types_seen;
  for (const auto& entry : index) types_indexed.insert(entry.at("type").get<std::string>());
  std::string summary;
  for (const auto& [type, count] : tensors_per_type) {
    types_seen.insert(type);
    summary += " " + type + ":" + std::to_string(count);
  }
  EXPECT_EQ(types_seen, types_indexed);
  std::printf("tensors compared per type:%s\n", summary.c_str());
}

}  // namespace
}  // namespace citadel::quant
