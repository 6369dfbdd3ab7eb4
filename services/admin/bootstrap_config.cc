#include "bootstrap_config.h"

#include <set>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace comptoir::admin {

absl::StatusOr<common::BootstrapOptions> BootstrapOptionsFromEnv(common::EnvConfig& env) {
  common::BootstrapOptions options;
  options.admin_url = env.Required("ADMIN_PG_URL");
  options.communes_csv = env.Required("COMMUNES_CSV");
  options.postal_codes_csv = env.String("POSTAL_CODES_CSV", "");
  std::vector<std::string> problems = env.errors();

  const std::string roles = env.String("SERVICE_ROLES", kDefaultServiceRoles);
  std::set<std::string> seen;
  for (absl::string_view piece : absl::StrSplit(roles, ',', absl::SkipWhitespace())) {
    std::string role(absl::StripAsciiWhitespace(piece));
    if (absl::Status valid = common::ValidateServiceRoleName(role); !valid.ok()) {
      problems.push_back(absl::StrCat("SERVICE_ROLES: ", valid.message()));
      continue;
    }
    if (!seen.insert(role).second) continue;
    options.roles.push_back(role);
    const std::string specific = absl::StrCat("ROLE_PASSWORD_", absl::AsciiStrToUpper(role));
    std::string password = env.String(specific, env.String("ROLE_PASSWORD", ""));
    if (password.empty()) {
      problems.push_back(absl::StrCat(specific, " or ROLE_PASSWORD: required but not set"));
      continue;
    }
    options.passwords[role] = std::move(password);
  }
  if (options.roles.empty() && problems.empty()) {
    problems.push_back("SERVICE_ROLES: names no service");
  }
  if (!problems.empty()) return absl::InvalidArgumentError(absl::StrJoin(problems, "; "));
  return options;
}

}  // namespace comptoir::admin
