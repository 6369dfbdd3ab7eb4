#include "rate_limiter.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/status/status.h"
#include "text.h"

namespace comptoir::gateway {
namespace {

// KEYS[1] caller key; ARGV[1] period (ms), ARGV[2] limit. Returns {allowed, remaining,
// retry_after_ms, reset_ms}. Redis' own clock, so replicas with skewed clocks agree.
constexpr char kGcraScript[] = R"lua(
local period = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval = period / limit
local stored = redis.call('GET', KEYS[1])
local tat = now
if stored then tat = math.max(tonumber(stored), now) end
local new_tat = tat + interval
local allow_at = new_tat - period
if now < allow_at then
  return {0, 0, math.ceil(allow_at - now), math.ceil(tat - now)}
end
redis.call('SET', KEYS[1], string.format('%.3f', new_tat), 'PX', math.ceil(new_tat - now))
return {1, math.floor((now - allow_at) / interval), 0, math.ceil(new_tat - now)}
)lua";

}  // namespace

RateDecision Gcra(int64_t now_ms, int64_t stored_tat_ms, const RateLimit& limit) {
  const double period = static_cast<double>(limit.period.count());
  const double interval = period / static_cast<double>(std::max<int64_t>(limit.limit, 1));
  const double tat = static_cast<double>(std::max(stored_tat_ms, now_ms));
  const double new_tat = tat + interval;
  const double allow_at = new_tat - period;
  const double now = static_cast<double>(now_ms);
  RateDecision d;
  d.limit = limit.limit;
  if (now < allow_at) {
    d.allowed = false;
    d.retry_after = std::chrono::milliseconds(static_cast<int64_t>(std::ceil(allow_at - now)));
    d.reset = std::chrono::milliseconds(static_cast<int64_t>(std::ceil(tat - now)));
    d.tat_ms = static_cast<int64_t>(tat);
    return d;
  }
  d.remaining = static_cast<int64_t>(std::floor((now - allow_at) / interval));
  d.reset = std::chrono::milliseconds(static_cast<int64_t>(std::ceil(new_tat - now)));
  d.tat_ms = static_cast<int64_t>(std::ceil(new_tat));
  return d;
}

RedisRateLimiter::RedisRateLimiter(common::RedisPool& redis, common::WorkerPool& workers)
    : redis_(redis), workers_(workers) {}

const char* RedisRateLimiter::Script() { return kGcraScript; }

void RedisRateLimiter::Check(std::string key, RateLimit limit, Done done) {
  auto shared_done = std::make_shared<Done>(std::move(done));
  bool queued = workers_.TrySubmit(
      [this, key = std::move(key), limit, shared_done] { (*shared_done)(CheckNow(key, limit)); });
  if (!queued) (*shared_done)(absl::ResourceExhaustedError("rate limiter overloaded"));
}

absl::StatusOr<RateDecision> RedisRateLimiter::CheckNow(const std::string& key,
                                                        const RateLimit& limit) {
  std::string sha;
  {
    std::lock_guard<std::mutex> lock(mu_);
    sha = sha_;
  }
  const std::string period = std::to_string(limit.period.count());
  const std::string count = std::to_string(std::max<int64_t>(limit.limit, 1));
  absl::StatusOr<common::RedisReply> reply = absl::UnknownError("not run");
  if (!sha.empty()) {
    reply = redis_.Command({"EVALSHA", sha, "1", key, period, count});
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
    reply = redis_.Command({"EVALSHA", loaded->str, "1", key, period, count});
  }
  if (!reply.ok()) return reply.status();
  if (reply->type != common::RedisReply::Type::kArray || reply->elements.size() != 4) {
    return absl::InternalError("unexpected rate-limit script reply");
  }
  RateDecision d;
  d.allowed = reply->elements[0].integer == 1;
  d.limit = limit.limit;
  d.remaining = reply->elements[1].integer;
  d.retry_after = std::chrono::milliseconds(reply->elements[2].integer);
  d.reset = std::chrono::milliseconds(reply->elements[3].integer);
  return d;
}

}  // namespace comptoir::gateway
