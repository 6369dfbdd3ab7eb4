#include "leased_rate_limiter.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <utility>

namespace comptoir::gateway {
namespace {

std::chrono::milliseconds Until(std::chrono::steady_clock::time_point when,
                                std::chrono::steady_clock::time_point now) {
  return std::max(std::chrono::milliseconds(0),
                  std::chrono::ceil<std::chrono::milliseconds>(when - now));
}

}  // namespace

LeasedRateLimiter::LeasedRateLimiter(RateLeaser& store, Options options)
    : store_(store), options_(std::move(options)) {}

int64_t LeasedRateLimiter::BatchFor(const RateLimit& limit) const {
  const auto share =
      static_cast<int64_t>(std::floor(static_cast<double>(limit.limit) * options_.max_error));
  return std::clamp<int64_t>(share, 1, std::max<int64_t>(options_.max_batch, 1));
}

size_t LeasedRateLimiter::callers() const {
  absl::MutexLock lock(&mu_);
  return budgets_.size();
}

bool LeasedRateLimiter::TryLocal(const std::string& key, const RateLimit& limit,
                                 RateDecision* decision) {
  const auto now = options_.now();
  absl::MutexLock lock(&mu_);
  auto it = budgets_.find(key);
  if (it == budgets_.end()) return false;
  Budget& b = it->second;
  decision->limit = limit.limit;
  if (b.refused_until > now) {
    decision->allowed = false;
    decision->retry_after = Until(b.refused_until, now);
    decision->reset = Until(b.reset_at, now);
    return true;
  }
  if (b.tokens <= 0 || b.expires <= now) return false;
  --b.tokens;
  decision->allowed = true;
  decision->granted = 1;
  decision->remaining = b.shared_remaining + b.tokens;
  decision->reset = Until(b.reset_at, now);
  return true;
}

void LeasedRateLimiter::Check(std::string key, RateLimit limit, Done done) {
  RateDecision local;
  if (TryLocal(key, limit, &local)) return done(local);
  // Concurrent first requests of one caller may each lease: grants are only ever added to
  // the budget, never lost beyond the lease's life, so that costs accuracy only as leases
  // expire unspent.
  auto shared_done = std::make_shared<Done>(std::move(done));
  std::string store_key = key;
  store_.Lease(
      std::move(store_key), limit, BatchFor(limit),
      [this, key = std::move(key), limit, shared_done](const absl::StatusOr<RateDecision>& lease) {
        OnLease(key, limit, lease, *shared_done);
      });
}

void LeasedRateLimiter::OnLease(const std::string& key, const RateLimit& limit,
                                const absl::StatusOr<RateDecision>& lease, const Done& done) {
  if (!lease.ok()) return done(lease.status());
  const auto now = options_.now();
  RateDecision decision = *lease;
  decision.limit = limit.limit;
  {
    absl::MutexLock lock(&mu_);
    if (budgets_.size() >= options_.max_callers && budgets_.find(key) == budgets_.end()) {
      SweepLocked(now);
    }
    Budget& b = budgets_[key];
    b.reset_at = now + lease->reset;
    b.shared_remaining = lease->remaining;
    if (!lease->allowed) {
      b.refused_until = now + lease->retry_after;
      b.tokens = 0;
    } else {
      if (b.expires <= now) b.tokens = 0;  // an expired grant is not spent any more
      b.tokens += lease->granted - 1;      // one is this request's
      b.expires = now + options_.lease_ttl;
      b.refused_until = {};
      decision.granted = 1;
      decision.remaining = b.shared_remaining + b.tokens;
    }
  }
  done(decision);
}

void LeasedRateLimiter::SweepLocked(std::chrono::steady_clock::time_point now) {
  for (auto it = budgets_.begin(); it != budgets_.end();) {
    const Budget& b = it->second;
    const bool live = (b.tokens > 0 && b.expires > now) || b.refused_until > now;
    it = live ? std::next(it) : budgets_.erase(it);
  }
  // Still full of live budgets (a flood of distinct callers): start over rather than grow;
  // this only drops unspent grants, never lets a caller past its limit.
  if (budgets_.size() >= options_.max_callers) budgets_.clear();
}

}  // namespace comptoir::gateway
