// Limits login attempts per account and per client address, checked BEFORE any password is
// hashed so a flood costs a Redis round trip, not an Argon2id hash. Fixed windows in Redis
// (INCR + EXPIRE NX): simple, shared by every replica, and good enough for a login form.
// Thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "comptoir/common/redis_pool.h"

namespace comptoir::accounts {

class LoginLimiter {
 public:
  virtual ~LoginLimiter() = default;
  // Counts one attempt under `key` ("account:<email>" or "address:<ip>"); returns the delay to
  // wait when the attempt is over the limit, nullopt when it may proceed.
  virtual absl::StatusOr<std::optional<absl::Duration>> Hit(const std::string& key) = 0;
};

struct LoginLimits {
  int64_t per_account = 10;  // attempts per window for one email
  int64_t per_address = 30;  // attempts per window from one client address
  absl::Duration window = absl::Minutes(5);
};

class RedisLoginLimiter : public LoginLimiter {
 public:
  RedisLoginLimiter(common::RedisPool& redis, LoginLimits limits)
      : redis_(redis), limits_(limits) {}

  // Keys are stored hashed (no email in Redis). Fails open when Redis is down: the hashing
  // bound still protects the cores, and people can still log in.
  absl::StatusOr<std::optional<absl::Duration>> Hit(const std::string& key) override;

 private:
  common::RedisPool& redis_;
  const LoginLimits limits_;
};

}  // namespace comptoir::accounts
