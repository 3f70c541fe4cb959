// GgufWriter: validation of what it is given, data layout under custom alignment, streaming fill
// functions, atomic WriteFile, and byte-identical re-serialization of what the reader parsed.

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "gguf/gguf_file.h"
#include "gguf/writer.h"
#include "testing/shared_data.h"

namespace citadel::gguf {
namespace {

namespace fs = std::filesystem;

std::vector<std::byte> Pattern(size_t n, uint8_t seed) {
  std::vector<std::byte> out(n);
  for (size_t i = 0; i < n; ++i) out[i] = static_cast<std::byte>((i * 31 + seed) & 0xff);
  return out;
}

template <class R>
std::string ErrorOf(const R& r) {
  return r ? std::string("(no error)") : r.error().message;
}

// Rebuilds a writer from a parsed file: same version, metadata in file order, tensors with their
// bytes. Serializing it must reproduce the original file exactly.
GgufWriter Rebuild(const GgufFile& file) {
  GgufWriter w(file.version());
  for (const auto& entry : file.metadata()) w.Set(entry.key, entry.value);
  for (const auto& t : file.tensors()) {
    const auto view = file.TensorData(t);
    auto added = w.AddTensor(t.name, t.type, t.shape, std::vector<std::byte>(view.begin(), view.end()));
    EXPECT_TRUE(added) << added.error().message;
  }
  return w;
}

TEST(WriterValidationTest, RejectsBadTensors) {
  GgufWriter w;
  ASSERT_TRUE(w.AddTensor("a", TensorType::kF32, {4}, Pattern(16, 1)));
  EXPECT_EQ(ErrorOf(w.AddTensor("a", TensorType::kF32, {4}, Pattern(16, 1))), "duplicate tensor name 'a'");
  EXPECT_EQ(ErrorOf(w.AddTensor("b", TensorType::kF32, {1, 1, 1, 1, 1}, Pattern(4, 1))), "5 dims (1 to 4 allowed)");
  EXPECT_EQ(ErrorOf(w.AddTensor("c", TensorType::kF32, {4, 0}, Pattern(0, 1))), "dimension 1 is zero");
  EXPECT_EQ(ErrorOf(w.AddTensor("c", TensorType::kF32, {0}, Pattern(0, 1))), "dimension 0 is zero");
  EXPECT_EQ(ErrorOf(w.AddTensor("d", TensorType::kQ8_0, {48}, Pattern(51, 1))),
            "first dimension 48 is not a multiple of the Q8_0 block size 32");
  EXPECT_EQ(ErrorOf(w.AddTensor("e", TensorType::kF16, {8}, Pattern(15, 1))),
            "tensor 'e': 15 bytes of data for a F16 tensor of 16 bytes");
  EXPECT_EQ(ErrorOf(w.AddTensor("", TensorType::kF32, {1}, Pattern(4, 1))), "tensor name is empty");
  // The FillFn overload validates the same way and names the tensor.
  EXPECT_EQ(ErrorOf(w.AddTensor("f", TensorType::kQ4_K, {32}, GgufWriter::FillFn([](auto) { return Ok(); }))),
            "tensor 'f': first dimension 32 is not a multiple of the Q4_K block size 256");
  EXPECT_EQ(ErrorOf(w.AddTensor("g", TensorType::kF32, {}, GgufWriter::FillFn([](auto) { return Ok(); }))),
            "tensor 'g': 0 dims (1 to 4 allowed)");
  // Nothing rejected was added.
  auto file = GgufFile::Parse(*w.Serialize());
  ASSERT_TRUE(file) << file.error().message;
  EXPECT_EQ(file->tensors().size(), 1u);
}

TEST(WriterValidationTest, RejectsInvalidAlignment) {
  for (const Value& bad : {Value(uint32_t{0}), Value(uint32_t{48}), Value(uint64_t{64}), Value(int32_t{32})}) {
    GgufWriter w;
    w.Set("general.alignment", bad);
    EXPECT_EQ(ErrorOf(w.Serialize()), "general.alignment must be a UINT32 power of two");
  }
}

TEST(WriterLayoutTest, CustomAlignment) {
  for (uint32_t alignment : {1u, 8u, 64u, 4096u}) {
    GgufWriter w;
    w.Set("general.alignment", alignment);
    ASSERT_TRUE(w.AddTensor("x", TensorType::kI8, {3}, Pattern(3, 1)));
    ASSERT_TRUE(w.AddTensor("y", TensorType::kF32, {5}, Pattern(20, 2)));
    ASSERT_TRUE(w.AddTensor("z", TensorType::kQ8_0, {32}, Pattern(34, 3)));
    auto bytes = w.Serialize();
    ASSERT_TRUE(bytes) << bytes.error().message;
    EXPECT_EQ(bytes->size() % alignment, 0u);
    auto file = GgufFile::Parse(*bytes);
    ASSERT_TRUE(file) << file.error().message;
    EXPECT_EQ(file->alignment(), alignment);
    EXPECT_EQ(file->data_offset() % alignment, 0u);
    for (const auto& t : file->tensors()) {
      EXPECT_EQ(t.offset % alignment, 0u) << t.name << " alignment " << alignment;
    }
    EXPECT_EQ(file->tensors()[1].offset, (3 + alignment - 1) / alignment * alignment);
    const auto z = file->TensorData(file->tensors()[2]);
    EXPECT_EQ(std::vector<std::byte>(z.begin(), z.end()), Pattern(34, 3));
  }
}

TEST(WriterLayoutTest, VersionTwoAndThree) {
  for (uint32_t version : {2u, 3u}) {
    GgufWriter w(version);
    w.Set("general.name", "v");
    ASSERT_TRUE(w.AddTensor("t", TensorType::kF16, {2, 2}, Pattern(8, 4)));
    auto bytes = w.Serialize();
    ASSERT_TRUE(bytes);
    EXPECT_EQ(static_cast<uint8_t>((*bytes)[4]), version);
    auto file = GgufFile::Parse(*bytes);
    ASSERT_TRUE(file) << file.error().message;
    EXPECT_EQ(file->version(), version);
    EXPECT_EQ(file->tensors()[0].shape, (std::vector<uint64_t>{2, 2}));
  }
}

TEST(WriterFillTest, FillIsCalledWithExactSizeAndStreams) {
  GgufWriter w;
  int calls = 0;
  ASSERT_TRUE(w.AddTensor("big", TensorType::kF32, {1000, 3}, [&calls](std::span<std::byte> out) -> Result<void> {
    ++calls;
    EXPECT_EQ(out.size(), 12000u);
    for (size_t i = 0; i < out.size(); ++i) out[i] = static_cast<std::byte>(i % 251);
    return Ok();
  }));
  ASSERT_TRUE(w.AddTensor("small", TensorType::kI8, {5}, Pattern(5, 9)));
  auto bytes = w.Serialize();
  ASSERT_TRUE(bytes) << bytes.error().message;
  EXPECT_EQ(calls, 1);
  auto file = GgufFile::Parse(*bytes);
  ASSERT_TRUE(file) << file.error().message;
  const auto big = file->TensorData(*file->FindTensor("big"));
  ASSERT_EQ(big.size(), 12000u);
  for (size_t i = 0; i < big.size(); ++i) ASSERT_EQ(big[i], static_cast<std::byte>(i % 251)) << i;
  // Serializing again calls the fill function again: nothing is cached.
  ASSERT_TRUE(w.Serialize());
  EXPECT_EQ(calls, 2);
}

TEST(WriterFillTest, FillErrorNamesTensor) {
  GgufWriter w;
  ASSERT_TRUE(w.AddTensor("w", TensorType::kF32, {4}, [](std::span<std::byte>) -> Result<void> {
    return Err("generator ran dry");
  }));
  EXPECT_EQ(ErrorOf(w.Serialize()), "tensor 'w': generator ran dry");
}

TEST(WriterFillTest, EmptyFillFunctionIsAnError) {
  GgufWriter w;
  ASSERT_TRUE(w.AddTensor("w", TensorType::kF32, {4}, GgufWriter::FillFn{}));
  EXPECT_EQ(ErrorOf(w.Serialize()), "tensor 'w': no data and no fill function");
}

class WriteFileTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = testing::MakeTempDir("citadel-gguf-writer"); }
  void TearDown() override {
    std::error_code ec;
    fs::permissions(dir_, fs::perms::owner_all, ec);
    fs::remove_all(dir_, ec);
  }
  static std::vector<std::byte> ReadAll(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::vector<char> chars((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::vector<std::byte> out(chars.size());
    for (size_t i = 0; i < chars.size(); ++i) out[i] = static_cast<std::byte>(chars[i]);
    return out;
  }
  fs::path dir_;
};

TEST_F(WriteFileTest, WritesSameBytesAsSerializeAndOpens) {
  GgufWriter w;
  w.Set("general.architecture", "llama");
  ASSERT_TRUE(w.AddTensor("t", TensorType::kQ4_0, {64, 2}, Pattern(72, 5)));
  const fs::path path = dir_ / "model.gguf";
  auto written = w.WriteFile(path);
  ASSERT_TRUE(written) << written.error().message;
  EXPECT_EQ(ReadAll(path), *w.Serialize());
  EXPECT_FALSE(fs::exists(path.string() + ".tmp"));
  auto file = GgufFile::Open(path);
  ASSERT_TRUE(file) << file.error().message;
  EXPECT_EQ(*file->Get<std::string>("general.architecture"), "llama");
  const auto data = file->TensorData(file->tensors()[0]);
  EXPECT_EQ(std::vector<std::byte>(data.begin(), data.end()), Pattern(72, 5));
}

TEST_F(WriteFileTest, WritesTemporaryThenRenames) {
  const fs::path path = dir_ / "model.gguf";
  const fs::path tmp = path.string() + ".tmp";
  std::ofstream(path) << "old content";
  GgufWriter w;
  bool checked = false;
  ASSERT_TRUE(w.AddTensor("t", TensorType::kF32, {2}, [&](std::span<std::byte> out) -> Result<void> {
    if (!checked) {  // mid-WriteFile: the temporary exists, the destination still holds the old file
      EXPECT_TRUE(fs::exists(tmp));
      EXPECT_EQ(fs::file_size(path), 11u);
      checked = true;
    }
    std::fill(out.begin(), out.end(), std::byte{1});
    return Ok();
  }));
  ASSERT_TRUE(w.WriteFile(path));
  EXPECT_TRUE(checked);
  EXPECT_FALSE(fs::exists(tmp));
  EXPECT_EQ(ReadAll(path), *w.Serialize());
}

TEST_F(WriteFileTest, FailedWriteLeavesDestinationAndNoTemporary) {
  const fs::path path = dir_ / "model.gguf";
  std::ofstream(path) << "old content";
  GgufWriter w;
  ASSERT_TRUE(w.AddTensor("t", TensorType::kF32, {2}, [](std::span<std::byte>) -> Result<void> {
    return Err("disk quota imagined");
  }));
  EXPECT_EQ(ErrorOf(w.WriteFile(path)), "tensor 't': disk quota imagined");
  EXPECT_EQ(fs::file_size(path), 11u);
  EXPECT_FALSE(fs::exists(path.string() + ".tmp"));
}

TEST_F(WriteFileTest, MissingDirectoryIsAnError) {
  const fs::path path = dir_ / "no" / "such" / "dir" / "model.gguf";
  const std::string message = ErrorOf(GgufWriter().WriteFile(path));
  EXPECT_NE(message.find(fmt::format("cannot create '{}.tmp'", path.string())), std::string::npos) << message;
  EXPECT_NE(message.find("No such file or directory"), std::string::npos) << message;
}

TEST_F(WriteFileTest, UnwritableDirectoryIsAnError) {
  if (::geteuid() == 0) GTEST_SKIP() << "root ignores directory permissions";
  const fs::path locked = dir_ / "locked";
  fs::create_directory(locked);
  fs::permissions(locked, fs::perms::owner_read | fs::perms::owner_exec);
  const std::string message = ErrorOf(GgufWriter().WriteFile(locked / "model.gguf"));
  EXPECT_NE(message.find("cannot create"), std::string::npos) << message;
  EXPECT_NE(message.find("Permission denied"), std::string::npos) << message;
}

TEST_F(WriteFileTest, PathUnderARegularFileIsAnError) {
  const fs::path file = dir_ / "plain";
  std::ofstream(file) << "x";
  const std::string message = ErrorOf(GgufWriter().WriteFile(file / "model.gguf"));
  EXPECT_NE(message.find("cannot create"), std::string::npos) << message;
  EXPECT_NE(message.find("Not a directory"), std::string::npos) << message;
}

TEST(ReserializeTest, ParsedFileRebuildsByteIdentical) {
  for (uint32_t version : {2u, 3u}) {
    for (uint32_t alignment : {0u, 16u, 64u}) {
      GgufWriter w(version);
      w.Set("general.architecture", "llama");
      if (alignment != 0) w.Set("general.alignment", alignment);
      w.Set("tokenizer.ggml.tokens", Array::Of<std::string>({"<s>", "</s>", "\u2581the"}));
      w.Set("tokenizer.ggml.scores", Array::Of<float>({0.0f, -1.0f, -2.5f}));
      w.Set("flags", Array::OfBools({1, 0}));
      w.Set("nested", Array::OfArrays({Array::Of<int64_t>({-1}), Array::OfArrays({})}));
      w.Set("eps", 1e-6f);
      w.Set("big", uint64_t{1} << 40);
      ASSERT_TRUE(w.AddTensor("token_embd.weight", TensorType::kQ8_0, {64, 3}, Pattern(204, 1)));
      ASSERT_TRUE(w.AddTensor("norm", TensorType::kF32, {7}, Pattern(28, 2)));
      ASSERT_TRUE(w.AddTensor("k", TensorType::kQ4_K, {256, 1, 2}, Pattern(288, 3)));
      ASSERT_TRUE(w.AddTensor("h", TensorType::kBF16, {3, 1, 1, 2}, Pattern(12, 4)));
      auto original = w.Serialize();
      ASSERT_TRUE(original) << original.error().message;
      auto file = GgufFile::Parse(*original);
      ASSERT_TRUE(file) << file.error().message;
      auto again = Rebuild(*file).Serialize();
      ASSERT_TRUE(again) << again.error().message;
      EXPECT_EQ(*again, *original) << "version " << version << " alignment " << alignment;
    }
  }
}

}  // namespace
}  // namespace citadel::gguf
