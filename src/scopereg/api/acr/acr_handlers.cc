// ACR's metadata API (the "acr/v1" data-plane endpoints az and the Azure
// SDKs use for `az acr repository show|update|untag|delete`):
//
//   GET               /acr/v1/_catalog                    repositories the caller may list
//   GET|PATCH|DELETE  /acr/v1/<name>                      repository attributes; delete it
//   GET               /acr/v1/<name>/_tags                tag records
//   GET|PATCH|DELETE  /acr/v1/<name>/_tags/<tag>          tag attributes; untag
//   GET               /acr/v1/<name>/_manifests           manifest records with their tags
//   GET|PATCH|DELETE  /acr/v1/<name>/_manifests/<digest>  manifest attributes; delete it
//
// The route table (required_access.h) has already authorized the request
// (metadata/read, metadata/write, content/delete). Lock attributes are
// enforced by the metadata store inside its write transactions; its
// kPermissionDenied becomes 403 DENIED with the store's message. Every
// successful write invalidates the repository's manifest cache before the
// response, so the next pull sees the new attributes. Every write reports a
// repository event (lock, untag, delete), refusals included.
//
// Shapes follow ACR's responses: {"registry","imageName",...} with
// "changeableAttributes" {deleteEnabled, writeEnabled, readEnabled,
// listEnabled}. Fields ACR has and scopereg does not know (architecture,
// os, signed, quarantine, teleport) are left out rather than guessed.
// Listings here show unlisted (listEnabled=false) tags too: they are where
// an operator finds what to unlock. docs/api.md has the details.
#include "scopereg/api/distribution/handlers.h"
#include "scopereg/api/errors.h"
#include "scopereg/api/management/json_fields.h"
#include "scopereg/core/encoding.h"
#include "scopereg/oci/name.h"

namespace scopereg::api::distribution {

namespace {

using management::Json;
using oci::ErrorCode;

// Per-manifest tag lookups make a _manifests page cost n+1 queries; keep n
// moderate whatever max_page_size says.
constexpr std::size_t kMaxManifestPage = 1000;
constexpr std::size_t kDefaultPage = 100;
constexpr std::size_t kDeleteBatch = 1000;

// ACR's "registry" field is the login server: the host the client used.
std::string RegistryHost(Context& ctx) { return std::string(ctx.req.header("Host")); }

Json ChangeableAttributes(const metadata::LockAttributes& a) {
  return Json{{"deleteEnabled", a.delete_enabled},
              {"writeEnabled", a.write_enabled},
              {"readEnabled", a.read_enabled},
              {"listEnabled", a.list_enabled}};
}

std::string AcrTime(Time t) { return FormatRfc3339(t, /*millis=*/true); }

Json TagJson(const metadata::TagRecord& t) {
  return Json{{"name", t.name},
              {"digest", t.digest.str()},
              {"createdTime", AcrTime(t.created_at)},
              {"lastUpdateTime", AcrTime(t.updated_at)},
              {"changeableAttributes", ChangeableAttributes(t.attributes)}};
}

Json ManifestJson(const metadata::ManifestRecord& m, const std::vector<std::string>& tags) {
  Json out{{"digest", m.digest.str()},
           {"imageSize", m.size},
           {"createdTime", AcrTime(m.created_at)},
           // Manifests are immutable; only their attributes change, and the
           // store keeps no separate time for that.
           {"lastUpdateTime", AcrTime(m.created_at)},
           {"mediaType", m.media_type},
           {"tags", tags},
           {"changeableAttributes", ChangeableAttributes(m.attributes)}};
  if (!m.artifact_type.empty()) out["artifactType"] = m.artifact_type;
  if (m.subject) out["subject"] = m.subject->str();
  return out;
}

void WriteAcrJson(Context& ctx, int status, const Json& body) {
  ctx.res.set_status(status);
  ctx.res.SetHeader("Content-Type", "application/json");
  ctx.res.SetBody(management::Dump(body));
}

// What one /acr/v1 object route names.
struct Target {
  enum class Kind : std::uint8_t { kRepository, kTag, kManifest };
  Kind kind = Kind::kRepository;
  std::string repository;
  std::string tag;     // kTag
  oci::Digest digest;  // kManifest
};

// Parses the route's reference. Writes the error and returns nullopt if it
// is not a valid tag or digest.
std::optional<Target> ParseTarget(Context& ctx) {
  Target t;
  t.repository = ctx.route.repository;
  if (ctx.route.route == Route::kAcrRepository) return t;
  // Clients percent-encode the reference (the Azure SDKs send sha256%3A...).
  std::string ref = UrlDecode(ctx.route.reference).value_or("");
  if (ctx.route.route == Route::kAcrTag) {
    if (!oci::IsValidTag(ref)) {
      WriteError(ctx.req, ctx.res, ErrorCode::kManifestUnknown, "invalid tag '" + ctx.route.reference + "'",
                 {}, 404);
      return std::nullopt;
    }
    t.kind = Target::Kind::kTag;
    t.tag = std::move(ref);
    return t;
  }
  auto digest = oci::Digest::Parse(ref);
  if (!digest.ok()) {
    WriteError(ctx.req, ctx.res, ErrorCode::kDigestInvalid, std::string(digest.status().message()));
    return std::nullopt;
  }
  t.kind = Target::Kind::kManifest;
  t.digest = std::move(digest).value();
  return t;
}

// Writes a metadata store failure: kNotFound as NAME_UNKNOWN (repository)
// or MANIFEST_UNKNOWN (tag, manifest), kPermissionDenied (a lock) as 403
// DENIED with the store's message, anything else as 5xx.
void WriteStoreError(Context& ctx, const Target& t, const Status& st) {
  if (st.IsNotFound()) {
    WriteError(ctx.req, ctx.res,
               t.kind == Target::Kind::kRepository ? ErrorCode::kNameUnknown : ErrorCode::kManifestUnknown,
               std::string(st.message()));
  } else if (st.code() == StatusCode::kPermissionDenied) {
    WriteError(ctx.req, ctx.res, ErrorCode::kDenied, std::string(st.message()));
  } else {
    WriteInternalError(ctx.req, ctx.res, st);
  }
}

void ReportEvent(Context& ctx, std::string_view operation, const Target& t) {
  ctx.Event({operation, t.repository, t.tag, t.kind == Target::Kind::kManifest ? t.digest.str() : "", "", 0,
             ctx.res.status(), ctx.req.log().error_code});
}

// The GET body of a target.
Result<Json> Describe(Context& ctx, const Target& t) {
  metadata::MetadataStore& md = ctx.metadata();
  Json out{{"registry", RegistryHost(ctx)}, {"imageName", t.repository}};
  switch (t.kind) {
    case Target::Kind::kRepository: {
      SCOPEREG_ASSIGN_OR_RETURN(metadata::RepositoryRecord r, md.GetRepository(t.repository));
      out["createdTime"] = AcrTime(r.created_at);
      out["lastUpdateTime"] = AcrTime(r.updated_at);
      out["manifestCount"] = r.manifest_count;
      out["tagCount"] = r.tag_count;
      out["changeableAttributes"] = ChangeableAttributes(r.attributes);
      break;
    }
    case Target::Kind::kTag: {
      SCOPEREG_ASSIGN_OR_RETURN(metadata::TagRecord tag, md.GetTag(t.repository, t.tag));
      out["tag"] = TagJson(tag);
      break;
    }
    case Target::Kind::kManifest: {
      SCOPEREG_ASSIGN_OR_RETURN(metadata::ManifestRecord m, md.GetManifest(t.repository, t.digest));
      SCOPEREG_ASSIGN_OR_RETURN(std::vector<std::string> tags, md.TagsOf(t.repository, t.digest));
      out["manifest"] = ManifestJson(m, tags);
      break;
    }
  }
  return out;
}

// The PATCH body: the four attributes, flat as ACR documents them or
// wrapped in "changeableAttributes" as some clients send them.
Result<metadata::LockAttributesPatch> ParsePatch(std::string_view body) {
  SCOPEREG_ASSIGN_OR_RETURN(Json object, management::ParseObject(body, /*empty_ok=*/false));
  constexpr std::string_view kWrapper = "changeableAttributes";
  const Json* attributes = &object;
  std::string prefix;
  if (object.size() == 1 && object.contains(std::string(kWrapper))) {
    SCOPEREG_ASSIGN_OR_RETURN(attributes, management::GetObject(object, kWrapper));
    prefix = std::string(kWrapper) + ".";
  }
  SCOPEREG_RETURN_IF_ERROR(management::CheckKnownFields(
      *attributes, {"deleteEnabled", "listEnabled", "readEnabled", "writeEnabled"}, prefix));
  metadata::LockAttributesPatch patch;
  SCOPEREG_ASSIGN_OR_RETURN(patch.delete_enabled, management::GetBool(*attributes, "deleteEnabled", prefix));
  SCOPEREG_ASSIGN_OR_RETURN(patch.write_enabled, management::GetBool(*attributes, "writeEnabled", prefix));
  SCOPEREG_ASSIGN_OR_RETURN(patch.read_enabled, management::GetBool(*attributes, "readEnabled", prefix));
  SCOPEREG_ASSIGN_OR_RETURN(patch.list_enabled, management::GetBool(*attributes, "listEnabled", prefix));
  if (patch.empty()) {
    return Status::InvalidArgument(
        "no attributes to update: give one or more of deleteEnabled, writeEnabled, readEnabled, listEnabled");
  }
  return patch;
}

http::Task<void> Get(Context& ctx, const Target& t) {
  auto body = Describe(ctx, t);
  if (!body.ok()) {
    WriteStoreError(ctx, t, body.status());
    co_return;
  }
  WriteAcrJson(ctx, 200, *body);
}

http::Task<void> Patch(Context& ctx, const Target& t) {
  const std::size_t max = management::kMaxJsonBodyBytes;
  auto text = co_await ctx.req.ReadBodyToString(max);
  if (!text.ok()) {
    const bool too_large = text.status().code() == StatusCode::kResourceExhausted;
    WriteError(ctx.req, ctx.res, ErrorCode::kSizeInvalid,
               too_large ? "body larger than " + std::to_string(max) + " bytes" : "could not read the body",
               {}, too_large ? 413 : 400);
    ctx.res.set_close(true);
    ReportEvent(ctx, "lock", t);
    co_return;
  }
  auto patch = ParsePatch(*text);
  if (!patch.ok()) {
    // No OCI code means "bad request body"; UNSUPPORTED with 400 names it best.
    WriteError(ctx.req, ctx.res, ErrorCode::kUnsupported, std::string(patch.status().message()), {}, 400);
    ReportEvent(ctx, "lock", t);
    co_return;
  }
  Status st;
  co_await http::RunBlocking([&] {
    metadata::MetadataStore& md = ctx.metadata();
    switch (t.kind) {
      case Target::Kind::kRepository:
        st = md.UpdateRepositoryAttributes(t.repository, *patch);
        break;
      case Target::Kind::kTag:
        st = md.UpdateTagAttributes(t.repository, t.tag, *patch);
        break;
      case Target::Kind::kManifest:
        st = md.UpdateManifestAttributes(t.repository, t.digest, *patch);
        break;
    }
  });
  if (st.ok()) ctx.shared.manifests.Invalidate(t.repository);
  Result<Json> body = st.ok() ? Describe(ctx, t) : Result<Json>(st);
  if (body.ok()) {
    WriteAcrJson(ctx, 200, *body);
  } else {
    WriteStoreError(ctx, t, body.status());
  }
  ReportEvent(ctx, "lock", t);
}

// Deletes a repository and reports what went with it, as ACR does. The
// lists are read just before the delete (the store's delete does not
// return them), so a push racing the delete may be deleted unreported.
Result<Json> DeleteRepository(metadata::MetadataStore& md, const std::string& repository) {
  Json manifests = Json::array();
  for (std::string after;;) {
    SCOPEREG_ASSIGN_OR_RETURN(auto page, md.ListManifests(repository, after, kDeleteBatch));
    for (const auto& m : page.items) manifests.push_back(m.digest.str());
    if (!page.more || page.items.empty()) break;
    after = page.items.back().digest.str();
  }
  Json tags = Json::array();
  for (std::string after;;) {
    SCOPEREG_ASSIGN_OR_RETURN(auto page, md.ListTagRecords(repository, after, kDeleteBatch));
    for (const auto& t : page.items) tags.push_back(t.name);
    if (!page.more || page.items.empty()) break;
    after = page.items.back().name;
  }
  SCOPEREG_RETURN_IF_ERROR(md.DeleteRepository(repository));
  return Json{{"manifestsDeleted", std::move(manifests)}, {"tagsDeleted", std::move(tags)}};
}

http::Task<void> Delete(Context& ctx, const Target& t) {
  Status st;
  Json body;
  co_await http::RunBlocking([&] {
    metadata::MetadataStore& md = ctx.metadata();
    switch (t.kind) {
      case Target::Kind::kRepository: {
        auto deleted = DeleteRepository(md, t.repository);
        st = deleted.status();
        if (deleted.ok()) body = std::move(deleted).value();
        break;
      }
      case Target::Kind::kTag:
        st = md.DeleteTag(t.repository, t.tag);
        break;
      case Target::Kind::kManifest:
        st = md.DeleteManifest(t.repository, t.digest);
        break;
    }
  });
  if (!st.ok()) {
    WriteStoreError(ctx, t, st);
  } else {
    ctx.shared.manifests.Invalidate(t.repository);
    if (t.kind == Target::Kind::kRepository) {
      WriteAcrJson(ctx, 202, body);
    } else {
      ctx.res.set_status(202);
    }
  }
  ReportEvent(ctx, t.kind == Target::Kind::kTag ? "untag" : "delete", t);
}

// GET /acr/v1/<name>/_tags and /_manifests.
http::Task<void> List(Context& ctx, bool manifests) {
  const std::string& repo = ctx.route.repository;
  std::size_t n;
  std::string last;
  if (!ParsePagination(ctx, kDefaultPage, n, last)) co_return;
  if (manifests) n = std::min(n, kMaxManifestPage);
  metadata::MetadataStore& md = ctx.metadata();
  Json items = Json::array();
  std::string last_name;
  bool more = false;
  // n=0 still answers 404 for an unknown repository, so ask for one row.
  const std::size_t limit = std::max<std::size_t>(n, 1);
  Status st;
  if (manifests) {
    auto page = md.ListManifests(repo, last, limit);
    st = page.status();
    for (std::size_t i = 0; st.ok() && i < page->items.size() && i < n; ++i) {
      const metadata::ManifestRecord& m = page->items[i];
      auto tags = md.TagsOf(repo, m.digest);
      st = tags.status();
      if (!st.ok()) break;
      items.push_back(ManifestJson(m, *tags));
      last_name = m.digest.str();
    }
    more = st.ok() && n > 0 && page->more;
  } else {
    auto page = md.ListTagRecords(repo, last, limit);
    st = page.status();
    for (std::size_t i = 0; st.ok() && i < page->items.size() && i < n; ++i) {
      items.push_back(TagJson(page->items[i]));
      last_name = page->items[i].name;
    }
    more = st.ok() && n > 0 && page->more;
  }
  if (!st.ok()) {
    WriteStoreError(ctx, Target{Target::Kind::kRepository, repo, "", {}}, st);
    co_return;
  }
  if (more) SetNextLink(ctx, "/acr/v1/" + repo + (manifests ? "/_manifests" : "/_tags"), n, last_name);
  WriteAcrJson(
      ctx, 200,
      Json{{"registry", RegistryHost(ctx)}, {"imageName", repo}, {manifests ? "manifests" : "tags", items}});
}

// GET /acr/v1/_catalog: the /v2/_catalog listing (filtered by what the
// caller may list), with the Link header pointing back here.
http::Task<void> Catalog(Context& ctx) {
  co_await HandleCatalog(ctx);
  constexpr std::string_view kV2 = "</v2/_catalog";
  std::string link(ctx.res.header("Link"));
  if (link.starts_with(kV2)) ctx.res.SetHeader("Link", "</acr/v1/_catalog" + link.substr(kV2.size()));
}

}  // namespace

http::Task<void> HandleAcr(Context& ctx) {
  switch (ctx.route.route) {
    case Route::kAcrCatalog:
      co_await Catalog(ctx);
      co_return;
    case Route::kAcrTags:
      co_await List(ctx, /*manifests=*/false);
      co_return;
    case Route::kAcrManifests:
      co_await List(ctx, /*manifests=*/true);
      co_return;
    default:
      break;
  }
  std::optional<Target> target = ParseTarget(ctx);
  if (!target) co_return;
  switch (ctx.req.method()) {
    case http::Method::kGet:
      co_await Get(ctx, *target);
      break;
    case http::Method::kPatch:
      co_await Patch(ctx, *target);
      break;
    case http::Method::kDelete:
      co_await Delete(ctx, *target);
      break;
    default:
      WriteError(ctx.req, ctx.res, ErrorCode::kUnsupported);
  }
}

}  // namespace scopereg::api::distribution
