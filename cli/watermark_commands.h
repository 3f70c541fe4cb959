#pragma once
// `citadel watermark keygen | detect`: make the master secret, and tell which tenant's key (if
// any) marks a leaked text.

#include <CLI/CLI.hpp>

namespace citadel::cli {

void AddWatermarkCommands(CLI::App& app, int& exit_code);

}  // namespace citadel::cli
