// comptoir-admin: operations on the shared database that run once per deploy, not per
// request. `comptoir-admin bootstrap` prepares roles, schemas and reference data.
#include <cstdio>
#include <string>

#include "absl/strings/str_split.h"
#include "bootstrap_config.h"
#include "comptoir/common/config.h"
#include "comptoir/common/db_bootstrap.h"
#include "comptoir/common/log.h"

namespace {

constexpr char kUsage[] =
    "usage: comptoir-admin bootstrap\n"
    "\n"
    "bootstrap  creates or updates, idempotently, one role and one schema per service, the\n"
    "           read-only geo schema with the communes, and the ext schema of extensions.\n"
    "  ADMIN_PG_URL           superuser URL of the database (required)\n"
    "  COMMUNES_CSV           path of communes-bfc.csv (required)\n"
    "  POSTAL_CODES_CSV       path of the postal codes CSV (default: next to COMMUNES_CSV)\n"
    "  SERVICE_ROLES          default shops,accounts,catalogue,orders,delivery\n"
    "  ROLE_PASSWORD_<ROLE>   password of one role, or ROLE_PASSWORD for all of them\n"
    "  LOG_LEVEL              debug, info, warn or error (default info)\n";

int Bootstrap(comptoir::common::EnvConfig& env) {
  absl::StatusOr<comptoir::common::BootstrapOptions> options =
      comptoir::admin::BootstrapOptionsFromEnv(env);
  if (!options.ok()) {
    std::fprintf(stderr, "comptoir-admin bootstrap: invalid configuration:\n");
    for (absl::string_view problem : absl::StrSplit(options.status().message(), "; ")) {
      std::fprintf(stderr, "  %.*s\n", static_cast<int>(problem.size()), problem.data());
    }
    return 2;
  }
  absl::Status status = comptoir::common::BootstrapDatabase(*options);
  if (!status.ok()) {
    LOG_ERROR("bootstrap failed", {{"code", absl::StatusCodeToString(status.code())},
                                   {"error", std::string(status.message())}});
    return 1;
  }
  LOG_INFO("bootstrap complete");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  comptoir::common::SetLogService("comptoir-admin");
  comptoir::common::EnvConfig env;
  const std::string level = env.String("LOG_LEVEL", "info");
  if (!comptoir::common::SetLogLevel(level)) {
    std::fprintf(stderr, "comptoir-admin: LOG_LEVEL '%s' is not debug, info, warn or error\n",
                 level.c_str());
    return 2;
  }
  const std::string command = argc >= 2 ? argv[1] : "";
  if (command == "help" || command == "--help" || command == "-h") {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (command == "bootstrap" && argc == 2) return Bootstrap(env);
  std::fprintf(stderr, "comptoir-admin: %s\n%s",
               command.empty() ? "missing command" : "unknown command or extra arguments", kUsage);
  return 2;
}
