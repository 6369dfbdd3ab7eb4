// ApplyMigrations: one session holding an advisory lock, one transaction a file.
#include "comptoir/common/migrations.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "comptoir/common/crypto.h"
#include "comptoir/common/log.h"
#include "comptoir/common/pg_pool.h"
#include "comptoir/common/status.h"

namespace comptoir::common {
namespace {

// First key of our advisory locks ("Comp"), so they never collide with locks other code
// takes on hashtext() values alone.
constexpr int kAdvisoryLockClass = 0x436f6d70;
// A migration may rewrite a table; it must still end. Waiting for another runner's lock
// counts against this too.
constexpr std::chrono::minutes kStatementTimeout{15};
// DDL waits for ACCESS EXCLUSIVE locks, and every query queues behind a waiting DDL: better
// to fail the deploy than to stall the service.
constexpr std::chrono::seconds kLockTimeout{30};
constexpr std::chrono::milliseconds kConnectTimeout{5000};

absl::string_view FirstLine(absl::string_view text) {
  std::size_t end = text.find('\n');
  return end == absl::string_view::npos ? text : text.substr(0, end);
}

bool IsSchemaName(const std::string& name) {
  if (name.empty() || name.size() > 63) return false;
  if (!(name[0] == '_' || (name[0] >= 'a' && name[0] <= 'z'))) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return c == '_' || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
  });
}

// The canonical code of `e`, with the server's own words: the reader is the operator who
// runs the deploy, and the file name says where to look.
absl::Status MigrationError(const std::string& context, const std::exception& e) {
  absl::Status mapped = StatusFromPgException(e);
  return absl::Status(mapped.code(), absl::StrCat(context, ": ", FirstLine(e.what())));
}

}  // namespace

absl::StatusOr<int> ApplyMigrations(const std::string& pg_url, const std::string& schema,
                                    const std::vector<EmbeddedFile>& files) {
  if (!IsSchemaName(schema)) {
    return absl::InvalidArgumentError(
        absl::StrCat("schema name '", schema, "' must match [a-z_][a-z0-9_]{0,62}"));
  }
  std::vector<const EmbeddedFile*> ordered;
  ordered.reserve(files.size());
  for (const EmbeddedFile& file : files) ordered.push_back(&file);
  std::sort(ordered.begin(), ordered.end(),
            [](const EmbeddedFile* a, const EmbeddedFile* b) { return a->name < b->name; });
  for (std::size_t i = 0; i < ordered.size(); ++i) {
    if (ordered[i]->name.empty()) return absl::InvalidArgumentError("a migration has no name");
    if (i > 0 && ordered[i]->name == ordered[i - 1]->name) {
      return absl::InvalidArgumentError(
          absl::StrCat("migration ", ordered[i]->name, " is listed twice"));
    }
  }

  std::string step = "connecting";
  try {
    pqxx::connection conn(PgConnectionString(pg_url, kConnectTimeout));
    const std::string table = conn.quote_name(schema) + ".schema_migrations";
    {
      step = "taking the migration lock";
      pqxx::nontransaction session(conn);
      session.exec(absl::StrCat("SET statement_timeout = ",
                                std::chrono::milliseconds(kStatementTimeout).count()));
      pqxx::result exists =
          session.exec_params("SELECT 1 FROM pg_namespace WHERE nspname = $1", schema);
      if (exists.empty()) {
        return absl::FailedPreconditionError(absl::StrCat(
            "schema ", schema, " does not exist: run `comptoir-admin bootstrap` first"));
      }
      // Session-level: held across the per-file transactions, released when we disconnect
      // even if this process dies.
      session.exec_params("SELECT pg_advisory_lock($1, hashtext($2))", kAdvisoryLockClass, schema);
      session.exec(
          absl::StrCat("SET lock_timeout = ", std::chrono::milliseconds(kLockTimeout).count()));
      step = "creating the migrations table";
      session.exec(absl::StrCat("CREATE TABLE IF NOT EXISTS ", table,
                                " (name text PRIMARY KEY, checksum text NOT NULL,"
                                " applied_at timestamptz NOT NULL DEFAULT now())"));
    }

    std::map<std::string, std::string> applied_checksums;
    {
      step = "reading applied migrations";
      pqxx::nontransaction read(conn);
      for (const auto& row : read.exec(absl::StrCat("SELECT name, checksum FROM ", table))) {
        applied_checksums.emplace(row[0].as<std::string>(), row[1].as<std::string>());
      }
    }

    int applied = 0;
    for (const EmbeddedFile* file : ordered) {
      const std::string checksum = Sha256Hex(file->contents);
      auto it = applied_checksums.find(file->name);
      if (it != applied_checksums.end()) {
        if (it->second != checksum) {
          return absl::FailedPreconditionError(
              absl::StrCat("migration ", file->name, " of schema ", schema,
                           " changed after it was applied (recorded sha256 ", it->second, ", now ",
                           checksum, "): migrations are never edited; add a new one instead"));
        }
        continue;
      }
      step = absl::StrCat("migration ", file->name, " of schema ", schema, " failed");
      pqxx::work tx(conn);
      // Unqualified names in a file land in the service's own schema; `ext` holds the
      // extensions (unaccent, pg_trgm) bootstrap installs.
      tx.exec(absl::StrCat("SET LOCAL search_path TO ", conn.quote_name(schema), ", ext"));
      tx.exec(file->contents);
      tx.exec_params(absl::StrCat("INSERT INTO ", table, " (name, checksum) VALUES ($1, $2)"),
                     file->name, checksum);
      tx.commit();
      ++applied;
      LOG_INFO("migration applied", {{"schema", schema}, {"migration", file->name}});
    }
    step = "releasing the migration lock";
    pqxx::nontransaction unlock(conn);
    unlock.exec_params("SELECT pg_advisory_unlock($1, hashtext($2))", kAdvisoryLockClass, schema);
    return applied;
  } catch (const std::exception& e) {
    return MigrationError(step, e);
  }
}

}  // namespace comptoir::common
