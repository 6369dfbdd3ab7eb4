// An in-process cache of public API answers (GET without an Authorization header,
// anonymous or with a partner key: the key is still checked and counted before the cache is
// read; the body is shared), for the read path partner sites hammer. Short TTL, bounded
// memory with least-recently-used eviction, keyed on the request target (path and query)
// and the headers the answers vary on (none today but Accept-Encoding, handled by storing
// the gzipped body beside the plain one). Thread-safe: one mutex, held for map operations.
//
//   MicroCache cache({.ttl = std::chrono::seconds(2)});
//   if (auto hit = cache.Get(key)) { ... serve hit->body ... }
//   cache.Put(key, MakeCachedBody(json));
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace comptoir::gateway {

struct CachedBody {
  std::string body;
  std::string gzipped;  // empty when not worth it (small bodies)
  std::string etag;     // strong, of `body`
};

// The body with its ETag and, above kGzipMinBytes and when `gzip`, its gzip form.
CachedBody MakeCachedBody(std::string body, bool gzip = true);

inline constexpr size_t kGzipMinBytes = 1024;
// gzip (RFC 1952) of `in`; empty on failure.
std::string Gzip(std::string_view in);
// Whether an Accept-Encoding value accepts gzip (q=0 refuses it).
bool AcceptsGzip(std::string_view accept_encoding);

class MicroCache {
 public:
  struct Options {
    std::chrono::milliseconds ttl{2000};
    size_t max_bytes = 64 << 20;       // of all bodies together
    size_t max_entry_bytes = 1 << 20;  // larger answers are not cached
    std::function<std::chrono::steady_clock::time_point()> now = [] {
      return std::chrono::steady_clock::now();
    };
  };

  explicit MicroCache(Options options);

  // The live entry for `key`, or nullptr (absent or expired).
  std::shared_ptr<const CachedBody> Get(const std::string& key);
  void Put(const std::string& key, CachedBody value);

  size_t bytes() const;
  size_t size() const;

  // "GET /v1/shops?commune=21231": method and raw target (the query order matters; callers
  // that reorder get another entry, which is only a miss).
  static std::string Key(std::string_view method, std::string_view target);

 private:
  struct Entry {
    std::string key;
    std::shared_ptr<const CachedBody> value;
    std::chrono::steady_clock::time_point expires;
    size_t bytes;
  };
  void EraseLocked(std::list<Entry>::iterator it);

  const Options options_;
  mutable std::mutex mu_;
  std::list<Entry> lru_;  // most recent first; guarded by mu_
  std::unordered_map<std::string, std::list<Entry>::iterator> index_;  // guarded by mu_
  size_t bytes_ = 0;                                                   // guarded by mu_
};

}  // namespace comptoir::gateway
