// The `scopereg serve` and `scopereg gc` subcommands (the rest of the binary's
// subcommands are the operator CLI in cli/).
#pragma once

#include <CLI/CLI.hpp>

namespace scopereg::server {

// Adds `serve` and `gc` to `app`. Their callbacks run the command and store
// the process exit code in `*exit_code`.
void AddServerCommands(CLI::App& app, int* exit_code);

}  // namespace scopereg::server
