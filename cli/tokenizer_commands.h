#pragma once
// `citadel tokenize`, `citadel detokenize` and `citadel chat-template`.

#include <CLI/CLI.hpp>

namespace citadel::cli {

void AddTokenizerCommands(CLI::App& app, int& exit_code);

}  // namespace citadel::cli
