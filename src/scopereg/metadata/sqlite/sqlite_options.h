// Tuning knobs of the embedded SQLite database, shared by every store that
// lives in it.
#pragma once

#include <chrono>

namespace scopereg::metadata {

struct SqliteOptions {
  // PRAGMA synchronous=FULL instead of NORMAL. NORMAL (the default) survives
  // a process crash; in WAL mode a power loss may lose the last commits.
  // FULL syncs the WAL on every commit, at about a tenth of the commit rate
  // (http-stack.md §2).
  bool full_sync = false;
  // How long a write waits for the database lock (another writer, in this
  // process or another) before it fails with kUnavailable.
  std::chrono::milliseconds busy_timeout{5000};
};

}  // namespace scopereg::metadata
