// `citadel pii scan` on the real binary.

#include <gtest/gtest.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "testing/shared_data.h"
#include "testing/subprocess.h"

namespace citadel {
namespace {

using testing::RunCommand;
using testing::ShellQuote;

class PiiCommands : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::MakeTempDir("citadel-pii");
    input_ = (dir_ / "in.txt").string();
    std::ofstream(input_) << text_;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  testing::CommandResult Citadel(const std::string& args) const {
    return RunCommand(fmt::format("{} {}", CITADEL_BINARY, args));
  }

  const std::string text_ = "我的手机号13812345678谢谢, mail a@b.com, call 13812345678 again.\n";
  std::filesystem::path dir_;
  std::string input_;
};

TEST_F(PiiCommands, RedactsByDefault) {
  const auto r = Citadel(fmt::format("pii scan {}", ShellQuote(input_)));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "我的手机号***谢谢, mail ***, call *** again.\n");
}

TEST_F(PiiCommands, PlaceholdersAreNumberedPerValueAndStdinWorks) {
  const auto r = Citadel(fmt::format("pii scan --policy placeholder - < {}", ShellQuote(input_)));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "我的手机号[PHONE_1]谢谢, mail [EMAIL_1], call [PHONE_1] again.\n");
}

TEST_F(PiiCommands, HashNeedsAKeyAndIsStable) {
  EXPECT_NE(Citadel(fmt::format("pii scan --policy hash {}", ShellQuote(input_))).exit_code, 0);
  const auto a = Citadel(fmt::format("pii scan --policy hash --hash-key k {}", ShellQuote(input_)));
  const auto b = Citadel(fmt::format("pii scan --policy hash --hash-key k {}", ShellQuote(input_)));
  ASSERT_EQ(a.exit_code, 0) << a.err;
  EXPECT_EQ(a.out, b.out);
  EXPECT_NE(a.out.find("[EMAIL:"), std::string::npos);
  EXPECT_EQ(a.out.find("a@b.com"), std::string::npos);
}

TEST_F(PiiCommands, FindingsAreJsonLinesWithoutValues) {
  const auto r = Citadel(fmt::format("pii scan --findings {}", ShellQuote(input_)));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.find("13812345678"), std::string::npos);
  std::istringstream lines(r.out);
  std::string line;
  std::vector<std::string> types;
  while (std::getline(lines, line)) {
    const auto j = nlohmann::json::parse(line);
    types.push_back(j.at("type").get<std::string>());
    const auto start = j.at("start").get<size_t>(), end = j.at("end").get<size_t>();
    if (types.back() == "PHONE") {
      EXPECT_EQ(text_.substr(start, end - start), "13812345678");
    }
  }
  EXPECT_EQ(types, (std::vector<std::string>{"PHONE", "EMAIL", "PHONE"}));
}

TEST_F(PiiCommands, MissingFileIsOneLineOnStderr) {
  const auto r = Citadel(fmt::format("pii scan {}", ShellQuote((dir_ / "absent.txt").string())));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(r.out.empty());
  EXPECT_NE(r.err.find("cannot read"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_NE(Citadel(fmt::format("pii scan --policy mask {}", ShellQuote(input_))).exit_code, 0);
}

}  // namespace
}  // namespace citadel
