// Writer -> reader round trip of every metadata value type, in both supported versions: what the
// writer was given is exactly what the reader returns, in the same order.

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "gguf/gguf_file.h"
#include "gguf/writer.h"

namespace citadel::gguf {
namespace {

template <class T>
using Lim = std::numeric_limits<T>;

// Every scalar type with its extremes, every array element type (empty and not), arrays of arrays
// nested three deep with differing element types, and strings that are empty or not ASCII.
std::vector<std::pair<std::string, Value>> AllValues() {
  using namespace std::string_literals;
  std::vector<std::pair<std::string, Value>> kv;
  kv.emplace_back("u8.max", Lim<uint8_t>::max());
  kv.emplace_back("i8.min", Lim<int8_t>::min());
  kv.emplace_back("u16.max", Lim<uint16_t>::max());
  kv.emplace_back("i16.min", Lim<int16_t>::min());
  kv.emplace_back("u32.max", Lim<uint32_t>::max());
  kv.emplace_back("i32.min", Lim<int32_t>::min());
  kv.emplace_back("f32.denorm", Lim<float>::denorm_min());
  kv.emplace_back("f32.neg_zero", -0.0f);
  kv.emplace_back("f32.inf", Lim<float>::infinity());
  kv.emplace_back("bool.true", true);
  kv.emplace_back("bool.false", false);
  kv.emplace_back("str.plain", std::string("hello"));
  kv.emplace_back("str.empty", std::string());
  kv.emplace_back("str.unicode", "\u4e2d\u6587 \u00e9 \U0001F600 \0-nul"s);
  kv.emplace_back("str.binary_ish", "\xff\xfe not utf-8 is fine in values"s);
  kv.emplace_back("u64.max", Lim<uint64_t>::max());
  kv.emplace_back("i64.min", Lim<int64_t>::min());
  kv.emplace_back("f64.min", Lim<double>::lowest());
  kv.emplace_back("f64.pi", 3.141592653589793);
  kv.emplace_back("\u00fcnic\u00f8de.key", uint32_t{7});

  kv.emplace_back("arr.u8", Array::Of<uint8_t>({0, 1, 255}));
  kv.emplace_back("arr.i8", Array::Of<int8_t>({-128, 0, 127}));
  kv.emplace_back("arr.u16", Array::Of<uint16_t>({0, 65535}));
  kv.emplace_back("arr.i16", Array::Of<int16_t>({-32768, 32767}));
  kv.emplace_back("arr.u32", Array::Of<uint32_t>({1, 2, 3, 4}));
  kv.emplace_back("arr.i32", Array::Of<int32_t>({-1, Lim<int32_t>::max()}));
  kv.emplace_back("arr.f32", Array::Of<float>({0.5f, -2.25f, Lim<float>::max()}));
  kv.emplace_back("arr.bool", Array::OfBools({1, 0, 0, 1, 1}));
  kv.emplace_back("arr.str", Array::Of<std::string>({"a", "", "\u00e9\U0001F600", std::string(300, 'x')}));
  kv.emplace_back("arr.u64", Array::Of<uint64_t>({Lim<uint64_t>::max(), 0}));
  kv.emplace_back("arr.i64", Array::Of<int64_t>({Lim<int64_t>::min(), Lim<int64_t>::max()}));
  kv.emplace_back("arr.f64", Array::Of<double>({1e300, -1e-300}));

  kv.emplace_back("empty.u8", Array::Of<uint8_t>({}));
  kv.emplace_back("empty.bool", Array::OfBools({}));
  kv.emplace_back("empty.str", Array::Of<std::string>({}));
  kv.emplace_back("empty.f64", Array::Of<double>({}));
  kv.emplace_back("empty.arr", Array::OfArrays({}));

  kv.emplace_back("nested.2", Array::OfArrays({Array::Of<int32_t>({1, 2}), Array::Of<std::string>({"x"}),
                                               Array::OfBools({1}), Array::Of<float>({})}));
  kv.emplace_back("nested.3",
                  Array::OfArrays({Array::OfArrays({Array::Of<uint8_t>({9}), Array::OfArrays({})}),
                                   Array::OfArrays({Array::Of<std::string>({"", "deep"})})}));
  return kv;
}

class MetadataRoundTripTest : public ::testing::TestWithParam<uint32_t> {};

TEST_P(MetadataRoundTripTest, EveryValueTypeSurvives) {
  const uint32_t version = GetParam();
  GgufWriter writer(version);
  const auto kv = AllValues();
  for (const auto& [k, v] : kv) writer.Set(k, v);
  auto bytes = writer.Serialize();
  ASSERT_TRUE(bytes) << bytes.error().message;
  auto file = GgufFile::Parse(*bytes);
  ASSERT_TRUE(file) << file.error().message;
  EXPECT_EQ(file->version(), version);
  EXPECT_TRUE(file->tensors().empty());
  ASSERT_EQ(file->metadata().size(), kv.size());
  for (size_t i = 0; i < kv.size(); ++i) {
    EXPECT_EQ(file->metadata()[i].key, kv[i].first);
    EXPECT_EQ(file->metadata()[i].value, kv[i].second) << kv[i].first;
    const Value* found = file->Find(kv[i].first);
    ASSERT_NE(found, nullptr) << kv[i].first;
    EXPECT_EQ(found->type(), kv[i].second.type()) << kv[i].first;
  }
  // Signed zero compares equal to +0 as a float; the bits must survive too.
  EXPECT_EQ(std::bit_cast<uint32_t>(*file->Get<float>("f32.neg_zero")), 0x80000000u);
}

TEST_P(MetadataRoundTripTest, NanPayloadSurvives) {
  GgufWriter writer(GetParam());
  writer.Set("f32.nan", std::bit_cast<float>(0x7fc00123u));
  writer.Set("f64.nan", std::bit_cast<double>(0xfff8000000000abcull));
  auto bytes = writer.Serialize();
  ASSERT_TRUE(bytes);
  auto file = GgufFile::Parse(*bytes);
  ASSERT_TRUE(file) << file.error().message;
  EXPECT_EQ(std::bit_cast<uint32_t>(*file->Get<float>("f32.nan")), 0x7fc00123u);
  EXPECT_EQ(std::bit_cast<uint64_t>(*file->Get<double>("f64.nan")), 0xfff8000000000abcull);
}

TEST_P(MetadataRoundTripTest, TypedAccessorsReadBack) {
  GgufWriter writer(GetParam());
  for (const auto& [k, v] : AllValues()) writer.Set(k, v);
  auto file = GgufFile::Parse(*writer.Serialize());
  ASSERT_TRUE(file) << file.error().message;
  EXPECT_EQ(*file->Get<uint8_t>("u8.max"), 255);
  EXPECT_EQ(*file->Get<int8_t>("i8.min"), -128);
  EXPECT_EQ(*file->Get<uint16_t>("u16.max"), 65535);
  EXPECT_EQ(*file->Get<int16_t>("i16.min"), -32768);
  EXPECT_EQ(*file->Get<uint32_t>("u32.max"), Lim<uint32_t>::max());
  EXPECT_EQ(*file->Get<int32_t>("i32.min"), Lim<int32_t>::min());
  EXPECT_EQ(*file->Get<float>("f32.inf"), Lim<float>::infinity());
  EXPECT_TRUE(*file->Get<bool>("bool.true"));
  EXPECT_FALSE(*file->Get<bool>("bool.false"));
  EXPECT_EQ(*file->Get<std::string>("str.empty"), "");
  EXPECT_EQ(*file->Get<uint64_t>("u64.max"), Lim<uint64_t>::max());
  EXPECT_EQ(*file->Get<int64_t>("i64.min"), Lim<int64_t>::min());
  EXPECT_EQ(*file->Get<double>("f64.pi"), 3.141592653589793);
  EXPECT_EQ(*file->GetFloat("f64.pi"), 3.141592653589793);
  EXPECT_EQ(*file->GetFloat("f32.inf"), Lim<double>::infinity());

  auto bools = file->GetArrayValue("arr.bool");
  ASSERT_TRUE(bools);
  EXPECT_EQ((*bools)->element_type(), ValueType::kBool);
  EXPECT_EQ(std::vector<uint8_t>((*bools)->Bools().begin(), (*bools)->Bools().end()),
            (std::vector<uint8_t>{1, 0, 0, 1, 1}));
  auto strings = file->GetArray<std::string>("arr.str");
  ASSERT_TRUE(strings) << strings.error().message;
  ASSERT_EQ(strings->size(), 4u);
  EXPECT_EQ((*strings)[1], "");
  EXPECT_EQ((*strings)[3].size(), 300u);
  auto empty = file->GetArray<double>("empty.f64");
  ASSERT_TRUE(empty) << empty.error().message;
  EXPECT_TRUE(empty->empty());

  auto nested = file->GetArrayValue("nested.3");
  ASSERT_TRUE(nested);
  ASSERT_EQ((*nested)->Arrays().size(), 2u);
  const Array& inner = (*nested)->Arrays()[0];
  ASSERT_EQ(inner.element_type(), ValueType::kArray);
  ASSERT_EQ(inner.Arrays().size(), 2u);
  EXPECT_EQ(inner.Arrays()[0].Elements<uint8_t>()[0], 9);
  EXPECT_EQ(inner.Arrays()[1].size(), 0u);
  EXPECT_EQ((*nested)->Arrays()[1].Arrays()[0].Elements<std::string>()[1], "deep");
}

TEST_P(MetadataRoundTripTest, SetReplacesInPlaceAndRemoveDrops) {
  GgufWriter writer(GetParam());
  writer.Set("a", uint32_t{1});
  writer.Set("b", std::string("two"));
  writer.Set("c", true);
  writer.Set("a", std::string("replaced"));  // keeps first-insertion position, changes type
  EXPECT_TRUE(writer.Remove("b"));
  EXPECT_FALSE(writer.Remove("b"));
  auto file = GgufFile::Parse(*writer.Serialize());
  ASSERT_TRUE(file) << file.error().message;
  ASSERT_EQ(file->metadata().size(), 2u);
  EXPECT_EQ(file->metadata()[0].key, "a");
  EXPECT_EQ(*file->Get<std::string>("a"), "replaced");
  EXPECT_EQ(file->metadata()[1].key, "c");
  EXPECT_EQ(file->Find("b"), nullptr);
}

TEST_P(MetadataRoundTripTest, EmptyFileHasHeaderOnly) {
  auto bytes = GgufWriter(GetParam()).Serialize();
  ASSERT_TRUE(bytes);
  EXPECT_EQ(bytes->size() % kDefaultAlignment, 0u);
  auto file = GgufFile::Parse(*bytes);
  ASSERT_TRUE(file) << file.error().message;
  EXPECT_TRUE(file->metadata().empty());
  EXPECT_TRUE(file->tensors().empty());
  EXPECT_EQ(file->alignment(), kDefaultAlignment);
  EXPECT_EQ(file->data_offset(), 32u);  // 24-byte header, padded
  EXPECT_EQ(file->file_size(), bytes->size());
}

INSTANTIATE_TEST_SUITE_P(Versions, MetadataRoundTripTest, ::testing::Values(2u, 3u),
                         [](const auto& info) { return fmt::format("v{}", info.param); });

}  // namespace
}  // namespace citadel::gguf
