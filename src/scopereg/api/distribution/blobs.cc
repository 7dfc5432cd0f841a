// GET/HEAD/DELETE /v2/<name>/blobs/<digest>
#include "scopereg/api/distribution/handlers.h"
#include "scopereg/api/errors.h"
#include "scopereg/core/strings.h"

namespace scopereg::api::distribution {

namespace {

using oci::ErrorCode;

// Adapts a storage reader to the server's response body, keeping the
// descriptor visible so the server can use sendfile(2).
class BlobBodySource final : public http::BodySource {
 public:
  explicit BlobBodySource(std::unique_ptr<storage::BlobReader> reader) : reader_(std::move(reader)) {}
  std::uint64_t size() const override { return reader_->size(); }
  int native_fd() const override { return reader_->native_fd(); }
  std::uint64_t native_offset() const override { return reader_->native_offset(); }
  Result<std::size_t> Read(char* buf, std::size_t n) override { return reader_->Read(buf, n); }

 private:
  std::unique_ptr<storage::BlobReader> reader_;
};

struct ByteRange {
  std::uint64_t first = 0;
  std::uint64_t length = 0;
};

enum class RangeResult { kNone, kSatisfiable, kUnsatisfiable };

// RFC 9110 14.2 for a single range; a syntactically invalid Range header is
// ignored (the whole blob is sent), as the RFC allows.
RangeResult ParseRange(std::string_view header, std::uint64_t size, ByteRange& out) {
  if (header.empty()) return RangeResult::kNone;
  if (header.rfind("bytes=", 0) != 0) return RangeResult::kNone;
  std::string_view spec = TrimSpace(header.substr(6));
  if (spec.find(',') != std::string_view::npos) return RangeResult::kNone;  // multipart: send it all
  auto dash = spec.find('-');
  if (dash == std::string_view::npos) return RangeResult::kNone;
  std::string_view a = TrimSpace(spec.substr(0, dash)), b = TrimSpace(spec.substr(dash + 1));
  if (a.empty()) {  // suffix range: the last N bytes
    auto n = ParseUint64(b);
    if (!n) return RangeResult::kNone;
    if (*n == 0 || size == 0) return RangeResult::kUnsatisfiable;
    std::uint64_t len = std::min(*n, size);
    out = {size - len, len};
    return RangeResult::kSatisfiable;
  }
  auto first = ParseUint64(a);
  if (!first) return RangeResult::kNone;
  std::uint64_t last = size == 0 ? 0 : size - 1;
  if (!b.empty()) {
    auto l = ParseUint64(b);
    if (!l || *l < *first) return RangeResult::kNone;
    last = std::min(*l, last);
  }
  if (*first >= size) return RangeResult::kUnsatisfiable;
  out = {*first, last - *first + 1};
  return RangeResult::kSatisfiable;
}

http::Task<void> Get(Context& ctx, const oci::Digest& digest) {
  const std::string& repo = ctx.route.repository;
  auto attrs = ctx.shared.manifests.GetRepository(repo);
  if (!attrs) {
    auto r = ctx.metadata().GetRepository(repo);
    if (r.ok()) attrs = r->attributes;
  }
  if (attrs && !attrs->read_enabled) {
    WriteError(ctx.req, ctx.res, ErrorCode::kDenied,
               "repository '" + repo + "' is locked (readEnabled=false)");
    co_return;
  }
  auto blob = ctx.metadata().GetLinkedBlob(repo, digest);
  if (!blob.ok()) {
    WriteLookupError(ctx.req, ctx.res, blob.status(), ErrorCode::kBlobUnknown, "blob " + digest.str() + " unknown to repository");
    co_return;
  }
  const auto size = static_cast<std::uint64_t>(blob->size);
  ctx.res.SetHeader("Docker-Content-Digest", digest.str());
  ctx.res.SetHeader("ETag", "\"" + digest.str() + "\"");
  ctx.res.SetHeader("Accept-Ranges", "bytes");
  ctx.res.SetHeader("Cache-Control", "max-age=31536000");

  ByteRange range{0, size};
  RangeResult rr = ParseRange(ctx.req.header("Range"), size, range);
  if (rr == RangeResult::kUnsatisfiable) {
    WriteError(ctx.req, ctx.res, ErrorCode::kRangeInvalid, "requested range not satisfiable");
    ctx.res.SetHeader("Content-Range", "bytes */" + std::to_string(size));
    co_return;
  }
  if (rr == RangeResult::kSatisfiable) {
    ctx.res.set_status(206);
    ctx.res.SetHeader("Content-Range", "bytes " + std::to_string(range.first) + "-" +
                                           std::to_string(range.first + range.length - 1) + "/" +
                                           std::to_string(size));
  } else {
    ctx.res.set_status(200);
  }
  ctx.res.SetHeader("Content-Type", "application/octet-stream");
  if (ctx.req.method() == http::Method::kHead) {
    ctx.res.SetContentLengthOnly(range.length);
    co_return;
  }
  auto reader = ctx.blobs().Open(digest, range.first, range.length);
  if (!reader.ok()) {
    WriteInternalError(ctx.req, ctx.res, reader.status().WithPrefix("blob " + digest.str()));
    co_return;
  }
  ctx.res.SetBodySource(std::make_unique<BlobBodySource>(std::move(reader).value()));
}

http::Task<void> Delete(Context& ctx, const oci::Digest& digest) {
  const std::string& repo = ctx.route.repository;
  if (auto r = ctx.metadata().GetRepository(repo);
      r.ok() && (!r->attributes.delete_enabled || !r->attributes.write_enabled)) {
    WriteError(ctx.req, ctx.res, ErrorCode::kDenied, "repository '" + repo + "' is locked for deletion");
    ctx.Event({"delete", repo, "", digest.str(), "", 0, ctx.res.status(), ctx.req.log().error_code});
    co_return;
  }
  Status st;
  co_await http::RunBlocking([&] { st = ctx.metadata().UnlinkBlob(repo, digest); });
  if (!st.ok()) {
    if (st.IsNotFound()) {
      WriteError(ctx.req, ctx.res, ErrorCode::kBlobUnknown, "blob " + digest.str() + " unknown to repository");
    } else if (st.code() == StatusCode::kPermissionDenied) {
      WriteError(ctx.req, ctx.res, ErrorCode::kDenied, std::string(st.message()));
    } else {
      WriteInternalError(ctx.req, ctx.res, st);
    }
  } else {
    ctx.res.set_status(202);
  }
  ctx.Event({"delete", repo, "", digest.str(), "", 0, ctx.res.status(), ctx.req.log().error_code});
}

}  // namespace

http::Task<void> HandleBlob(Context& ctx) {
  auto digest = oci::Digest::Parse(ctx.route.reference);
  if (!digest.ok()) {
    WriteError(ctx.req, ctx.res, ErrorCode::kDigestInvalid, std::string(digest.status().message()));
    co_return;
  }
  switch (ctx.req.method()) {
    case http::Method::kGet:
    case http::Method::kHead:
      co_await Get(ctx, *digest);
      break;
    case http::Method::kDelete:
      co_await Delete(ctx, *digest);
      break;
    default:
      WriteError(ctx.req, ctx.res, ErrorCode::kUnsupported);
  }
}

}  // namespace scopereg::api::distribution
