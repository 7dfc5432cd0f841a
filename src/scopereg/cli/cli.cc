#include "scopereg/cli/cli.h"

#include "scopereg/cli/commands.h"
#include "scopereg/cli/exit_codes.h"

namespace scopereg::cli {

void AddCliCommands(CLI::App& app, CliContext& ctx, int* exit_code) {
  AddLoginCommands(app, ctx, exit_code);
  AddTokenCommands(app, ctx, exit_code);
  AddScopeMapCommands(app, ctx, exit_code);
  AddAdminUserCommands(app, ctx, exit_code);
  AddStateCommands(app, ctx, exit_code);
  AddAuditCommands(app, ctx, exit_code);
}

int ParseAndRun(CLI::App& app, int argc, const char* const* argv, CliContext& ctx, const int* exit_code) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e, *ctx.out, *ctx.err);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e, *ctx.out, *ctx.err);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e, *ctx.out, *ctx.err);
    *ctx.err << "ERROR: " << e.what() << "\nRun with --help for the command's flags and examples.\n";
    return kExitUsage;
  }
  return *exit_code;
}

int RunCli(const std::vector<std::string>& args, CliContext& ctx) {
  CLI::App app{"scopereg operator CLI"};
  app.require_subcommand(1);
  int exit_code = 0;
  AddCliCommands(app, ctx, &exit_code);
  std::vector<const char*> argv{"scopereg"};
  for (const auto& a : args) argv.push_back(a.c_str());
  return ParseAndRun(app, static_cast<int>(argv.size()), argv.data(), ctx, &exit_code);
}

}  // namespace scopereg::cli
