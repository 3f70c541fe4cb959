// GgufFile's typed accessors: every error names the key and, for type mismatches, both types.

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

#include "gguf/gguf_file.h"
#include "gguf/writer.h"

namespace citadel::gguf {
namespace {

class AccessorsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    GgufWriter w;
    w.Set("u8", uint8_t{200});
    w.Set("i8", int8_t{-100});
    w.Set("u16", uint16_t{60000});
    w.Set("i16", int16_t{-30000});
    w.Set("u32", uint32_t{4000000000u});
    w.Set("i32", int32_t{-2000000000});
    w.Set("u64.big", std::numeric_limits<uint64_t>::max());
    w.Set("u64.int64max", static_cast<uint64_t>(std::numeric_limits<int64_t>::max()));
    w.Set("i64", std::numeric_limits<int64_t>::min());
    w.Set("f32", 1.5f);
    w.Set("f64", -2.5);
    w.Set("flag", true);
    w.Set("name", "tiny");
    w.Set("ints", Array::Of<int32_t>({1, 2, 3}));
    w.Set("nested", Array::OfArrays({Array::Of<float>({1.0f})}));
    auto bytes = w.Serialize();
    ASSERT_TRUE(bytes) << bytes.error().message;
    auto parsed = GgufFile::Parse(std::move(*bytes));
    ASSERT_TRUE(parsed) << parsed.error().message;
    file_ = std::make_unique<GgufFile>(std::move(*parsed));
  }
  template <class R>
  static std::string ErrorOf(const R& r) {
    return r ? std::string("(no error)") : r.error().message;
  }
  std::unique_ptr<GgufFile> file_;
};

TEST_F(AccessorsTest, MissingKeyIsNamed) {
  EXPECT_EQ(ErrorOf(file_->Get<uint32_t>("llama.block_count")), "key 'llama.block_count' is missing");
  EXPECT_EQ(ErrorOf(file_->GetInteger("nope")), "key 'nope' is missing");
  EXPECT_EQ(ErrorOf(file_->GetFloat("nope")), "key 'nope' is missing");
  EXPECT_EQ(ErrorOf(file_->GetArray<int32_t>("nope")), "key 'nope' is missing");
  EXPECT_EQ(ErrorOf(file_->GetArrayValue("nope")), "key 'nope' is missing");
  EXPECT_EQ(file_->Find("nope"), nullptr);
}

TEST_F(AccessorsTest, WrongTypeNamesBothTypes) {
  EXPECT_EQ(ErrorOf(file_->Get<uint32_t>("u64.big")), "key 'u64.big': has type UINT64, expected UINT32");
  EXPECT_EQ(ErrorOf(file_->Get<int32_t>("u32")), "key 'u32': has type UINT32, expected INT32");
  EXPECT_EQ(ErrorOf(file_->Get<std::string>("flag")), "key 'flag': has type BOOL, expected STRING");
  EXPECT_EQ(ErrorOf(file_->Get<float>("f64")), "key 'f64': has type FLOAT64, expected FLOAT32");
  EXPECT_EQ(ErrorOf(file_->Get<bool>("ints")), "key 'ints': has type ARRAY, expected BOOL");
  EXPECT_EQ(ErrorOf(file_->GetArrayValue("name")), "key 'name': has type STRING, expected ARRAY");
  EXPECT_EQ(ErrorOf(file_->GetArray<float>("u8")), "key 'u8': has type UINT8, expected ARRAY");
}

TEST_F(AccessorsTest, ArrayElementTypeMismatch) {
  EXPECT_EQ(ErrorOf(file_->GetArray<float>("ints")), "key 'ints': array of INT32, expected array of FLOAT32");
  EXPECT_EQ(ErrorOf(file_->GetArray<uint32_t>("ints")), "key 'ints': array of INT32, expected array of UINT32");
  EXPECT_EQ(ErrorOf(file_->GetArray<float>("nested")), "key 'nested': array of ARRAY, expected array of FLOAT32");
  auto ints = file_->GetArray<int32_t>("ints");
  ASSERT_TRUE(ints) << ints.error().message;
  EXPECT_EQ(std::vector<int32_t>(ints->begin(), ints->end()), (std::vector<int32_t>{1, 2, 3}));
}

TEST_F(AccessorsTest, GetIntegerAcrossWidths) {
  EXPECT_EQ(*file_->GetInteger("u8"), 200);
  EXPECT_EQ(*file_->GetInteger("i8"), -100);
  EXPECT_EQ(*file_->GetInteger("u16"), 60000);
  EXPECT_EQ(*file_->GetInteger("i16"), -30000);
  EXPECT_EQ(*file_->GetInteger("u32"), 4000000000);
  EXPECT_EQ(*file_->GetInteger("i32"), -2000000000);
  EXPECT_EQ(*file_->GetInteger("u64.int64max"), std::numeric_limits<int64_t>::max());
  EXPECT_EQ(*file_->GetInteger("i64"), std::numeric_limits<int64_t>::min());
}

TEST_F(AccessorsTest, GetIntegerRefusesWhatDoesNotFit) {
  EXPECT_EQ(ErrorOf(file_->GetInteger("u64.big")),
            "key 'u64.big': value 18446744073709551615 does not fit in a signed 64-bit integer");
  EXPECT_EQ(ErrorOf(file_->GetInteger("flag")), "key 'flag': has type BOOL, expected an integer");
  EXPECT_EQ(ErrorOf(file_->GetInteger("f32")), "key 'f32': has type FLOAT32, expected an integer");
  EXPECT_EQ(ErrorOf(file_->GetInteger("name")), "key 'name': has type STRING, expected an integer");
}

TEST_F(AccessorsTest, GetFloatAcceptsBothWidthsOnly) {
  EXPECT_EQ(*file_->GetFloat("f32"), 1.5);
  EXPECT_EQ(*file_->GetFloat("f64"), -2.5);
  EXPECT_EQ(ErrorOf(file_->GetFloat("u32")), "key 'u32': has type UINT32, expected FLOAT32 or FLOAT64");
}

TEST_F(AccessorsTest, ExactTypeReads) {
  EXPECT_EQ(*file_->Get<std::string>("name"), "tiny");
  EXPECT_EQ(*file_->Get<uint64_t>("u64.big"), std::numeric_limits<uint64_t>::max());
  EXPECT_TRUE(*file_->Get<bool>("flag"));
  const Value* v = file_->Find("name");
  ASSERT_NE(v, nullptr);
  ASSERT_NE(v->AsString(), nullptr);
  EXPECT_EQ(*v->AsString(), "tiny");
  EXPECT_EQ(v->AsArray(), nullptr);
}

}  // namespace
}  // namespace citadel::gguf
