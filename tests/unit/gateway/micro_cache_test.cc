// The micro-cache: keys, expiry, memory bound with LRU eviction; gzip and its negotiation.
#include "micro_cache.h"

#include <gtest/gtest.h>
#include <zlib.h>

namespace comptoir::gateway {
namespace {

using std::chrono::milliseconds;

std::string Gunzip(const std::string& in) {
  z_stream zs{};
  EXPECT_EQ(inflateInit2(&zs, 15 + 16), Z_OK);
  std::string out(1 << 20, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(inflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(zs.total_out);
  inflateEnd(&zs);
  return out;
}

class MicroCacheTest : public ::testing::Test {
 protected:
  MicroCache::Options Options(size_t max_bytes = 1 << 20) {
    MicroCache::Options o;
    o.ttl = milliseconds(1000);
    o.max_bytes = max_bytes;
    o.max_entry_bytes = 4096;
    o.now = [this] { return now_; };
    return o;
  }
  std::chrono::steady_clock::time_point now_{std::chrono::seconds(100)};
};

TEST_F(MicroCacheTest, KeysTakeMethodPathAndQuery) {
  EXPECT_EQ(MicroCache::Key("GET", "/v1/shops?commune=21231"), "GET /v1/shops?commune=21231");
  EXPECT_NE(MicroCache::Key("GET", "/v1/shops?commune=21231"),
            MicroCache::Key("GET", "/v1/shops?commune=25056"));
}

TEST_F(MicroCacheTest, EntriesExpireAfterTheTtl) {
  MicroCache cache(Options());
  cache.Put("k", MakeCachedBody("{}"));
  now_ += milliseconds(999);
  ASSERT_NE(cache.Get("k"), nullptr);
  EXPECT_EQ(cache.Get("k")->body, "{}");
  now_ += milliseconds(1);
  EXPECT_EQ(cache.Get("k"), nullptr);
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_EQ(cache.bytes(), 0u);
}

TEST_F(MicroCacheTest, MemoryIsBoundedByEvictingTheLeastRecentlyUsed) {
  // An entry costs its key, body and ETag: 1 + 100 + 18 bytes.
  MicroCache cache(Options(/*max_bytes=*/3 * 119));
  const std::string body(100, 'x');
  cache.Put("a", MakeCachedBody(body));
  cache.Put("b", MakeCachedBody(body));
  cache.Put("c", MakeCachedBody(body));
  ASSERT_NE(cache.Get("a"), nullptr);  // a is now the most recent
  cache.Put("d", MakeCachedBody(body));
  EXPECT_NE(cache.Get("a"), nullptr);
  EXPECT_EQ(cache.Get("b"), nullptr);  // evicted
  EXPECT_NE(cache.Get("d"), nullptr);
  EXPECT_LE(cache.bytes(), 3u * 119);
  cache.Put("huge", MakeCachedBody(std::string(5000, 'y')));  // over max_entry_bytes
  EXPECT_EQ(cache.Get("huge"), nullptr);
}

TEST(GzipTest, LargeBodiesAreGzippedAndRoundTrip) {
  std::string json = "[";
  for (int i = 0; i < 100; ++i) json += R"({"name":"Fromagerie Gaugry","commune":"21231"},)";
  json += "{}]";
  CachedBody body = MakeCachedBody(json);
  ASSERT_FALSE(body.gzipped.empty());
  EXPECT_LT(body.gzipped.size(), json.size() / 5);
  EXPECT_EQ(Gunzip(body.gzipped), json);
  EXPECT_TRUE(MakeCachedBody("{}").gzipped.empty());  // not worth it under 1 KiB
}

TEST(GzipTest, NegotiatesFromAcceptEncoding) {
  EXPECT_TRUE(AcceptsGzip("gzip, deflate, br"));
  EXPECT_TRUE(AcceptsGzip("br;q=1.0, GZIP;q=0.5"));
  EXPECT_TRUE(AcceptsGzip("*"));
  EXPECT_FALSE(AcceptsGzip("gzip;q=0"));
  EXPECT_FALSE(AcceptsGzip("br"));
  EXPECT_FALSE(AcceptsGzip(""));
}

}  // namespace
}  // namespace comptoir::gateway
