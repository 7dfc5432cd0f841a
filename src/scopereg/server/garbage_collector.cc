#include "scopereg/server/garbage_collector.h"

#include <vector>

#include "scopereg/core/log.h"

namespace scopereg::server {

namespace {
constexpr std::size_t kPage = 500;
}

GarbageCollector::GarbageCollector(storage::BlobStore& blobs, metadata::MetadataStore& metadata, const Clock& clock,
                                   GcOptions options)
    : blobs_(blobs), metadata_(metadata), clock_(clock), options_(options) {}

Result<GcReport> GarbageCollector::Run() {
  GcReport report;
  SCOPEREG_RETURN_IF_ERROR(FinishInterruptedDeletions(report));
  SCOPEREG_RETURN_IF_ERROR(ExpireUploads(report));
  SCOPEREG_RETURN_IF_ERROR(RemoveOrphanStaging(report));
  SCOPEREG_RETURN_IF_ERROR(DeleteUnreferencedBlobs(report));
  SCOPEREG_RETURN_IF_ERROR(AdoptOrphanBlobs(report));
  log::Info("garbage collection finished",
            {{"dry_run", options_.dry_run},
             {"blobs_deleted", report.blobs_deleted},
             {"bytes_freed", report.bytes_freed},
             {"uploads_expired", report.uploads_expired},
             {"staging_removed", report.staging_removed},
             {"orphans_adopted", report.orphans_adopted},
             {"errors", report.errors}});
  return report;
}

Status GarbageCollector::FinishInterruptedDeletions(GcReport& report) {
  SCOPEREG_ASSIGN_OR_RETURN(std::vector<oci::Digest> pending, metadata_.ListBlobsBeingDeleted());
  for (const auto& d : pending) {
    if (options_.dry_run) continue;
    Status st = blobs_.Delete(d);
    if (st.ok()) st = metadata_.ForgetBlob(d);
    if (!st.ok()) {
      ++report.errors;
      log::Warn("gc: could not finish deleting blob", {{"digest", d.str()}, {"status", st.ToString()}});
      continue;
    }
    ++report.blobs_deleted;
  }
  return Status::Ok();
}

Status GarbageCollector::ExpireUploads(GcReport& report) {
  const Time cutoff = clock_.Now() - options_.upload_expiry;
  for (;;) {
    SCOPEREG_ASSIGN_OR_RETURN(std::vector<storage::UploadState> stale, metadata_.ListStaleUploads(cutoff, kPage));
    if (stale.empty() || options_.dry_run) {
      report.uploads_expired += options_.dry_run ? stale.size() : 0;
      return Status::Ok();
    }
    for (const auto& u : stale) {
      // Row first: once it is gone no request can append, so removing the
      // staging area cannot race a PATCH.
      Status st = metadata_.DeleteUpload(u.id);
      if (st.ok()) st = blobs_.AbortUpload(u);
      if (!st.ok()) {
        ++report.errors;
        log::Warn("gc: could not expire upload", {{"upload", u.id}, {"status", st.ToString()}});
        return Status::Ok();  // avoid spinning on the same rows
      }
      ++report.uploads_expired;
    }
  }
}

Status GarbageCollector::RemoveOrphanStaging(GcReport& report) {
  const Time cutoff = clock_.Now() - options_.grace_period;
  std::vector<std::string> orphans;
  Status walk = blobs_.ForEachUpload([&](std::string_view id, Time modified) {
    if (modified < cutoff && metadata_.GetUpload(id).status().IsNotFound()) orphans.emplace_back(id);
    return true;
  });
  SCOPEREG_RETURN_IF_ERROR(walk);
  for (const auto& id : orphans) {
    if (options_.dry_run) {
      ++report.staging_removed;
      continue;
    }
    storage::UploadState state;
    state.id = id;
    Status st = blobs_.AbortUpload(state);
    if (!st.ok()) {
      ++report.errors;
      log::Warn("gc: could not remove staging area", {{"upload", id}, {"status", st.ToString()}});
      continue;
    }
    ++report.staging_removed;
  }
  return Status::Ok();
}

Status GarbageCollector::DeleteUnreferencedBlobs(GcReport& report) {
  const Time cutoff = clock_.Now() - options_.grace_period;
  oci::Digest after;
  for (;;) {
    SCOPEREG_ASSIGN_OR_RETURN(std::vector<metadata::BlobRecord> page,
                              metadata_.ListUnreferencedBlobs(cutoff, after, kPage));
    if (page.empty()) return Status::Ok();
    after = page.back().digest;
    for (const auto& b : page) {
      if (options_.dry_run) {
        ++report.blobs_deleted;
        report.bytes_freed += static_cast<std::uint64_t>(b.size);
        continue;
      }
      SCOPEREG_ASSIGN_OR_RETURN(bool marked, metadata_.MarkBlobDeleting(b.digest, cutoff));
      if (!marked) continue;  // referenced or touched since the listing
      Status st = blobs_.Delete(b.digest);
      if (st.ok()) st = metadata_.ForgetBlob(b.digest);
      if (!st.ok()) {
        // Left marked: the next run finishes it (FinishInterruptedDeletions).
        ++report.errors;
        log::Warn("gc: could not delete blob", {{"digest", b.digest.str()}, {"status", st.ToString()}});
        continue;
      }
      ++report.blobs_deleted;
      report.bytes_freed += static_cast<std::uint64_t>(b.size);
    }
    if (page.size() < kPage) return Status::Ok();
  }
}

Status GarbageCollector::AdoptOrphanBlobs(GcReport& report) {
  std::vector<std::pair<oci::Digest, std::uint64_t>> orphans;
  Status walk = blobs_.ForEachBlob([&](const oci::Digest& d, std::uint64_t size, Time) {
    if (metadata_.GetBlob(d).status().IsNotFound()) orphans.emplace_back(d, size);
    return true;
  });
  SCOPEREG_RETURN_IF_ERROR(walk);
  for (const auto& [d, size] : orphans) {
    if (options_.dry_run) {
      ++report.orphans_adopted;
      continue;
    }
    // kAborted means GC (this run) is deleting it: nothing to adopt.
    Status st = metadata_.RecordBlob(d, static_cast<std::int64_t>(size));
    if (st.ok()) {
      ++report.orphans_adopted;
    } else if (st.code() != StatusCode::kAborted) {
      ++report.errors;
      log::Warn("gc: could not adopt blob file", {{"digest", d.str()}, {"status", st.ToString()}});
    }
  }
  return Status::Ok();
}

}  // namespace scopereg::server
