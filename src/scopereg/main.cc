// scopereg: one binary. `serve`, `gc` and `recover-owner` run on the registry's machine; every other
// subcommand is the operator CLI, which talks to a registry's management API.
#include <CLI/CLI.hpp>

#include "scopereg/cli/cli.h"
#include "scopereg/server/serve_command.h"

int main(int argc, char** argv) {
  CLI::App app{"scopereg: an OCI registry with repository-scoped tokens and scope maps"};
  app.require_subcommand(1);
  app.footer("Operator commands talk to a registry's management API; start with `scopereg login --help`.\n"
             "Documentation: docs/cli.md (commands, flags, exit codes).");
  int exit_code = 0;
  scopereg::server::AddServerCommands(app, &exit_code);
  app.add_subcommand("version", "Print the version")->callback([] { std::puts("scopereg 0.1.0"); });
  scopereg::cli::CliContext ctx = scopereg::cli::ProcessContext();
  scopereg::cli::AddCliCommands(app, ctx, &exit_code);
  return scopereg::cli::ParseAndRun(app, argc, argv, ctx, &exit_code);
}
