// ApplyMigrations against a real PostgreSQL: once only, never an edited file, exactly once
// under concurrent runners, and a failed file leaves no trace.
#include "comptoir/common/migrations.h"

#include <gtest/gtest.h>

#include <atomic>
#include <pqxx/pqxx>
#include <string>
#include <thread>
#include <vector>

#include "scratch_database.h"
#include "status_testing.h"

namespace comptoir::common {
namespace {

using ::comptoir::testing::ScratchDatabase;
using ::comptoir::testing::StatusIs;

std::vector<EmbeddedFile> ItemFiles() {
  return {
      {"001_create_items.sql", "CREATE TABLE items (id bigint PRIMARY KEY, name text NOT NULL);"},
      {"002_add_price.sql",
       "ALTER TABLE items ADD COLUMN price_cents bigint NOT NULL DEFAULT 0"
       " CHECK (price_cents >= 0);\nCREATE INDEX items_name_idx ON items (name);"},
  };
}

std::string QueryText(const std::string& url, const std::string& sql) {
  pqxx::connection conn(url);
  pqxx::nontransaction tx(conn);
  std::string out;
  for (const auto& row : tx.exec(sql)) {
    for (const auto& field : row) out += std::string(field.c_str()) + "|";
    out += "\n";
  }
  return out;
}

// Columns, constraints and indexes of `schema`: what a migration run may change.
std::string SchemaShape(const std::string& url, const std::string& schema) {
  return QueryText(url,
                   "SELECT table_name, column_name, data_type, is_nullable, column_default"
                   " FROM information_schema.columns WHERE table_schema = '" +
                       schema + "' ORDER BY 1, 2") +
         QueryText(url, "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = '" + schema +
                            "' ORDER BY 1") +
         QueryText(url,
                   "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE "
                   "connamespace = '" +
                       schema + "'::regnamespace ORDER BY 1");
}

TEST(ApplyMigrations, AppliesEachFileOnceAndASecondRunChangesNothing) {
  ASSERT_OK_AND_ASSIGN(auto db, ScratchDatabase::Create());
  const std::string url = db->RoleUrl("shops");

  ASSERT_OK_AND_ASSIGN(int first, ApplyMigrations(url, "shops", ItemFiles()));
  EXPECT_EQ(first, 2);
  const std::string shape = SchemaShape(url, "shops");
  EXPECT_NE(shape.find("items|price_cents|bigint"), std::string::npos) << shape;
  EXPECT_NE(shape.find("items_name_idx"), std::string::npos) << shape;

  ASSERT_OK_AND_ASSIGN(int second, ApplyMigrations(url, "shops", ItemFiles()));
  EXPECT_EQ(second, 0);
  EXPECT_EQ(SchemaShape(url, "shops"), shape);
  EXPECT_EQ(QueryText(url, "SELECT name, length(checksum) FROM shops.schema_migrations ORDER BY 1"),
            "001_create_items.sql|64|\n002_add_price.sql|64|\n");
}

TEST(ApplyMigrations, AppliesOnlyTheFilesAddedSinceTheLastRun) {
  ASSERT_OK_AND_ASSIGN(auto db, ScratchDatabase::Create());
  const std::string url = db->RoleUrl("shops");
  std::vector<EmbeddedFile> files = ItemFiles();
  ASSERT_OK_AND_ASSIGN(int first, ApplyMigrations(url, "shops", {files[0]}));
  EXPECT_EQ(first, 1);
  // Order comes from the names, not from the list.
  ASSERT_OK_AND_ASSIGN(int second, ApplyMigrations(url, "shops", {files[1], files[0]}));
  EXPECT_EQ(second, 1);
}

TEST(ApplyMigrations, ChangedMigrationIsRefusedWithFailedPrecondition) {
  ASSERT_OK_AND_ASSIGN(auto db, ScratchDatabase::Create());
  const std::string url = db->RoleUrl("shops");
  ASSERT_OK(ApplyMigrations(url, "shops", ItemFiles()));

  std::vector<EmbeddedFile> edited = ItemFiles();
  edited[0].contents += "\n-- harmless looking edit\n";
  edited.push_back({"003_more.sql", "CREATE TABLE more (id int);"});
  absl::StatusOr<int> result = ApplyMigrations(url, "shops", edited);
  EXPECT_THAT(result, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_NE(std::string(result.status().message()).find("001_create_items.sql"), std::string::npos)
      << result.status();
  // Nothing after the refused file ran.
  EXPECT_EQ(QueryText(url, "SELECT count(*) FROM shops.schema_migrations"), "2|\n");
  EXPECT_EQ(QueryText(url, "SELECT to_regclass('shops.more') IS NULL"), "t|\n");
}

TEST(ApplyMigrations, ConcurrentRunnersApplyEachFileExactlyOnce) {
  ASSERT_OK_AND_ASSIGN(auto db, ScratchDatabase::Create());
  const std::string url = db->RoleUrl("shops");
  // Each file leaves a row per execution, so a double run would show.
  const std::vector<EmbeddedFile> files = {
      {"001_runs.sql", "CREATE TABLE runs (file text NOT NULL);"},
      {"002_slow.sql", "INSERT INTO runs VALUES ('002'); SELECT pg_sleep(0.3);"},
      {"003_last.sql", "INSERT INTO runs VALUES ('003');"},
  };
  constexpr int kRunners = 6;
  std::atomic<int> total{0};
  std::atomic<int> failures{0};
  std::vector<std::thread> runners;
  for (int i = 0; i < kRunners; ++i) {
    runners.emplace_back([&] {
      absl::StatusOr<int> applied = ApplyMigrations(url, "shops", files);
      if (applied.ok()) {
        total += *applied;
      } else {
        ++failures;
      }
    });
  }
  for (std::thread& runner : runners) runner.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(total.load(), 3);
  EXPECT_EQ(QueryText(url, "SELECT file, count(*) FROM shops.runs GROUP BY file ORDER BY file"),
            "002|1|\n003|1|\n");
}

TEST(ApplyMigrations, FailedFileLeavesNoTraceAndCanBeFixedBeforeItIsRecorded) {
  ASSERT_OK_AND_ASSIGN(auto db, ScratchDatabase::Create());
  const std::string url = db->RoleUrl("shops");
  std::vector<EmbeddedFile> files = {
      {"001_ok.sql", "CREATE TABLE ok (id int);"},
      {"002_broken.sql", "CREATE TABLE half (id int);\nSELECT 1/0;"},
  };
  absl::StatusOr<int> result = ApplyMigrations(url, "shops", files);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(std::string(result.status().message()).find("002_broken.sql"), std::string::npos)
      << result.status();
  EXPECT_EQ(QueryText(url, "SELECT name FROM shops.schema_migrations"), "001_ok.sql|\n");
  EXPECT_EQ(QueryText(url, "SELECT to_regclass('shops.half') IS NULL"), "t|\n");

  files[1].contents = "CREATE TABLE half (id int);";
  ASSERT_OK_AND_ASSIGN(int applied, ApplyMigrations(url, "shops", files));
  EXPECT_EQ(applied, 1);
}

TEST(ApplyMigrations, MissingSchemaOrForeignSchemaIsRefused) {
  ASSERT_OK_AND_ASSIGN(auto db, ScratchDatabase::Create());
  EXPECT_THAT(ApplyMigrations(db->admin_url(), "nosuchschema", ItemFiles()),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  // The shops role may not create anything in the accounts schema.
  EXPECT_FALSE(ApplyMigrations(db->RoleUrl("shops"), "accounts", ItemFiles()).ok());
  EXPECT_THAT(ApplyMigrations(db->RoleUrl("shops"), "Bad;Name", ItemFiles()),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace comptoir::common
