// Registry: the request handler the HTTP server calls. It routes, asks the
// AccessController, and dispatches to the distribution-spec handlers (and to
// the handlers other modules register for the token endpoint, the management
// API, metrics and health).
//
// Life of a request: http::Server parses the header -> Registry::Handle ->
// MatchRoute -> AccessController::Authorize (401/403 stop here) -> handler ->
// response written by the server -> completion callback (request log,
// metrics).
//
// Thread safety: Handle runs concurrently; the Registry holds no per-request
// state.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "scopereg/api/access_controller.h"
#include "scopereg/api/events.h"
#include "scopereg/api/manifest_cache.h"
#include "scopereg/api/routes.h"
#include "scopereg/core/clock.h"
#include "scopereg/http/message.h"
#include "scopereg/metadata/metadata_store.h"
#include "scopereg/storage/blob_store.h"

namespace scopereg::api {

struct RegistryOptions {
  // Largest manifest accepted (the spec suggests accepting at least 4 MiB).
  std::size_t max_manifest_bytes = 4 * 1024 * 1024;
  // Largest page of tags or repositories; larger `n` is clamped and a Link
  // header points at the rest. Without `n`, tags/list returns up to this many.
  std::size_t max_page_size = 10000;
  // Default page size of /v2/_catalog without `n` (Distribution uses 100).
  std::size_t catalog_default_page_size = 1000;
  // Mount a blob given only `mount=` (no `from=`) from any repository the
  // caller may pull from.
  bool automatic_mount = true;
  // Manifest bytes kept in memory.
  std::size_t manifest_cache_bytes = 64 * 1024 * 1024;
};

struct RegistryDeps {
  storage::BlobStore* blobs = nullptr;
  metadata::MetadataStore* metadata = nullptr;
  const Clock* clock = nullptr;
  AccessController* access = nullptr;
  RepositoryEventSink* events = nullptr;
};

// A handler for a non-distribution route (token endpoint, management API...).
using RouteHandler = std::function<http::Task<void>(http::Request&, http::Response&, const RouteMatch&)>;

class Registry {
 public:
  Registry(RegistryDeps deps, RegistryOptions options);
  ~Registry();

  http::Task<void> Handle(http::Request& req, http::Response& res);

  // Registers the handler for kToken, kHealth, kMetrics, kManagement or
  // kAcrMetadata. Call before serving.
  void SetRouteHandler(Route route, RouteHandler handler);

  ManifestCache& manifest_cache();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace scopereg::api
