// BootstrapOptionsFromEnv: `comptoir-admin bootstrap` lists every configuration problem at
// once and resolves per-role passwords before the shared one.
#include "bootstrap_config.h"

#include <gtest/gtest.h>

namespace comptoir::admin {
namespace {

using Vars = std::map<std::string, std::string>;

TEST(BootstrapOptionsFromEnv, DefaultRolesShareRolePassword) {
  common::EnvConfig env(Vars{{"ADMIN_PG_URL", "postgresql://postgres@h/comptoir"},
                             {"COMMUNES_CSV", "/data/communes.csv"},
                             {"ROLE_PASSWORD", "dev"}});
  absl::StatusOr<common::BootstrapOptions> options = BootstrapOptionsFromEnv(env);
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->admin_url, "postgresql://postgres@h/comptoir");
  EXPECT_EQ(options->communes_csv, "/data/communes.csv");
  EXPECT_EQ(options->roles,
            (std::vector<std::string>{"shops", "accounts", "catalogue", "orders", "delivery"}));
  for (const std::string& role : options->roles) EXPECT_EQ(options->passwords.at(role), "dev");
}

TEST(BootstrapOptionsFromEnv, PerRolePasswordWinsOverSharedOne) {
  common::EnvConfig env(Vars{{"ADMIN_PG_URL", "u"},
                             {"COMMUNES_CSV", "c"},
                             {"SERVICE_ROLES", " shops , orders "},
                             {"ROLE_PASSWORD", "shared"},
                             {"ROLE_PASSWORD_ORDERS", "orders-secret"}});
  absl::StatusOr<common::BootstrapOptions> options = BootstrapOptionsFromEnv(env);
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->roles, (std::vector<std::string>{"shops", "orders"}));
  EXPECT_EQ(options->passwords.at("shops"), "shared");
  EXPECT_EQ(options->passwords.at("orders"), "orders-secret");
}

TEST(BootstrapOptionsFromEnv, ListsEveryMissingOrBadVariableAtOnce) {
  common::EnvConfig env(Vars{{"SERVICE_ROLES", "shops,Bad-Name"}});
  absl::StatusOr<common::BootstrapOptions> options = BootstrapOptionsFromEnv(env);
  ASSERT_EQ(options.status().code(), absl::StatusCode::kInvalidArgument);
  const std::string message(options.status().message());
  EXPECT_NE(message.find("ADMIN_PG_URL"), std::string::npos) << message;
  EXPECT_NE(message.find("COMMUNES_CSV"), std::string::npos) << message;
  EXPECT_NE(message.find("ROLE_PASSWORD_SHOPS or ROLE_PASSWORD"), std::string::npos) << message;
  EXPECT_NE(message.find("Bad-Name"), std::string::npos) << message;
}

}  // namespace
}  // namespace comptoir::admin
