// Argument checks that every BlobStore backend applies the same way, so the
// conformance suite sees one behaviour whatever the backend.
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "scopereg/core/status.h"
#include "scopereg/oci/digest.h"

namespace scopereg::storage {

// kInvalidArgument unless scopereg can verify `digest` (sha256 or sha512).
// A blob is only ever stored after its content was checked against its
// digest, so a digest of any other algorithm can never name a stored blob.
Status CheckVerifiableDigest(const oci::Digest& digest);

// OK if `content` hashes to `digest`; kInvalidArgument (naming both digests)
// otherwise, or if the digest is not verifiable.
Status CheckContentDigest(const oci::Digest& digest, std::string_view content);

// The length of [offset, offset+length) inside an object of `size` bytes,
// where nullopt means "to the end". kOutOfRange if offset > size or the
// range ends after size (overflow included).
Result<std::uint64_t> ResolveRange(std::uint64_t size, std::uint64_t offset,
                                   std::optional<std::uint64_t> length);

}  // namespace scopereg::storage
