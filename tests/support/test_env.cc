#include "test_env.h"

#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "process.h"

namespace comptoir::testing {
namespace {

absl::StatusOr<std::string> Required(const char* name, const char* what) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') {
    return absl::FailedPreconditionError(absl::StrCat(
        name, " is not set: integration tests need ", what,
        ". Run them through ./scripts/test, which starts throwaway servers and exports it "
        "(see tests/support/test_env.h to run a test binary by hand)."));
  }
  return std::string(value);
}

}  // namespace

absl::StatusOr<std::string> TestPgUrl() {
  return Required("COMPTOIR_TEST_PG_URL", "the superuser URL of a throwaway PostgreSQL");
}

absl::StatusOr<std::string> TestRedisUrl() {
  return Required("COMPTOIR_TEST_REDIS_URL", "the URL of a throwaway Redis");
}

absl::StatusOr<std::string> TestPgCtl() {
  return Required("COMPTOIR_TEST_PG_CTL", "a command that stops and starts the test PostgreSQL");
}

absl::Status RunPgCtl(const std::string& action, std::chrono::milliseconds timeout) {
  if (action != "stop" && action != "start" && action != "restart") {
    return absl::InvalidArgumentError(absl::StrCat("pg_ctl action '", action, "' is unknown"));
  }
  absl::StatusOr<std::string> command = TestPgCtl();
  if (!command.ok()) return command.status();
  return RunShell(absl::StrCat(*command, " ", action), timeout);
}

}  // namespace comptoir::testing
