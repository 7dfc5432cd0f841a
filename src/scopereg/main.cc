// scopereg: one binary. `serve` and `gc` run the registry; every other
// subcommand is the operator CLI, which talks to a registry's management API.
#include <CLI/CLI.hpp>

#include "scopereg/server/serve_command.h"

int main(int argc, char** argv) {
  CLI::App app{"scopereg: an OCI registry with repository-scoped tokens and scope maps"};
  app.require_subcommand(1);
  int exit_code = 0;
  scopereg::server::AddServerCommands(app, &exit_code);
  app.add_subcommand("version", "Print the version")->callback([] { std::puts("scopereg 0.1.0"); });
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return exit_code;
}
