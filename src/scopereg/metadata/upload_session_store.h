// UploadSessionStore: the persisted state of blob uploads in progress
// (architecture.md decision 3), so any process can take the next PATCH.
//
// Thread safety: all methods are safe for concurrent use.
#pragma once

#include <string_view>
#include <vector>

#include "scopereg/core/status.h"
#include "scopereg/storage/blob_store.h"

namespace scopereg::metadata {

class UploadSessionStore {
 public:
  virtual ~UploadSessionStore() = default;

  // kAlreadyExists if the id is taken.
  virtual Status CreateUpload(const storage::UploadState& state) = 0;
  // kNotFound if there is no such upload.
  virtual Result<storage::UploadState> GetUpload(std::string_view id) = 0;
  // Replaces the stored state if its offset is still `expected_offset`
  // (two PATCHes of one upload must not interleave). kAborted if the offset
  // moved; kNotFound if the upload is gone.
  virtual Status UpdateUpload(const storage::UploadState& state, std::uint64_t expected_offset) = 0;
  // OK if already gone.
  virtual Status DeleteUpload(std::string_view id) = 0;
  // Uploads not updated since `cutoff` (abandoned), at most `limit`.
  virtual Result<std::vector<storage::UploadState>> ListStaleUploads(Time cutoff, std::size_t limit) = 0;
};

}  // namespace scopereg::metadata
