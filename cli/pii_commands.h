#pragma once
// `citadel pii scan`: mask PII and secrets in a file or standard input, or list what was found.

#include <CLI/CLI.hpp>

namespace citadel::cli {

void AddPiiCommands(CLI::App& app, int& exit_code);

}  // namespace citadel::cli
