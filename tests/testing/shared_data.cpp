#include "testing/shared_data.h"

#include <atomic>
#include <cstdlib>
#include <random>
#include <string>
#include <unistd.h>

namespace citadel::testing {

std::optional<std::filesystem::path> SharedDir() {
  std::filesystem::path dir;
  if (const char* env = std::getenv("CITADEL_SHARED_DIR")) {
    dir = env;
  } else {
    dir = std::filesystem::path(CITADEL_SOURCE_DIR).parent_path() / "shared";
  }
  std::error_code ec;
  if (!std::filesystem::is_directory(dir / "reference", ec)) return std::nullopt;
  return dir;
}

std::filesystem::path MakeTempDir(const std::string& prefix) {
  std::random_device device;
  const auto base = std::filesystem::temp_directory_path();
  for (int attempt = 0; attempt < 100; ++attempt) {
    auto dir = base / (prefix + "-" + std::to_string(::getpid()) + "-" + std::to_string(device()));
    if (std::filesystem::create_directory(dir)) return dir;
  }
  ADD_FAILURE() << "cannot create a temporary directory under " << base;
  return base;
}

}  // namespace citadel::testing
