// Rate limits without a Redis round trip per request: the budget of a caller is leased from
// the shared GCRA store in batches (one atomic script run grants up to `batch` requests, as
// if they had all arrived then) and spent locally, so a hot caller costs one round trip per
// batch instead of one per request. Replicas stay exact in the safe direction: a request is
// only served with a grant the store counted, so a caller never gets more than its limit;
// what a replica leased and did not spend within `lease_ttl` is lost, so a caller may get up
// to `batch` fewer per replica. The batch is sized from the limit (`max_error` of it, at
// most `max_batch`) to keep that error small: 2 % by default.
// A refusal is remembered until the store said to retry, so a refused flood costs no round
// trips either. Thread-safe: one mutex around the budgets map; `done` runs on the caller's
// thread when the local budget answers, on the leaser's thread otherwise.
//
//   LeasedRateLimiter limiter(redis_limiter, {});
//   limiter.Check("rl:read:address:1.2.3.4", {300, std::chrono::minutes(1)}, done);
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "rate_limiter.h"

namespace comptoir::gateway {

class LeasedRateLimiter : public RateLimiter {
 public:
  struct Options {
    double max_error = 0.02;  // batch = this share of the limit, at least 1
    int64_t max_batch = 1000;
    std::chrono::milliseconds lease_ttl{1000};  // unspent grants are dropped after this
    size_t max_callers = 100000;                // budgets kept; beyond, expired ones go
    std::function<std::chrono::steady_clock::time_point()> now = [] {
      return std::chrono::steady_clock::now();
    };
  };

  // `store` must outlive the limiter and every Check in flight.
  LeasedRateLimiter(RateLeaser& store, Options options);

  void Check(std::string key, RateLimit limit, Done done) override;

  // How many requests one lease asks for under `limit`.
  int64_t BatchFor(const RateLimit& limit) const;
  size_t callers() const;

 private:
  struct Budget {
    int64_t tokens = 0;  // granted by the store, not spent yet
    std::chrono::steady_clock::time_point expires{};
    std::chrono::steady_clock::time_point refused_until{};
    std::chrono::steady_clock::time_point reset_at{};  // when the shared budget is full
    int64_t shared_remaining = 0;                      // the store's count at the last lease
  };
  // Spends a local grant or a remembered refusal; false when the store must be asked.
  bool TryLocal(const std::string& key, const RateLimit& limit, RateDecision* decision);
  void OnLease(const std::string& key, const RateLimit& limit,
               const absl::StatusOr<RateDecision>& lease, const Done& done);
  void SweepLocked(std::chrono::steady_clock::time_point now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  RateLeaser& store_;
  const Options options_;
  mutable absl::Mutex mu_;
  std::unordered_map<std::string, Budget> budgets_ ABSL_GUARDED_BY(mu_);
};

}  // namespace comptoir::gateway
