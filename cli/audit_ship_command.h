#pragma once
// `citadel audit ship`: ships the trail to one external sink from the shell, at least once,
// resuming from the sink's cursor in the audit database.
//   citadel audit ship --db FILE --syslog HOST:PORT | --loki URL | --postgres CONNINFO |
//                      --elastic URL/INDEX [--once]
// With --once it ships what is pending and exits (0, or 1 with the error); otherwise it keeps
// shipping until SIGINT or SIGTERM.

#include <CLI/CLI.hpp>

namespace citadel::cli {

void AddAuditShipCommand(CLI::App& audit, int& exit_code);

}  // namespace citadel::cli
