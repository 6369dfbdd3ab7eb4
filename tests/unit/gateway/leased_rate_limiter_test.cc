// Budgets leased in batches from the shared GCRA store and spent locally: the store is asked
// once per batch, a caller never gets more than its limit however many replicas lease, and
// within a few percent of it over a sustained run; refusals are remembered.
#include "leased_rate_limiter.h"

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>

namespace comptoir::gateway {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

// The Redis script's arithmetic (GcraLease) over an in-memory map, on a manual clock,
// answering at once.
class FakeStore : public RateLeaser {
 public:
  explicit FakeStore(const Clock::time_point* now) : now_(now) {}
  void Lease(std::string key, RateLimit limit, int64_t count, RateLimiter::Done done) override {
    ++leases;
    if (down) return done(absl::UnavailableError("redis down"));
    const int64_t now_ms =
        std::chrono::duration_cast<milliseconds>(now_->time_since_epoch()).count();
    RateDecision d = GcraLease(now_ms, tat_[key], limit, count);
    if (d.allowed) tat_[key] = d.tat_ms;
    done(d);
  }
  int leases = 0;
  bool down = false;

 private:
  const Clock::time_point* now_;
  std::map<std::string, int64_t> tat_;
};

class LeasedRateLimiterTest : public ::testing::Test {
 protected:
  LeasedRateLimiter::Options Options() {
    LeasedRateLimiter::Options o;
    o.now = [this] { return now_; };
    return o;
  }
  // Runs one Check that answers synchronously with the fake store.
  static RateDecision CheckOnce(LeasedRateLimiter& limiter, const std::string& key,
                                const RateLimit& limit) {
    std::optional<absl::StatusOr<RateDecision>> result;
    limiter.Check(key, limit, [&](absl::StatusOr<RateDecision> d) { result = std::move(d); });
    EXPECT_TRUE(result.has_value() && result->ok());
    return result && result->ok() ? **result : RateDecision{};
  }
  Clock::time_point now_ = Clock::time_point(std::chrono::hours(1));
  FakeStore store_{&now_};
};

TEST(GcraLeaseTest, GrantsWhatFitsOfABatchAndCountsThemAllAtOnce) {
  const RateLimit limit{10, milliseconds(1000)};  // one every 100 ms, burst 10
  RateDecision first = GcraLease(1000, 0, limit, 4);
  EXPECT_EQ(first.granted, 4);
  EXPECT_EQ(first.remaining, 6);
  RateDecision second = GcraLease(1000, first.tat_ms, limit, 8);
  EXPECT_EQ(second.granted, 6);  // only the rest of the burst
  EXPECT_EQ(second.remaining, 0);
  RateDecision refused = GcraLease(1000, second.tat_ms, limit, 8);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after, milliseconds(100));
  // A batch of one is the plain GCRA.
  RateDecision one = GcraLease(1100, second.tat_ms, limit, 1);
  RateDecision plain = Gcra(1100, second.tat_ms, limit);
  EXPECT_EQ(one.allowed, plain.allowed);
  EXPECT_EQ(one.tat_ms, plain.tat_ms);
  EXPECT_EQ(one.remaining, plain.remaining);
}

TEST_F(LeasedRateLimiterTest, BatchIsTwoPercentOfTheLimitBetweenOneAndTheCap) {
  LeasedRateLimiter limiter(store_, Options());
  EXPECT_EQ(limiter.BatchFor({10, milliseconds(60000)}), 1);
  EXPECT_EQ(limiter.BatchFor({120, milliseconds(60000)}), 2);
  EXPECT_EQ(limiter.BatchFor({6000, milliseconds(60000)}), 120);
  EXPECT_EQ(limiter.BatchFor({100000000, milliseconds(60000)}), 1000);
}

TEST_F(LeasedRateLimiterTest, AsksTheStoreOncePerBatch) {
  LeasedRateLimiter limiter(store_, Options());
  const RateLimit limit{6000, milliseconds(60000)};  // batch 120
  for (int i = 0; i < 240; ++i) {
    RateDecision d = CheckOnce(limiter, "rl:read:address:a", limit);
    ASSERT_TRUE(d.allowed) << i;
    EXPECT_EQ(d.remaining, 6000 - 1 - i) << i;  // the store's count plus the local grant
  }
  EXPECT_EQ(store_.leases, 2);
}

TEST_F(LeasedRateLimiterTest, SustainedLoadGetsTheLimitWithinTwoPercentAcrossReplicas) {
  // Two replicas sharing one store, a caller hammering both every 5 ms for 20 s.
  LeasedRateLimiter a(store_, Options());
  LeasedRateLimiter b(store_, Options());
  const RateLimit limit{120, milliseconds(60000)};
  int allowed = 0;
  for (int step = 0; step < 4000; ++step) {
    now_ += milliseconds(5);
    if (CheckOnce(step % 2 ? a : b, "rl:read:key:k", limit).allowed) ++allowed;
  }
  const double expected = 120 + 120 * 20.0 / 60.0;  // the burst, then the rate
  EXPECT_LE(allowed, expected);
  EXPECT_GE(allowed, expected * 0.95);
}

TEST_F(LeasedRateLimiterTest, UnspentGrantsExpireAndRefusalsAreRemembered) {
  LeasedRateLimiter limiter(store_, Options());
  const RateLimit limit{100, milliseconds(1000)};  // batch 2, one every 10 ms
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(CheckOnce(limiter, "k", limit).allowed) << i;
  const int leases = store_.leases;
  RateDecision refused = CheckOnce(limiter, "k", limit);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after, milliseconds(10));
  // Refused again locally, without asking the store, until the store's retry time.
  EXPECT_FALSE(CheckOnce(limiter, "k", limit).allowed);
  EXPECT_EQ(store_.leases, leases + 1);
  now_ += milliseconds(10);
  EXPECT_TRUE(CheckOnce(limiter, "k", limit).allowed);
  // A grant left unspent past the lease's life is not spent any more.
  now_ += milliseconds(5000);
  ASSERT_TRUE(CheckOnce(limiter, "k", limit).allowed);  // leases 2, spends 1
  now_ += milliseconds(1500);
  const int before = store_.leases;
  ASSERT_TRUE(CheckOnce(limiter, "k", limit).allowed);
  EXPECT_EQ(store_.leases, before + 1);
}

TEST_F(LeasedRateLimiterTest, StoreErrorsReachTheCallerAndCallersAreBounded) {
  auto options = Options();
  options.max_callers = 8;
  LeasedRateLimiter limiter(store_, options);
  const RateLimit limit{100, milliseconds(1000)};
  for (int i = 0; i < 50; ++i) CheckOnce(limiter, "caller-" + std::to_string(i), limit);
  EXPECT_LE(limiter.callers(), 8u);
  store_.down = true;
  std::optional<absl::StatusOr<RateDecision>> result;
  limiter.Check("new", limit, [&](absl::StatusOr<RateDecision> d) { result = std::move(d); });
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->status().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace comptoir::gateway
