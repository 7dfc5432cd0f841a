#include "testing/fault_injecting_blob_store.h"

#include <utility>

namespace scopereg::testing {

namespace {

std::size_t Index(FaultPoint point) { return static_cast<std::size_t>(point); }

class FaultInjectingWriter final : public storage::UploadWriter {
 public:
  FaultInjectingWriter(std::unique_ptr<storage::UploadWriter> base, FaultInjectingBlobStore& store)
      : base_(std::move(base)), store_(store), offset_(base_->offset()), digest_(base_->CurrentDigest()) {}

  Status Write(const char* data, std::size_t n) override {
    if (dead_) return *dead_;
    auto fault = store_.Reach(FaultPoint::kWrite);
    if (!fault) return Forward(base_->Write(data, n));
    // A torn write: part of the buffer reaches the backend, then the request
    // dies. The state the caller holds does not cover those bytes.
    const std::size_t reaching = fault->timing == FaultTiming::kBefore ? n / 2 : n;
    (void)base_->Write(data, reaching);
    return Die(std::move(fault->error));
  }

  std::uint64_t offset() const override { return base_ ? base_->offset() : offset_; }
  oci::Digest CurrentDigest() const override { return base_ ? base_->CurrentDigest() : digest_; }

  Result<storage::UploadState> Finish() override {
    if (dead_) return *dead_;
    auto fault = store_.Reach(FaultPoint::kFinish);
    if (!fault) return base_->Finish();
    if (fault->timing == FaultTiming::kAfter) {
      // The backend finished; the state it returned never reaches the caller,
      // as if the process died before the metadata store persisted it.
      (void)base_->Finish();
    }
    return Die(std::move(fault->error));
  }

 private:
  Status Forward(Status s) {
    if (s.ok()) {
      offset_ = base_->offset();
      digest_ = base_->CurrentDigest();
    }
    return s;
  }

  Status Die(Status error) {
    base_.reset();  // closes the backend writer as a dying process would
    dead_ = error;
    return error;
  }

  std::unique_ptr<storage::UploadWriter> base_;
  FaultInjectingBlobStore& store_;
  std::uint64_t offset_;  // last known, for after the base writer is gone
  oci::Digest digest_;
  std::optional<Status> dead_;
};

}  // namespace

FaultInjectingBlobStore::FaultInjectingBlobStore(std::unique_ptr<storage::BlobStore> base) : base_(std::move(base)) {}

void FaultInjectingBlobStore::FailNth(FaultPoint point, int n, FaultTiming timing, Status error) {
  std::lock_guard lock(mu_);
  armed_[Index(point)] = Armed{n, timing, std::move(error)};
}

void FaultInjectingBlobStore::ClearFaults() {
  std::lock_guard lock(mu_);
  armed_ = {};
}

int FaultInjectingBlobStore::calls(FaultPoint point) const {
  std::lock_guard lock(mu_);
  return calls_[Index(point)];
}

std::optional<FaultInjectingBlobStore::Firing> FaultInjectingBlobStore::Reach(FaultPoint point) {
  std::lock_guard lock(mu_);
  ++calls_[Index(point)];
  Armed& armed = armed_[Index(point)];
  if (armed.remaining == 0 || --armed.remaining > 0) return std::nullopt;
  return Firing{armed.timing, armed.error};
}

Result<std::uint64_t> FaultInjectingBlobStore::Stat(const oci::Digest& digest) { return base_->Stat(digest); }

Result<std::unique_ptr<storage::BlobReader>> FaultInjectingBlobStore::Open(const oci::Digest& digest,
                                                                           std::uint64_t offset,
                                                                           std::optional<std::uint64_t> length) {
  return base_->Open(digest, offset, length);
}

Result<std::string> FaultInjectingBlobStore::ReadAll(const oci::Digest& digest, std::size_t max_bytes) {
  return base_->ReadAll(digest, max_bytes);
}

Status FaultInjectingBlobStore::Put(const oci::Digest& digest, std::string_view content) {
  auto fault = Reach(FaultPoint::kPut);
  if (!fault) return base_->Put(digest, content);
  if (fault->timing == FaultTiming::kAfter) (void)base_->Put(digest, content);
  return fault->error;
}

Status FaultInjectingBlobStore::Delete(const oci::Digest& digest) { return base_->Delete(digest); }

Status FaultInjectingBlobStore::ForEachBlob(
    const std::function<bool(const oci::Digest&, std::uint64_t size, Time modified)>& fn) {
  return base_->ForEachBlob(fn);
}

Result<storage::UploadState> FaultInjectingBlobStore::StartUpload(std::string_view id, std::string_view repository,
                                                                  HashAlgorithm algorithm) {
  return base_->StartUpload(id, repository, algorithm);
}

Result<std::unique_ptr<storage::UploadWriter>> FaultInjectingBlobStore::OpenUpload(
    const storage::UploadState& state) {
  SCOPEREG_ASSIGN_OR_RETURN(auto writer, base_->OpenUpload(state));
  return std::make_unique<FaultInjectingWriter>(std::move(writer), *this);
}

Result<std::uint64_t> FaultInjectingBlobStore::CommitUpload(const storage::UploadState& state,
                                                            const oci::Digest& expected) {
  auto fault = Reach(FaultPoint::kCommit);
  if (!fault) return base_->CommitUpload(state, expected);
  if (fault->timing == FaultTiming::kAfter) (void)base_->CommitUpload(state, expected);
  return fault->error;
}

Status FaultInjectingBlobStore::AbortUpload(const storage::UploadState& state) { return base_->AbortUpload(state); }

Status FaultInjectingBlobStore::ForEachUpload(const std::function<bool(std::string_view id, Time modified)>& fn) {
  return base_->ForEachUpload(fn);
}

}  // namespace scopereg::testing
