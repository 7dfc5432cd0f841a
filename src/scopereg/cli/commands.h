// The command groups of the operator CLI (cli.h wires them). Internal to
// the cli module.
#pragma once

#include <CLI/CLI.hpp>

#include "scopereg/cli/command_support.h"

namespace scopereg::cli {

void AddLoginCommands(CLI::App& app, CliContext& ctx, int* exit_code);     // login, logout, profile, whoami
void AddTokenCommands(CLI::App& app, CliContext& ctx, int* exit_code);     // token ..., token credential ...
void AddScopeMapCommands(CLI::App& app, CliContext& ctx, int* exit_code);  // scope-map ...
void AddAdminUserCommands(CLI::App& app, CliContext& ctx, int* exit_code); // admin-user ...
void AddStateCommands(CLI::App& app, CliContext& ctx, int* exit_code);     // export, diff
void AddAuditCommands(CLI::App& app, CliContext& ctx, int* exit_code);     // audit list, audit export

// `token review`, added to the `token` group by AddTokenCommands.
void AddReviewCommand(CLI::App* token, CliContext& ctx, int* exit_code);

}  // namespace scopereg::cli
