#pragma once
// `citadel serve` (the OpenAI-compatible server) and `citadel config check FILE`.

#include <CLI/CLI.hpp>

namespace citadel::cli {

void AddServeCommands(CLI::App& app, int& exit_code);

}  // namespace citadel::cli
