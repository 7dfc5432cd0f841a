#include "scopereg/oci/error_code.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace scopereg::oci {
namespace {

TEST(ErrorCodeTest, TableGivesSpecStatuses) {
  EXPECT_EQ(Info(ErrorCode::kBlobUnknown).http_status, 404);
  EXPECT_EQ(Info(ErrorCode::kManifestUnknown).http_status, 404);
  EXPECT_EQ(Info(ErrorCode::kNameUnknown).http_status, 404);
  EXPECT_EQ(Info(ErrorCode::kBlobUploadUnknown).http_status, 404);
  EXPECT_EQ(Info(ErrorCode::kDigestInvalid).http_status, 400);
  EXPECT_EQ(Info(ErrorCode::kUnauthorized).http_status, 401);
  EXPECT_EQ(Info(ErrorCode::kDenied).http_status, 403);
  EXPECT_EQ(Info(ErrorCode::kRangeInvalid).http_status, 416);
  EXPECT_EQ(Info(ErrorCode::kUnsupported).http_status, 405);
}

TEST(ErrorCodeTest, BodyIsTheSpecShape) {
  auto j = nlohmann::json::parse(ErrorBody(ErrorCode::kUnauthorized, "", "[{\"Type\":\"repository\"}]"));
  ASSERT_EQ(j["errors"].size(), 1u);
  EXPECT_EQ(j["errors"][0]["code"], "UNAUTHORIZED");
  EXPECT_EQ(j["errors"][0]["message"], "authentication required");
  EXPECT_EQ(j["errors"][0]["detail"][0]["Type"], "repository");
  auto k = nlohmann::json::parse(ErrorBody(ErrorCode::kNameInvalid, "bad \"name\""));
  EXPECT_EQ(k["errors"][0]["message"], "bad \"name\"");
  EXPECT_FALSE(k["errors"][0].contains("detail"));
}

}  // namespace
}  // namespace scopereg::oci
