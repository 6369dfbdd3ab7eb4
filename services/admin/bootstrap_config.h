// Reads the options of `comptoir-admin bootstrap` from environment variables.
//
//   EnvConfig env;
//   absl::StatusOr<BootstrapOptions> options = BootstrapOptionsFromEnv(env);
//
// Not thread-safe (EnvConfig is not); call it from main.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "comptoir/common/config.h"
#include "comptoir/common/db_bootstrap.h"

namespace comptoir::admin {

inline constexpr char kDefaultServiceRoles[] = "shops,accounts,catalogue,orders,delivery";

// ADMIN_PG_URL (required), COMMUNES_CSV (required), SERVICE_ROLES (comma-separated, default
// kDefaultServiceRoles), and for each role ROLE_PASSWORD_<ROLE> (upper case) or else
// ROLE_PASSWORD. InvalidArgument lists every missing or bad variable at once.
absl::StatusOr<common::BootstrapOptions> BootstrapOptionsFromEnv(common::EnvConfig& env);

}  // namespace comptoir::admin
