#pragma once
// `citadel run`: prompts through the serving engine (one, or --parallel N at once), continuations
// printed with speed figures.

#include <CLI/CLI.hpp>

namespace citadel::cli {

void AddRunCommand(CLI::App& app, int& exit_code);

}  // namespace citadel::cli
