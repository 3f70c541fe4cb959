#pragma once
// `citadel serve`: the OpenAI-compatible HTTP server; `citadel config check FILE`.

#include <CLI/CLI.hpp>

namespace citadel::cli {

void AddServeCommand(CLI::App& app, int& exit_code);
void AddConfigCommands(CLI::App& app, int& exit_code);

}  // namespace citadel::cli
