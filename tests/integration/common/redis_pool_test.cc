// RedisPool against a private redis-server: replies, pipelines, errors, and failing fast
// (then recovering) when Redis is stopped or hangs.
#include "comptoir/common/redis_pool.h"

#include <gtest/gtest.h>

#include <thread>

#include "absl/strings/str_cat.h"
#include "process.h"
#include "scratch_redis.h"
#include "status_testing.h"

namespace comptoir::common {
namespace {

using ::comptoir::testing::ScratchRedis;
using ::comptoir::testing::StatusIs;
using std::chrono::milliseconds;
using std::chrono::seconds;

RedisPoolOptions Options(const std::string& url) {
  RedisPoolOptions options;
  options.url = url;
  options.size = 2;
  options.connect_timeout = milliseconds(200);
  options.command_timeout = milliseconds(250);
  options.retry_after = milliseconds(300);
  return options;
}

// Polls until a command succeeds: recovery takes the back-off window plus a connect.
bool RecoversWithin(RedisPool& pool, std::chrono::milliseconds limit) {
  const auto give_up = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < give_up) {
    if (pool.Ping()) return true;
    std::this_thread::sleep_for(milliseconds(50));
  }
  return false;
}

TEST(RedisPool, CommandsRoundTripEveryReplyType) {
  ASSERT_OK_AND_ASSIGN(auto redis, ScratchRedis::Create());
  RedisPool pool(Options(redis->url()));
  const std::string binary("a\0b\r\nc", 6);

  ASSERT_OK_AND_ASSIGN(RedisReply set, pool.Command({"SET", "k", binary}));
  EXPECT_EQ(set.type, RedisReply::Type::kStatus);
  EXPECT_EQ(set.str, "OK");
  ASSERT_OK_AND_ASSIGN(RedisReply get, pool.Command({"GET", "k"}));
  EXPECT_EQ(get.type, RedisReply::Type::kString);
  EXPECT_EQ(get.str, binary);
  ASSERT_OK_AND_ASSIGN(RedisReply missing, pool.Command({"GET", "absent"}));
  EXPECT_TRUE(missing.is_nil());
  ASSERT_OK_AND_ASSIGN(RedisReply incr, pool.Command({"INCRBY", "n", "41"}));
  EXPECT_EQ(incr.type, RedisReply::Type::kInteger);
  EXPECT_EQ(incr.integer, 41);
  ASSERT_OK(pool.Command({"RPUSH", "list", "x", "y"}).status());
  ASSERT_OK_AND_ASSIGN(RedisReply range, pool.Command({"LRANGE", "list", "0", "-1"}));
  ASSERT_EQ(range.type, RedisReply::Type::kArray);
  ASSERT_EQ(range.elements.size(), 2u);
  EXPECT_EQ(range.elements[1].str, "y");
  EXPECT_TRUE(pool.Ping());
}

TEST(RedisPool, PipelineRepliesInOrderAndErrorsLeaveTheConnectionUsable) {
  ASSERT_OK_AND_ASSIGN(auto redis, ScratchRedis::Create());
  RedisPool pool(Options(redis->url()));
  ASSERT_OK_AND_ASSIGN(std::vector<RedisReply> replies,
                       pool.Pipeline({{"SET", "a", "1"}, {"INCR", "a"}, {"GET", "a"}}));
  ASSERT_EQ(replies.size(), 3u);
  EXPECT_EQ(replies[1].integer, 2);
  EXPECT_EQ(replies[2].str, "2");

  ASSERT_OK(pool.Command({"SET", "text", "abc"}).status());
  absl::StatusOr<RedisReply> not_a_number = pool.Command({"INCR", "text"});
  EXPECT_THAT(not_a_number, StatusIs(absl::StatusCode::kInternal));
  EXPECT_NE(std::string(not_a_number.status().message()).find("not an integer"), std::string::npos);
  EXPECT_THAT(pool.Pipeline({{"INCR", "text"}, {"GET", "a"}}),
              StatusIs(absl::StatusCode::kInternal));
  ASSERT_OK_AND_ASSIGN(RedisReply after, pool.Command({"GET", "a"}));
  EXPECT_EQ(after.str, "2");
}

TEST(RedisPool, StoppedRedisIsUnavailableAndThePoolRecoversAfterRestart) {
  ASSERT_OK_AND_ASSIGN(auto redis, ScratchRedis::Create());
  RedisPool pool(Options(redis->url()));
  ASSERT_OK(pool.Command({"SET", "k", "v"}).status());

  ASSERT_OK(redis->Stop());
  EXPECT_THAT(pool.Command({"GET", "k"}), StatusIs(absl::StatusCode::kUnavailable));
  // Within the back-off window: refused at once, without a connection attempt.
  EXPECT_THAT(pool.Command({"GET", "k"}), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_FALSE(pool.Ping());

  ASSERT_OK(redis->Start());
  EXPECT_TRUE(RecoversWithin(pool, seconds(10)));
  ASSERT_OK_AND_ASSIGN(RedisReply fresh, pool.Command({"GET", "k"}));
  EXPECT_TRUE(fresh.is_nil());  // no persistence: a restarted Redis is empty
}

TEST(RedisPool, HungRedisIsUnavailableAndCallsFailFastUntilItAnswers) {
  ASSERT_OK_AND_ASSIGN(auto redis, ScratchRedis::Create());
  RedisPool pool(Options(redis->url()));
  ASSERT_OK(pool.Command({"SET", "k", "v"}).status());

  redis->Pause();
  EXPECT_THAT(pool.Command({"GET", "k"}), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(pool.Pipeline({{"GET", "k"}, {"GET", "k"}}),
              StatusIs(absl::StatusCode::kUnavailable));
  redis->Resume();
  EXPECT_TRUE(RecoversWithin(pool, seconds(10)));
  ASSERT_OK_AND_ASSIGN(RedisReply value, pool.Command({"GET", "k"}));
  EXPECT_EQ(value.str, "v");
}

TEST(RedisPool, NothingListeningIsUnavailable) {
  ASSERT_OK_AND_ASSIGN(int port, ::comptoir::testing::FreePort());
  RedisPool pool(Options(absl::StrCat("redis://127.0.0.1:", port, "/0")));
  EXPECT_THAT(pool.Command({"PING"}), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_FALSE(pool.Ping());
}

TEST(RedisPool, PasswordAndDatabaseComeFromTheUrl) {
  ASSERT_OK_AND_ASSIGN(auto redis, ScratchRedis::Create());
  RedisPool setup(Options(redis->url()));
  ASSERT_OK(setup.Command({"CONFIG", "SET", "requirepass", "s3cr:t"}).status());

  RedisPool db2(Options(absl::StrCat("redis://:s3cr%3At@127.0.0.1:", redis->port(), "/2")));
  ASSERT_OK(db2.Command({"SET", "where", "db2"}).status());
  RedisPool db0(Options(absl::StrCat("redis://default:s3cr%3At@127.0.0.1:", redis->port(), "/0")));
  ASSERT_OK_AND_ASSIGN(RedisReply in_db0, db0.Command({"GET", "where"}));
  EXPECT_TRUE(in_db0.is_nil());
  RedisPool wrong(Options(absl::StrCat("redis://:nope@127.0.0.1:", redis->port(), "/0")));
  EXPECT_THAT(wrong.Command({"GET", "where"}), StatusIs(absl::StatusCode::kUnavailable));
}

}  // namespace
}  // namespace comptoir::common
