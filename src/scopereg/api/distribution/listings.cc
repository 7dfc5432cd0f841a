// GET /v2/<name>/tags/list, GET /v2/_catalog, GET /v2/<name>/referrers/<digest>
#include <nlohmann/json.hpp>

#include "scopereg/api/distribution/handlers.h"
#include "scopereg/api/errors.h"
#include "scopereg/oci/manifest.h"

namespace scopereg::api::distribution {

using nlohmann::json;
using oci::ErrorCode;

http::Task<void> HandleTagsList(Context& ctx) {
  const std::string& repo = ctx.route.repository;
  std::size_t n;
  std::string last;
  if (!ParsePagination(ctx, ctx.shared.options.max_page_size, n, last)) co_return;
  json tags = json::array();
  bool more = false;
  // n=0 still answers 404 for an unknown repository, so ask for one row.
  auto page = ctx.metadata().ListTags(repo, last, std::max<std::size_t>(n, 1), /*include_unlisted=*/false);
  if (!page.ok()) {
    WriteLookupError(ctx.req, ctx.res, page.status(), ErrorCode::kNameUnknown, "repository '" + repo + "' not known to registry");
    co_return;
  }
  if (n > 0) {
    for (auto& t : page->items) tags.push_back(std::move(t));
    more = page->more;
  }
  if (more && !tags.empty()) SetNextLink(ctx, "/v2/" + repo + "/tags/list", n, tags.back().get<std::string>());
  ctx.res.set_status(200);
  ctx.res.SetHeader("Content-Type", "application/json");
  ctx.res.SetBody(json{{"name", repo}, {"tags", std::move(tags)}}.dump());
}

http::Task<void> HandleCatalog(Context& ctx) {
  std::size_t n;
  std::string last;
  if (!ParsePagination(ctx, ctx.shared.options.catalog_default_page_size, n, last)) co_return;
  // Only repositories the caller may list (access-model.md: beyond ACR, the
  // catalog is filtered by metadata/read), so pages are filled by skipping.
  json repos = json::array();
  bool more = false;
  std::string cursor = last;
  while (repos.size() < n) {
    auto page = ctx.metadata().ListRepositories(cursor, n - repos.size());
    if (!page.ok()) {
      WriteInternalError(ctx.req, ctx.res, page.status());
      co_return;
    }
    for (auto& name : page->items) {
      cursor = name;
      if (ctx.grant.CanList(name)) repos.push_back(std::move(name));
    }
    more = page->more;
    if (!page->more) break;
  }
  if (more && !repos.empty()) SetNextLink(ctx, "/v2/_catalog", n, repos.back().get<std::string>());
  ctx.res.set_status(200);
  ctx.res.SetHeader("Content-Type", "application/json");
  ctx.res.SetBody(json{{"repositories", std::move(repos)}}.dump());
}

http::Task<void> HandleReferrers(Context& ctx) {
  auto subject = oci::Digest::Parse(ctx.route.reference);
  if (!subject.ok()) {
    WriteError(ctx.req, ctx.res, ErrorCode::kDigestInvalid, std::string(subject.status().message()));
    co_return;
  }
  std::optional<std::string> filter = ctx.req.QueryParam("artifactType");
  if (filter && filter->empty()) filter.reset();
  auto list = ctx.metadata().ListReferrers(ctx.route.repository, *subject,
                                           filter ? std::optional<std::string_view>(*filter) : std::nullopt);
  if (!list.ok()) {
    WriteInternalError(ctx.req, ctx.res, list.status());
    co_return;
  }
  json manifests = json::array();
  for (const auto& m : *list) {
    if (!m.attributes.list_enabled) continue;
    json d = {{"mediaType", m.media_type}, {"digest", m.digest.str()}, {"size", m.size}};
    if (!m.artifact_type.empty()) d["artifactType"] = m.artifact_type;
    if (!m.annotations_json.empty()) {
      json a = json::parse(m.annotations_json, nullptr, false);
      if (!a.is_discarded()) d["annotations"] = std::move(a);
    }
    manifests.push_back(std::move(d));
  }
  ctx.res.set_status(200);
  ctx.res.SetHeader("Content-Type", std::string(oci::media_type::kOciIndex));
  if (filter) ctx.res.SetHeader("OCI-Filters-Applied", "artifactType");
  ctx.res.SetBody(json{{"schemaVersion", 2},
                       {"mediaType", oci::media_type::kOciIndex},
                       {"manifests", std::move(manifests)}}
                      .dump());
}

}  // namespace scopereg::api::distribution
