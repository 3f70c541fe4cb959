#pragma once
// `citadel run`: one prompt, one continuation, on the optimized forward pass.

#include <CLI/CLI.hpp>

namespace citadel::cli {

void AddRunCommand(CLI::App& app, int& exit_code);

}  // namespace citadel::cli
