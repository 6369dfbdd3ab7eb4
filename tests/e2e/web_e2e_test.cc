// The web pages end to end: every service binary of this build and the gateway (serving web/)
// on free ports against a scratch database, then the browser journeys of tests/web (Node with
// playwright-core driving Debian's headless Chromium) against that gateway. The journeys
// also take the README's screenshots (see ScreenshotsDir).
//
// Skipped when Chromium, Node or tests/web/node_modules are missing (scripts/test installs
// them). A service binary not built yet is left out; the journeys needing it then report
// themselves as waiting instead of failing (tests/web/run.mjs).
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "comptoir/common/auth.h"
#include "comptoir/common/status.h"
#include "e2e_stack.h"
#include "process.h"
#include "scratch_database.h"
#include "scratch_redis.h"

namespace comptoir::testing {
namespace {

constexpr char kInternal[] = "e2e-web-internal-credential-0123456789";
constexpr char kAdminEmail[] = "admin.web@comptoir.localhost";
constexpr char kAdminPassword[] = "e2e-web-admin-password";
constexpr char kWebTests[] = COMPTOIR_SOURCE_DIR "/tests/web";

bool Executable(const std::string& path) { return ::access(path.c_str(), X_OK) == 0; }

std::string Chromium() {
  const char* from_env = std::getenv("CHROMIUM");
  return from_env != nullptr && *from_env != '\0' ? from_env : "/usr/bin/chromium";
}

std::string Node() {
  for (const char* candidate : {"/usr/bin/node", "/usr/local/bin/node"}) {
    if (Executable(candidate)) return candidate;
  }
  return "";
}

// Where the journeys save their screenshots: the build tree, so that a test run leaves the
// sources alone; COMPTOIR_SCREENSHOTS_DIR=docs/screenshots refreshes the README's pictures.
std::string ScreenshotsDir() {
  const char* from_env = std::getenv("COMPTOIR_SCREENSHOTS_DIR");
  if (from_env == nullptr || *from_env == '\0') return COMPTOIR_BINARY_DIR "/screenshots";
  return from_env[0] == '/' ? from_env : std::string(COMPTOIR_SOURCE_DIR "/") + from_env;
}

// One whole stack for the journeys: they make their own accounts, shops and products through
// the public API, so they share it.
class WebStack {
 public:
  absl::Status Start() {
    ASSIGN_OR_RETURN(db_, ScratchDatabase::Create());
    ASSIGN_OR_RETURN(redis_, ScratchRedis::Create());
    const std::string public_keys = common::FormatPublicKey(key_);
    Env common_env = {{"REDIS_URL", redis_->url()},
                      {"AUTH_PUBLIC_KEYS", public_keys},
                      {"INTERNAL_CREDENTIAL", kInternal},
                      {"LOG_LEVEL", "warn"}};
    auto env_for = [&](const std::string& role, Env extra) {
      Env env = common_env;
      env["PG_URL"] = db_->RoleUrl(role);
      for (auto& [k, v] : extra) env[k] = v;
      return env;
    };

    Env accounts_env = env_for("accounts", {{"AUTH_SIGNING_KEYS", common::FormatSigningKey(key_)},
                                            {"COMPTOIR_ADMIN_EMAIL", kAdminEmail},
                                            {"COMPTOIR_ADMIN_PASSWORD", kAdminPassword},
                                            // The journeys log the same people in many times.
                                            {"LOGIN_LIMIT_PER_ACCOUNT", "100000"},
                                            {"LOGIN_LIMIT_PER_ADDRESS", "100000"}});
    RETURN_IF_ERROR(
        Launch("accounts", accounts_env,
               {"comptoir.accounts.v1.AccountService", "comptoir.accounts.v1.PartnerService"}));
    RETURN_IF_ERROR(
        RunToCompletion(BinaryPath("comptoir-accounts"), {"ensure-admin"}, accounts_env));
    RETURN_IF_ERROR(Launch("shops", env_for("shops", {{"ACCOUNTS_GRPC", address_["accounts"]}}),
                           {"comptoir.shops.v1.ShopService"}));
    RETURN_IF_ERROR(
        Launch("catalogue", env_for("catalogue", {}), {"comptoir.catalogue.v1.CatalogueService"}));
    RETURN_IF_ERROR(Launch("delivery",
                           env_for("delivery", {{"ACCOUNTS_GRPC", address_["accounts"]}}),
                           {"comptoir.delivery.v1.DeliveryService"}));
    if (Executable(BinaryPath("comptoir-orders"))) {
      RETURN_IF_ERROR(Launch("orders",
                             env_for("orders", {{"CATALOGUE_GRPC", address_["catalogue"]},
                                                {"DELIVERY_GRPC", address_["delivery"]}}),
                             {"comptoir.orders.v1.OrderService"}));
    }
    ASSIGN_OR_RETURN(StartedGateway gateway,
                     StartGateway(absl::StrJoin(upstreams_, ","),
                                  {{"REDIS_URL", redis_->url()},
                                   {"AUTH_PUBLIC_KEYS", public_keys},
                                   // Partner keys are checked with accounts' internal service.
                                   {"INTERNAL_CREDENTIAL", kInternal},
                                   // Every journey logs people in from one address.
                                   {"RATE_LIMIT_LOGINS", "100000"},
                                   {"RATE_LIMIT_WRITES", "100000"},
                                   {"RATE_LIMIT_ANONYMOUS_READS", "100000"},
                                   {"RATE_LIMIT_ACCOUNT_READS", "100000"},
                                   // Pages re-read what they just changed.
                                   {"MICRO_CACHE_TTL", "0"},
                                   {"SHARED_CACHE_TTL", "0"}}));
    gateway_ = std::move(gateway.process);
    http_port_ = gateway.http_port;
    return absl::OkStatus();
  }

  int http_port() const { return http_port_; }
  std::string Logs() const {
    std::string out;
    for (const auto& [name, process] : services_)
      absl::StrAppend(&out, "--- ", name, "\n", process->Log());
    if (gateway_) absl::StrAppend(&out, "--- gateway\n", gateway_->Log());
    return out;
  }

 private:
  absl::Status Launch(const std::string& name, const Env& env,
                      const std::vector<std::string>& grpc_services) {
    const std::string binary = BinaryPath("comptoir-" + name);
    RETURN_IF_ERROR(RunToCompletion(binary, {"migrate"}, env));
    ASSIGN_OR_RETURN(StartedService started, StartService(binary, env));
    address_[name] = started.address();
    for (const std::string& s : grpc_services) upstreams_.push_back(s + "=" + started.address());
    services_.emplace_back(name, std::move(started.process));
    return absl::OkStatus();
  }

  const common::SigningKey key_ = common::GenerateSigningKey("e2e-web");
  std::unique_ptr<ScratchRedis> redis_;  // outlives the processes using it
  std::unique_ptr<ScratchDatabase> db_;
  std::vector<std::pair<std::string, std::unique_ptr<ChildProcess>>> services_;
  std::unique_ptr<ChildProcess> gateway_;
  std::map<std::string, std::string> address_;
  std::vector<std::string> upstreams_;
  int http_port_ = 0;
};

TEST(WebEndToEnd, BrowserJourneysAccessibilityWidgetAndBudgetPass) {
  if (!Executable(Chromium()))
    GTEST_SKIP() << "no Chromium at " << Chromium() << " (apt-get install chromium)";
  const std::string node = Node();
  if (node.empty()) GTEST_SKIP() << "no node (apt-get install nodejs)";
  if (::access((std::string(kWebTests) + "/node_modules/playwright-core").c_str(), R_OK) != 0) {
    GTEST_SKIP() << "tests/web/node_modules missing (npm ci --prefix tests/web)";
  }

  WebStack stack;
  absl::Status started = stack.Start();
  ASSERT_TRUE(started.ok()) << started << "\n" << stack.Logs();

  ChildProcessOptions journeys;
  journeys.binary = node;
  journeys.args = {std::string(kWebTests) + "/run.mjs"};
  journeys.env = {{"GATEWAY_URL", absl::StrCat("http://127.0.0.1:", stack.http_port())},
                  {"COMPTOIR_ADMIN_EMAIL", kAdminEmail},
                  {"COMPTOIR_ADMIN_PASSWORD", kAdminPassword},
                  {"CHROMIUM", Chromium()},
                  {"SCREENSHOTS_DIR", ScreenshotsDir()}};
  auto run = ChildProcess::Start(journeys);
  ASSERT_TRUE(run.ok()) << run.status();
  auto code = (*run)->Wait(std::chrono::minutes(8));
  ASSERT_TRUE(code.ok()) << code.status() << "\n" << (*run)->Log();
  // The journeys' own report (PASS / FAIL / WAIT per journey) is the useful output.
  std::cout << (*run)->Log();
  EXPECT_EQ(*code, 0) << "a browser journey failed:\n" << (*run)->Log() << "\n" << stack.Logs();
}

}  // namespace
}  // namespace comptoir::testing
