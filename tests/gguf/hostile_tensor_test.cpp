// Hostile tensor records and data layouts, and truncation at every field boundary of a file that
// is otherwise valid. Offsets in the comments are absolute: the header is 24 bytes, so a lone
// tensor record named "w" has its dims count at 33, first dim at 37 and (1-D) type at 45.

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
constexpr uint32_t kI8 = static_cast<uint32_t>(TensorType::kI8);
constexpr uint32_t kQ4_0 = static_cast<uint32_t>(TensorType::kQ4_0);
constexpr uint32_t kQ4_K = static_cast<uint32_t>(TensorType::kQ4_K);

// One tensor record, padding, then data_bytes of data.
RawGguf OneTensor(std::string_view name, std::initializer_list<uint64_t> shape, uint32_t type, uint64_t offset,
                  size_t data_bytes = 256) {
  RawGguf b;
  b.Header(1, 0).Tensor(name, shape, type, offset).PadTo(32).Zeros(data_bytes);
  return b;
}

TEST(HostileTensorTest, HeaderOnlyFileIsValid) {
  auto file = GgufFile::Parse(RawGguf().Header(0, 0).bytes());
  ASSERT_TRUE(file) << file.error().message;
  EXPECT_EQ(file->data_offset(), 32u);  // past the end is fine when nothing lives there
}

TEST(HostileTensorTest, NameInvalidUtf8) {
  ExpectRejected(OneTensor("w\xff", {4}, kF32, 0).bytes(), "name of tensor #0 is not valid UTF-8", 24);
  ExpectRejected(OneTensor("\xc0\xaf", {4}, kF32, 0).bytes(), "name of tensor #0 is not valid UTF-8", 24);
}

TEST(HostileTensorTest, NameEmpty) { ExpectRejected(OneTensor("", {4}, kF32, 0).bytes(), "empty name of tensor #0", 24); }

TEST(HostileTensorTest, NameLengthBeyondFile) {
  RawGguf b;
  b.Header(1, 0).U64(1000).Zeros(40);
  ExpectRejected(b.bytes(), "file truncated reading name of tensor #0 (needs 1000 bytes, 40 left)", 32);
}

TEST(HostileTensorTest, DuplicateName) {
  RawGguf b;
  b.Header(2, 0).Tensor("w", {8}, kF32, 0);
  const size_t at = b.size();
  b.Tensor("w", {8}, kF32, 32).PadTo(32).Zeros(64);
  ExpectRejected(b.bytes(), "duplicate tensor name 'w'", at);
}

TEST(HostileTensorTest, ZeroDims) {
  RawGguf b;
  b.Header(1, 0).Str("w").U32(0).U32(kF32).U64(0).Zeros(64);
  ExpectRejected(b.bytes(), "tensor 'w': 0 dims (1 to 4 allowed)", 33);
}

TEST(HostileTensorTest, FiveDims) {
  ExpectRejected(OneTensor("w", {32, 1, 1, 1, 1}, kF32, 0).bytes(), "tensor 'w': 5 dims (1 to 4 allowed)", 33);
  RawGguf b;
  b.Header(1, 0).Str("w").U32(0xffffffffu).Zeros(64);
  ExpectRejected(b.bytes(), "tensor 'w': 4294967295 dims (1 to 4 allowed)", 33);
}

TEST(HostileTensorTest, ZeroDimension) {
  ExpectRejected(OneTensor("w", {0}, kF32, 0).bytes(), "tensor 'w': dimension 0 is zero", 37);
  ExpectRejected(OneTensor("w", {4, 0}, kF32, 0).bytes(), "tensor 'w': dimension 1 is zero", 45);
  ExpectRejected(OneTensor("w", {4, 1, 1, 0}, kF32, 0).bytes(), "tensor 'w': dimension 3 is zero", 61);
}

TEST(HostileTensorTest, DimensionProductOverflow) {
  ExpectRejected(OneTensor("w", {1ull << 32, 1ull << 32}, kF32, 0).bytes(), "tensor 'w': element count overflows", 24);
  ExpectRejected(OneTensor("w", {1ull << 16, 1ull << 16, 1ull << 16, 1ull << 16}, kI8, 0).bytes(),
                 "tensor 'w': element count overflows", 24);
  ExpectRejected(OneTensor("w", {1ull << 62}, kF32, 0).bytes(), "tensor 'w': byte size overflows", 24);
  ExpectRejected(OneTensor("w", {kU64Max}, kI8, 0).bytes(), "tensor 'w': element count overflows", 24);
}

TEST(HostileTensorTest, UnknownType) {
  for (uint32_t type : {4u, 5u, 31u, 32u, 33u, 36u, 37u, 38u, 40u, 1000u, 0xffffffffu}) {
    ExpectRejected(OneTensor("w", {32}, type, 0).bytes(), fmt::format("tensor 'w': unknown tensor type {}", type), 45);
  }
}

TEST(HostileTensorTest, FirstDimensionNotMultipleOfBlock) {
  ExpectRejected(OneTensor("w", {33}, kQ4_0, 0).bytes(),
                 "tensor 'w': first dimension 33 is not a multiple of the Q4_0 block size 32", 24);
  ExpectRejected(OneTensor("w", {32, 8}, kQ4_K, 0).bytes(),
                 "tensor 'w': first dimension 32 is not a multiple of the Q4_K block size 256", 24);
}

TEST(HostileTensorTest, OffsetMisaligned) {
  ExpectRejected(OneTensor("w", {4}, kF32, 16).bytes(),
                 "tensor 'w': data offset 16 is not a multiple of the alignment 32", 64);
  ExpectRejected(OneTensor("w", {4}, kF32, 1).bytes(), "data offset 1 is not a multiple of the alignment 32", 64);
}

TEST(HostileTensorTest, PastEndOfFile) {
  ExpectRejected(OneTensor("w", {16}, kF32, 0, 32).bytes(),
                 "tensor 'w': 64 bytes at data offset 0 extend past the end of the file (32 data bytes)", 64);
  ExpectRejected(OneTensor("w", {4}, kF32, 1ull << 20).bytes(),
                 "tensor 'w': 16 bytes at data offset 1048576 extend past the end of the file (256 data bytes)", 64);
  // One byte short.
  ExpectRejected(OneTensor("w", {8}, kF32, 0, 31).bytes(), "extend past the end of the file (31 data bytes)", 64);
}

TEST(HostileTensorTest, OffsetPlusSizeOverflows) {
  // Aligned, and offset + n_bytes wraps around to a small number if computed naively.
  const uint64_t offset = kU64Max - 31;
  ExpectRejected(OneTensor("w", {16}, kF32, offset).bytes(),
                 fmt::format("tensor 'w': 64 bytes at data offset {} extend past the end", offset), 64);
}

TEST(HostileTensorTest, OverlappingTensors) {
  RawGguf b;  // records out of offset order: the check sorts by offset
  b.Header(2, 0).Tensor("b", {8}, kF32, 32).Tensor("a", {16}, kF32, 0).PadTo(32).Zeros(128);
  ExpectRejected(b.bytes(), "tensors 'a' and 'b' overlap (data offsets 0 + 64 bytes > 32)", 96);
  RawGguf same;
  same.Header(2, 0).Tensor("x", {8}, kF32, 0).Tensor("y", {8}, kF32, 0).PadTo(32).Zeros(64);
  ExpectRejected(same.bytes(), "overlap (data offsets 0 + 32 bytes > 0)", 96);
}

TEST(HostileTensorTest, AdjacentTensorsDoNotOverlap) {
  RawGguf b;
  b.Header(2, 0).Tensor("a", {8}, kF32, 0).Tensor("b", {8}, kF32, 32).PadTo(32).Zeros(64);
  auto file = GgufFile::Parse(b.bytes());
  ASSERT_TRUE(file) << file.error().message;
  EXPECT_EQ(file->tensors()[1].offset, 32u);
}

TEST(HostileTensorTest, DataSectionBeyondEnd) {
  RawGguf b;
  b.Header(1, 0).Tensor("w", {4}, kF32, 0);  // ends at 57; the data section would start at 64
  ExpectRejected(b.bytes(), "data section starts at 64, past the end of the 57-byte file", 57);
}

TEST(HostileTensorTest, TruncatedTensorRecordFields) {
  // A 40-byte name keeps every cut inside the record above the 57 bytes the tensor count check
  // needs, so each cut reaches the field it splits: dims count at 72, ne0 at 76, ne1 at 84, type
  // at 92, offset at 96.
  const std::string name(40, 'n');
  const RawGguf full = OneTensor(name, {32, 2}, kF32, 0);
  const std::string what = fmt::format("file truncated reading tensor '{}'", name);
  struct Cut {
    size_t at;     // file length after the cut
    size_t field;  // start of the field the cut splits: the offset the error names
    std::string expected;
  };
  const std::vector<Cut> cuts = {
      {72, 72, what + " (needs 4 bytes, 0 left)"}, {74, 72, what + " (needs 4 bytes, 2 left)"},
      {81, 76, what + " (needs 8 bytes, 5 left)"}, {91, 84, what + " (needs 8 bytes, 7 left)"},
      {95, 92, what + " (needs 4 bytes, 3 left)"}, {97, 96, what + " (needs 8 bytes, 1 left)"},
  };
  for (const Cut& cut : cuts) {
    SCOPED_TRACE(cut.at);
    const std::vector<std::byte> prefix(full.bytes().begin(), full.bytes().begin() + static_cast<long>(cut.at));
    ExpectRejected(prefix, cut.expected, cut.field);
  }
  // Inside the name itself.
  const std::vector<std::byte> in_name(full.bytes().begin(), full.bytes().begin() + 60);
  ExpectRejected(in_name, "file truncated reading name of tensor #0 (needs 40 bytes, 28 left)", 32);
}

// A valid file whose every field start is a place to cut it.
RawGguf Representative() {
  RawGguf b;
  b.Header(2, 4)
      .KvString("general.architecture", "llama")
      .Kv("general.alignment", ValueType::kUint32, uint32_t{32})
      .Kv("flag", ValueType::kBool, uint8_t{1});
  b.Str("toks").U32(static_cast<uint32_t>(ValueType::kArray)).U32(static_cast<uint32_t>(ValueType::kString)).U64(2);
  b.Str("a").Str("bc");
  b.Tensor("tok_embd", {32, 2}, kQ4_0, 0).Tensor("norm", {8}, kF32, 64).PadTo(32).Zeros(96);
  return b;
}

TEST(HostileTensorTest, TruncationAtEveryFieldBoundary) {
  const RawGguf full = Representative();
  auto ok = GgufFile::Parse(full.bytes());
  ASSERT_TRUE(ok) << ok.error().message;
  int cuts = 0;
  for (size_t cut : full.boundaries()) {
    if (cut == 0 || cut >= full.size()) continue;
    SCOPED_TRACE(fmt::format("cut at {}", cut));
    const std::vector<std::byte> prefix(full.bytes().begin(), full.bytes().begin() + static_cast<long>(cut));
    auto parsed = GgufFile::Parse(prefix);
    ASSERT_FALSE(parsed);
    const std::string& m = parsed.error().message;
    ASSERT_EQ(m.rfind("offset ", 0), 0u) << m;
    EXPECT_LE(std::stoull(m.substr(7)), cut) << m;  // the error points inside what exists
    const bool named = m.find("file truncated") != std::string::npos || m.find("cannot fit") != std::string::npos ||
                       m.find("past the end") != std::string::npos;
    EXPECT_TRUE(named) << m;
    ++cuts;
  }
  EXPECT_GT(cuts, 30);
}

}  // namespace
}  // namespace citadel::gguf
