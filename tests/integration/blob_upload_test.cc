// Blob push and pull over real HTTP: every upload style clients use
// (clients.md checklist item 2) and every error path of the upload API.
#include <nlohmann/json.hpp>

#include "registry_fixture.h"
#include "scopereg/core/crypto.h"

namespace scopereg::testing {
namespace {

using nlohmann::json;

class BlobUploadTest : public RegistryFixture {
 protected:
  std::string StartUpload(const std::string& repo) {
    auto res = Send("POST", "/v2/" + repo + "/blobs/uploads/");
    EXPECT_EQ(res.status, 202) << res.body;
    EXPECT_EQ(res.header("Range"), "0-0");
    EXPECT_FALSE(res.header("Docker-Upload-UUID").empty());
    return res.header("Location");
  }
  static std::string WithDigest(const std::string& location, const oci::Digest& d) {
    return location + (location.find('?') == std::string::npos ? "?" : "&") + "digest=" + d.str();
  }
};

TEST_F(BlobUploadTest, BaseEndpointAnswersWithApiVersion) {
  auto res = Send("GET", "/v2/");
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.header("Docker-Distribution-API-Version"), "registry/2.0");
}

TEST_F(BlobUploadTest, MonolithicPostThenHeadAndGet) {
  const std::string content = "hello blob";
  oci::Digest d = PushBlob("a/b", content);
  auto head = Send("HEAD", "/v2/a/b/blobs/" + d.str());
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.header("Content-Length"), std::to_string(content.size()));
  EXPECT_EQ(head.header("Docker-Content-Digest"), d.str());
  EXPECT_TRUE(head.body.empty());
  auto get = Send("GET", "/v2/a/b/blobs/" + d.str());
  EXPECT_EQ(get.status, 200);
  EXPECT_EQ(get.body, content);
  EXPECT_EQ(get.header("ETag"), "\"" + d.str() + "\"");
}

TEST_F(BlobUploadTest, PostThenPutWithBody) {
  const std::string content(300000, 'z');
  oci::Digest d = oci::Digest::Sha256Of(content);
  std::string loc = StartUpload("r");
  auto put = Send("PUT", WithDigest(loc, d), content, {{"Content-Type", "application/octet-stream"}});
  EXPECT_EQ(put.status, 201) << put.body;
  EXPECT_EQ(put.header("Location"), "/v2/r/blobs/" + d.str());
  EXPECT_EQ(put.header("Docker-Content-Digest"), d.str());
  EXPECT_EQ(Send("GET", "/v2/r/blobs/" + d.str()).body, content);
}

TEST_F(BlobUploadTest, StreamedChunkedPatchWithoutContentLength) {
  // What c/image sends when it compresses on the fly (clients.md).
  std::string content(1 << 20, 'q');
  for (std::size_t i = 0; i < content.size(); i += 7) content[i] = static_cast<char>(i);
  oci::Digest d = oci::Digest::Sha256Of(content);
  std::string loc = StartUpload("stream/test");
  auto patch = SendChunked("PATCH", loc, content, 65536, {{"Content-Type", "application/octet-stream"}});
  EXPECT_EQ(patch.status, 202) << patch.body;
  EXPECT_EQ(patch.header("Range"), "0-" + std::to_string(content.size() - 1));
  auto put = Send("PUT", WithDigest(patch.header("Location"), d));
  EXPECT_EQ(put.status, 201) << put.body;
  EXPECT_EQ(Send("GET", "/v2/stream/test/blobs/" + d.str()).body, content);
}

TEST_F(BlobUploadTest, ChunkedPatchesWithContentRangeAndStatus) {
  const std::string content = "0123456789abcdefghij";
  oci::Digest d = oci::Digest::Sha256Of(content);
  std::string loc = StartUpload("chunks");
  auto p1 = Send("PATCH", loc, content.substr(0, 10), {{"Content-Range", "0-9"}, {"Content-Type", "application/octet-stream"}});
  EXPECT_EQ(p1.status, 202) << p1.body;
  EXPECT_EQ(p1.header("Range"), "0-9");
  auto status = Send("GET", p1.header("Location"));
  EXPECT_EQ(status.status, 204);
  EXPECT_EQ(status.header("Range"), "0-9");
  EXPECT_FALSE(status.header("Location").empty());
  // Out of order and retried chunks are refused with 416 and the current range.
  auto retry = Send("PATCH", loc, content.substr(0, 10), {{"Content-Range", "0-9"}});
  EXPECT_EQ(retry.status, 416);
  EXPECT_EQ(retry.header("Range"), "0-9");
  auto gap = Send("PATCH", loc, content.substr(15), {{"Content-Range", "15-19"}});
  EXPECT_EQ(gap.status, 416);
  auto bad_len = Send("PATCH", loc, content.substr(10, 3), {{"Content-Range", "10-19"}});
  EXPECT_EQ(bad_len.status, 416);
  auto p2 = Send("PATCH", loc, content.substr(10), {{"Content-Range", "10-19"}});
  EXPECT_EQ(p2.status, 202);
  auto put = Send("PUT", WithDigest(p2.header("Location"), d));
  EXPECT_EQ(put.status, 201) << put.body;
  EXPECT_EQ(Send("GET", "/v2/chunks/blobs/" + d.str()).body, content);
  // The finished upload is gone.
  EXPECT_EQ(Send("GET", loc).status, 404);
}

TEST_F(BlobUploadTest, DigestMismatchStoresNothingAndTheUploadCanBeRetried) {
  const std::string content = "the real bytes";
  oci::Digest real = oci::Digest::Sha256Of(content);
  oci::Digest wrong = oci::Digest::Sha256Of("other bytes");
  std::string loc = StartUpload("mismatch");
  auto patch = Send("PATCH", loc, content);
  ASSERT_EQ(patch.status, 202);
  auto bad = Send("PUT", WithDigest(patch.header("Location"), wrong));
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(ErrorCode(bad), "DIGEST_INVALID");
  EXPECT_EQ(Send("HEAD", "/v2/mismatch/blobs/" + wrong.str()).status, 404);
  auto good = Send("PUT", WithDigest(patch.header("Location"), real));
  EXPECT_EQ(good.status, 201) << good.body;

  auto mono = Send("POST", "/v2/mismatch/blobs/uploads/?digest=" + wrong.str(), content);
  EXPECT_EQ(mono.status, 400);
  EXPECT_EQ(ErrorCode(mono), "DIGEST_INVALID");
}

TEST_F(BlobUploadTest, Sha512DigestsAreVerified) {
  const std::string content = "sha512 content";
  Hasher h(HashAlgorithm::kSha512);
  h.Update(content);
  oci::Digest d = oci::Digest::FromHex(HashAlgorithm::kSha512, h.HexDigest());
  auto mono = Send("POST", "/v2/s512/blobs/uploads/?digest=" + d.str(), content);
  EXPECT_EQ(mono.status, 201) << mono.body;
  // A sha512 digest on a session upload (hashed as sha256 while streaming).
  std::string loc = StartUpload("s512b");
  auto put = Send("PUT", WithDigest(loc, d), content);
  EXPECT_EQ(put.status, 201) << put.body;
  EXPECT_EQ(Send("GET", "/v2/s512b/blobs/" + d.str()).body, content);
}

TEST_F(BlobUploadTest, CancelAndUnknownUploads) {
  std::string loc = StartUpload("cancel");
  EXPECT_EQ(Send("DELETE", loc).status, 204);
  auto gone = Send("GET", loc);
  EXPECT_EQ(gone.status, 404);
  EXPECT_EQ(ErrorCode(gone), "BLOB_UPLOAD_UNKNOWN");
  EXPECT_EQ(Send("PATCH", "/v2/cancel/blobs/uploads/00000000-0000-4000-8000-000000000000", "x").status, 404);
  // An upload is bound to the repository it was started in.
  std::string other = StartUpload("one");
  std::string id = other.substr(other.rfind('/') + 1);
  EXPECT_EQ(Send("GET", "/v2/two/blobs/uploads/" + id).status, 404);
}

TEST_F(BlobUploadTest, RangeRequests) {
  const std::string content = "0123456789";
  oci::Digest d = PushBlob("ranges", content);
  auto part = Send("GET", "/v2/ranges/blobs/" + d.str(), "", {{"Range", "bytes=2-5"}});
  EXPECT_EQ(part.status, 206);
  EXPECT_EQ(part.body, "2345");
  EXPECT_EQ(part.header("Content-Range"), "bytes 2-5/10");
  auto open = Send("GET", "/v2/ranges/blobs/" + d.str(), "", {{"Range", "bytes=7-"}});
  EXPECT_EQ(open.body, "789");
  auto suffix = Send("GET", "/v2/ranges/blobs/" + d.str(), "", {{"Range", "bytes=-3"}});
  EXPECT_EQ(suffix.body, "789");
  auto beyond = Send("GET", "/v2/ranges/blobs/" + d.str(), "", {{"Range", "bytes=10-20"}});
  EXPECT_EQ(beyond.status, 416);
  EXPECT_EQ(beyond.header("Content-Range"), "bytes */10");
  auto clamped = Send("GET", "/v2/ranges/blobs/" + d.str(), "", {{"Range", "bytes=8-100"}});
  EXPECT_EQ(clamped.status, 206);
  EXPECT_EQ(clamped.body, "89");
}

TEST_F(BlobUploadTest, BlobErrors) {
  auto unknown = Send("GET", "/v2/x/blobs/" + oci::Digest::Sha256Of("nope").str());
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(ErrorCode(unknown), "BLOB_UNKNOWN");
  auto bad = Send("GET", "/v2/x/blobs/sha256:abc");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(ErrorCode(bad), "DIGEST_INVALID");
  auto name = Send("GET", "/v2/Bad_Name/blobs/" + oci::Digest::Sha256Of("x").str());
  EXPECT_EQ(name.status, 400);
  EXPECT_EQ(ErrorCode(name), "NAME_INVALID");
  auto method = Send("POST", "/v2/x/blobs/" + oci::Digest::Sha256Of("x").str());
  EXPECT_EQ(method.status, 405);
  EXPECT_EQ(ErrorCode(method), "UNSUPPORTED");
  auto head_unknown = Send("HEAD", "/v2/x/blobs/" + oci::Digest::Sha256Of("nope").str());
  EXPECT_EQ(head_unknown.status, 404);
  EXPECT_TRUE(head_unknown.body.empty());
}

TEST_F(BlobUploadTest, BlobsAreVisibleOnlyInRepositoriesTheyAreLinkedTo) {
  oci::Digest d = PushBlob("first", "shared content");
  EXPECT_EQ(Send("HEAD", "/v2/second/blobs/" + d.str()).status, 404);
}

TEST_F(BlobUploadTest, CrossRepositoryMount) {
  oci::Digest d = PushBlob("source/repo", "mount me");
  // Parameters in either order, escaped or not.
  auto m1 = Send("POST", "/v2/target/one/blobs/uploads/?mount=" + d.str() + "&from=source/repo");
  EXPECT_EQ(m1.status, 201) << m1.body;
  EXPECT_EQ(m1.header("Location"), "/v2/target/one/blobs/" + d.str());
  EXPECT_EQ(m1.header("Docker-Content-Digest"), d.str());
  auto m2 = Send("POST", "/v2/target/two/blobs/uploads/?from=source%2Frepo&mount=sha256%3A" +
                             std::string(d.encoded()));
  EXPECT_EQ(m2.status, 201);
  EXPECT_EQ(Send("GET", "/v2/target/two/blobs/" + d.str()).body, "mount me");
  // Automatic mount: no from=.
  auto m3 = Send("POST", "/v2/target/three/blobs/uploads/?mount=" + d.str());
  EXPECT_EQ(m3.status, 201);
  // A blob that is not there gives an upload session instead.
  auto miss = Send("POST", "/v2/target/four/blobs/uploads/?mount=" + oci::Digest::Sha256Of("absent").str() +
                               "&from=source/repo");
  EXPECT_EQ(miss.status, 202);
  EXPECT_FALSE(miss.header("Location").empty());
  auto wrong_source = Send("POST", "/v2/target/five/blobs/uploads/?mount=" + d.str() + "&from=elsewhere");
  EXPECT_EQ(wrong_source.status, 202);
}

TEST_F(BlobUploadTest, DeleteBlob) {
  oci::Digest d = PushBlob("del", "delete me");
  EXPECT_EQ(Send("DELETE", "/v2/del/blobs/" + d.str()).status, 202);
  EXPECT_EQ(Send("HEAD", "/v2/del/blobs/" + d.str()).status, 404);
  auto again = Send("DELETE", "/v2/del/blobs/" + d.str());
  EXPECT_EQ(again.status, 404);
  EXPECT_EQ(ErrorCode(again), "BLOB_UNKNOWN");
}

TEST_F(BlobUploadTest, UploadsSurviveARestart) {
  const std::string content = "first half|second half";
  oci::Digest d = oci::Digest::Sha256Of(content);
  std::string loc = StartUpload("resume");
  ASSERT_EQ(Send("PATCH", loc, content.substr(0, 11), {{"Content-Range", "0-10"}}).status, 202);
  Restart();
  auto status = Send("GET", loc);
  EXPECT_EQ(status.status, 204);
  EXPECT_EQ(status.header("Range"), "0-10");
  auto put = Send("PUT", WithDigest(loc, d), content.substr(11), {{"Content-Range", "11-21"}});
  EXPECT_EQ(put.status, 201) << put.body;
  EXPECT_EQ(Send("GET", "/v2/resume/blobs/" + d.str()).body, content);
}

}  // namespace
}  // namespace scopereg::testing
