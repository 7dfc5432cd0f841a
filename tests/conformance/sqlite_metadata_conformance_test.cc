// Runs MetadataStoreSuite against SqliteMetadataStore, one fresh database
// file per test.
#include <memory>

#include "conformance/metadata_store_suite.h"
#include "scopereg/metadata/sqlite/sqlite_metadata_store.h"
#include "testing/temp_dir.h"

namespace scopereg::metadata {
namespace {

class SqliteBackend final : public MetadataStoreBackend {
 public:
  Result<std::unique_ptr<MetadataStore>> NewStore(const Clock& clock) override {
    SCOPEREG_ASSIGN_OR_RETURN(std::unique_ptr<SqliteMetadataStore> store,
                              SqliteMetadataStore::Open((dir_.path() / "metadata.db").string(), clock));
    return std::unique_ptr<MetadataStore>(std::move(store));
  }

 private:
  scopereg::testing::TempDir dir_;
};

INSTANTIATE_TEST_SUITE_P(Sqlite, MetadataStoreSuite,
                         ::testing::Values(MetadataStoreSuiteParam{
                             "Sqlite", [] { return std::make_unique<SqliteBackend>(); }}),
                         MetadataStoreSuiteName);

}  // namespace
}  // namespace scopereg::metadata
