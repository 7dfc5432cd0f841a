// Manifests: parsing and validation of what clients PUT, and the facts the
// registry keeps about them (what they reference, their subject and
// artifactType for the referrers API).
//
// Supported media types: OCI image manifest and index (image-spec 1.1),
// Docker schema 2 manifest and manifest list. Docker schema 1 is refused, as
// Distribution 2.8 refuses it by default.
//
// Pure functions; safe for concurrent use.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "scopereg/core/status.h"
#include "scopereg/oci/digest.h"

namespace scopereg::oci {

namespace media_type {
inline constexpr std::string_view kOciManifest = "application/vnd.oci.image.manifest.v1+json";
inline constexpr std::string_view kOciIndex = "application/vnd.oci.image.index.v1+json";
inline constexpr std::string_view kDockerManifest = "application/vnd.docker.distribution.manifest.v2+json";
inline constexpr std::string_view kDockerManifestList =
    "application/vnd.docker.distribution.manifest.list.v2+json";
inline constexpr std::string_view kDockerSchema1 = "application/vnd.docker.distribution.manifest.v1+json";
inline constexpr std::string_view kDockerSchema1Signed =
    "application/vnd.docker.distribution.manifest.v1+prettyjws";
inline constexpr std::string_view kOciEmpty = "application/vnd.oci.empty.v1+json";
}  // namespace media_type

// The four manifest media types scopereg stores.
bool IsSupportedManifestMediaType(std::string_view media_type);
bool IsIndexMediaType(std::string_view media_type);
// "application/json; charset=utf-8" -> "application/json" (lower-cased).
std::string StripMediaTypeParameters(std::string_view content_type);

struct Descriptor {
  std::string media_type;
  Digest digest;
  std::int64_t size = 0;
  std::string artifact_type;     // empty if absent
  std::string annotations_json;  // the "annotations" object as JSON text, or empty
};

enum class ManifestKind : std::uint8_t { kImage, kIndex };

struct Manifest {
  std::string media_type;  // the effective media type (field, Content-Type, or shape)
  ManifestKind kind = ManifestKind::kImage;
  std::optional<Descriptor> config;    // kImage only
  std::vector<Descriptor> layers;      // kImage only
  std::vector<Descriptor> manifests;   // kIndex only
  std::optional<Descriptor> subject;
  std::string artifact_type;           // the explicit artifactType field
  std::string annotations_json;        // the top-level annotations, or empty

  // What the referrers API reports: artifactType if set, else (for image
  // manifests) the config media type, else empty (image-spec 1.1).
  std::string ReferrerArtifactType() const;
};

// Parses `body` (the exact bytes a client PUT) as a manifest. `content_type`
// is the request's Content-Type, possibly empty.
//
// kInvalidArgument (MANIFEST_INVALID) with a message that names the problem:
// not JSON, schemaVersion not 2, mediaType field disagreeing with the
// Content-Type, an unsupported media type, a missing or malformed config,
// layer, manifest or subject descriptor.
Result<Manifest> ParseManifest(std::string_view body, std::string_view content_type);

}  // namespace scopereg::oci
