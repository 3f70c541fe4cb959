#pragma once
// `citadel model info` and `citadel model check`.

#include <CLI/CLI.hpp>

namespace citadel::cli {

// Adds the `model` command group to the application.
void AddModelCommands(CLI::App& app, int& exit_code);

}  // namespace citadel::cli
