#pragma once
// `citadel keys create | list | revoke | rotate`: the API key store the server checks callers against.

#include <CLI/CLI.hpp>

namespace citadel::cli {

void AddKeysCommands(CLI::App& app, int& exit_code);

}  // namespace citadel::cli
