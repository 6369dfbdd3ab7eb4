// The GCRA Lua script in a real Redis: same decisions as the C++ arithmetic, leases of
// several requests at once, the script reloaded after Redis forgets it, and errors (for the
// fail-open/closed choice) when down.
#include <gtest/gtest.h>

#include <future>
#include <thread>

#include "comptoir/common/redis_pool.h"
#include "comptoir/common/worker_pool.h"
#include "rate_limiter.h"
#include "scratch_redis.h"

namespace comptoir::gateway {
namespace {

using std::chrono::milliseconds;

TEST(RedisRateLimiterTest, ScriptEnforcesTheBurstThenTheRate) {
  auto redis = testing::ScratchRedis::Create();
  ASSERT_TRUE(redis.ok()) << redis.status();
  common::RedisPool pool({.url = (*redis)->url()});
  common::WorkerPool workers(2, 64);
  RedisRateLimiter limiter(pool, workers);
  const RateLimit limit{5, milliseconds(1000)};  // one every 200 ms, burst 5
  for (int i = 0; i < 5; ++i) {
    auto d = limiter.CheckNow("rl:test", limit);
    ASSERT_TRUE(d.ok()) << d.status();
    EXPECT_TRUE(d->allowed) << i;
    EXPECT_EQ(d->remaining, 4 - i);
  }
  auto refused = limiter.CheckNow("rl:test", limit);
  ASSERT_TRUE(refused.ok());
  EXPECT_FALSE(refused->allowed);
  EXPECT_GT(refused->retry_after, milliseconds(0));
  EXPECT_LE(refused->retry_after, milliseconds(200));
  EXPECT_TRUE(limiter.CheckNow("rl:other", limit)->allowed);  // callers are independent

  std::this_thread::sleep_for(refused->retry_after + milliseconds(5));
  EXPECT_TRUE(limiter.CheckNow("rl:test", limit)->allowed);

  // Asynchronous form, as the gateway uses it.
  std::promise<absl::StatusOr<RateDecision>> promise;
  limiter.Check("rl:async", limit, [&](absl::StatusOr<RateDecision> d) { promise.set_value(d); });
  auto async = promise.get_future().get();
  ASSERT_TRUE(async.ok());
  EXPECT_TRUE(async->allowed);
}

TEST(RedisRateLimiterTest, LeaseGrantsWhatFitsOfABatchAndCountsItAtOnce) {
  auto redis = testing::ScratchRedis::Create();
  ASSERT_TRUE(redis.ok()) << redis.status();
  common::RedisPool pool({.url = (*redis)->url()});
  common::WorkerPool workers(2, 64);
  RedisRateLimiter limiter(pool, workers);
  const RateLimit limit{10, milliseconds(60000)};  // burst 10, then one every 6 s
  auto first = limiter.LeaseNow("rl:lease", limit, 4);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->granted, 4);
  EXPECT_EQ(first->remaining, 6);
  auto second = limiter.LeaseNow("rl:lease", limit, 8);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->granted, 6);  // only the rest of the burst
  EXPECT_EQ(second->remaining, 0);
  auto refused = limiter.LeaseNow("rl:lease", limit, 8);
  ASSERT_TRUE(refused.ok());
  EXPECT_FALSE(refused->allowed);
  EXPECT_EQ(refused->granted, 0);
  EXPECT_GT(refused->retry_after, milliseconds(5000));
  // A single check after a lease sees what the lease took.
  EXPECT_FALSE(limiter.CheckNow("rl:lease", limit)->allowed);
}

TEST(RedisRateLimiterTest, ReloadsTheScriptAfterARestartAndFailsWhileDown) {
  auto redis = testing::ScratchRedis::Create();
  ASSERT_TRUE(redis.ok()) << redis.status();
  common::RedisPool pool({.url = (*redis)->url(), .retry_after = milliseconds(50)});
  common::WorkerPool workers(1, 16);
  RedisRateLimiter limiter(pool, workers);
  const RateLimit limit{100, milliseconds(1000)};
  ASSERT_TRUE(limiter.CheckNow("rl:x", limit).ok());
  ASSERT_TRUE((*redis)->Stop().ok());
  EXPECT_FALSE(limiter.CheckNow("rl:x", limit).ok());
  ASSERT_TRUE((*redis)->Start().ok());  // empty: the script is gone (NOSCRIPT)
  absl::StatusOr<RateDecision> d = absl::UnknownError("");
  for (int i = 0; i < 50 && !d.ok(); ++i) {
    d = limiter.CheckNow("rl:x", limit);
    if (!d.ok()) std::this_thread::sleep_for(milliseconds(20));
  }
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_TRUE(d->allowed);
}

}  // namespace
}  // namespace comptoir::gateway
