// BootstrapDatabase against a real PostgreSQL: idempotent, loads the region's communes, and
// walls each service role into its own schema plus read-only geo.
#include "comptoir/common/db_bootstrap.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <pqxx/pqxx>
#include <string>

#include "absl/strings/str_cat.h"
#include "scratch_database.h"
#include "status_testing.h"

namespace comptoir::common {
namespace {

using ::comptoir::testing::ScratchDatabase;
using ::comptoir::testing::ScratchDatabaseOptions;
using ::comptoir::testing::StatusIs;

std::string Scalar(const std::string& url, const std::string& sql) {
  pqxx::connection conn(url);
  pqxx::nontransaction tx(conn);
  return tx.exec(sql)[0][0].c_str();
}

// Runs `sql` as whoever `url` names and returns the SQLSTATE it failed with ("" if none).
std::string FailureState(const std::string& url, const std::string& sql) {
  pqxx::connection conn(url);
  pqxx::work tx(conn);
  try {
    tx.exec(sql);
    tx.commit();
    return "";
  } catch (const pqxx::insufficient_privilege&) {
    return "42501";  // libpqxx 6 raises this one without its SQLSTATE
  } catch (const pqxx::sql_error& e) {
    return e.sqlstate();
  }
}

TEST(BootstrapDatabase, IsIdempotentAndLoadsTheRegionsCommunes) {
  ASSERT_OK_AND_ASSIGN(auto db, ScratchDatabase::Create());
  const std::string admin = db->admin_url();
  EXPECT_EQ(Scalar(admin, "SELECT count(*) FROM geo.communes"), "3699");
  EXPECT_EQ(Scalar(admin, "SELECT count(*) FROM geo.postal_codes"), "3726");
  EXPECT_EQ(Scalar(admin, "SELECT name FROM geo.communes WHERE insee_code = '21231'"), "Dijon");
  const std::string loaded_at =
      Scalar(admin, "SELECT loaded_at FROM geo.datasets WHERE name = 'communes'");

  ASSERT_OK(BootstrapDatabase(db->bootstrap_options()));
  ASSERT_OK(BootstrapDatabase(db->bootstrap_options()));
  EXPECT_EQ(Scalar(admin, "SELECT count(*) FROM geo.communes"), "3699");
  // Unchanged files are not loaded again.
  EXPECT_EQ(Scalar(admin, "SELECT loaded_at FROM geo.datasets WHERE name = 'communes'"), loaded_at);
  for (const char* role : {"shops", "accounts", "catalogue", "orders", "delivery"}) {
    EXPECT_EQ(Scalar(admin, absl::StrCat("SELECT nspowner::regrole::text FROM pg_namespace"
                                         " WHERE nspname = '",
                                         role, "'")),
              role);
    EXPECT_EQ(Scalar(admin, absl::StrCat("SELECT rolcanlogin AND NOT rolsuper AND NOT rolcreaterole"
                                         " AND NOT rolcreatedb FROM pg_roles WHERE rolname = '",
                                         role, "'")),
              "t");
  }
}

TEST(BootstrapDatabase, ServiceRoleCannotReadAnotherServicesSchema) {
  ASSERT_OK_AND_ASSIGN(auto db, ScratchDatabase::Create());
  EXPECT_EQ(FailureState(db->RoleUrl("accounts"),
                         "CREATE TABLE accounts.secrets (email text); "
                         "INSERT INTO accounts.secrets VALUES ('someone@example.org')"),
            "");
  EXPECT_EQ(FailureState(db->RoleUrl("shops"), "SELECT * FROM accounts.secrets"), "42501");
  EXPECT_EQ(FailureState(db->RoleUrl("shops"), "CREATE TABLE accounts.intruder (id int)"), "42501");
  EXPECT_EQ(FailureState(db->RoleUrl("shops"), "CREATE TABLE public.anything (id int)"), "42501");
  EXPECT_EQ(FailureState(db->RoleUrl("shops"), "CREATE SCHEMA mine"), "42501");
  EXPECT_EQ(FailureState(db->RoleUrl("shops"), "DELETE FROM shops.nothing"), "42P01");
}

TEST(BootstrapDatabase, ServiceRoleReadsGeoButCannotWriteIt) {
  ASSERT_OK_AND_ASSIGN(auto db, ScratchDatabase::Create());
  const std::string shops = db->RoleUrl("shops");
  EXPECT_EQ(Scalar(shops, "SELECT count(*) FROM geo.communes WHERE department_code = '21'"), "698");
  EXPECT_EQ(FailureState(shops,
                         "INSERT INTO geo.communes VALUES ('99999', 'X', '99999', '99', 0, "
                         "0, 0)"),
            "42501");
  EXPECT_EQ(FailureState(shops, "UPDATE geo.communes SET population = 0"), "42501");
  EXPECT_EQ(FailureState(shops, "DELETE FROM geo.postal_codes"), "42501");
  EXPECT_EQ(FailureState(shops, "CREATE TABLE geo.mine (id int)"), "42501");
}

TEST(BootstrapDatabase, UnqualifiedNamesResolveToOwnSchemaAndExtensions) {
  ASSERT_OK_AND_ASSIGN(auto db, ScratchDatabase::Create());
  const std::string shops = db->RoleUrl("shops");
  EXPECT_EQ(FailureState(shops, "CREATE TABLE mine (id int)"), "");
  EXPECT_EQ(Scalar(db->admin_url(), "SELECT to_regclass('shops.mine') IS NOT NULL"), "t");
  EXPECT_EQ(Scalar(shops, "SELECT unaccent('Besançon Épinal')"), "Besancon Epinal");
  EXPECT_EQ(Scalar(shops, "SELECT 'dijon' % 'dijonn'"), "t");
}

TEST(BootstrapDatabase, DatabaseAndPublicSchemaAreClosedToOtherRoles) {
  ASSERT_OK_AND_ASSIGN(auto db, ScratchDatabase::Create());
  const std::string admin = db->admin_url();
  const std::string outsider = absl::StrCat("comptoir_outsider_", ::getpid());
  Scalar(admin, absl::StrCat("CREATE ROLE ", outsider, " LOGIN; SELECT 1"));
  const std::string db_access =
      Scalar(admin, absl::StrCat("SELECT has_database_privilege('", outsider,
                                 "', current_database(), "
                                 "'CONNECT')"));
  const std::string public_usage = Scalar(
      admin, absl::StrCat("SELECT has_schema_privilege('", outsider, "', 'public', 'USAGE')"));
  const std::string geo_usage =
      Scalar(admin, absl::StrCat("SELECT has_schema_privilege('", outsider, "', 'geo', 'USAGE')"));
  Scalar(admin, absl::StrCat("DROP ROLE ", outsider, "; SELECT 1"));
  EXPECT_EQ(db_access, "f");
  EXPECT_EQ(public_usage, "f");
  EXPECT_EQ(geo_usage, "f");
  EXPECT_EQ(Scalar(admin, "SELECT has_database_privilege('shops', current_database(), 'CONNECT')"),
            "t");
}

TEST(BootstrapDatabase, ReloadsCommunesWhenTheFileChanges) {
  ScratchDatabaseOptions options;
  options.bootstrap = false;
  options.roles = {"shops"};
  ASSERT_OK_AND_ASSIGN(auto db, ScratchDatabase::Create(options));
  const std::string small =
      absl::StrCat(::testing::TempDir(), "communes-small-", ::getpid(), ".csv");
  {
    std::ofstream out(small);
    out << "insee_code,name,postal_code,department_code,latitude,longitude,population\n"
           "21231,Dijon,21000,21,47.3215,5.0414,156920\n"
           "25056,Besançon,25000,25,47.2380,6.0243,119198\n";
  }
  BootstrapOptions bootstrap = db->bootstrap_options();
  bootstrap.communes_csv = small;
  absl::Status first = BootstrapDatabase(bootstrap);
  std::remove(small.c_str());
  ASSERT_OK(first);
  EXPECT_EQ(Scalar(db->admin_url(), "SELECT count(*) FROM geo.communes"), "2");
  EXPECT_EQ(Scalar(db->admin_url(), "SELECT count(*) FROM geo.postal_codes"), "0");

  ASSERT_OK(BootstrapDatabase(db->bootstrap_options()));
  EXPECT_EQ(Scalar(db->admin_url(), "SELECT count(*) FROM geo.communes"), "3699");
}

TEST(BootstrapDatabase, BadInputIsRefusedBeforeTouchingTheDatabase) {
  ScratchDatabaseOptions options;
  options.bootstrap = false;
  ASSERT_OK_AND_ASSIGN(auto db, ScratchDatabase::Create(options));
  BootstrapOptions bootstrap = db->bootstrap_options();
  bootstrap.communes_csv = "/nonexistent/communes.csv";
  EXPECT_THAT(BootstrapDatabase(bootstrap), StatusIs(absl::StatusCode::kNotFound));
  bootstrap = db->bootstrap_options();
  bootstrap.passwords.erase("orders");
  EXPECT_THAT(BootstrapDatabase(bootstrap), StatusIs(absl::StatusCode::kInvalidArgument));
  bootstrap = db->bootstrap_options();
  bootstrap.roles.push_back("pg_monitor");
  EXPECT_THAT(BootstrapDatabase(bootstrap), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(Scalar(db->admin_url(), "SELECT to_regnamespace('geo') IS NULL"), "t");
}

}  // namespace
}  // namespace comptoir::common
