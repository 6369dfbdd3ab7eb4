// A second-level cache of rendered public answers shared by every gateway replica through
// Redis: on a micro-cache miss the gateway asks it before calling the service, and stores
// what it renders, so N replicas cost the service one call per entry and TTL, not N, and a
// replica without the entry in memory still answers without a gRPC hop and without
// rendering JSON. Same keys as the micro-cache (method and target), the body, its gzip form
// and its ETag serialized in one value with a short TTL. Fails open: a Redis error is a miss.
// Redis calls run on a WorkerPool (hiredis 0.14 has no Asio adapter), never on the HTTP I/O
// threads. Look-ups of one key collapse: while a GET of a key is on its way, other requests
// for it wait for that answer instead of queueing GETs of their own (partner sites ask for
// the same few pages at once). Thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "comptoir/common/redis_pool.h"
#include "comptoir/common/worker_pool.h"
#include "micro_cache.h"

namespace comptoir::gateway {

class SharedResponseCache {
 public:
  // The entry, or null on a miss (or any error): runs once, on any thread.
  using GetDone = std::function<void(std::shared_ptr<const CachedBody>)>;
  virtual ~SharedResponseCache() = default;
  virtual void Get(const std::string& key, GetDone done) = 0;
  // Best effort, in the background.
  virtual void Put(const std::string& key, std::shared_ptr<const CachedBody> body) = 0;
};

// "cb1 <etag bytes> <body bytes> <gzip bytes>\n" then the three, back to back.
std::string SerializeCachedBody(const CachedBody& body);
std::optional<CachedBody> ParseCachedBody(std::string_view bytes);

class RedisResponseCache : public SharedResponseCache {
 public:
  struct Options {
    std::chrono::milliseconds ttl{2000};
    std::string prefix = "gw:rc:";
    size_t max_entry_bytes = 1 << 20;
  };
  // `redis` and `workers` must outlive the cache and every call in flight.
  RedisResponseCache(common::RedisPool& redis, common::WorkerPool& workers, Options options);
  void Get(const std::string& key, GetDone done) override;
  void Put(const std::string& key, std::shared_ptr<const CachedBody> body) override;

  // Redis GETs issued so far (each served every request for its key that came meanwhile).
  uint64_t lookups() const { return lookups_.load(); }

 private:
  // Answers every request waiting for `key`.
  void Complete(const std::string& key, const std::shared_ptr<const CachedBody>& body);

  common::RedisPool& redis_;
  common::WorkerPool& workers_;
  const Options options_;
  std::atomic<uint64_t> lookups_{0};
  absl::Mutex mu_;
  // Keys with a GET on its way, and who waits for it.
  absl::flat_hash_map<std::string, std::vector<GetDone>> waiting_ ABSL_GUARDED_BY(mu_);
};

}  // namespace comptoir::gateway
