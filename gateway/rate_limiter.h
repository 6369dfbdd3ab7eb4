// Per-caller rate limits with GCRA (the generic cell rate algorithm): one stored number per
// caller, the theoretical arrival time, checked and advanced atomically by one Lua script in
// Redis so every gateway replica shares the budget. The script grants up to `count` requests
// at once (a lease, see leased_rate_limiter.h); `GcraLease` is the same arithmetic in C++,
// for tests and as the specification of the script.
//
// Redis calls must not block the HTTP I/O threads, and hiredis 0.14 ships no Asio adapter:
// RedisRateLimiter runs them on a small dedicated WorkerPool (the pool's connections fail
// fast while Redis is down) and hands the result back through the callback, which the
// Gateway posts to its executor. A blocking call on two threads with pipelining-free
// EVALSHA costs ~50 us of Redis time, far below what the pool can do; writing an Asio
// adapter for hiredis' async API would save a thread hop for much more code to trust.
// Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>

#include "absl/status/statusor.h"
#include "comptoir/common/redis_pool.h"
#include "comptoir/common/worker_pool.h"

namespace comptoir::gateway {

// `limit` requests per `period`, all of which may come at once (burst = limit).
struct RateLimit {
  int64_t limit = 60;
  std::chrono::milliseconds period{60000};
};

struct RateDecision {
  bool allowed = true;
  int64_t limit = 0;
  int64_t remaining = 0;                     // requests still allowed right now
  std::chrono::milliseconds retry_after{0};  // when refused: wait this long
  std::chrono::milliseconds reset{0};        // until the budget is full again
  int64_t tat_ms = 0;                        // the caller's new theoretical arrival time
  int64_t granted = 0;                       // requests granted (a lease may grant several)
};

// GCRA for up to `count` requests at once: grants as many as fit now (at least one, or the
// caller is refused), as if they had all arrived at `now_ms`. `stored_tat_ms` is the
// caller's stored time (0 when none). When allowed, store the returned tat_ms (it expires
// after `reset`); `remaining` counts what is left after the grant.
RateDecision GcraLease(int64_t now_ms, int64_t stored_tat_ms, const RateLimit& limit,
                       int64_t count);
// One request: GcraLease with count 1.
RateDecision Gcra(int64_t now_ms, int64_t stored_tat_ms, const RateLimit& limit);

class RateLimiter {
 public:
  using Done = std::function<void(absl::StatusOr<RateDecision>)>;
  virtual ~RateLimiter() = default;
  // Counts one request of `key` against `limit`. `done` runs once, on any thread; an error
  // (Redis down, overloaded) leaves the fail-open or fail-closed choice to the caller.
  virtual void Check(std::string key, RateLimit limit, Done done) = 0;
};

// A shared store of budgets that grants several requests of a caller at once.
class RateLeaser {
 public:
  virtual ~RateLeaser() = default;
  // Grants up to `count` requests of `key` (RateDecision::granted); `done` runs once, on
  // any thread.
  virtual void Lease(std::string key, RateLimit limit, int64_t count, RateLimiter::Done done) = 0;
};

class RedisRateLimiter : public RateLimiter, public RateLeaser {
 public:
  // `redis` and `workers` must outlive the limiter and every Check in flight.
  RedisRateLimiter(common::RedisPool& redis, common::WorkerPool& workers);
  void Check(std::string key, RateLimit limit, Done done) override;
  void Lease(std::string key, RateLimit limit, int64_t count, Done done) override;
  // The blocking lease Lease runs on a worker; for tests.
  absl::StatusOr<RateDecision> LeaseNow(const std::string& key, const RateLimit& limit,
                                        int64_t count);
  absl::StatusOr<RateDecision> CheckNow(const std::string& key, const RateLimit& limit) {
    return LeaseNow(key, limit, 1);
  }

  static const char* Script();

 private:
  common::RedisPool& redis_;
  common::WorkerPool& workers_;
  std::mutex mu_;
  std::string sha_;  // of the loaded script, guarded by mu_
};

}  // namespace comptoir::gateway
