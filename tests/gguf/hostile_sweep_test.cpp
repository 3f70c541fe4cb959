// Sweeps over mutated copies of small valid files: every prefix, special values written at every
// field start, and seeded random byte flips. The reader must never crash (the sanitizer preset
// turns any out-of-bounds access into a failure), every error must name an offset, and whatever
// it accepts must satisfy the layout invariants GgufFile promises.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "gguf/gguf_file.h"
#include "gguf/writer.h"
#include "raw_gguf.h"
#include "testing/random.h"

namespace citadel::gguf {
namespace {

using testing::RawGguf;

uint64_t Checksum(const Array& a);

uint64_t Checksum(const Value& v) {
  return std::visit(
      [](const auto& x) -> uint64_t {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::string>) {
          uint64_t h = x.size();
          for (char c : x) h = h * 31 + static_cast<uint8_t>(c);
          return h;
        } else if constexpr (std::is_same_v<T, Array>) {
          return Checksum(x);
        } else {
          return static_cast<uint64_t>(x);
        }
      },
      v.storage());
}

uint64_t Checksum(const Array& a) {
  return std::visit(
      [](const auto& items) {
        uint64_t h = items.size();
        for (const auto& item : items) h = h * 7 + Checksum(Value(item));
        return h;
      },
      a.items);
}

// Reads every byte the file exposes and checks the promises of a successful parse.
void TouchEverything(const GgufFile& file) {
  uint64_t h = 0;
  for (const auto& entry : file.metadata()) {
    h += entry.key.size() + Checksum(entry.value);
    ASSERT_EQ(file.Find(entry.key), &entry.value);
  }
  ASSERT_EQ(file.data_offset() % file.alignment(), 0u);
  for (const auto& t : file.tensors()) {
    ASSERT_EQ(file.FindTensor(t.name), &t);
    auto bytes = TensorBytes(t.type, t.shape);
    ASSERT_TRUE(bytes) << bytes.error().message;
    ASSERT_EQ(*bytes, t.n_bytes);
    ASSERT_EQ(t.offset % file.alignment(), 0u);
    ASSERT_LE(file.data_offset() + t.offset + t.n_bytes, file.file_size());
    const auto data = file.TensorData(t);
    ASSERT_EQ(data.size(), t.n_bytes);
    for (std::byte b : data) h += static_cast<uint8_t>(b);
  }
  volatile uint64_t sink = h;  // keeps the reads from being optimized away
  static_cast<void>(sink);
}

void ParseMutant(const std::vector<std::byte>& bytes, int* accepted = nullptr) {
  auto parsed = GgufFile::Parse(bytes);
  if (parsed) {
    TouchEverything(*parsed);
    if (accepted != nullptr) ++*accepted;
  } else {
    ASSERT_EQ(parsed.error().message.rfind("offset ", 0), 0u) << parsed.error().message;
  }
}

std::vector<std::byte> SmallWriterFile() {
  GgufWriter w;
  w.Set("general.architecture", "llama");
  w.Set("u8", uint8_t{1});
  w.Set("i16", int16_t{-2});
  w.Set("u32", uint32_t{3});
  w.Set("f32", 0.5f);
  w.Set("flag", true);
  w.Set("u64", uint64_t{5});
  w.Set("i64", int64_t{-6});
  w.Set("f64", 0.25);
  w.Set("toks", Array::Of<std::string>({"<s>", "a", ""}));
  w.Set("scores", Array::Of<float>({0.0f, -1.0f}));
  w.Set("bits", Array::OfBools({1, 0}));
  w.Set("nested", Array::OfArrays({Array::Of<int8_t>({1, -1}), Array::OfArrays({})}));
  std::vector<std::byte> a(34 * 2), b(16), c(144);
  for (size_t i = 0; i < a.size(); ++i) a[i] = static_cast<std::byte>(i);
  EXPECT_TRUE(w.AddTensor("q8", TensorType::kQ8_0, {32, 2}, a));
  EXPECT_TRUE(w.AddTensor("f32", TensorType::kF32, {4}, b));
  EXPECT_TRUE(w.AddTensor("q4k", TensorType::kQ4_K, {256}, c));
  auto bytes = w.Serialize();
  EXPECT_TRUE(bytes);
  return bytes ? *bytes : std::vector<std::byte>{};
}

TEST(HostileSweepTest, EveryPrefixIsRejectedUntilTheLastTensorEnds) {
  const std::vector<std::byte> full = SmallWriterFile();
  auto file = GgufFile::Parse(full);
  ASSERT_TRUE(file) << file.error().message;
  uint64_t required = file->data_offset();
  for (const auto& t : file->tensors()) required = std::max(required, file->data_offset() + t.offset + t.n_bytes);
  ASSERT_LT(required, full.size());  // the writer pads after the last tensor
  for (size_t n = 0; n <= full.size(); ++n) {
    const std::vector<std::byte> prefix(full.begin(), full.begin() + static_cast<long>(n));
    auto parsed = GgufFile::Parse(prefix);
    if (n < required) {
      ASSERT_FALSE(parsed) << "prefix of " << n << " bytes accepted";
      ASSERT_EQ(parsed.error().message.rfind("offset ", 0), 0u) << parsed.error().message;
    } else {
      ASSERT_TRUE(parsed) << "prefix of " << n << " bytes: " << parsed.error().message;
      TouchEverything(*parsed);
    }
  }
}

TEST(HostileSweepTest, SpecialValuesAtEveryFieldStart) {
  RawGguf b;
  b.Header(2, 4)
      .KvString("general.architecture", "llama")
      .Kv("general.alignment", ValueType::kUint32, uint32_t{32})
      .Kv("flag", ValueType::kBool, uint8_t{1});
  b.Str("toks").U32(static_cast<uint32_t>(ValueType::kArray)).U32(static_cast<uint32_t>(ValueType::kArray)).U64(2);
  b.U32(static_cast<uint32_t>(ValueType::kString)).U64(2).Str("a").Str("bc");
  b.U32(static_cast<uint32_t>(ValueType::kUint16)).U64(1).Put(uint16_t{7});
  b.Tensor("tok_embd", {32, 2}, static_cast<uint32_t>(TensorType::kQ4_0), 0)
      .Tensor("norm", {8}, static_cast<uint32_t>(TensorType::kF32), 64)
      .PadTo(32)
      .Zeros(96);
  ASSERT_TRUE(GgufFile::Parse(b.bytes()));
  constexpr uint64_t kSpecial[] = {0, 1, 2, 3, 7, 8, 12, 13, 31, 32, 33, 0x7f, 0x80, 0xff, 0x100, 0xffff, 1ull << 31,
                                   0xffffffffull, 1ull << 32, 1ull << 62, 1ull << 63, ~0ull - 31, ~0ull};
  int accepted = 0, mutants = 0;
  for (size_t at : b.boundaries()) {
    for (uint64_t v : kSpecial) {
      for (size_t width : {1u, 4u, 8u}) {
        if (at + width > b.size()) continue;
        std::vector<std::byte> bytes = b.bytes();
        std::memcpy(bytes.data() + at, &v, width);
        ParseMutant(bytes, &accepted);
        ++mutants;
        if (::testing::Test::HasFatalFailure()) return;
      }
    }
  }
  EXPECT_GT(mutants, 1000);
  EXPECT_GT(accepted, 0);  // some mutations (data bytes, equivalent values) are harmless
}

TEST(HostileSweepTest, RandomByteFlipsNeverCrash) {
  CITADEL_SEEDED_RNG(rng);
  const std::vector<std::byte> base = SmallWriterFile();
  auto file = GgufFile::Parse(base);
  ASSERT_TRUE(file);
  const size_t header_bytes = file->data_offset();  // where nearly all the interesting bytes are
  std::uniform_int_distribution<int> byte_value(0, 255);
  std::uniform_int_distribution<int> flips(1, 4);
  int accepted = 0;
  for (int i = 0; i < 5000; ++i) {
    std::vector<std::byte> bytes = base;
    const int n = flips(rng);
    for (int k = 0; k < n; ++k) {
      const size_t limit = (i % 4 == 0) ? bytes.size() : header_bytes;
      const size_t at = std::uniform_int_distribution<size_t>(0, limit - 1)(rng);
      if (i % 2 == 0) {
        bytes[at] ^= static_cast<std::byte>(1u << (byte_value(rng) % 8));
      } else {
        bytes[at] = static_cast<std::byte>(byte_value(rng));
      }
    }
    if (i % 8 == 0) bytes.resize(std::uniform_int_distribution<size_t>(0, bytes.size())(rng));
    ParseMutant(bytes, &accepted);
    if (::testing::Test::HasFatalFailure()) return;
  }
  EXPECT_GT(accepted, 0);
}

}  // namespace
}  // namespace citadel::gguf
