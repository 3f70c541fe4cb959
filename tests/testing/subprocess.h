#pragma once
// Runs a command line through /bin/sh and captures what it prints, for tests of the real binaries.

#include <string>

namespace citadel::testing {

struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Arguments are shell words already quoted by the caller (see ShellQuote).
CommandResult RunCommand(const std::string& command_line);
std::string ShellQuote(const std::string& arg);

}  // namespace citadel::testing
