#include "comptoir/common/config.h"

#include <gtest/gtest.h>

namespace comptoir::common {
namespace {

using Vars = std::map<std::string, std::string>;

TEST(EnvConfig, ReadsValuesAndFallsBackToDefaults) {
  EnvConfig env(Vars{{"PG_URL", "postgresql://x"}, {"WORKERS", "4"}, {"DEBUG", "yes"}});
  EXPECT_EQ(env.Required("PG_URL"), "postgresql://x");
  EXPECT_EQ(env.Int("WORKERS", 8, 1, 64), 4);
  EXPECT_EQ(env.Int("QUEUE", 100, 1, 1000), 100);
  EXPECT_TRUE(env.Bool("DEBUG", false));
  EXPECT_EQ(env.String("HOST", "localhost"), "localhost");
  EXPECT_TRUE(env.errors().empty());
  EXPECT_TRUE(env.Validate().ok());
}

TEST(EnvConfig, ListsEveryMissingOrBadVariableAtOnce) {
  EnvConfig env(Vars{{"WORKERS", "many"},
                     {"PORT_RANGE", "0"},
                     {"FLAG", "perhaps"},
                     {"LISTEN", "nohost"},
                     {"TIMEOUT", "5 parsecs"}});
  env.Required("PG_URL");
  env.Int("WORKERS", 8, 1, 64);
  env.Int("PORT_RANGE", 8, 1, 64);
  env.Bool("FLAG", false);
  env.HostPort("LISTEN", "127.0.0.1:1");
  env.Duration("TIMEOUT", std::chrono::seconds(1));
  ASSERT_EQ(env.errors().size(), 6u);
  EXPECT_EQ(env.errors()[0], "PG_URL: required but not set");
  EXPECT_NE(env.errors()[1].find("WORKERS"), std::string::npos);
  EXPECT_NE(env.errors()[2].find("outside 1..64"), std::string::npos);
  absl::Status status = env.Validate();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("TIMEOUT"), absl::string_view::npos);
}

TEST(EnvConfig, EmptyVariableCountsAsUnset) {
  EnvConfig env(Vars{{"PG_URL", ""}});
  env.Required("PG_URL");
  EXPECT_EQ(env.errors().size(), 1u);
}

TEST(ParseDuration, AcceptsUnitsAndBareMilliseconds) {
  EXPECT_EQ(ParseDuration("250ms"), std::chrono::milliseconds(250));
  EXPECT_EQ(ParseDuration("5s"), std::chrono::milliseconds(5000));
  EXPECT_EQ(ParseDuration("2m"), std::chrono::milliseconds(120000));
  EXPECT_EQ(ParseDuration("1h"), std::chrono::milliseconds(3600000));
  EXPECT_EQ(ParseDuration("40"), std::chrono::milliseconds(40));
  EXPECT_EQ(ParseDuration(" 3S "), std::chrono::milliseconds(3000));
  EXPECT_FALSE(ParseDuration("").has_value());
  EXPECT_FALSE(ParseDuration("s").has_value());
  EXPECT_FALSE(ParseDuration("-5s").has_value());
  EXPECT_FALSE(ParseDuration("5d").has_value());
  EXPECT_FALSE(ParseDuration("9999999999999s").has_value());
}

}  // namespace
}  // namespace comptoir::common
