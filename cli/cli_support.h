#pragma once
// What every command shares: the one-line error convention.

#include <cstdio>
#include <string>

namespace citadel::cli {

// Prints "citadel: <message>" on stderr and returns the exit code for a failed command.
inline int Fail(const std::string& message) {
  std::fprintf(stderr, "citadel: %s\n", message.c_str());
  return 1;
}

}  // namespace citadel::cli
