// MappedFile: errors name the path, empty files map to an empty span, non-regular files are
// refused, ownership of the mapping moves exactly once, and released pages read back unchanged.

#include "core/mapped_file.h"

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

#include "testing/shared_data.h"

namespace citadel {
namespace {

namespace fs = std::filesystem;

class MappedFileTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = testing::MakeTempDir("citadel-mapped-file"); }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path Write(const std::string& name, const std::string& content) {
    const fs::path path = dir_ / name;
    std::ofstream(path, std::ios::binary) << content;
    return path;
  }
  static std::string Text(const MappedFile& m) {
    return std::string(reinterpret_cast<const char*>(m.bytes().data()), m.size());
  }

  fs::path dir_;
};

TEST_F(MappedFileTest, ReleasedPagesReadBackUnchanged) {
  // Five pages of distinct bytes; release a range that starts and ends inside pages, then read all.
  std::string content(5 * 4096, '\0');
  for (size_t i = 0; i < content.size(); ++i) content[i] = static_cast<char>(i * 7 + i / 4096);
  const fs::path path = Write("pages.bin", content);
  auto m = MappedFile::Open(path);
  ASSERT_TRUE(m) << m.error().message;
  ASSERT_EQ(Text(*m), content);
  m->ReleasePages(m->bytes().subspan(100, 3 * 4096));
  m->ReleasePages(m->bytes());
  m->ReleasePages({});
  EXPECT_EQ(Text(*m), content);
}

TEST_F(MappedFileTest, MapsContent) {
  const fs::path path = Write("a.bin", "hello, mapping");
  auto m = MappedFile::Open(path);
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(m->size(), 14u);
  EXPECT_EQ(m->bytes().size(), 14u);
  EXPECT_EQ(Text(*m), "hello, mapping");
}

TEST_F(MappedFileTest, MissingFileNamesPathAndReason) {
  const fs::path path = dir_ / "does-not-exist.gguf";
  auto m = MappedFile::Open(path);
  ASSERT_FALSE(m);
  EXPECT_NE(m.error().message.find(path.string()), std::string::npos) << m.error().message;
  EXPECT_NE(m.error().message.find("No such file"), std::string::npos) << m.error().message;
}

TEST_F(MappedFileTest, EmptyFileIsEmptySpan) {
  const fs::path path = Write("empty.bin", "");
  auto m = MappedFile::Open(path);
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(m->size(), 0u);
  EXPECT_TRUE(m->bytes().empty());
}

TEST_F(MappedFileTest, DirectoryIsRefused) {
  auto m = MappedFile::Open(dir_);
  ASSERT_FALSE(m);
  EXPECT_NE(m.error().message.find("is not a regular file"), std::string::npos) << m.error().message;
}

TEST_F(MappedFileTest, MoveConstructionTransfersOwnership) {
  auto opened = MappedFile::Open(Write("m.bin", "abc"));
  ASSERT_TRUE(opened);
  MappedFile a = std::move(opened).value();
  const std::byte* data = a.bytes().data();
  MappedFile b(std::move(a));
  EXPECT_EQ(b.bytes().data(), data);
  EXPECT_EQ(Text(b), "abc");
  EXPECT_EQ(a.size(), 0u);  // NOLINT(bugprone-use-after-move): moved-from state is specified empty
  EXPECT_EQ(a.bytes().data(), nullptr);
}

TEST_F(MappedFileTest, MoveAssignmentReleasesOldMapping) {
  auto first = MappedFile::Open(Write("1.bin", "first"));
  auto second = MappedFile::Open(Write("2.bin", "second!"));
  ASSERT_TRUE(first && second);
  MappedFile a = std::move(first).value();
  MappedFile b = std::move(second).value();
  a = std::move(b);  // a's old mapping is unmapped (ASan/LSan would not see it, but no double unmap)
  EXPECT_EQ(Text(a), "second!");
  EXPECT_EQ(b.size(), 0u);  // NOLINT(bugprone-use-after-move)
  MappedFile& self = a;
  a = std::move(self);  // self-assignment keeps the mapping
  EXPECT_EQ(Text(a), "second!");
}

TEST_F(MappedFileTest, MappingOutlivesTheFile) {
  const fs::path path = Write("gone.bin", "still here");
  auto m = MappedFile::Open(path);
  ASSERT_TRUE(m);
  fs::remove(path);
  EXPECT_EQ(Text(*m), "still here");
}

}  // namespace
}  // namespace citadel
