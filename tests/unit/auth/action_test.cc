#include "scopereg/auth/action.h"

#include <gtest/gtest.h>

#include "testing/status_matchers.h"

namespace scopereg::auth {
namespace {

TEST(ActionTest, NamesAndVerbsRoundTrip) {
  for (Action a : kAllActions) {
    ASSERT_OK_AND_ASSIGN(Action parsed, ParseAction(ActionName(a)));
    EXPECT_EQ(parsed, a);
    EXPECT_EQ(ActionFromDockerVerb(DockerVerb(a)), a);
  }
  EXPECT_EQ(ActionName(Action::kContentRead), "content/read");
  EXPECT_EQ(ActionName(Action::kMetadataWrite), "metadata/write");
  EXPECT_EQ(DockerVerb(Action::kContentRead), "pull");
  EXPECT_EQ(DockerVerb(Action::kContentWrite), "push");
  EXPECT_EQ(DockerVerb(Action::kContentDelete), "delete");
  EXPECT_EQ(DockerVerb(Action::kMetadataRead), "metadata_read");
  EXPECT_EQ(DockerVerb(Action::kMetadataWrite), "metadata_write");
}

TEST(ActionTest, ParseIsCaseInsensitive) {
  ASSERT_OK_AND_ASSIGN(Action a, ParseAction("Content/READ"));
  EXPECT_EQ(a, Action::kContentRead);
}

TEST(ActionTest, ParseErrorUsesAzWording) {
  auto r = ParseAction("content/reed");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(),
            "Invalid action \"content/reed\" provided. Valid actions are {content/delete, content/read, "
            "content/write, metadata/read, metadata/write}.");
  EXPECT_FALSE(ParseAction("").ok());
  EXPECT_FALSE(ParseAction("read").ok());
}

TEST(ActionTest, DockerVerbsAreExactAndStarIsNotAnAction) {
  EXPECT_EQ(ActionFromDockerVerb("Pull"), std::nullopt);
  EXPECT_EQ(ActionFromDockerVerb("*"), std::nullopt);
  EXPECT_EQ(ActionFromDockerVerb("deleted_read"), std::nullopt);
}

TEST(ActionSetTest, SetAlgebra) {
  ActionSet read{Action::kContentRead};
  ActionSet rw{Action::kContentRead, Action::kContentWrite};
  EXPECT_TRUE(rw.ContainsAll(read));
  EXPECT_FALSE(read.ContainsAll(rw));
  EXPECT_TRUE(read.ContainsAll(ActionSet()));
  EXPECT_EQ(read | ActionSet{Action::kContentWrite}, rw);
  EXPECT_EQ(rw & (ActionSet{Action::kContentWrite, Action::kMetadataRead}), ActionSet{Action::kContentWrite});
  EXPECT_EQ(ActionSet::All().size(), 5);
  EXPECT_TRUE(ActionSet().empty());
  EXPECT_EQ(ActionSet::FromBits(0xff), ActionSet::All());
  ActionSet s = rw;
  s.Remove(Action::kContentRead);
  EXPECT_EQ(s, ActionSet{Action::kContentWrite});
}

TEST(ActionSetTest, CanonicalOrderForClaimsAndMessages) {
  ActionSet s{Action::kMetadataWrite, Action::kContentRead, Action::kContentDelete};
  EXPECT_EQ(DockerVerbs(s), (std::vector<std::string_view>{"pull", "delete", "metadata_write"}));
  EXPECT_EQ(DockerVerbList(s), "pull,delete,metadata_write");
  EXPECT_EQ(s.ToString(), "content/read, content/delete, metadata/write");
  EXPECT_EQ(DockerVerbList(ActionSet()), "");
}

}  // namespace
}  // namespace scopereg::auth
