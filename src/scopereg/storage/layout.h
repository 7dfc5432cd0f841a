// Object keys shared by every BlobStore backend, so that a registry can move
// from the filesystem to S3 by copying objects under the same names
// (architecture.md decision 1):
//
//   blobs/<algorithm>/<first 2 hex>/<hex>   a published blob
//   uploads/<id>                            an upload's staging data
//
// The two-hex fan-out keeps directories (and S3 listing pages) small. Every
// component is checked here before it becomes a path, so no caller-supplied
// string can escape these prefixes.
//
// Thread safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "scopereg/core/status.h"
#include "scopereg/oci/digest.h"

namespace scopereg::storage {

// "blobs/sha256/ab/ab12...". REQUIRES: digest.Supported() (see
// CheckVerifiableDigest), which also guarantees a hex encoding of at least
// two characters and no '/' or '.' in either part.
std::string BlobKey(const oci::Digest& digest);

// The digest stored under blobs/<algorithm>/<fanout>/<name>, or nullopt when
// the three names do not form a valid key of a supported algorithm (a
// leftover or foreign file that listings skip).
std::optional<oci::Digest> DigestFromBlobKey(std::string_view algorithm, std::string_view fanout,
                                             std::string_view name);

// True for the canonical lower-case 8-4-4-4-12 UUID form that NewUuid
// produces. Nothing else may name a staging area: the alphabet [0-9a-f-]
// cannot express "..", "/" or a hidden file.
bool IsValidUploadId(std::string_view id);
// kInvalidArgument naming the id unless IsValidUploadId(id).
Status CheckUploadId(std::string_view id);

// "uploads/<id>". REQUIRES: IsValidUploadId(id).
std::string UploadKey(std::string_view id);

}  // namespace scopereg::storage
