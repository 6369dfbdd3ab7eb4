// BootstrapDatabase: roles, schemas, grants, extensions and the geo reference data.
#include "comptoir/common/db_bootstrap.h"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <pqxx/pqxx>
#include <random>
#include <set>
#include <sstream>
#include <thread>
#include <tuple>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "comptoir/common/crypto.h"
#include "comptoir/common/log.h"
#include "comptoir/common/pg_pool.h"
#include "comptoir/common/status.h"

namespace comptoir::common {
namespace {

constexpr int kAdvisoryLockClass = 0x436f6d70;  // "Comp", as in migrations.cc
constexpr std::chrono::milliseconds kConnectTimeout{5000};
constexpr std::chrono::minutes kStatementTimeout{5};
constexpr std::size_t kMaxCsvBytes = 64 << 20;
// Roles are cluster-wide: bootstraps of two databases of one cluster (tests do that) can
// collide on them. The loser's transaction is rolled back and run again.
constexpr int kMaxAttempts = 8;

// Extensions later services use (accent-insensitive and fuzzy search), put in `ext` so that
// `public` can stay closed. Missing ones are skipped with a warning.
const char* const kExtensions[] = {"unaccent", "pg_trgm"};

absl::string_view FirstLine(absl::string_view text) {
  std::size_t end = text.find('\n');
  return end == absl::string_view::npos ? text : text.substr(0, end);
}

absl::StatusOr<std::string> ReadFile(const std::string& path, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open ", what, " file ", path));
  std::string data;
  char buffer[1 << 16];
  while (in.read(buffer, sizeof(buffer)) || in.gcount() > 0) {
    data.append(buffer, static_cast<std::size_t>(in.gcount()));
    if (data.size() > kMaxCsvBytes) {
      return absl::InvalidArgumentError(
          absl::StrCat(what, " file ", path, " is larger than ", kMaxCsvBytes >> 20, " MiB"));
    }
  }
  if (in.bad()) return absl::UnavailableError(absl::StrCat("cannot read ", what, " file ", path));
  return data;
}

bool FileExists(const std::string& path) { return std::ifstream(path).good(); }

struct ReferenceData {
  std::vector<Commune> communes;
  std::string communes_sha256;
  std::vector<CommunePostalCode> postal_codes;
  std::string postal_codes_sha256;  // empty: no postal-codes file
};

absl::StatusOr<ReferenceData> LoadReferenceData(const BootstrapOptions& options) {
  ReferenceData data;
  ASSIGN_OR_RETURN(std::string communes_text, ReadFile(options.communes_csv, "communes"));
  absl::StatusOr<std::vector<Commune>> communes = ParseCommunesCsv(communes_text);
  if (!communes.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(options.communes_csv, ": ", communes.status().message()));
  }
  data.communes = std::move(communes).value();
  data.communes_sha256 = Sha256Hex(communes_text);

  std::string postal_path = options.postal_codes_csv;
  if (postal_path.empty() && absl::EndsWith(options.communes_csv, ".csv")) {
    std::string sibling = absl::StrCat(
        options.communes_csv.substr(0, options.communes_csv.size() - 4), ".postal-codes.csv");
    if (FileExists(sibling)) postal_path = sibling;
  }
  if (postal_path.empty()) return data;
  ASSIGN_OR_RETURN(std::string postal_text, ReadFile(postal_path, "postal codes"));
  absl::StatusOr<std::vector<CommunePostalCode>> pairs = ParsePostalCodesCsv(postal_text);
  if (!pairs.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(postal_path, ": ", pairs.status().message()));
  }
  std::set<std::string> known;
  for (const Commune& commune : data.communes) known.insert(commune.insee_code);
  for (const CommunePostalCode& pair : *pairs) {
    if (known.count(pair.insee_code) == 0) {
      return absl::InvalidArgumentError(absl::StrCat(postal_path, ": commune ", pair.insee_code,
                                                     " is not in ", options.communes_csv));
    }
  }
  data.postal_codes = std::move(pairs).value();
  data.postal_codes_sha256 = Sha256Hex(postal_text);
  return data;
}

// Roles: created or brought back to what a service role must be (no superuser, no role or
// database creation), with the given password.
void EnsureRole(pqxx::work& tx, const std::string& role, const std::string& password) {
  const std::string name = tx.quote_name(role);
  const std::string attributes =
      absl::StrCat("LOGIN PASSWORD ", tx.quote(password),
                   " NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS");
  if (tx.exec_params("SELECT 1 FROM pg_roles WHERE rolname = $1", role).empty()) {
    tx.exec(absl::StrCat("CREATE ROLE ", name, " ", attributes));
  } else {
    tx.exec(absl::StrCat("ALTER ROLE ", name, " WITH ", attributes));
  }
}

void EnsureGeoTables(pqxx::work& tx) {
  tx.exec("CREATE SCHEMA IF NOT EXISTS geo");
  tx.exec("REVOKE ALL ON SCHEMA geo FROM PUBLIC");
  tx.exec(
      "CREATE TABLE IF NOT EXISTS geo.communes ("
      " insee_code text PRIMARY KEY,"
      " name text NOT NULL,"
      " postal_code text NOT NULL,"
      " department_code text NOT NULL,"
      " latitude double precision NOT NULL CHECK (latitude BETWEEN -90 AND 90),"
      " longitude double precision NOT NULL CHECK (longitude BETWEEN -180 AND 180),"
      " population integer NOT NULL CHECK (population >= 0))");
  tx.exec(
      "CREATE INDEX IF NOT EXISTS communes_department_code_idx"
      " ON geo.communes (department_code)");
  tx.exec("CREATE INDEX IF NOT EXISTS communes_postal_code_idx ON geo.communes (postal_code)");
  tx.exec(
      "CREATE TABLE IF NOT EXISTS geo.postal_codes ("
      " insee_code text NOT NULL REFERENCES geo.communes (insee_code),"
      " postal_code text NOT NULL,"
      " is_main boolean NOT NULL,"
      " PRIMARY KEY (insee_code, postal_code))");
  tx.exec(
      "CREATE INDEX IF NOT EXISTS postal_codes_postal_code_idx"
      " ON geo.postal_codes (postal_code)");
  // What was loaded, so a second bootstrap with the same files changes nothing.
  tx.exec(
      "CREATE TABLE IF NOT EXISTS geo.datasets ("
      " name text PRIMARY KEY,"
      " sha256 text NOT NULL,"
      " row_count integer NOT NULL,"
      " loaded_at timestamptz NOT NULL DEFAULT now())");
}

bool DatasetCurrent(pqxx::work& tx, const std::string& name, const std::string& table,
                    const std::string& sha256, std::size_t rows) {
  pqxx::result r =
      tx.exec_params("SELECT sha256, row_count FROM geo.datasets WHERE name = $1", name);
  const int64_t actual = tx.exec(absl::StrCat("SELECT count(*) FROM ", table))[0][0].as<int64_t>();
  if (actual != static_cast<int64_t>(rows)) return false;
  return !r.empty() && r[0][0].as<std::string>() == sha256 &&
         r[0][1].as<int64_t>() == static_cast<int64_t>(rows);
}

void RecordDataset(pqxx::work& tx, const std::string& name, const std::string& sha256,
                   std::size_t rows) {
  tx.exec_params(
      "INSERT INTO geo.datasets (name, sha256, row_count) VALUES ($1, $2, $3)"
      " ON CONFLICT (name) DO UPDATE SET sha256 = EXCLUDED.sha256,"
      " row_count = EXCLUDED.row_count, loaded_at = now()",
      name, sha256, static_cast<int64_t>(rows));
}

// Replaces the reference rows when a file changed. DELETE rather than TRUNCATE: services
// reading geo meanwhile keep seeing the old rows until this transaction commits.
void LoadGeo(pqxx::work& tx, const ReferenceData& data) {
  const bool communes_current =
      DatasetCurrent(tx, "communes", "geo.communes", data.communes_sha256, data.communes.size());
  const bool postal_current = data.postal_codes_sha256.empty() ||
                              DatasetCurrent(tx, "postal_codes", "geo.postal_codes",
                                             data.postal_codes_sha256, data.postal_codes.size());
  if (communes_current && postal_current) {
    LOG_INFO("geo reference data already current",
             {{"communes", std::to_string(data.communes.size())}});
    return;
  }
  tx.exec("LOCK TABLE geo.communes, geo.postal_codes IN SHARE ROW EXCLUSIVE MODE");
  tx.exec("DELETE FROM geo.postal_codes");
  tx.exec("DELETE FROM geo.communes");
  {
    pqxx::stream_to stream(
        tx, "geo.communes",
        std::vector<std::string>{"insee_code", "name", "postal_code", "department_code", "latitude",
                                 "longitude", "population"});
    for (const Commune& c : data.communes) {
      stream << std::make_tuple(c.insee_code, c.name, c.postal_code, c.department_code, c.latitude,
                                c.longitude, c.population);
    }
    stream.complete();
  }
  RecordDataset(tx, "communes", data.communes_sha256, data.communes.size());
  if (!data.postal_codes_sha256.empty()) {
    pqxx::stream_to stream(tx, "geo.postal_codes",
                           std::vector<std::string>{"insee_code", "postal_code", "is_main"});
    for (const CommunePostalCode& p : data.postal_codes) {
      stream << std::make_tuple(p.insee_code, p.postal_code, p.is_main);
    }
    stream.complete();
    RecordDataset(tx, "postal_codes", data.postal_codes_sha256, data.postal_codes.size());
  } else {
    tx.exec("DELETE FROM geo.datasets WHERE name = 'postal_codes'");
  }
  LOG_INFO("geo reference data loaded",
           {{"communes", std::to_string(data.communes.size())},
            {"postal_codes", std::to_string(data.postal_codes.size())}});
}

void EnsureExtensions(pqxx::work& tx) {
  tx.exec("CREATE SCHEMA IF NOT EXISTS ext");
  tx.exec("REVOKE ALL ON SCHEMA ext FROM PUBLIC");
  for (const char* extension : kExtensions) {
    if (tx.exec_params("SELECT 1 FROM pg_available_extensions WHERE name = $1", extension)
            .empty()) {
      LOG_WARN("postgres extension not available; skipped (install postgresql-contrib)",
               {{"extension", extension}});
      continue;
    }
    // An extension installed earlier elsewhere stays where it is.
    tx.exec(
        absl::StrCat("CREATE EXTENSION IF NOT EXISTS ", tx.quote_name(extension), " SCHEMA ext"));
  }
}

// One attempt, in one transaction: all of it or nothing.
void BootstrapOnce(pqxx::connection& conn, const BootstrapOptions& options,
                   const ReferenceData& data) {
  pqxx::work tx(conn);
  const std::string database = tx.exec("SELECT current_database()")[0][0].as<std::string>();
  const bool superuser =
      tx.exec("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")[0][0].as<bool>();
  if (superuser) {
    // Statements below carry passwords: keep them out of the server log.
    tx.exec("SET LOCAL log_statement = 'none'");
    tx.exec("SET LOCAL log_min_error_statement = 'panic'");
    tx.exec("SET LOCAL log_min_duration_statement = -1");
  }
  tx.exec_params("SELECT pg_advisory_xact_lock($1, hashtext('bootstrap'))", kAdvisoryLockClass);

  for (const std::string& role : options.roles) {
    EnsureRole(tx, role, options.passwords.at(role));
  }

  const std::string db = tx.quote_name(database);
  tx.exec(absl::StrCat("REVOKE ALL ON DATABASE ", db, " FROM PUBLIC"));
  tx.exec("REVOKE ALL ON SCHEMA public FROM PUBLIC");
  EnsureExtensions(tx);
  EnsureGeoTables(tx);
  LoadGeo(tx, data);

  for (const std::string& role : options.roles) {
    const std::string name = tx.quote_name(role);
    tx.exec(absl::StrCat("GRANT CONNECT ON DATABASE ", db, " TO ", name));
    tx.exec(absl::StrCat("CREATE SCHEMA IF NOT EXISTS ", name, " AUTHORIZATION ", name));
    tx.exec(absl::StrCat("ALTER SCHEMA ", name, " OWNER TO ", name));
    tx.exec(absl::StrCat("REVOKE ALL ON SCHEMA ", name, " FROM PUBLIC"));
    tx.exec(absl::StrCat("GRANT USAGE ON SCHEMA geo TO ", name));
    tx.exec(absl::StrCat("GRANT SELECT ON ALL TABLES IN SCHEMA geo TO ", name));
    tx.exec(absl::StrCat("GRANT USAGE ON SCHEMA ext TO ", name));
    // Unqualified names resolve in the service's schema, then to the extensions' functions
    // and operators (pg_trgm's % needs its schema on the path).
    tx.exec(absl::StrCat("ALTER ROLE ", name, " IN DATABASE ", db, " SET search_path = ", name,
                         ", ext"));
  }
  tx.commit();
}

bool IsCollision(const std::exception& e) {
  const auto* sql = dynamic_cast<const pqxx::sql_error*>(&e);
  if (sql == nullptr) return dynamic_cast<const pqxx::transaction_rollback*>(&e) != nullptr;
  const std::string& state = sql->sqlstate();
  // Duplicate role or catalog row from a concurrent CREATE ROLE; "tuple concurrently
  // updated" (XX000) from a concurrent ALTER ROLE or GRANT.
  return state == "23505" || state == "42710" || state == "XX000" || absl::StartsWith(state, "40");
}

}  // namespace

absl::Status ValidateServiceRoleName(const std::string& name) {
  static const std::set<std::string> kReserved = {
      "public", "geo", "ext", "postgres", "information_schema", "admin", "root", "none", "all"};
  const bool shaped = !name.empty() && name.size() <= 63 && name[0] >= 'a' && name[0] <= 'z' &&
                      std::all_of(name.begin(), name.end(), [](char c) {
                        return c == '_' || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
                      });
  if (!shaped) {
    return absl::InvalidArgumentError(
        absl::StrCat("service role '", name, "' must match [a-z][a-z0-9_]{0,62}"));
  }
  if (kReserved.count(name) != 0 || absl::StartsWith(name, "pg_")) {
    return absl::InvalidArgumentError(absl::StrCat("service role '", name, "' is a reserved name"));
  }
  return absl::OkStatus();
}

absl::Status BootstrapDatabase(const BootstrapOptions& options) {
  if (options.admin_url.empty()) return absl::InvalidArgumentError("admin URL is empty");
  if (options.roles.empty()) return absl::InvalidArgumentError("no service role given");
  std::set<std::string> unique;
  for (const std::string& role : options.roles) {
    RETURN_IF_ERROR(ValidateServiceRoleName(role));
    if (!unique.insert(role).second) {
      return absl::InvalidArgumentError(absl::StrCat("service role ", role, " is listed twice"));
    }
    auto it = options.passwords.find(role);
    if (it == options.passwords.end() || it->second.empty()) {
      return absl::InvalidArgumentError(absl::StrCat("no password for service role ", role));
    }
  }
  ASSIGN_OR_RETURN(ReferenceData data, LoadReferenceData(options));

  std::mt19937 jitter(std::random_device{}());
  for (int attempt = 1;; ++attempt) {
    try {
      pqxx::connection conn(PgConnectionString(options.admin_url, kConnectTimeout));
      {
        pqxx::nontransaction session(conn);
        session.exec(absl::StrCat("SET statement_timeout = ",
                                  std::chrono::milliseconds(kStatementTimeout).count()));
      }
      BootstrapOnce(conn, options, data);
      LOG_INFO("database bootstrapped", {{"roles", std::to_string(options.roles.size())},
                                         {"communes", std::to_string(data.communes.size())}});
      return absl::OkStatus();
    } catch (const std::exception& e) {
      if (attempt < kMaxAttempts && IsCollision(e)) {
        LOG_INFO("bootstrap collided with a concurrent one; retrying",
                 {{"attempt", std::to_string(attempt)}});
        // Exponential back-off with jitter, so colliding runners drift apart.
        const int64_t ceiling_ms = int64_t{50} << std::min(attempt, 6);
        std::this_thread::sleep_for(std::chrono::milliseconds(
            ceiling_ms / 2 + static_cast<int64_t>(jitter() % static_cast<uint32_t>(ceiling_ms))));
        continue;
      }
      // An operator reads this: the server's own words help, and carry no password
      // (statements are not part of libpqxx's messages).
      absl::Status mapped = StatusFromPgException(e);
      return absl::Status(mapped.code(),
                          absl::StrCat("database bootstrap failed: ", FirstLine(e.what())));
    }
  }
}

}  // namespace comptoir::common
