#include <charconv>
#include <thread>

#include "scopereg/api/distribution/handlers.h"
#include "scopereg/api/errors.h"
#include "scopereg/core/encoding.h"
#include "scopereg/core/strings.h"

namespace scopereg::api::distribution {

namespace {
// "/v2/<repository>/<kind>/<reference>"
std::string V2Path(std::string_view repository, std::string_view kind, std::string_view reference) {
  std::string out;
  out.reserve(4 + repository.size() + kind.size() + reference.size() + 2);
  out += "/v2/";
  out += repository;
  out += '/';
  out += kind;
  out += '/';
  out += reference;
  return out;
}
}  // namespace

std::string BlobLocation(std::string_view repository, std::string_view digest) {
  return V2Path(repository, "blobs", digest);
}

std::string ManifestLocation(std::string_view repository, std::string_view digest) {
  return V2Path(repository, "manifests", digest);
}

std::string UploadLocation(std::string_view repository, std::string_view id) {
  return V2Path(repository, "blobs/uploads", id);
}

std::string UploadRange(std::uint64_t offset) {
  return "0-" + std::to_string(offset == 0 ? 0 : offset - 1);
}

bool ParsePagination(Context& ctx, std::size_t default_n, std::size_t& n, std::string& last) {
  n = std::min(default_n, ctx.shared.options.max_page_size);
  if (auto raw = ctx.req.QueryParam("n")) {
    auto parsed = ParseUint64(*raw);
    if (!parsed) {
      WriteError(ctx.req, ctx.res, oci::ErrorCode::kPaginationInvalid,
                 "n must be a non-negative integer, got '" + *raw + "'");
      return false;
    }
    n = static_cast<std::size_t>(std::min<std::uint64_t>(*parsed, ctx.shared.options.max_page_size));
  }
  last = ctx.req.QueryParam("last").value_or("");
  return true;
}

void SetNextLink(Context& ctx, std::string_view path, std::size_t n, std::string_view last) {
  std::string link = "<";
  link += path;
  link += "?last=";
  link += UrlEncode(last);
  link += "&n=";
  link += std::to_string(n);
  link += ">; rel=\"next\"";
  ctx.res.SetHeader("Link", link);
}

http::Task<Status> RecordBlobWithRetry(Context& ctx, const oci::Digest& digest, std::int64_t size) {
  // A blob being garbage collected right now is gone within one GC step;
  // wait for it rather than failing the push (blob_index.h protocol).
  Status st;
  for (int attempt = 0; attempt < 50; ++attempt) {
    co_await http::RunBlocking([&] {
      st = ctx.metadata().RecordBlob(digest, size);
      if (st.code() == StatusCode::kAborted) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    });
    if (st.code() != StatusCode::kAborted) co_return st;
  }
  co_return st;
}

bool CheckRepositoryWritable(Context& ctx) {
  auto repo = ctx.metadata().GetRepository(ctx.route.repository);
  if (repo.ok() && !repo->attributes.write_enabled) {
    WriteError(ctx.req, ctx.res, oci::ErrorCode::kDenied,
               "repository '" + ctx.route.repository + "' is locked for writing (writeEnabled=false)");
    return false;
  }
  return true;
}

http::Task<void> HandleBase(Context& ctx) {
  ctx.res.set_status(200);
  ctx.res.SetHeader("Content-Type", "application/json");
  ctx.res.SetBody("{}");
  co_return;
}

}  // namespace scopereg::api::distribution
