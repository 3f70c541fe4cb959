#pragma once
// What the CLI tests share: a temporary directory that is removed afterwards, the real binary run
// with shell-quoted arguments, and files written into that directory.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "testing/shared_data.h"
#include "testing/subprocess.h"

namespace citadel::testing {

class CliTest : public ::testing::Test {
 protected:
  explicit CliTest(std::string dir_prefix) : dir_prefix_(std::move(dir_prefix)) {}
  void SetUp() override { dir_ = MakeTempDir(dir_prefix_); }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  CommandResult Citadel(const std::string& args) const { return RunCommand(std::string(CITADEL_BINARY) + " " + args); }
  // Writes `content` to dir_/name and returns the path.
  std::string Write(const std::string& name, const std::string& content) const {
    const auto path = dir_ / name;
    std::ofstream(path, std::ios::binary) << content;
    return path.string();
  }

  std::filesystem::path dir_;

 private:
  std::string dir_prefix_;
};

}  // namespace citadel::testing
