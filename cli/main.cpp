// citadel: the command-line entry point. Each command group lives in its own file.

#include <CLI/CLI.hpp>

#include "audit_commands.h"
#include "auth_commands.h"
#include "bench_command.h"
#include "keys_commands.h"
#include "model_commands.h"
#include "parse_args.h"
#include "pii_commands.h"
#include "run_command.h"
#include "serve_command.h"
#include "tokenizer_commands.h"
#include "watermark_commands.h"

int main(int argc, char** argv) {
  CLI::App app{"Citadel: a private-deployment LLM server"};
  app.require_subcommand(1);
  int exit_code = 0;
  citadel::cli::AddModelCommands(app, exit_code);
  citadel::cli::AddTokenizerCommands(app, exit_code);
  citadel::cli::AddRunCommand(app, exit_code);
  citadel::cli::AddBenchCommand(app, exit_code);
  citadel::cli::AddAuditCommands(app, exit_code);
  citadel::cli::AddPiiCommands(app, exit_code);
  citadel::cli::AddWatermarkCommands(app, exit_code);
  citadel::cli::AddKeysCommands(app, exit_code);
  citadel::cli::AddAuthCommands(app, exit_code);
  citadel::cli::AddServeCommands(app, exit_code);
  if (int code = citadel::cli::ParseArgs(app, "citadel", argc, argv); code >= 0) return code;
  return exit_code;
}
