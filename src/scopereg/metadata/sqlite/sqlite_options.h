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
  // Checkpoint the WAL on a background thread once it holds 1000 pages,
  // instead of inside whichever commit crosses that mark (SQLite's default).
  // The checkpoint's fsyncs then stay off the request path: on the
  // development VM this cut a push (RecordBlob + PutManifest) from 1.2 ms to
  // 0.75 ms of wall time (bench/metadata_bench.cc). Durability is the same
  // either way.
  bool background_checkpoint = true;
};

}  // namespace scopereg::metadata
