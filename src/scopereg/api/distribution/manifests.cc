// GET/HEAD/PUT/DELETE /v2/<name>/manifests/<reference>
#include "scopereg/api/distribution/handlers.h"
#include "scopereg/api/errors.h"
#include "scopereg/core/crypto.h"
#include "scopereg/core/strings.h"
#include "scopereg/oci/manifest.h"
#include "scopereg/oci/name.h"

namespace scopereg::api::distribution {

namespace {

using oci::ErrorCode;

std::string QuotedEtag(const oci::Digest& d) { return "\"" + d.str() + "\""; }

// The reference in the URL. Writes the error and returns nullopt if invalid.
std::optional<oci::Reference> ParseReference(Context& ctx, ErrorCode bad_tag_code) {
  auto ref = oci::Reference::Parse(ctx.route.reference);
  if (ref.ok()) return std::move(ref).value();
  if (ctx.route.reference.find(':') != std::string::npos) {
    WriteError(ctx.req, ctx.res, ErrorCode::kDigestInvalid, std::string(ref.status().message()));
  } else {
    WriteError(ctx.req, ctx.res, bad_tag_code, "invalid tag '" + ctx.route.reference + "'");
  }
  return std::nullopt;
}

std::string LockedMessage(std::string_view what, std::string_view name, std::string_view attribute) {
  return std::string(what) + " '" + std::string(name) + "' is locked (" + std::string(attribute) + "=false)";
}

// Resolves the reference to a cached manifest, filling the cache from the
// database and blob store on a miss. Writes the error and returns nullptr if
// the client cannot have it.
http::Task<std::shared_ptr<const CachedManifest>> Resolve(Context& ctx, const oci::Reference& ref) {
  ManifestCache& cache = ctx.shared.manifests;
  const std::string& repo = ctx.route.repository;
  const ManifestCache::Generation gen = cache.CurrentGeneration(repo);

  std::optional<metadata::LockAttributes> repo_attrs = cache.GetRepository(repo);
  if (!repo_attrs) {
    auto r = ctx.metadata().GetRepository(repo);
    if (!r.ok()) {
      WriteLookupError(ctx.req, ctx.res, r.status(), ErrorCode::kNameUnknown, "repository '" + repo + "' not known to registry");
      co_return nullptr;
    }
    repo_attrs = r->attributes;
    cache.PutRepository(repo, gen, *repo_attrs);
  }
  if (!repo_attrs->read_enabled) {
    WriteError(ctx.req, ctx.res, ErrorCode::kDenied, LockedMessage("repository", repo, "readEnabled"));
    co_return nullptr;
  }

  oci::Digest digest;
  if (ref.is_tag()) {
    std::optional<CachedTag> tag = cache.GetTag(repo, ref.tag());
    if (!tag) {
      auto t = ctx.metadata().GetTag(repo, ref.tag());
      if (!t.ok()) {
        WriteLookupError(ctx.req, ctx.res, t.status(), ErrorCode::kManifestUnknown, "manifest tagged '" + ref.tag() + "' not found");
        co_return nullptr;
      }
      tag = CachedTag{t->digest, t->attributes};
      cache.PutTag(repo, gen, ref.tag(), *tag);
    }
    if (!tag->attributes.read_enabled) {
      WriteError(ctx.req, ctx.res, ErrorCode::kDenied, LockedMessage("tag", ref.tag(), "readEnabled"));
      co_return nullptr;
    }
    digest = tag->digest;
  } else {
    digest = ref.digest();
  }

  std::shared_ptr<const CachedManifest> m = cache.GetManifest(repo, digest);
  if (!m) {
    auto rec = ctx.metadata().GetManifest(repo, digest);
    if (!rec.ok()) {
      WriteLookupError(ctx.req, ctx.res, rec.status(), ErrorCode::kManifestUnknown, "manifest " + digest.str() + " not found");
      co_return nullptr;
    }
    auto bytes = ctx.blobs().ReadAll(digest, ctx.shared.options.max_manifest_bytes);
    if (!bytes.ok()) {
      // The row exists but its bytes do not: data loss, not a client error.
      WriteInternalError(ctx.req, ctx.res, bytes.status().WithPrefix("manifest bytes " + digest.str()));
      co_return nullptr;
    }
    auto fresh = std::make_shared<CachedManifest>();
    fresh->digest = digest;
    fresh->media_type = rec->media_type;
    fresh->bytes = std::make_shared<const std::string>(std::move(bytes).value());
    fresh->attributes = rec->attributes;
    fresh->etag = QuotedEtag(digest);
    m = fresh;
    cache.PutManifest(repo, gen, m);
  }
  if (!m->attributes.read_enabled) {
    WriteError(ctx.req, ctx.res, ErrorCode::kDenied, LockedMessage("manifest", digest.str(), "readEnabled"));
    co_return nullptr;
  }
  co_return m;
}

// Content negotiation over every Accept line (c/image sends six separate
// ones). No Accept header, a wildcard, or the stored media type among them
// means the client can take the stored manifest; scopereg never converts.
bool Acceptable(const http::Request& req, std::string_view media_type) {
  auto lines = req.headers("Accept");
  if (lines.empty()) return true;
  for (std::string_view line : lines) {
    for (std::string_view item : Split(line, ',')) {
      std::string type = oci::StripMediaTypeParameters(item);
      if (type == media_type || type == "*/*" || type == "application/*") return true;
    }
  }
  return false;
}

std::string NotAcceptableMessage(std::string_view media_type) {
  // Distribution's wording, which clients and people recognise.
  if (media_type == oci::media_type::kOciManifest) {
    return "OCI manifest found, but accept header does not support OCI manifests";
  }
  if (media_type == oci::media_type::kOciIndex) {
    return "OCI index found, but accept header does not support OCI indexes";
  }
  if (oci::IsIndexMediaType(media_type)) return "manifest list found, but accept header does not support manifest lists";
  return "manifest of type " + std::string(media_type) + " found, but accept header does not support it";
}

http::Task<void> Get(Context& ctx) {
  auto ref = ParseReference(ctx, ErrorCode::kManifestUnknown);
  if (!ref) co_return;
  auto m = co_await Resolve(ctx, *ref);
  const bool head = ctx.req.method() == http::Method::kHead;
  if (!m) {
    if (!head) {
      ctx.Event({"pull", ctx.route.repository, ref->is_tag() ? ref->tag() : "", ref->is_digest() ? ref->digest().str() : "",
                 "", 0, ctx.res.status(), ctx.req.log().error_code});
    }
    co_return;
  }
  if (!Acceptable(ctx.req, m->media_type)) {
    WriteError(ctx.req, ctx.res, ErrorCode::kManifestUnknown, NotAcceptableMessage(m->media_type));
    co_return;
  }
  // If-None-Match lets a client revalidate a cached manifest cheaply.
  if (std::string_view inm = ctx.req.header("If-None-Match"); !inm.empty() && inm == m->etag) {
    ctx.res.set_status(304);
    ctx.res.SetHeader("Docker-Content-Digest", m->digest.str());
    ctx.res.SetHeader("ETag", m->etag);
    co_return;
  }
  ctx.res.set_status(200);
  ctx.res.SetHeader("Content-Type", m->media_type);
  ctx.res.SetHeader("Docker-Content-Digest", m->digest.str());
  ctx.res.SetHeader("ETag", m->etag);
  if (head) {
    ctx.res.SetContentLengthOnly(m->bytes->size());
  } else {
    ctx.res.SetSharedBody(m->bytes);
    ctx.Event({"pull", ctx.route.repository, ref->is_tag() ? ref->tag() : "", m->digest.str(), m->media_type,
               static_cast<std::int64_t>(m->bytes->size()), 200, ""});
  }
}

// If-Match on a manifest PUT: the ETag (quoted digest) the tag must point at.
std::optional<oci::Digest> ParseIfMatch(std::string_view v) {
  while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
  if (v.rfind("W/", 0) == 0) v.remove_prefix(2);
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
  auto d = oci::Digest::Parse(v);
  if (!d.ok()) return std::nullopt;
  return std::move(d).value();
}

bool IsForeignLayer(const oci::Descriptor& d) {
  return d.media_type.find("foreign") != std::string::npos;
}

http::Task<void> Put(Context& ctx) {
  const std::string& repo = ctx.route.repository;
  auto ref = ParseReference(ctx, ErrorCode::kManifestInvalid);
  if (!ref) co_return;
  auto fail_event = [&] {
    ctx.Event({"push", repo, ref->is_tag() ? ref->tag() : "", ref->is_digest() ? ref->digest().str() : "", "", 0,
               ctx.res.status(), ctx.req.log().error_code});
  };
  if (!CheckRepositoryWritable(ctx)) {
    fail_event();
    co_return;
  }
  const std::size_t max = ctx.shared.options.max_manifest_bytes;
  if (auto len = ctx.req.content_length(); len && *len > max) {
    WriteError(ctx.req, ctx.res, ErrorCode::kSizeInvalid,
               "manifest is larger than " + std::to_string(max) + " bytes", {}, 413);
    fail_event();
    co_return;
  }
  auto body = co_await ctx.req.ReadBodyToString(max);
  if (!body.ok()) {
    if (body.status().code() == StatusCode::kResourceExhausted) {
      WriteError(ctx.req, ctx.res, ErrorCode::kSizeInvalid, std::string(body.status().message()), {}, 413);
    } else {
      WriteError(ctx.req, ctx.res, ErrorCode::kManifestInvalid, "could not read the manifest body");
      ctx.res.set_close(true);
    }
    fail_event();
    co_return;
  }
  auto parsed = oci::ParseManifest(*body, ctx.req.header("Content-Type"));
  if (!parsed.ok()) {
    WriteError(ctx.req, ctx.res, ErrorCode::kManifestInvalid, std::string(parsed.status().message()));
    fail_event();
    co_return;
  }
  const oci::Manifest& manifest = *parsed;

  oci::Digest digest;
  if (ref->is_digest()) {
    auto alg = ref->digest().hash_algorithm();
    if (!alg) {
      WriteError(ctx.req, ctx.res, ErrorCode::kDigestInvalid,
                 "unsupported digest algorithm '" + std::string(ref->digest().algorithm()) + "'");
      fail_event();
      co_return;
    }
    Hasher h(*alg);
    h.Update(*body);
    digest = oci::Digest::FromHex(*alg, h.HexDigest());
    if (!(digest == ref->digest())) {
      WriteError(ctx.req, ctx.res, ErrorCode::kDigestInvalid,
                 "manifest digest is " + digest.str() + ", not " + ref->digest().str());
      fail_event();
      co_return;
    }
  } else {
    digest = oci::Digest::Sha256Of(*body);
  }

  metadata::ManifestRecord record;
  record.digest = digest;
  record.media_type = manifest.media_type;
  record.size = static_cast<std::int64_t>(body->size());
  if (manifest.subject) record.subject = manifest.subject->digest;
  record.artifact_type = manifest.ReferrerArtifactType();
  record.annotations_json = manifest.annotations_json;
  metadata::ManifestReferences refs;
  if (manifest.config) refs.blobs.push_back(manifest.config->digest);
  for (const auto& layer : manifest.layers) {
    if (!IsForeignLayer(layer)) refs.blobs.push_back(layer.digest);
  }
  for (const auto& child : manifest.manifests) refs.manifests.push_back(child.digest);

  metadata::TagPrecondition precondition;
  if (std::string_view if_match = ctx.req.header("If-Match"); !if_match.empty() && ref->is_tag()) {
    if (if_match == "*") {
      if (!ctx.metadata().GetTag(repo, ref->tag()).ok()) {
        WriteError(ctx.req, ctx.res, ErrorCode::kPreconditionFailed, "tag '" + ref->tag() + "' does not exist");
        fail_event();
        co_return;
      }
    } else {
      auto expected = ParseIfMatch(if_match);
      if (!expected) {
        WriteError(ctx.req, ctx.res, ErrorCode::kPreconditionFailed, "If-Match is not a manifest ETag");
        fail_event();
        co_return;
      }
      precondition.must_point_to = *expected;
    }
  }

  Status st = co_await RecordBlobWithRetry(ctx, digest, record.size);
  if (!st.ok()) {
    WriteInternalError(ctx.req, ctx.res, st);
    fail_event();
    co_return;
  }
  co_await http::RunBlocking([&] { st = ctx.blobs().Put(digest, *body); });
  if (!st.ok()) {
    WriteInternalError(ctx.req, ctx.res, st);
    fail_event();
    co_return;
  }
  std::optional<std::string> tag;
  if (ref->is_tag()) tag = ref->tag();
  Result<metadata::PutManifestResult> put = Status::Internal("not run");
  co_await http::RunBlocking([&] { put = ctx.metadata().PutManifest(repo, record, refs, tag, precondition); });
  if (!put.ok()) {
    switch (put.status().code()) {
      case StatusCode::kFailedPrecondition:
      case StatusCode::kNotFound:
        WriteError(ctx.req, ctx.res, ErrorCode::kManifestBlobUnknown, std::string(put.status().message()));
        break;
      case StatusCode::kAborted:
        WriteError(ctx.req, ctx.res, ErrorCode::kPreconditionFailed,
                   "tag '" + ref->tag() + "' does not point at the manifest given in If-Match");
        break;
      case StatusCode::kPermissionDenied:
        WriteError(ctx.req, ctx.res, ErrorCode::kDenied, std::string(put.status().message()));
        break;
      default:
        WriteInternalError(ctx.req, ctx.res, put.status());
    }
    fail_event();
    co_return;
  }
  ctx.shared.manifests.Invalidate(repo);

  ctx.res.set_status(201);
  ctx.res.SetHeader("Location", ManifestLocation(repo, digest.str()));
  ctx.res.SetHeader("Docker-Content-Digest", digest.str());
  if (manifest.subject) ctx.res.SetHeader("OCI-Subject", manifest.subject->digest.str());
  ctx.Event({"push", repo, tag.value_or(""), digest.str(), record.media_type, record.size, 201, ""});
}

http::Task<void> Delete(Context& ctx) {
  const std::string& repo = ctx.route.repository;
  auto ref = ParseReference(ctx, ErrorCode::kManifestUnknown);
  if (!ref) co_return;
  Status st;
  co_await http::RunBlocking([&] {
    st = ref->is_digest() ? ctx.metadata().DeleteManifest(repo, ref->digest()) : ctx.metadata().DeleteTag(repo, ref->tag());
  });
  const std::string_view op = ref->is_digest() ? "delete" : "untag";
  if (!st.ok()) {
    if (st.IsNotFound()) {
      WriteError(ctx.req, ctx.res, ErrorCode::kManifestUnknown, std::string(st.message()));
    } else if (st.code() == StatusCode::kPermissionDenied) {
      WriteError(ctx.req, ctx.res, ErrorCode::kDenied, std::string(st.message()));
    } else {
      WriteInternalError(ctx.req, ctx.res, st);
    }
    ctx.Event({op, repo, ref->is_tag() ? ref->tag() : "", ref->is_digest() ? ref->digest().str() : "", "", 0,
               ctx.res.status(), ctx.req.log().error_code});
    co_return;
  }
  ctx.shared.manifests.Invalidate(repo);
  ctx.res.set_status(202);
  ctx.Event({op, repo, ref->is_tag() ? ref->tag() : "", ref->is_digest() ? ref->digest().str() : "", "", 0, 202, ""});
}

}  // namespace

http::Task<void> HandleManifest(Context& ctx) {
  switch (ctx.req.method()) {
    case http::Method::kGet:
    case http::Method::kHead:
      co_await Get(ctx);
      break;
    case http::Method::kPut:
      co_await Put(ctx);
      break;
    case http::Method::kDelete:
      co_await Delete(ctx);
      break;
    default:
      WriteError(ctx.req, ctx.res, ErrorCode::kUnsupported);
  }
}

}  // namespace scopereg::api::distribution
