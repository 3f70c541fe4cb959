// Every shared model and tokenizer GGUF opens, and agrees with llama.cpp's view of it
// (reference/model-info/<model>.json): tensors in order with type, shape, element and byte counts,
// and every metadata key with its value (arrays as element type + length). Each file is also
// rebuilt through GgufWriter and must serialize to its original bytes (vocab-only files up to the
// padding llama.cpp leaves off when there is no data section).

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "gguf/gguf_file.h"
#include "gguf/writer.h"
#include "testing/shared_data.h"

namespace citadel::gguf {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;

std::vector<fs::path> GgufFilesIn(const fs::path& dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.path().extension() == ".gguf") out.push_back(entry.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

void ExpectMetadataMatches(const GgufFile& file, const std::string& key, const Json& expected) {
  SCOPED_TRACE(fmt::format("key {}", key));
  const Value* v = file.Find(key);
  ASSERT_NE(v, nullptr);
  if (expected.is_object()) {
    auto a = file.GetArrayValue(key);
    ASSERT_TRUE(a) << a.error().message;
    EXPECT_EQ(Name((*a)->element_type()), expected.at("array_of").get<std::string>());
    EXPECT_EQ((*a)->size(), expected.at("length").get<size_t>());
  } else if (expected.is_string()) {
    EXPECT_EQ(*file.Get<std::string>(key), expected.get<std::string>());
  } else if (expected.is_boolean()) {
    EXPECT_EQ(*file.Get<bool>(key), expected.get<bool>());
  } else if (expected.is_number_integer()) {
    auto i = file.GetInteger(key);
    ASSERT_TRUE(i) << i.error().message;
    if (expected.is_number_unsigned()) {
      EXPECT_EQ(static_cast<uint64_t>(*i), expected.get<uint64_t>());
    } else {
      EXPECT_EQ(*i, expected.get<int64_t>());
    }
  } else if (expected.is_number_float()) {
    auto f = file.GetFloat(key);
    ASSERT_TRUE(f) << f.error().message;
    EXPECT_DOUBLE_EQ(*f, expected.get<double>());
  } else {
    ADD_FAILURE() << "unexpected JSON " << expected.dump();
  }
}

void ExpectRebuildsByteIdentical(const GgufFile& file, const fs::path& path) {
  GgufWriter w(file.version());
  for (const auto& entry : file.metadata()) w.Set(entry.key, entry.value);
  for (const auto& t : file.tensors()) {
    const auto data = file.TensorData(t);
    ASSERT_TRUE(w.AddTensor(t.name, t.type, t.shape, std::vector<std::byte>(data.begin(), data.end())));
  }
  auto bytes = w.Serialize();
  ASSERT_TRUE(bytes) << bytes.error().message;
  std::ifstream in(path, std::ios::binary);
  std::vector<char> original((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // llama.cpp's vocab-only files end right after the metadata; GgufWriter always pads the data
  // section start, so without tensors it may add up to alignment - 1 zero bytes. Both are valid.
  if (file.tensors().empty() && bytes->size() > original.size()) {
    EXPECT_EQ(bytes->size(), file.data_offset());
    EXPECT_TRUE(std::all_of(bytes->begin() + static_cast<long>(original.size()), bytes->end(),
                            [](std::byte b) { return b == std::byte{0}; }));
    bytes->resize(original.size());
  }
  ASSERT_EQ(bytes->size(), original.size());
  const auto first_difference = std::mismatch(bytes->begin(), bytes->end(), original.begin(), [](std::byte a, char b) {
    return a == static_cast<std::byte>(b);
  });
  EXPECT_EQ(first_difference.first, bytes->end())
      << "first difference at byte " << (first_difference.first - bytes->begin());
}

TEST(SharedModelsTest, MatchLlamaCppModelInfo) {
  CITADEL_REQUIRE_SHARED(shared);
  const auto models = GgufFilesIn(shared / "models");
  ASSERT_FALSE(models.empty()) << "no .gguf under " << (shared / "models");
  for (const fs::path& path : models) {
    SCOPED_TRACE(path.filename().string());
    const fs::path info_path = shared / "reference" / "model-info" / (path.stem().string() + ".json");
    ASSERT_TRUE(fs::exists(info_path)) << info_path;
    std::ifstream info_stream(info_path);
    const Json info = Json::parse(info_stream);

    auto file = GgufFile::Open(path);
    ASSERT_TRUE(file) << file.error().message;
    EXPECT_EQ(*file->Get<std::string>("general.architecture"), info.at("architecture").get<std::string>());

    const Json& tensors = info.at("tensors");
    ASSERT_EQ(file->tensors().size(), tensors.size());
    for (size_t i = 0; i < tensors.size(); ++i) {
      const TensorInfo& t = file->tensors()[i];
      const Json& e = tensors[i];
      SCOPED_TRACE(fmt::format("tensor {}", e.at("name").get<std::string>()));
      EXPECT_EQ(t.name, e.at("name").get<std::string>());
      EXPECT_EQ(Name(t.type), e.at("type").get<std::string>());
      EXPECT_EQ(t.shape, e.at("shape").get<std::vector<uint64_t>>());
      EXPECT_EQ(t.n_elements, e.at("n_elements").get<uint64_t>());
      EXPECT_EQ(t.n_bytes, e.at("n_bytes").get<uint64_t>());
      EXPECT_EQ(file->TensorData(t).size(), t.n_bytes);
      EXPECT_EQ(file->FindTensor(t.name), &t);
    }

    const Json& metadata = info.at("metadata");
    EXPECT_EQ(file->metadata().size(), metadata.size());
    for (const auto& [key, expected] : metadata.items()) ExpectMetadataMatches(*file, key, expected);

    ExpectRebuildsByteIdentical(*file, path);
  }
}

TEST(SharedModelsTest, TokenizerVocabulariesOpen) {
  CITADEL_REQUIRE_SHARED(shared);
  const auto vocabs = GgufFilesIn(shared / "reference" / "tokenizer");
  ASSERT_FALSE(vocabs.empty());
  for (const fs::path& path : vocabs) {
    SCOPED_TRACE(path.filename().string());
    auto file = GgufFile::Open(path);
    ASSERT_TRUE(file) << file.error().message;
    EXPECT_TRUE(file->Get<std::string>("general.architecture"));
    EXPECT_TRUE(file->Get<std::string>("tokenizer.ggml.model"));
    auto tokens = file->GetArray<std::string>("tokenizer.ggml.tokens");
    ASSERT_TRUE(tokens) << tokens.error().message;
    EXPECT_GT(tokens->size(), 1000u);
    auto types = file->GetArray<int32_t>("tokenizer.ggml.token_type");
    ASSERT_TRUE(types) << types.error().message;
    EXPECT_EQ(types->size(), tokens->size());
    EXPECT_EQ(file->file_size(), fs::file_size(path));
    ExpectRebuildsByteIdentical(*file, path);
  }
}

}  // namespace
}  // namespace citadel::gguf
