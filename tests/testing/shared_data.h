#pragma once
// Locates ../shared (models and llama.cpp reference data). Tests that need it skip with a message
// naming the path when it is absent, as in a user's clone.

#include <gtest/gtest.h>

#include <filesystem>
#include <optional>

namespace citadel::testing {

// CITADEL_SHARED_DIR when set, else <source>/../shared; nullopt when that folder does not exist.
std::optional<std::filesystem::path> SharedDir();

// A fresh empty directory under the test temp dir, removed at process exit by the OS cleaner
// of /tmp at the latest; tests remove what they create.
std::filesystem::path MakeTempDir(const std::string& prefix);

}  // namespace citadel::testing

// Binds `var` to the shared directory or skips the test.
#define CITADEL_REQUIRE_SHARED(var)                                                             \
  const auto citadel_shared_ = ::citadel::testing::SharedDir();                                \
  if (!citadel_shared_) {                                                                      \
    GTEST_SKIP() << "../shared not found next to the source tree (set CITADEL_SHARED_DIR); "   \
                    "reference tests need the shared models and llama.cpp reference data";     \
  }                                                                                            \
  const std::filesystem::path var = *citadel_shared_
