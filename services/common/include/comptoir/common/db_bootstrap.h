// Prepares a database for the services, idempotently (`comptoir-admin bootstrap`).
//
//   RETURN_IF_ERROR(BootstrapDatabase({.admin_url = url, .roles = {"shops"},
//                                      .passwords = {{"shops", secret}},
//                                      .communes_csv = "data/communes-bfc.csv"}));
//
// For each service: a LOGIN role and a schema it owns; it may connect, use its own schema,
// read `geo` and use the extensions in `ext`, and nothing else (PUBLIC loses its default
// rights on the database and on `public`). `geo` (owned by the admin) holds the reference
// communes, reloaded only when the CSV changed. Everything happens in one transaction, under
// an advisory lock; a race with a bootstrap of another database on the same cluster (roles
// are cluster-wide) is retried. Thread-safe: free functions.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace comptoir::common {

struct BootstrapOptions {
  std::string admin_url;                         // superuser (or owner) URL of the database
  std::vector<std::string> roles;                // service names: "shops", "accounts", ...
  std::map<std::string, std::string> passwords;  // role -> password, one for every role
  std::string communes_csv;                      // data/communes-bfc.csv
  // Every (commune, postal code) pair. Empty: "<communes_csv without .csv>.postal-codes.csv"
  // when that file exists, otherwise geo.postal_codes stays empty.
  std::string postal_codes_csv;
};

absl::Status BootstrapDatabase(const BootstrapOptions& options);

// A service role / schema name: [a-z][a-z0-9_]{0,62}, not a name PostgreSQL or the
// bootstrap itself uses (public, geo, ext, pg_*, postgres, ...).
absl::Status ValidateServiceRoleName(const std::string& name);

struct Commune {
  std::string insee_code;       // "21231"; Corsica uses 2A/2B
  std::string name;             // "Dijon"
  std::string postal_code;      // main postal code, "21000"
  std::string department_code;  // "21"
  double latitude = 0;          // WGS 84 degrees
  double longitude = 0;
  int64_t population = 0;
};

struct CommunePostalCode {
  std::string insee_code;
  std::string postal_code;
  bool is_main = false;
};

// Parses the communes CSV (header insee_code,name,postal_code,department_code,latitude,
// longitude,population in any order; RFC 4180 quoting; optional UTF-8 BOM). Every bad line
// is reported, with its number, in one InvalidArgument.
absl::StatusOr<std::vector<Commune>> ParseCommunesCsv(std::string_view text);
// Parses the postal-codes CSV (insee_code,postal_code,is_main_postal_code).
absl::StatusOr<std::vector<CommunePostalCode>> ParsePostalCodesCsv(std::string_view text);

}  // namespace comptoir::common
