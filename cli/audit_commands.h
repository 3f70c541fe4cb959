#pragma once
// `citadel audit keygen | verify | query | erase | export | purge | ship`: the audit trail from the shell.
// Exit codes: 0 success; 1 a failed command (one line on stderr) or, for verify, a broken trail
// (the first broken record on stdout); 2 a bad command line.

#include <CLI/CLI.hpp>

namespace citadel::cli {

void AddAuditCommands(CLI::App& app, int& exit_code);

}  // namespace citadel::cli
