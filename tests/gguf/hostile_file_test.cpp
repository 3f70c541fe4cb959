// Hostile GGUF files: one test per way a header, metadata entry or tensor record can lie. Each is
// built field by field (raw_gguf.h) so that the test knows the exact offset the reader must name,
// and each asserts the specific complaint, so a reader that fails for the wrong reason fails here.

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "gguf/gguf_file.h"
#include "raw_gguf.h"

namespace citadel::gguf {
namespace {

using testing::ExpectRejected;
using testing::RawGguf;

constexpr uint64_t kU64Max = std::numeric_limits<uint64_t>::max();
constexpr uint32_t kF32 = static_cast<uint32_t>(TensorType::kF32);
constexpr uint32_t kU8 = static_cast<uint32_t>(ValueType::kUint8);
constexpr uint32_t kU32 = static_cast<uint32_t>(ValueType::kUint32);
constexpr uint32_t kArr = static_cast<uint32_t>(ValueType::kArray);

// ---- header ----

TEST(HostileHeaderTest, EmptyFile) { ExpectRejected({}, "file truncated reading magic (needs 4 bytes, 0 left)", 0); }

TEST(HostileHeaderTest, BadMagic) {
  RawGguf b;
  b.Raw("GGML").U32(3).U64(0).U64(0);
  ExpectRejected(b.bytes(), "not a GGUF file (magic 0x4c4d4747, expected 0x46554747)", 0);
}

TEST(HostileHeaderTest, VersionOne) {
  ExpectRejected(RawGguf().Header(0, 0, 1).bytes(), "GGUF version 1 is not supported", 4);
}

TEST(HostileHeaderTest, VersionFour) {
  const std::string m = ExpectRejected(RawGguf().Header(0, 0, 4).bytes(), "unsupported GGUF version 4", 4);
  EXPECT_EQ(m.find("big-endian"), std::string::npos) << m;
}

TEST(HostileHeaderTest, VersionZeroIsNotCalledBigEndian) {
  const std::string m = ExpectRejected(RawGguf().Header(0, 0, 0).bytes(), "unsupported GGUF version 0", 4);
  EXPECT_EQ(m.find("big-endian"), std::string::npos) << m;
}

TEST(HostileHeaderTest, BigEndianLookingVersion) {
  ExpectRejected(RawGguf().Header(0, 0, 0x03000000).bytes(), "the file looks big-endian", 4);
  ExpectRejected(RawGguf().Header(0, 0, 0x02000000).bytes(), "unsupported GGUF version 33554432 (the file looks big-endian", 4);
}

TEST(HostileHeaderTest, TruncatedHeaderFields) {
  ExpectRejected(RawGguf().U32(kMagic).U8(3).bytes(), "file truncated reading version (needs 4 bytes, 1 left)", 4);
  ExpectRejected(RawGguf().U32(kMagic).U32(3).U32(0).bytes(), "file truncated reading tensor count", 8);
  ExpectRejected(RawGguf().U32(kMagic).U32(3).U64(0).U32(0).bytes(), "file truncated reading metadata count", 16);
}

TEST(HostileHeaderTest, HugeTensorCount) {
  ExpectRejected(RawGguf().Header(1ull << 40, 0).bytes(), "1099511627776 tensors > limit 1048576", 8);
  ExpectRejected(RawGguf().Header(kU64Max, 0).bytes(), "18446744073709551615 tensors > limit", 8);
}

TEST(HostileHeaderTest, HugeMetadataCount) {
  ExpectRejected(RawGguf().Header(0, kU64Max).bytes(), "18446744073709551615 metadata entries > limit 1048576", 16);
}

TEST(HostileHeaderTest, CountsLargerThanBytesLeft) {
  RawGguf kv;
  kv.Header(0, 100).Kv("a", ValueType::kUint8, uint8_t{1});
  ExpectRejected(kv.bytes(), "100 metadata entries cannot fit in the 14 bytes left", 16);
  RawGguf tensors;
  tensors.Header(50, 0).Tensor("w", {4}, kF32, 0).PadTo(32).Zeros(16);
  ExpectRejected(tensors.bytes(), "50 tensors cannot fit in the", 8);
}

TEST(HostileHeaderTest, CustomLimitsApply) {
  ReaderLimits limits;
  limits.max_tensors = 1;
  RawGguf b;
  b.Header(2, 0).Tensor("a", {4}, kF32, 0).Tensor("b", {4}, kF32, 32).PadTo(32).Zeros(64);
  ExpectRejected(b.bytes(), "2 tensors > limit 1", 8, limits);
  limits = {};
  limits.max_metadata_entries = 0;
  ExpectRejected(RawGguf().Header(0, 1).Kv("a", ValueType::kUint8, uint8_t{1}).Zeros(8).bytes(),
                 "1 metadata entries > limit 0", 16, limits);
}

// ---- metadata keys ----

TEST(HostileMetadataTest, TruncatedKeyLength) {
  RawGguf b;
  b.Header(0, 2).KvString("general.name", "a value long enough to pass the count check");
  const size_t at = b.size();
  b.U8(5).U8(0).U8(0);  // 3 of the 8 length bytes
  ExpectRejected(b.bytes(), "file truncated reading metadata key #1 (needs 8 bytes, 3 left)", at);
}

TEST(HostileMetadataTest, KeyLengthBeyondFile) {
  RawGguf b;
  b.Header(0, 1).U64(1000).Raw("sixteen bytes...");
  ExpectRejected(b.bytes(), "file truncated reading metadata key #0 (needs 1000 bytes, 16 left)", 32);
}

TEST(HostileMetadataTest, KeyLengthOverLimit) {
  RawGguf b;
  b.Header(0, 1).U64(kU64Max).Raw("sixteen bytes...");
  ExpectRejected(b.bytes(), "metadata key #0 has length 18446744073709551615 > limit 67108864", 24);
  ReaderLimits limits;
  limits.max_string_bytes = 4;
  ExpectRejected(RawGguf().Header(0, 1).Kv("abcde", ValueType::kUint8, uint8_t{0}).bytes(),
                 "metadata key #0 has length 5 > limit 4", 24, limits);
}

TEST(HostileMetadataTest, EmptyKey) {
  RawGguf b;
  b.Header(0, 1).Kv("", ValueType::kUint8, uint8_t{1}).Zeros(8);
  ExpectRejected(b.bytes(), "empty metadata key #0", 24);
}

TEST(HostileMetadataTest, InvalidUtf8Key) {
  ExpectRejected(RawGguf().Header(0, 1).Kv("bad\xc3(", ValueType::kUint8, uint8_t{1}).bytes(),
                 "metadata key #0 is not valid UTF-8", 24);
  ExpectRejected(RawGguf().Header(0, 1).Kv("\xed\xa0\x80", ValueType::kUint8, uint8_t{1}).bytes(),
                 "metadata key #0 is not valid UTF-8", 24);  // a surrogate
}

TEST(HostileMetadataTest, DuplicateKey) {
  RawGguf b;
  b.Header(0, 2).Kv("dup", ValueType::kUint32, uint32_t{1});
  const size_t at = b.size();
  b.Kv("dup", ValueType::kUint32, uint32_t{2});
  ExpectRejected(b.bytes(), "duplicate metadata key 'dup'", at);
}

// ---- metadata values ----

TEST(HostileMetadataTest, UnknownValueType) {
  for (uint32_t type : {13u, 14u, 255u, 0xffffffffu}) {
    RawGguf b;
    b.Header(0, 1).Str("k").U32(type).U64(0);
    ExpectRejected(b.bytes(), fmt::format("key 'k': unknown value type {}", type), 24 + 8 + 1);
  }
}

TEST(HostileMetadataTest, BoolByteTwo) {
  RawGguf b;
  b.Header(0, 1).Str("flag").U32(static_cast<uint32_t>(ValueType::kBool)).U8(2).Zeros(8);
  ExpectRejected(b.bytes(), "key 'flag': boolean byte 2 is neither 0 nor 1", 24 + 8 + 4 + 4);
}

TEST(HostileMetadataTest, BoolArrayElementNotZeroOrOne) {
  RawGguf b;
  b.Header(0, 1).Str("flags").U32(kArr).U32(static_cast<uint32_t>(ValueType::kBool)).U64(3).U8(1).U8(0);
  const size_t at = b.size();
  b.U8(0xff);
  ExpectRejected(b.bytes(), "key 'flags': boolean byte 255 is neither 0 nor 1", at);
}

TEST(HostileMetadataTest, StringLengthOverflow) {
  RawGguf b;
  b.Header(0, 1).Str("s").U32(static_cast<uint32_t>(ValueType::kString));
  const size_t at = b.size();
  b.U64(kU64Max).Raw("tail");
  ExpectRejected(b.bytes(), "key 's' has length 18446744073709551615 > limit", at);
}

TEST(HostileMetadataTest, StringLengthBeyondFile) {
  RawGguf b;
  b.Header(0, 1).Str("s").U32(static_cast<uint32_t>(ValueType::kString)).U64(1000);
  const size_t at = b.size();
  b.Raw("short");
  ExpectRejected(b.bytes(), "file truncated reading key 's' (needs 1000 bytes, 5 left)", at);
}

TEST(HostileMetadataTest, ArrayWithUnknownElementType) {
  RawGguf b;
  b.Header(0, 1).Str("a").U32(kArr);
  const size_t at = b.size();
  b.U32(13).U64(0);
  ExpectRejected(b.bytes(), "key 'a': unknown array element type 13", at);
}

TEST(HostileMetadataTest, ArrayCountHuge) {
  RawGguf b;
  b.Header(0, 1).Str("a").U32(kArr).U32(kU8);
  const size_t at = b.size();
  b.U64(1ull << 40).Zeros(16);
  ExpectRejected(b.bytes(), "key 'a': array of 1099511627776 elements > limit 268435456", at);
}

TEST(HostileMetadataTest, ArrayCountLargerThanBytesLeft) {
  RawGguf b;
  b.Header(0, 1).Str("a").U32(kArr).U32(kU32);
  const size_t at = b.size();
  b.U64(1000).Zeros(40);
  ExpectRejected(b.bytes(), "key 'a': array of 1000 UINT32 elements cannot fit in the 40 bytes left", at);
  // Strings need at least their 8-byte length each.
  RawGguf s;
  s.Header(0, 1).Str("a").U32(kArr).U32(static_cast<uint32_t>(ValueType::kString)).U64(6).Zeros(40);
  ExpectRejected(s.bytes(), "array of 6 STRING elements cannot fit in the 40 bytes left");
}

TEST(HostileMetadataTest, StringInArrayBeyondFile) {
  RawGguf b;
  b.Header(0, 1).Str("a").U32(kArr).U32(static_cast<uint32_t>(ValueType::kString)).U64(2).Str("ok").U64(99);
  const size_t at = b.size();
  b.Raw("12345678");
  ExpectRejected(b.bytes(), "file truncated reading key 'a' (needs 99 bytes, 8 left)", at);
}

// `levels` arrays nested inside each other, the innermost an empty UINT8 array.
RawGguf NestedArrays(int levels, size_t* deepest_at) {
  RawGguf b;
  b.Header(0, 1).Str("deep").U32(kArr);
  for (int i = 0; i < levels - 1; ++i) {
    if (deepest_at != nullptr) *deepest_at = b.size();
    b.U32(kArr).U64(1);
  }
  if (deepest_at != nullptr) *deepest_at = b.size();
  b.U32(kU8).U64(0);
  return b;
}

TEST(HostileMetadataTest, NestedArraysDeeperThanLimit) {
  auto ok = GgufFile::Parse(NestedArrays(8, nullptr).bytes());
  ASSERT_TRUE(ok) << ok.error().message;
  size_t deepest_at = 0;
  const RawGguf too_deep = NestedArrays(9, &deepest_at);
  ExpectRejected(too_deep.bytes(), "key 'deep': arrays nested deeper than 8", deepest_at);
  ReaderLimits limits;
  limits.max_array_depth = 2;
  EXPECT_TRUE(GgufFile::Parse(NestedArrays(2, nullptr).bytes(), limits));
  ExpectRejected(NestedArrays(3, nullptr).bytes(), "arrays nested deeper than 2", std::string::npos, limits);
  // A hostile depth far beyond the limit fails the same way, without deep recursion.
  ExpectRejected(NestedArrays(100000, nullptr).bytes(), "arrays nested deeper than 8");
}

// ---- general.alignment ----

// 24-byte header, 8-byte key length, the 17-byte key: the type field is at 49.
constexpr size_t kAlignmentTypeAt = 24 + 8 + 17;

TEST(HostileAlignmentTest, WrongType) {
  RawGguf b;
  b.Header(0, 1).Kv("general.alignment", ValueType::kUint64, uint64_t{64});
  ExpectRejected(b.bytes(), "key 'general.alignment': has type UINT64, expected UINT32", kAlignmentTypeAt);
  RawGguf s;
  s.Header(0, 1).KvString("general.alignment", "32");
  ExpectRejected(s.bytes(), "key 'general.alignment': has type STRING, expected UINT32", kAlignmentTypeAt);
}

TEST(HostileAlignmentTest, NotPowerOfTwo) {
  RawGguf b;
  b.Header(0, 1).Kv("general.alignment", ValueType::kUint32, uint32_t{48});
  ExpectRejected(b.bytes(), "key 'general.alignment': 48 is not a power of two", kAlignmentTypeAt);
}

TEST(HostileAlignmentTest, Zero) {
  RawGguf b;
  b.Header(0, 1).Kv("general.alignment", ValueType::kUint32, uint32_t{0});
  ExpectRejected(b.bytes(), "key 'general.alignment': 0 is not a power of two", kAlignmentTypeAt);
}

TEST(HostileAlignmentTest, GovernsTensorOffsets) {
  // With alignment 64 a tensor at data offset 32 is misaligned, though 32 would be fine by default.
  RawGguf b;
  b.Header(1, 1).Kv("general.alignment", ValueType::kUint32, uint32_t{64}).Tensor("w", {4}, kF32, 32).PadTo(64);
  const size_t data_at = b.size();
  b.Zeros(128);
  ExpectRejected(b.bytes(), "tensor 'w': data offset 32 is not a multiple of the alignment 64", data_at);
}

}  // namespace
}  // namespace citadel::gguf
