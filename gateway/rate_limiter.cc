#include "rate_limiter.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/status/status.h"
#include "text.h"

namespace comptoir::gateway {
namespace {

// KEYS[1] caller key; ARGV[1] period (ms), ARGV[2] limit, ARGV[3] requests wanted. Returns
// {granted, remaining, retry_after_ms, reset_ms}. Redis' own clock, so replicas with skewed
// clocks agree. The 1e-9 keeps a budget that is exactly due from being floored away.
constexpr char kGcraScript[] = R"lua(
local period = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local want = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval = period / limit
local stored = redis.call('GET', KEYS[1])
local tat = now
if stored then tat = math.max(tonumber(stored), now) end
local available = math.floor((now + period - tat) / interval + 1e-9)
local grant = math.min(want, available)
if grant < 1 then
  return {0, 0, math.ceil(tat + interval - period - now), math.ceil(tat - now)}
end
local new_tat = tat + grant * interval
redis.call('SET', KEYS[1], string.format('%.3f', new_tat), 'PX', math.ceil(new_tat - now))
return {grant, available - grant, 0, math.ceil(new_tat - now)}
)lua";

}  // namespace

RateDecision GcraLease(int64_t now_ms, int64_t stored_tat_ms, const RateLimit& limit,
                       int64_t count) {
  const double period = static_cast<double>(limit.period.count());
  const double interval = period / static_cast<double>(std::max<int64_t>(limit.limit, 1));
  const double tat = static_cast<double>(std::max(stored_tat_ms, now_ms));
  const double now = static_cast<double>(now_ms);
  const auto available = static_cast<int64_t>(std::floor((now + period - tat) / interval + 1e-9));
  const int64_t grant = std::min(std::max<int64_t>(count, 1), available);
  RateDecision d;
  d.limit = limit.limit;
  if (grant < 1) {
    d.allowed = false;
    d.retry_after =
        std::chrono::milliseconds(static_cast<int64_t>(std::ceil(tat + interval - period - now)));
    d.reset = std::chrono::milliseconds(static_cast<int64_t>(std::ceil(tat - now)));
    d.tat_ms = static_cast<int64_t>(tat);
    return d;
  }
  const double new_tat = tat + static_cast<double>(grant) * interval;
  d.granted = grant;
  d.remaining = available - grant;
  d.reset = std::chrono::milliseconds(static_cast<int64_t>(std::ceil(new_tat - now)));
  d.tat_ms = static_cast<int64_t>(std::ceil(new_tat));
  return d;
}

RateDecision Gcra(int64_t now_ms, int64_t stored_tat_ms, const RateLimit& limit) {
  return GcraLease(now_ms, stored_tat_ms, limit, 1);
}

RedisRateLimiter::RedisRateLimiter(common::RedisPool& redis, common::WorkerPool& workers)
    : redis_(redis), workers_(workers) {}

const char* RedisRateLimiter::Script() { return kGcraScript; }

void RedisRateLimiter::Check(std::string key, RateLimit limit, Done done) {
  Lease(std::move(key), limit, 1, std::move(done));
}

void RedisRateLimiter::Lease(std::string key, RateLimit limit, int64_t count, Done done) {
  auto shared_done = std::make_shared<Done>(std::move(done));
  bool queued = workers_.TrySubmit([this, key = std::move(key), limit, count, shared_done] {
    (*shared_done)(LeaseNow(key, limit, count));
  });
  if (!queued) (*shared_done)(absl::ResourceExhaustedError("rate limiter overloaded"));
}

absl::StatusOr<RateDecision> RedisRateLimiter::LeaseNow(const std::string& key,
                                                        const RateLimit& limit, int64_t count) {
  std::string sha;
  {
    std::lock_guard<std::mutex> lock(mu_);
    sha = sha_;
  }
  const std::string period = std::to_string(limit.period.count());
  const std::string per_period = std::to_string(std::max<int64_t>(limit.limit, 1));
  const std::string wanted = std::to_string(std::max<int64_t>(count, 1));
  absl::StatusOr<common::RedisReply> reply = absl::UnknownError("not run");
  if (!sha.empty()) {
    reply = redis_.Command({"EVALSHA", sha, "1", key, period, per_period, wanted});
  }
  // First use, or Redis restarted and forgot the script (NOSCRIPT): load it again.
  if (sha.empty() || (!reply.ok() && text::Std(reply.status().message()).find("NOSCRIPT") !=
                                         std::string_view::npos)) {
    auto loaded = redis_.Command({"SCRIPT", "LOAD", kGcraScript});
    if (!loaded.ok()) return loaded.status();
    {
      std::lock_guard<std::mutex> lock(mu_);
      sha_ = loaded->str;
    }
    reply = redis_.Command({"EVALSHA", loaded->str, "1", key, period, per_period, wanted});
  }
  if (!reply.ok()) return reply.status();
  if (reply->type != common::RedisReply::Type::kArray || reply->elements.size() != 4) {
    return absl::InternalError("unexpected rate-limit script reply");
  }
  RateDecision d;
  d.granted = reply->elements[0].integer;
  d.allowed = d.granted > 0;
  d.limit = limit.limit;
  d.remaining = reply->elements[1].integer;
  d.retry_after = std::chrono::milliseconds(reply->elements[2].integer);
  d.reset = std::chrono::milliseconds(reply->elements[3].integer);
  return d;
}

}  // namespace comptoir::gateway
