#pragma once
// `citadel bench`: prompt-processing and generation speed measured the way llama.cpp's llama-bench
// does (pp: N prompt tokens in one batch on an empty cache; tg: N tokens decoded one at a time from
// an empty cache), so the two can be compared on the same file and thread count.

#include <CLI/CLI.hpp>

namespace citadel::cli {

void AddBenchCommand(CLI::App& app, int& exit_code);

}  // namespace citadel::cli
