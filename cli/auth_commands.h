#pragma once
// `citadel auth verify-token`: verify an OIDC bearer token the way the server would and print the
// Identity it yields, so operators can debug issuer, audience, key and claim-mapping problems.

#include <CLI/CLI.hpp>

namespace citadel::cli {

void AddAuthCommands(CLI::App& app, int& exit_code);

}  // namespace citadel::cli
