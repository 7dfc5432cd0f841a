// GarbageCollector: removes what nothing references, without racing pushes.
//
// One Run() does, in order:
//  1. finishes deletions a previous run left half done (rows marked deleting);
//  2. removes uploads idle for longer than `upload_expiry` (row and staging);
//  3. removes staging areas that have no upload row and are older than the
//     grace period (a monolithic POST that died, or a crash);
//  4. deletes blobs no manifest references and nobody touched within the
//     grace period, following BlobIndex's protocol (mark, delete bytes,
//     forget), so a concurrent push of the same blob either protects it by
//     touching it first or waits for the deletion and re-publishes;
//  5. adopts blob files that have no row (only possible after a crash or a
//     restored database) by recording them, so the next run can collect them
//     through the same protocol instead of deleting bytes unsafely now.
//
// It runs online (a periodic task in `scopereg serve`) or offline
// (`scopereg gc`), with the same code.
//
// Thread safety: one Run at a time per collector; safe to run while the
// registry serves requests.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "scopereg/core/clock.h"
#include "scopereg/core/status.h"
#include "scopereg/metadata/metadata_store.h"
#include "scopereg/storage/blob_store.h"

namespace scopereg::server {

struct GcOptions {
  std::chrono::seconds grace_period{3600};
  std::chrono::seconds upload_expiry{24 * 3600};
  bool dry_run = false;  // report what would go, change nothing
};

struct GcReport {
  std::uint64_t blobs_deleted = 0;
  std::uint64_t bytes_freed = 0;
  std::uint64_t uploads_expired = 0;
  std::uint64_t staging_removed = 0;
  std::uint64_t orphans_adopted = 0;
  std::uint64_t errors = 0;  // individual items that failed (logged); the run goes on
};

class GarbageCollector {
 public:
  GarbageCollector(storage::BlobStore& blobs, metadata::MetadataStore& metadata, const Clock& clock,
                   GcOptions options);

  // kUnavailable if a store is unreachable; per-item failures are counted in
  // the report and logged, not returned.
  Result<GcReport> Run();

 private:
  Status FinishInterruptedDeletions(GcReport& report);
  Status ExpireUploads(GcReport& report);
  Status RemoveOrphanStaging(GcReport& report);
  Status DeleteUnreferencedBlobs(GcReport& report);
  Status AdoptOrphanBlobs(GcReport& report);

  storage::BlobStore& blobs_;
  metadata::MetadataStore& metadata_;
  const Clock& clock_;
  GcOptions options_;
};

}  // namespace scopereg::server
