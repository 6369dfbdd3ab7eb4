// The response cache gateway replicas share through Redis: what one replica stores another
// reads back whole (body, gzip form, ETag) until the TTL, and a malformed or missing value
// is a miss, never an error.
#include "shared_response_cache.h"

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <thread>
#include <vector>

#include "comptoir/common/redis_pool.h"
#include "comptoir/common/worker_pool.h"
#include "scratch_redis.h"

namespace comptoir::gateway {
namespace {

using std::chrono::milliseconds;

std::shared_ptr<const CachedBody> GetNow(SharedResponseCache& cache, const std::string& key) {
  std::promise<std::shared_ptr<const CachedBody>> promise;
  cache.Get(key, [&](std::shared_ptr<const CachedBody> body) { promise.set_value(body); });
  return promise.get_future().get();
}

TEST(SharedResponseCacheTest, SerializedEntriesRoundTripAndGarbageIsRefused) {
  CachedBody body = MakeCachedBody(std::string(3000, 'x') + "\n\"end\"");
  ASSERT_FALSE(body.gzipped.empty());
  auto parsed = ParseCachedBody(SerializeCachedBody(body));
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->body, body.body);
  EXPECT_EQ(parsed->gzipped, body.gzipped);
  EXPECT_EQ(parsed->etag, body.etag);
  EXPECT_FALSE(ParseCachedBody("").has_value());
  EXPECT_FALSE(ParseCachedBody("cb1 1 2 3\nabc").has_value());
  EXPECT_FALSE(ParseCachedBody("cb1 x 2 3\nabcdef").has_value());
}

TEST(SharedResponseCacheTest, AnotherReplicaReadsWhatOneStoredUntilTheTtl) {
  auto redis = testing::ScratchRedis::Create();
  ASSERT_TRUE(redis.ok()) << redis.status();
  common::RedisPool pool({.url = (*redis)->url()});
  common::WorkerPool workers(2, 64);
  RedisResponseCache writer(pool, workers, {.ttl = milliseconds(400)});
  RedisResponseCache reader(pool, workers, {.ttl = milliseconds(400)});
  const std::string key = "GET /v1/shops/s1/products?page_size=20";
  EXPECT_EQ(GetNow(reader, key), nullptr);

  auto stored = std::make_shared<const CachedBody>(MakeCachedBody(R"({"products":[]})"));
  writer.Put(key, stored);
  std::shared_ptr<const CachedBody> read;
  for (int i = 0; i < 100 && read == nullptr; ++i) {  // Put runs in the background
    read = GetNow(reader, key);
    if (read == nullptr) std::this_thread::sleep_for(milliseconds(5));
  }
  ASSERT_NE(read, nullptr);
  EXPECT_EQ(read->body, stored->body);
  EXPECT_EQ(read->etag, stored->etag);

  std::this_thread::sleep_for(milliseconds(500));
  EXPECT_EQ(GetNow(reader, key), nullptr);

  ASSERT_TRUE(pool.Command({"SET", "gw:rc:" + key, "not an entry"}).ok());
  EXPECT_EQ(GetNow(reader, key), nullptr);
}

TEST(SharedResponseCacheTest, ConcurrentLookUpsOfOneKeyShareOneGet) {
  auto redis = testing::ScratchRedis::Create();
  ASSERT_TRUE(redis.ok()) << redis.status();
  common::RedisPool pool({.url = (*redis)->url()});
  const std::string key = "GET /v1/shops/s1/products?page_size=20";
  const CachedBody stored = MakeCachedBody(R"({"products":[{"id":"p1"}]})");
  ASSERT_TRUE(pool.Command({"SET", "gw:rc:" + key, SerializeCachedBody(stored)}).ok());

  // One worker, held busy: the look-ups all queue behind it, so they overlap for sure.
  common::WorkerPool workers(1, 64);
  RedisResponseCache cache(pool, workers, {});
  std::promise<void> release;
  ASSERT_TRUE(workers.TrySubmit([gate = release.get_future().share()] { gate.wait(); }));
  constexpr int kRequests = 50;
  std::vector<std::promise<std::shared_ptr<const CachedBody>>> answers(kRequests);
  for (auto& answer : answers) {
    cache.Get(key, [&answer](std::shared_ptr<const CachedBody> body) { answer.set_value(body); });
  }
  cache.Get("GET /v1/other", [](std::shared_ptr<const CachedBody>) {});  // another key: its own
  release.set_value();
  for (auto& answer : answers) {
    std::shared_ptr<const CachedBody> body = answer.get_future().get();
    ASSERT_NE(body, nullptr);
    EXPECT_EQ(body->body, stored.body);
    EXPECT_EQ(body->etag, stored.etag);
  }
  EXPECT_EQ(cache.lookups(), 2u);  // one GET for the 50 requests of the key, one for the other

  // Once answered, the next request asks Redis again (no answer is kept here).
  EXPECT_NE(GetNow(cache, key), nullptr);
  EXPECT_EQ(cache.lookups(), 3u);
}

}  // namespace
}  // namespace comptoir::gateway
