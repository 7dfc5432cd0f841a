// The operator CLI's entry points: every `scopereg` subcommand except
// serve/gc/version (docs/cli.md).
//
//   login / logout / profile list / whoami    registry profiles
//   token create|list|show|update|delete|rotate|review
//   token credential generate|delete
//   scope-map create|list|show|update|delete
//   admin-user show|enable|disable|regenerate
//   export, diff
#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

#include "scopereg/cli/command_support.h"

namespace scopereg::cli {

// Adds the operator commands to `app`. Their callbacks use `ctx` (which must
// outlive the parse) and store the exit code in *exit_code.
void AddCliCommands(CLI::App& app, CliContext& ctx, int* exit_code);

// Parses argv and runs the chosen command. A parse error (unknown flag,
// missing value, unknown command) prints CLI11's message and a pointer to
// --help on ctx.err and returns kExitUsage; --help prints to ctx.out and
// returns 0; otherwise the command's exit code.
int ParseAndRun(CLI::App& app, int argc, const char* const* argv, CliContext& ctx, const int* exit_code);

// The CLI alone, for tests: `args` without the program name.
int RunCli(const std::vector<std::string>& args, CliContext& ctx);

}  // namespace scopereg::cli
