// The distribution-spec handlers (internal to the api module). Each handler
// gets the shared registry state and one request's context, and writes the
// complete response, including spec errors.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "scopereg/api/access_controller.h"
#include "scopereg/api/events.h"
#include "scopereg/api/manifest_cache.h"
#include "scopereg/api/registry.h"
#include "scopereg/api/routes.h"
#include "scopereg/http/message.h"

namespace scopereg::api::distribution {

struct Shared {
  RegistryDeps deps;
  RegistryOptions options;
  ManifestCache manifests;
  explicit Shared(RegistryDeps d, RegistryOptions o)
      : deps(d), options(o), manifests(o.manifest_cache_bytes) {}
};

struct Context {
  Shared& shared;
  http::Request& req;
  http::Response& res;
  const RouteMatch& route;
  const Grant& grant;

  storage::BlobStore& blobs() { return *shared.deps.blobs; }
  metadata::MetadataStore& metadata() { return *shared.deps.metadata; }
  const Clock& clock() { return *shared.deps.clock; }
  void Event(RepositoryEvent e) { shared.deps.events->Record(req, std::move(e)); }
};

http::Task<void> HandleBase(Context& ctx);
http::Task<void> HandleManifest(Context& ctx);
http::Task<void> HandleBlob(Context& ctx);
http::Task<void> HandleUploadStart(Context& ctx);
http::Task<void> HandleUpload(Context& ctx);
http::Task<void> HandleTagsList(Context& ctx);
http::Task<void> HandleCatalog(Context& ctx);
http::Task<void> HandleReferrers(Context& ctx);

// Shared helpers (distribution/common.cc).

// "/v2/<name>/blobs/<digest>" and friends.
std::string BlobLocation(std::string_view repository, std::string_view digest);
std::string ManifestLocation(std::string_view repository, std::string_view digest);
std::string UploadLocation(std::string_view repository, std::string_view id);
// "0-<offset-1>", or "0-0" for an empty upload (what Distribution sends).
std::string UploadRange(std::uint64_t offset);
// Parses `n`/`last` pagination. Writes 400 PAGINATION_NUMBER_INVALID and
// returns false on a bad `n`. `n` is clamped to max_page_size.
bool ParsePagination(Context& ctx, std::size_t default_n, std::size_t& n, std::string& last);
// RFC 5988 Link to the next page.
void SetNextLink(Context& ctx, std::string_view path, std::size_t n, std::string_view last);
// Retries a RecordBlob that met a blob being garbage collected.
http::Task<Status> RecordBlobWithRetry(Context& ctx, const oci::Digest& digest, std::int64_t size);
// Returns false after writing 403 DENIED if the repository is locked for
// writing (checked early so an upload is refused before its body is sent).
bool CheckRepositoryWritable(Context& ctx);

}  // namespace scopereg::api::distribution
