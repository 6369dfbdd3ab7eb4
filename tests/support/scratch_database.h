// A throwaway database on the test cluster, bootstrapped like production, for one test.
//
//   ASSERT_OK_AND_ASSIGN(auto db, ScratchDatabase::Create());
//   PgPool pool({.url = db->RoleUrl("shops")});
//
// Each test gets its own database, so tests can run in any order and in parallel; the
// destructor drops it (ending its sessions first). Roles are cluster-wide and shared by all
// scratch databases, with the fixed password kRolePassword. Not thread-safe.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "comptoir/common/db_bootstrap.h"
#include "comptoir/common/embedded_file.h"
#include "comptoir/common/pg_pool.h"

namespace comptoir::testing {

struct ScratchDatabaseOptions {
  std::vector<std::string> roles = {"shops", "accounts", "catalogue", "orders", "delivery"};
  bool bootstrap = true;  // false: an empty database, for tests of the bootstrap itself
  std::string communes_csv = COMPTOIR_SOURCE_DIR "/data/communes-bfc.csv";
};

class ScratchDatabase {
 public:
  static constexpr char kRolePassword[] = "comptoir-test-password";

  // Needs COMPTOIR_TEST_PG_URL (see test_env.h).
  static absl::StatusOr<std::unique_ptr<ScratchDatabase>> Create(
      ScratchDatabaseOptions options = {});
  ~ScratchDatabase();
  ScratchDatabase(const ScratchDatabase&) = delete;
  ScratchDatabase& operator=(const ScratchDatabase&) = delete;

  const std::string& name() const { return name_; }
  // Superuser URL of this database.
  const std::string& admin_url() const { return admin_url_; }
  // URL of this database as a service role: postgresql://shops:...@host:port/<name>.
  std::string RoleUrl(const std::string& role) const;
  // The set-up of every repository test: applies `migrations` as `role` to its schema, then
  // opens a pool of `size` connections as that role with `statements` prepared.
  absl::StatusOr<std::unique_ptr<common::PgPool>> MigratedPool(
      const std::string& role, const std::vector<common::EmbeddedFile>& migrations,
      std::vector<common::PreparedStatement> statements, std::size_t size = 4) const;
  // What Create passed to BootstrapDatabase, to run it again.
  common::BootstrapOptions bootstrap_options() const;

 private:
  ScratchDatabase(std::string cluster_url, std::string name, ScratchDatabaseOptions options);

  std::string cluster_url_;  // the URL from the environment (its database is the maintenance one)
  std::string name_;
  std::string admin_url_;
  ScratchDatabaseOptions options_;
};

}  // namespace comptoir::testing
