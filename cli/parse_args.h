#pragma once
// CLI11 parsing with Citadel's error convention: a bad command line prints one line on stderr and
// exits 2; --help prints help and exits 0.

#include <CLI/CLI.hpp>

#include <cstdio>

namespace citadel::cli {

// Returns the exit code to use when parsing ends the program, or -1 to continue.
inline int ParseArgs(CLI::App& app, const char* program, int argc, char** argv) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help
    std::fprintf(stderr, "%s: %s (see --help)\n", program, e.what());
    return 2;
  }
  return -1;
}

}  // namespace citadel::cli
