// Blob uploads (distribution-spec "Pushing blobs"):
//   POST   /v2/<name>/blobs/uploads/[?digest=|?mount=&from=]
//   PATCH  /v2/<name>/blobs/uploads/<id>    streamed or Content-Range chunk
//   PUT    /v2/<name>/blobs/uploads/<id>?digest=   complete (optional last chunk)
//   GET    /v2/<name>/blobs/uploads/<id>    status
//   DELETE /v2/<name>/blobs/uploads/<id>    cancel
//
// Ordering for crash safety (blob_index.h): RecordBlob before the bytes are
// published, LinkBlob after, so a crash leaves at most an unreferenced row or
// object that GC removes, never a link to missing bytes.
#include <vector>

#include "scopereg/api/distribution/handlers.h"
#include "scopereg/api/errors.h"
#include "scopereg/core/log.h"
#include "scopereg/core/strings.h"
#include "scopereg/oci/name.h"

namespace scopereg::api::distribution {

namespace {

using oci::ErrorCode;

constexpr std::size_t kStreamBuffer = 256 * 1024;

void SetUploadHeaders(Context& ctx, std::string_view id, std::uint64_t offset) {
  ctx.res.SetHeader("Location", UploadLocation(ctx.route.repository, id));
  ctx.res.SetHeader("Range", UploadRange(offset));
  ctx.res.SetHeader("Docker-Upload-UUID", id);
}

void WriteCreated(Context& ctx, const oci::Digest& digest) {
  ctx.res.set_status(201);
  ctx.res.SetHeader("Location", BlobLocation(ctx.route.repository, digest.str()));
  ctx.res.SetHeader("Docker-Content-Digest", digest.str());
}

// A chunk's place in the upload, from Content-Range ("<start>-<end>").
struct ChunkRange {
  std::uint64_t start = 0, end = 0;
};

// Parses Content-Range as the spec writes it ("0-1023"), also accepting the
// RFC form ("bytes 0-1023/*"). nullopt if absent; sets `bad` if malformed.
std::optional<ChunkRange> ParseContentRange(std::string_view v, bool& bad) {
  bad = false;
  v = TrimSpace(v);
  if (v.empty()) return std::nullopt;
  if (v.rfind("bytes ", 0) == 0) v = TrimSpace(v.substr(6));
  if (auto slash = v.find('/'); slash != std::string_view::npos) v = v.substr(0, slash);
  auto dash = v.find('-');
  auto a = dash == std::string_view::npos ? std::nullopt : ParseUint64(v.substr(0, dash));
  auto b = dash == std::string_view::npos ? std::nullopt : ParseUint64(v.substr(dash + 1));
  if (!a || !b || *b < *a) {
    bad = true;
    return std::nullopt;
  }
  return ChunkRange{*a, *b};
}

// Checks a chunk's Content-Range and Content-Length against the upload
// offset. Writes 416 (with the current Range) and returns false if the chunk
// is out of order or inconsistent. `expected_bytes` is set when the range
// says how many bytes follow.
bool CheckChunk(Context& ctx, const storage::UploadState& state, std::optional<std::uint64_t>& expected_bytes) {
  bool bad = false;
  auto range = ParseContentRange(ctx.req.header("Content-Range"), bad);
  auto refuse = [&](std::string msg) {
    WriteError(ctx.req, ctx.res, ErrorCode::kRangeInvalid, msg);
    SetUploadHeaders(ctx, state.id, state.offset);
    return false;
  };
  if (bad) return refuse("malformed Content-Range");
  if (!range) return true;
  if (range->start != state.offset) {
    return refuse("chunk starts at " + std::to_string(range->start) + ", upload is at " + std::to_string(state.offset));
  }
  expected_bytes = range->end - range->start + 1;
  if (auto len = ctx.req.content_length(); len && *len != *expected_bytes) {
    return refuse("Content-Length " + std::to_string(*len) + " does not match Content-Range");
  }
  return true;
}

enum class StreamOutcome { kOk, kBodyFailed, kStoreFailed };

// Streams the request body into the upload writer (hash + append).
http::Task<StreamOutcome> StreamBody(Context& ctx, storage::UploadWriter& writer, Status& error) {
  std::vector<char> buf(kStreamBuffer);
  for (;;) {
    // Whole buffers: fewer, larger appends, each of which the filesystem
    // backend writes while this thread hashes it.
    std::size_t filled = 0;
    bool at_end = false;
    while (filled < buf.size()) {
      auto n = co_await ctx.req.ReadBody(buf.data() + filled, buf.size() - filled);
      if (!n.ok()) {
        // What did arrive still counts: PATCH keeps it for a resume.
        Status st = filled > 0 ? writer.Write(buf.data(), filled) : Status::Ok();
        error = st.ok() ? n.status() : st;
        co_return st.ok() ? StreamOutcome::kBodyFailed : StreamOutcome::kStoreFailed;
      }
      if (*n == 0) {
        at_end = true;
        break;
      }
      filled += *n;
    }
    if (filled > 0) {
      Status st = writer.Write(buf.data(), filled);
      if (!st.ok()) {
        error = st;
        co_return StreamOutcome::kStoreFailed;
      }
    }
    if (at_end) co_return StreamOutcome::kOk;
  }
}

// Opens the upload and streams this request's body into it. On failure
// writes the error response (closing the connection if the body broke off)
// and returns nullptr; the writer's bytes are then not part of the upload.
http::Task<std::unique_ptr<storage::UploadWriter>> StreamIntoUpload(Context& ctx, const storage::UploadState& state) {
  auto writer = ctx.blobs().OpenUpload(state);
  if (!writer.ok()) {
    WriteLookupError(ctx.req, ctx.res, writer.status(), ErrorCode::kBlobUploadUnknown, "upload data is gone");
    co_return nullptr;
  }
  Status error;
  StreamOutcome out = co_await StreamBody(ctx, **writer, error);
  if (out == StreamOutcome::kBodyFailed) {
    WriteError(ctx.req, ctx.res, ErrorCode::kBlobUploadInvalid, "request body ended early");
    ctx.res.set_close(true);
    co_return nullptr;
  }
  if (out == StreamOutcome::kStoreFailed) {
    WriteInternalError(ctx.req, ctx.res, error);
    co_return nullptr;
  }
  co_return std::move(writer).value();
}

// Loads the upload named in the URL; writes 404 BLOB_UPLOAD_UNKNOWN if it
// does not exist in this repository.
std::optional<storage::UploadState> LoadUpload(Context& ctx) {
  auto state = ctx.metadata().GetUpload(ctx.route.reference);
  if (state.ok() && state->repository == ctx.route.repository) return std::move(state).value();
  if (!state.ok() && !state.status().IsNotFound()) {
    WriteInternalError(ctx.req, ctx.res, state.status());
  } else {
    WriteError(ctx.req, ctx.res, ErrorCode::kBlobUploadUnknown, "upload '" + ctx.route.reference + "' not found");
  }
  return std::nullopt;
}

// Publishes the staged bytes as `digest` and links the blob to the repository.
// Writes the response (201 or the error). `state` must be the final state.
http::Task<bool> CompleteUpload(Context& ctx, const storage::UploadState& state, const oci::Digest& digest) {
  Status st = co_await RecordBlobWithRetry(ctx, digest, static_cast<std::int64_t>(state.offset));
  if (!st.ok()) {
    if (st.code() == StatusCode::kInvalidArgument) {
      WriteError(ctx.req, ctx.res, ErrorCode::kDigestInvalid, std::string(st.message()));
    } else {
      WriteInternalError(ctx.req, ctx.res, st);
    }
    co_return false;
  }
  Result<std::uint64_t> committed = Status::Internal("not run");
  co_await http::RunBlocking([&] { committed = ctx.blobs().CommitUpload(state, digest); });
  if (!committed.ok()) {
    if (committed.status().code() == StatusCode::kInvalidArgument) {
      WriteError(ctx.req, ctx.res, ErrorCode::kDigestInvalid, std::string(committed.status().message()));
    } else if (committed.status().IsNotFound()) {
      WriteError(ctx.req, ctx.res, ErrorCode::kBlobUploadUnknown, "upload data is gone");
    } else {
      WriteInternalError(ctx.req, ctx.res, committed.status());
    }
    co_return false;
  }
  co_await http::RunBlocking([&] { st = ctx.metadata().LinkBlob(ctx.route.repository, digest); });
  if (!st.ok()) {
    WriteInternalError(ctx.req, ctx.res, st);
    co_return false;
  }
  WriteCreated(ctx, digest);
  co_return true;
}

// The digest of what a writer staged, if it is in the algorithm of `want`.
bool DigestMatches(const storage::UploadState& state, const oci::Digest& current, const oci::Digest& want) {
  return want.hash_algorithm() != state.hash_algorithm || current == want;
}

std::optional<oci::Digest> ParseDigestParam(Context& ctx) {
  auto raw = ctx.req.QueryParam("digest");
  if (!raw) {
    WriteError(ctx.req, ctx.res, ErrorCode::kDigestInvalid, "the digest query parameter is required");
    return std::nullopt;
  }
  auto d = oci::Digest::Parse(*raw);
  if (!d.ok() || !d->Supported()) {
    WriteError(ctx.req, ctx.res, ErrorCode::kDigestInvalid,
               d.ok() ? "unsupported digest algorithm '" + std::string(d->algorithm()) + "'"
                      : std::string(d.status().message()));
    return std::nullopt;
  }
  return std::move(d).value();
}

// POST ?mount=<digest>[&from=<repo>]: links an existing blob the caller may
// pull. Returns true if it mounted (201 written).
http::Task<bool> TryMount(Context& ctx, std::string_view mount) {
  auto digest = oci::Digest::Parse(mount);
  if (!digest.ok()) co_return false;
  std::optional<std::string> source;
  if (auto from = ctx.req.QueryParam("from"); from && !from->empty()) {
    if (oci::IsValidRepositoryName(*from) && ctx.grant.CanPull(*from) &&
        ctx.metadata().GetLinkedBlob(*from, *digest).ok()) {
      source = *from;
    }
  } else if (ctx.shared.options.automatic_mount) {
    auto repos = ctx.metadata().RepositoriesWithBlob(*digest, 50);
    if (repos.ok()) {
      for (const auto& r : *repos) {
        if (ctx.grant.CanPull(r)) {
          source = r;
          break;
        }
      }
    }
  }
  if (!source) co_return false;
  Status st;
  co_await http::RunBlocking([&] { st = ctx.metadata().LinkBlob(ctx.route.repository, *digest); });
  if (!st.ok()) co_return false;  // e.g. collected meanwhile: a normal upload follows
  WriteCreated(ctx, *digest);
  ctx.Event({"mount", ctx.route.repository, "", digest->str(), "", 0, 201, ""});
  co_return true;
}

http::Task<void> Start(Context& ctx) {
  if (!CheckRepositoryWritable(ctx)) co_return;
  if (auto mount = ctx.req.QueryParam("mount")) {
    if (co_await TryMount(ctx, *mount)) co_return;
  }
  const std::string id = NewUuid();
  std::optional<oci::Digest> monolithic;
  if (ctx.req.QueryParam("digest")) {
    monolithic = ParseDigestParam(ctx);
    if (!monolithic) co_return;
  }
  const HashAlgorithm alg = monolithic ? *monolithic->hash_algorithm() : HashAlgorithm::kSha256;
  Result<storage::UploadState> state = Status::Internal("not run");
  co_await http::RunBlocking([&] { state = ctx.blobs().StartUpload(id, ctx.route.repository, alg); });
  if (!state.ok()) {
    WriteInternalError(ctx.req, ctx.res, state.status());
    co_return;
  }

  if (!monolithic) {
    Status st = ctx.metadata().CreateUpload(*state);
    if (!st.ok()) {
      (void)ctx.blobs().AbortUpload(*state);  // Best effort: GC removes orphans.
      WriteInternalError(ctx.req, ctx.res, st);
      co_return;
    }
    ctx.res.set_status(202);
    SetUploadHeaders(ctx, id, 0);
    co_return;
  }

  // Monolithic POST with ?digest=: the whole blob is in this request. It never
  // gets a session row; a failure leaves only a staging area GC removes.
  auto abort = [&] { (void)ctx.blobs().AbortUpload(*state); };  // Best effort, as above.
  std::unique_ptr<storage::UploadWriter> writer = co_await StreamIntoUpload(ctx, *state);
  if (!writer) {
    abort();
    co_return;
  }
  if (auto len = ctx.req.content_length(); len && *len != writer->offset()) {
    WriteError(ctx.req, ctx.res, ErrorCode::kSizeInvalid);
    abort();
    co_return;
  }
  oci::Digest current = writer->CurrentDigest();
  auto finished = writer->Finish();
  if (!finished.ok()) {
    WriteInternalError(ctx.req, ctx.res, finished.status());
    abort();
    co_return;
  }
  if (!(current == *monolithic)) {
    WriteError(ctx.req, ctx.res, ErrorCode::kDigestInvalid,
               "content digest is " + current.str() + ", not " + monolithic->str());
    abort();
    co_return;
  }
  if (!co_await CompleteUpload(ctx, *finished, *monolithic)) abort();
  ctx.Event({"push", ctx.route.repository, "", monolithic->str(), "", static_cast<std::int64_t>(finished->offset),
             ctx.res.status(), ctx.req.log().error_code});
}

// PATCH: append one chunk (streamed without Content-Range, or ordered with it).
http::Task<void> Patch(Context& ctx) {
  auto state = LoadUpload(ctx);
  if (!state) co_return;
  std::optional<std::uint64_t> expected_bytes;
  if (!CheckChunk(ctx, *state, expected_bytes)) co_return;
  auto writer = ctx.blobs().OpenUpload(*state);
  if (!writer.ok()) {
    WriteLookupError(ctx.req, ctx.res, writer.status(), ErrorCode::kBlobUploadUnknown, "upload data is gone");
    co_return;
  }
  Status error;
  StreamOutcome out = co_await StreamBody(ctx, **writer, error);
  if (out == StreamOutcome::kStoreFailed) {
    WriteInternalError(ctx.req, ctx.res, error);
    co_return;  // the writer's bytes are dropped; the upload stays where it was
  }
  const std::uint64_t written = (*writer)->offset() - state->offset;
  if (out == StreamOutcome::kOk && expected_bytes && written != *expected_bytes) {
    WriteError(ctx.req, ctx.res, ErrorCode::kRangeInvalid,
               "chunk has " + std::to_string(written) + " bytes, Content-Range said " + std::to_string(*expected_bytes));
    SetUploadHeaders(ctx, state->id, state->offset);
    co_return;
  }
  // Keep what arrived even if the body broke off, so the client can ask for
  // the upload status and resume from there (distribution-spec: resumable).
  auto next = (*writer)->Finish();
  if (!next.ok()) {
    WriteInternalError(ctx.req, ctx.res, next.status());
    co_return;
  }
  Status st;
  co_await http::RunBlocking([&] { st = ctx.metadata().UpdateUpload(*next, state->offset); });
  if (!st.ok()) {
    if (st.code() == StatusCode::kAborted) {
      WriteError(ctx.req, ctx.res, ErrorCode::kRangeInvalid, "another chunk of this upload was written concurrently");
    } else if (st.IsNotFound()) {
      WriteError(ctx.req, ctx.res, ErrorCode::kBlobUploadUnknown, "upload was cancelled");
    } else {
      WriteInternalError(ctx.req, ctx.res, st);
    }
    co_return;
  }
  if (out == StreamOutcome::kBodyFailed) {
    WriteError(ctx.req, ctx.res, ErrorCode::kBlobUploadInvalid, "request body ended early; " +
               std::to_string(next->offset) + " bytes are stored");
    SetUploadHeaders(ctx, next->id, next->offset);
    ctx.res.set_close(true);
    co_return;
  }
  ctx.res.set_status(202);
  SetUploadHeaders(ctx, next->id, next->offset);
}

// PUT ?digest=: complete the upload, with an optional last chunk.
http::Task<void> Complete(Context& ctx) {
  auto digest = ParseDigestParam(ctx);
  if (!digest) co_return;
  auto state = LoadUpload(ctx);
  if (!state) co_return;
  storage::UploadState final_state = *state;
  oci::Digest current;
  bool have_current = false;
  if (ctx.req.has_body()) {
    std::optional<std::uint64_t> expected_bytes;
    if (!CheckChunk(ctx, *state, expected_bytes)) co_return;
    std::unique_ptr<storage::UploadWriter> writer = co_await StreamIntoUpload(ctx, *state);
    if (!writer) co_return;
    if (expected_bytes && writer->offset() - state->offset != *expected_bytes) {
      WriteError(ctx.req, ctx.res, ErrorCode::kRangeInvalid, "chunk length does not match Content-Range");
      SetUploadHeaders(ctx, state->id, state->offset);
      co_return;
    }
    current = writer->CurrentDigest();
    have_current = true;
    auto finished = writer->Finish();
    if (!finished.ok()) {
      WriteInternalError(ctx.req, ctx.res, finished.status());
      co_return;
    }
    final_state = std::move(finished).value();
  } else if (digest->hash_algorithm() == state->hash_algorithm) {
    auto h = Hasher::Restore(state->hash_algorithm, state->hash_state);
    if (h.ok()) {
      current = oci::Digest::FromHex(state->hash_algorithm, h->HexDigest());
      have_current = true;
    }
  }
  // Check before recording anything, so a wrong digest leaves no trace and
  // the upload can be retried as it was.
  if (have_current && !DigestMatches(final_state, current, *digest)) {
    WriteError(ctx.req, ctx.res, ErrorCode::kDigestInvalid,
               "content digest is " + current.str() + ", not " + digest->str());
    co_return;
  }
  const bool ok = co_await CompleteUpload(ctx, final_state, *digest);
  if (ok) {
    Status st;
    co_await http::RunBlocking([&] { st = ctx.metadata().DeleteUpload(state->id); });
    if (!st.ok()) log::Warn("could not delete finished upload row", {{"upload", state->id}, {"status", st.ToString()}});
  }
  ctx.Event({"push", ctx.route.repository, "", digest->str(), "", static_cast<std::int64_t>(final_state.offset),
             ctx.res.status(), ctx.req.log().error_code});
}

http::Task<void> GetStatus(Context& ctx) {
  auto state = LoadUpload(ctx);
  if (!state) co_return;
  ctx.res.set_status(204);
  SetUploadHeaders(ctx, state->id, state->offset);
}

http::Task<void> Cancel(Context& ctx) {
  auto state = LoadUpload(ctx);
  if (!state) co_return;
  Status st;
  co_await http::RunBlocking([&] {
    st = ctx.metadata().DeleteUpload(state->id);
    if (st.ok()) st = ctx.blobs().AbortUpload(*state);
  });
  if (!st.ok()) {
    WriteInternalError(ctx.req, ctx.res, st);
    co_return;
  }
  ctx.res.set_status(204);
}

}  // namespace

http::Task<void> HandleUploadStart(Context& ctx) { co_await Start(ctx); }

http::Task<void> HandleUpload(Context& ctx) {
  switch (ctx.req.method()) {
    case http::Method::kPatch: co_await Patch(ctx); break;
    case http::Method::kPut: co_await Complete(ctx); break;
    case http::Method::kGet: co_await GetStatus(ctx); break;
    case http::Method::kDelete: co_await Cancel(ctx); break;
    default: WriteError(ctx.req, ctx.res, ErrorCode::kUnsupported);
  }
}

}  // namespace scopereg::api::distribution
