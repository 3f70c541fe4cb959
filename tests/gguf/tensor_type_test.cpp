// Tensor type geometry against ggml's block sizes (written out independently here), TensorBytes
// arithmetic and its overflow checks, and a writer -> reader round trip of one tensor per type.

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "gguf/gguf_file.h"
#include "gguf/tensor_type.h"
#include "gguf/writer.h"
#include "testing/random.h"

namespace citadel::gguf {
namespace {

struct Expected {
  uint32_t raw;
  const char* name;
  uint32_t block_elements;
  uint32_t block_bytes;
};

// ggml's ggml_type values, blck_size and type_size (ggml.c type_traits).
constexpr Expected kGgml[] = {
    {0, "F32", 1, 4},         {1, "F16", 1, 2},          {2, "Q4_0", 32, 18},      {3, "Q4_1", 32, 20},
    {6, "Q5_0", 32, 22},      {7, "Q5_1", 32, 24},       {8, "Q8_0", 32, 34},      {9, "Q8_1", 32, 36},
    {10, "Q2_K", 256, 84},    {11, "Q3_K", 256, 110},    {12, "Q4_K", 256, 144},   {13, "Q5_K", 256, 176},
    {14, "Q6_K", 256, 210},   {15, "Q8_K", 256, 292},    {16, "IQ2_XXS", 256, 66}, {17, "IQ2_XS", 256, 74},
    {18, "IQ3_XXS", 256, 98}, {19, "IQ1_S", 256, 50},    {20, "IQ4_NL", 32, 18},   {21, "IQ3_S", 256, 110},
    {22, "IQ2_S", 256, 82},   {23, "IQ4_XS", 256, 136},  {24, "I8", 1, 1},         {25, "I16", 1, 2},
    {26, "I32", 1, 4},        {27, "I64", 1, 8},         {28, "F64", 1, 8},        {29, "IQ1_M", 256, 56},
    {30, "BF16", 1, 2},       {34, "TQ1_0", 256, 54},    {35, "TQ2_0", 256, 66},   {39, "MXFP4", 32, 17},
};

TEST(TensorTypeTest, TableMatchesGgml) {
  for (const auto& e : kGgml) {
    const auto info = LookupTensorType(e.raw);
    ASSERT_TRUE(info.has_value()) << e.name;
    EXPECT_EQ(static_cast<uint32_t>(info->type), e.raw);
    EXPECT_EQ(info->name, e.name);
    EXPECT_EQ(info->block_elements, e.block_elements) << e.name;
    EXPECT_EQ(info->block_bytes, e.block_bytes) << e.name;
    EXPECT_EQ(Name(info->type), e.name);
    EXPECT_EQ(TensorTypeFromName(e.name), info->type);
  }
}

TEST(TensorTypeTest, UnassignedValuesAreUnknown) {
  // 4 and 5 were Q4_2/Q4_3 (removed); 31-33 and 36-38 were removed or never assigned.
  for (uint32_t raw : {4u, 5u, 31u, 32u, 33u, 36u, 37u, 38u, 40u, 41u, 1000u, 0xffffffffu}) {
    EXPECT_FALSE(LookupTensorType(raw).has_value()) << raw;
  }
  int known = 0;
  for (uint32_t raw = 0; raw < 256; ++raw) known += LookupTensorType(raw).has_value() ? 1 : 0;
  EXPECT_EQ(known, static_cast<int>(std::size(kGgml)));
}

TEST(TensorTypeTest, NamesAreCaseInsensitive) {
  EXPECT_EQ(TensorTypeFromName("q4_k"), TensorType::kQ4_K);
  EXPECT_EQ(TensorTypeFromName("Bf16"), TensorType::kBF16);
  EXPECT_FALSE(TensorTypeFromName("Q4_K_M").has_value());
  EXPECT_FALSE(TensorTypeFromName("").has_value());
}

TEST(TensorBytesTest, EveryTypeEveryRank) {
  for (const auto& e : kGgml) {
    const auto type = static_cast<TensorType>(e.raw);
    const uint64_t ne0 = 3ull * e.block_elements;
    const uint64_t row = 3ull * e.block_bytes;
    EXPECT_EQ(*TensorBytes(type, std::vector<uint64_t>{ne0}), row) << e.name;
    EXPECT_EQ(*TensorBytes(type, std::vector<uint64_t>{ne0, 5}), row * 5) << e.name;
    EXPECT_EQ(*TensorBytes(type, std::vector<uint64_t>{ne0, 5, 2}), row * 10) << e.name;
    EXPECT_EQ(*TensorBytes(type, std::vector<uint64_t>{ne0, 1, 1, 7}), row * 7) << e.name;
  }
}

TEST(TensorBytesTest, Errors) {
  auto msg = [](TensorType t, std::vector<uint64_t> shape) {
    auto r = TensorBytes(t, shape);
    return r ? std::string("(ok)") : r.error().message;
  };
  EXPECT_EQ(msg(TensorType::kF32, {}), "0 dims (1 to 4 allowed)");
  EXPECT_EQ(msg(TensorType::kF32, {1, 1, 1, 1, 1}), "5 dims (1 to 4 allowed)");
  EXPECT_EQ(msg(TensorType::kQ4_K, {128}), "first dimension 128 is not a multiple of the Q4_K block size 256");
  EXPECT_EQ(msg(TensorType::kF32, {0}), "dimension 0 is zero");
  EXPECT_EQ(msg(TensorType::kF32, {4, 0}), "dimension 1 is zero");
  EXPECT_EQ(msg(TensorType::kF32, {1ull << 62}), "byte size overflows");
  EXPECT_EQ(msg(TensorType::kF32, {1ull << 32, 1ull << 32}), "element count overflows");
  EXPECT_EQ(msg(TensorType::kI8, {1ull << 32, 1ull << 31}), "element count overflows");  // 2^63 > INT64_MAX
  EXPECT_EQ(*TensorBytes(TensorType::kI8, std::vector<uint64_t>{1ull << 31, 1ull << 31}), 1ull << 62);
  // Quantized: bytes are far fewer than elements, the element count still must not overflow.
  EXPECT_EQ(msg(TensorType::kQ4_0, {1ull << 40, 1ull << 30}), "element count overflows");
}

TEST(TensorRoundTripTest, OneTensorOfEveryType) {
  CITADEL_SEEDED_RNG(rng);
  std::uniform_int_distribution<int> byte(0, 255);
  GgufWriter writer;
  std::vector<std::vector<std::byte>> data;
  for (const auto& e : kGgml) {
    const std::vector<uint64_t> shape = {2ull * e.block_elements, 3};
    std::vector<std::byte> bytes(6ull * e.block_bytes);
    for (auto& b : bytes) b = static_cast<std::byte>(byte(rng));
    data.push_back(bytes);
    auto added = writer.AddTensor(std::string("t.") + e.name, static_cast<TensorType>(e.raw), shape, bytes);
    ASSERT_TRUE(added) << added.error().message;
  }
  auto serialized = writer.Serialize();
  ASSERT_TRUE(serialized) << serialized.error().message;
  auto file = GgufFile::Parse(*serialized);
  ASSERT_TRUE(file) << file.error().message;
  ASSERT_EQ(file->tensors().size(), std::size(kGgml));
  uint64_t expected_offset = 0;
  for (size_t i = 0; i < std::size(kGgml); ++i) {
    const auto& e = kGgml[i];
    const TensorInfo& t = file->tensors()[i];
    EXPECT_EQ(t.name, std::string("t.") + e.name);
    EXPECT_EQ(static_cast<uint32_t>(t.type), e.raw);
    EXPECT_EQ(t.shape, (std::vector<uint64_t>{2ull * e.block_elements, 3}));
    EXPECT_EQ(t.n_elements, 6ull * e.block_elements);
    EXPECT_EQ(t.n_bytes, 6ull * e.block_bytes);
    EXPECT_EQ(t.offset, expected_offset) << e.name;
    expected_offset += (t.n_bytes + kDefaultAlignment - 1) / kDefaultAlignment * kDefaultAlignment;
    EXPECT_EQ((file->data_offset() + t.offset) % kDefaultAlignment, 0u);
    const auto view = file->TensorData(t);
    ASSERT_EQ(view.size(), data[i].size());
    EXPECT_TRUE(std::equal(view.begin(), view.end(), data[i].begin())) << e.name;
    EXPECT_EQ(file->FindTensor(t.name), &t);
  }
  EXPECT_EQ(file->FindTensor("t.nope"), nullptr);
}

}  // namespace
}  // namespace citadel::gguf
