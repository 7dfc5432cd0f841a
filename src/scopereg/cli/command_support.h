// What every operator command shares: the process context (streams,
// environment, terminal, clock), the connection and output flags, the
// confirmation rule for destructive commands, expiry flags, and how a
// command's Status becomes an exit code.
//
// Commands are CLI11 subcommands whose callbacks run a body returning a
// Status (or an exit code for review/diff); nothing throws out of a body.
// Results go to ctx.out, everything meant for people (hints, notes,
// prompts, errors) to ctx.err, so `$(scopereg ... -o tsv --query ...)`
// captures exactly the value.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "scopereg/cli/handoff.h"
#include "scopereg/cli/management_client.h"
#include "scopereg/cli/output.h"
#include "scopereg/cli/profiles.h"
#include "scopereg/core/clock.h"
#include "scopereg/core/status.h"

namespace scopereg::cli {

struct CliContext {
  Environment env;
  std::istream* in = nullptr;
  std::ostream* out = nullptr;
  std::ostream* err = nullptr;
  // stdin and stderr are terminals: a destructive command may ask.
  bool interactive = false;
  const Clock* clock = nullptr;
};

// The real process: environ, std::cin/cout/cerr, isatty(0) && isatty(2),
// the system clock.
CliContext ProcessContext();

// --registry, --ca-file, --insecure, -o/--output, --query.
struct CommonFlags {
  ConnectionFlags connection;
  std::string output;  // "" = $SCOPEREG_OUTPUT, else json
  std::string query;
};

void AddConnectionFlags(CLI::App* cmd, ConnectionFlags* flags);
void AddOutputFlags(CLI::App* cmd, CommonFlags* flags);
// Both of the above.
void AddCommonFlags(CLI::App* cmd, CommonFlags* flags);

Result<OutputSpec> MakeOutputSpec(const CliContext& ctx, const CommonFlags& flags);

// The registry a command talks to, and its client.
struct Session {
  Profile target;
  std::unique_ptr<ManagementClient> client;
};

// Resolves the profile (profiles.h rules), reads the credential file and
// refuses plain http to a host that is not loopback unless --insecure (the
// operator secret would cross the network in clear text). A warning about
// the credential file's mode goes to ctx.err.
Result<Session> OpenSession(CliContext& ctx, const ConnectionFlags& flags);

// The read commands (list, show): GET `path` (following pages with
// `all_pages`) and print the result with `layout`.
Status GetAndPrint(CliContext& ctx, const CommonFlags& common, const std::string& path, const TableLayout& layout,
                   bool all_pages = false);

// Sets `cmd`'s callback: runs `body`, writes "ERROR: ..." for a failure and
// stores the exit code (exit_codes.h) in *exit_code. Exceptions from
// third-party code are reported as internal errors (exit 1).
void SetAction(CLI::App* cmd, CliContext& ctx, int* exit_code, std::function<Status()> body);
// The same for commands whose success has more than one exit code
// (review and diff: 0, or 3 for findings).
void SetActionWithExitCode(CLI::App* cmd, CliContext& ctx, int* exit_code, std::function<Result<int>()> body);

// For a destructive command: OK when `yes`, or when the user answers y/yes
// to "<question> (y/N): " on an interactive terminal. kAborted when the
// answer is anything else, and when there is no terminal to ask (the
// message says to pass --yes).
Status Confirm(CliContext& ctx, const std::string& question, bool yes);

// --expiration TIME / --expiration-in-days N (az's pair, mutually
// exclusive). Empty optional = not given.
struct ExpiryFlags {
  std::string expiration;
  std::string days;  // parsed by ExpiryFromFlags so the message is az's
};
void AddExpiryFlags(CLI::App* cmd, ExpiryFlags* flags, const std::string& what);
// The expiry to send: RFC 3339 text, or nullopt when neither flag is given.
Result<std::optional<std::string>> ExpiryFromFlags(const ExpiryFlags& flags, const Clock& clock);

// A time given on the command line (RFC 3339 or a bare date), normalized to
// RFC 3339 UTC; `flag` names the flag in the error.
Result<std::string> ParseTimeFlag(const std::string& value, const std::string& flag);

// --format docker-config|k8s-secret and the Secret's name and namespace.
struct HandoffFlags {
  std::string format;
  std::string secret_name;
  std::string secret_namespace;
};
void AddHandoffFlags(CLI::App* cmd, HandoffFlags* flags);

// Prints the result of a command that generated passwords: in the hand-off
// format (with the first password that has a value), or with -o/--query;
// then the hint on ctx.err to store the value safely.
// `passwords` is the list of Password objects (with "value") in `result`.
Status PrintGeneratedCredentials(CliContext& ctx, const Session& session, const nlohmann::json& result,
                                 const nlohmann::json& passwords, const std::string& username,
                                 const CommonFlags& common, const HandoffFlags& handoff, const TableLayout& layout,
                                 std::string_view rows_field = {});

// "3 minutes ago", "2 days ago"; `then` must not be in the future by more
// than a little clock skew ("just now").
std::string Ago(Time then, Time now);

// "last used 2027-01-15T08:00:00Z (3 minutes ago) from 10.0.0.7" or
// "never used" for a Password object.
std::string LastUseText(const nlohmann::json& password, Time now);

}  // namespace scopereg::cli
