// Forward-only schema migrations of one service, applied under an advisory lock.
//
//   ASSIGN_OR_RETURN(int applied, ApplyMigrations(pg_url, "shops", shops::Migrations()));
//
// Files are applied in name order ("001_create_shops.sql", "002_...") each in its own
// transaction, and recorded in `<schema>.schema_migrations` (name, checksum, applied_at).
// A file already applied is skipped; one whose content changed since it was applied is an
// error (FailedPrecondition): migrations are never edited, only added. Concurrent runners
// (several replicas starting at once) serialise on pg_advisory_lock. Thread-safe.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "comptoir/common/embedded_file.h"

namespace comptoir::common {

// Connects with `pg_url` (the service's own role, owner of `schema`) and applies what is
// missing. Returns how many files were applied now.
absl::StatusOr<int> ApplyMigrations(const std::string& pg_url, const std::string& schema,
                                    const std::vector<EmbeddedFile>& files);

}  // namespace comptoir::common
