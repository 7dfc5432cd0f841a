// FaultInjectingBlobStore: a BlobStore decorator that makes the Nth write,
// finish, commit or put fail, for crash-safety tests of a backend and of the
// code above it (in the spirit of leveldb's fault_injection_test EnvWrapper).
//
// Each step can fail in two ways (FaultTiming): before it reaches the
// wrapped store, or after the wrapped store completed it, with the result
// lost. Together with dropping the store and opening a new one on the same
// storage, they stand for a process that dies at that point.
//
// Thread safety: like any BlobStore. Writers it returns must not outlive it.
#pragma once

#include <array>
#include <memory>
#include <mutex>
#include <optional>

#include "scopereg/storage/blob_store.h"

namespace scopereg::testing {

enum class FaultPoint {
  kWrite,   // UploadWriter::Write
  kFinish,  // UploadWriter::Finish, the step after which the caller persists
            // the new state: an upload's equivalent of fsync
  kCommit,  // BlobStore::CommitUpload
  kPut,     // BlobStore::Put
};

enum class FaultTiming {
  // The step does not reach the wrapped store. For kWrite, the first half
  // of the buffer does (a torn write, as when a disk fills mid-request).
  kBefore,
  // The wrapped store completes the step; the caller gets the error instead
  // of the result (a crash right after the step).
  kAfter,
};

class FaultInjectingBlobStore final : public storage::BlobStore {
 public:
  explicit FaultInjectingBlobStore(std::unique_ptr<storage::BlobStore> base);

  // Makes the `n`th call (1-based, counted from now) of `point` fail with
  // `error`. A fault fires once; arming a point again replaces its fault.
  // After a failed Write or Finish the writer is dead: it has dropped the
  // wrapped writer and returns `error` from every call.
  void FailNth(FaultPoint point, int n, FaultTiming timing = FaultTiming::kBefore,
               Status error = Status::Unavailable("injected fault"));
  void ClearFaults();
  // How many times `point` was reached since construction, failed or not.
  int calls(FaultPoint point) const;

  storage::BlobStore& base() { return *base_; }

  Result<std::uint64_t> Stat(const oci::Digest& digest) override;
  Result<std::unique_ptr<storage::BlobReader>> Open(const oci::Digest& digest, std::uint64_t offset = 0,
                                                    std::optional<std::uint64_t> length = std::nullopt) override;
  Result<std::string> ReadAll(const oci::Digest& digest, std::size_t max_bytes) override;
  Status Put(const oci::Digest& digest, std::string_view content) override;
  Status Delete(const oci::Digest& digest) override;
  Status ForEachBlob(const std::function<bool(const oci::Digest&, std::uint64_t size, Time modified)>& fn) override;
  Result<storage::UploadState> StartUpload(std::string_view id, std::string_view repository,
                                           HashAlgorithm algorithm) override;
  Result<std::unique_ptr<storage::UploadWriter>> OpenUpload(const storage::UploadState& state) override;
  Result<std::uint64_t> CommitUpload(const storage::UploadState& state, const oci::Digest& expected) override;
  Status AbortUpload(const storage::UploadState& state) override;
  Status ForEachUpload(const std::function<bool(std::string_view id, Time modified)>& fn) override;

  // A fault that fires now; for the writers this store hands out.
  struct Firing {
    FaultTiming timing;
    Status error;
  };
  // Counts a call of `point` and returns the fault if this call must fail.
  std::optional<Firing> Reach(FaultPoint point);

 private:
  struct Armed {
    int remaining = 0;  // calls until it fires; 0 = not armed
    FaultTiming timing = FaultTiming::kBefore;
    Status error;
  };
  static constexpr std::size_t kPoints = 4;

  const std::unique_ptr<storage::BlobStore> base_;
  mutable std::mutex mu_;
  std::array<Armed, kPoints> armed_;  // guarded by mu_
  std::array<int, kPoints> calls_{};  // guarded by mu_
};

}  // namespace scopereg::testing
