// ParseRedisUrl: what REDIS_URL may look like, and errors that never echo the password.
#include <gtest/gtest.h>

#include "comptoir/common/redis_pool.h"

namespace comptoir::common {
namespace {

TEST(ParseRedisUrl, HostPortAndDatabase) {
  absl::StatusOr<RedisEndpoint> endpoint = ParseRedisUrl("redis://10.0.0.5:6380/3");
  ASSERT_TRUE(endpoint.ok()) << endpoint.status();
  EXPECT_EQ(endpoint->host, "10.0.0.5");
  EXPECT_EQ(endpoint->port, 6380);
  EXPECT_EQ(endpoint->db, 3);
  EXPECT_TRUE(endpoint->password.empty());
}

TEST(ParseRedisUrl, DefaultsToPort6379AndDatabaseZero) {
  absl::StatusOr<RedisEndpoint> endpoint = ParseRedisUrl("redis://cache");
  ASSERT_TRUE(endpoint.ok()) << endpoint.status();
  EXPECT_EQ(endpoint->host, "cache");
  EXPECT_EQ(endpoint->port, 6379);
  EXPECT_EQ(endpoint->db, 0);
}

TEST(ParseRedisUrl, CredentialsArePercentDecoded) {
  absl::StatusOr<RedisEndpoint> endpoint = ParseRedisUrl("redis://app:p%40ss%3Aword@h:1/0");
  ASSERT_TRUE(endpoint.ok()) << endpoint.status();
  EXPECT_EQ(endpoint->user, "app");
  EXPECT_EQ(endpoint->password, "p@ss:word");
  absl::StatusOr<RedisEndpoint> no_user = ParseRedisUrl("redis://:secret@h");
  ASSERT_TRUE(no_user.ok());
  EXPECT_EQ(no_user->user, "");
  EXPECT_EQ(no_user->password, "secret");
}

TEST(ParseRedisUrl, Ipv6Host) {
  absl::StatusOr<RedisEndpoint> endpoint = ParseRedisUrl("redis://[::1]:7000");
  ASSERT_TRUE(endpoint.ok()) << endpoint.status();
  EXPECT_EQ(endpoint->host, "::1");
  EXPECT_EQ(endpoint->port, 7000);
}

TEST(ParseRedisUrl, RejectsWhatItCannotHonour) {
  for (const char* url :
       {"http://h:6379", "rediss://h:6379", "redis://h:0", "redis://h:99999", "redis://h:port",
        "redis://h/db", "redis://h/-1", "redis://", "redis://h?timeout=1", "redis://onlyuser@h"}) {
    absl::StatusOr<RedisEndpoint> endpoint = ParseRedisUrl(url);
    EXPECT_EQ(endpoint.status().code(), absl::StatusCode::kInvalidArgument) << url;
  }
}

TEST(ParseRedisUrl, ErrorsDoNotEchoThePassword) {
  absl::StatusOr<RedisEndpoint> endpoint = ParseRedisUrl("redis://:hunter2@h:notaport");
  ASSERT_FALSE(endpoint.ok());
  EXPECT_EQ(std::string(endpoint.status().message()).find("hunter2"), std::string::npos);
}

TEST(RedisPool, MisconfiguredUrlFailsEveryCallWithoutConnecting) {
  RedisPoolOptions options;
  options.url = "not-a-url";
  RedisPool pool(options);
  EXPECT_EQ(pool.Command({"PING"}).status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_FALSE(pool.Ping());
}

TEST(RedisPool, EmptyCommandIsInvalidArgument) {
  RedisPool pool(RedisPoolOptions{});
  EXPECT_EQ(pool.Command({}).status().code(), absl::StatusCode::kInvalidArgument);
  absl::StatusOr<std::vector<RedisReply>> none = pool.Pipeline({});
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

}  // namespace
}  // namespace comptoir::common
