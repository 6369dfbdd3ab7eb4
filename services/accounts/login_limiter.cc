#include "login_limiter.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "comptoir/common/crypto.h"
#include "comptoir/common/log.h"

namespace comptoir::accounts {

absl::StatusOr<std::optional<absl::Duration>> RedisLoginLimiter::Hit(const std::string& key) {
  const int64_t limit =
      absl::StartsWith(key, "address:") ? limits_.per_address : limits_.per_account;
  const int64_t window_seconds = std::max<int64_t>(1, absl::ToInt64Seconds(limits_.window));
  const std::string redis_key = absl::StrCat("acc:login:", common::Sha256Hex(key));
  absl::StatusOr<std::vector<common::RedisReply>> replies = redis_.Pipeline({
      {"INCR", redis_key},
      {"EXPIRE", redis_key, std::to_string(window_seconds), "NX"},
      {"TTL", redis_key},
  });
  if (!replies.ok()) {
    LOG_WARN("login limiter unavailable; failing open",
             {{"error", std::string(replies.status().message())}});
    return std::optional<absl::Duration>();
  }
  const int64_t count = (*replies)[0].integer;
  if (count <= limit) return std::optional<absl::Duration>();
  const int64_t ttl = std::max<int64_t>(1, (*replies)[2].integer);
  return std::optional<absl::Duration>(absl::Seconds(ttl));
}

}  // namespace comptoir::accounts
