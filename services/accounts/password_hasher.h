// Password hashing with Argon2id (libsodium crypto_pwhash), with a bound on the hashes in
// flight: each one takes ~19 MiB and tens of milliseconds of a core, so a login flood must
// queue (and time out) rather than eat every core. Thread-safe.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "comptoir/common/deadline.h"

namespace comptoir::accounts {

using common::Deadline;

class PasswordHasher {
 public:
  virtual ~PasswordHasher() = default;
  // A self-describing hash string (PHC format: algorithm, parameters, salt, hash).
  virtual absl::StatusOr<std::string> Hash(std::string_view password, Deadline deadline) = 0;
  // Whether `password` matches `hash`; false for an empty or malformed hash.
  virtual absl::StatusOr<bool> Verify(std::string_view hash, std::string_view password,
                                      Deadline deadline) = 0;
};

struct Argon2idOptions {
  unsigned long long opslimit = 2;               // t = 2 (OWASP)
  std::size_t memlimit = std::size_t{19} << 20;  // 19 MiB (OWASP)
  std::size_t max_concurrent = 2;                // hashes in flight; about the cores
};

class Argon2idHasher : public PasswordHasher {
 public:
  explicit Argon2idHasher(Argon2idOptions options = {});

  // ResourceExhausted when no hashing slot frees up before `deadline`.
  absl::StatusOr<std::string> Hash(std::string_view password, Deadline deadline) override;
  absl::StatusOr<bool> Verify(std::string_view hash, std::string_view password,
                              Deadline deadline) override;

  // Hashes running now (for metrics and tests).
  std::size_t in_flight() {
    std::lock_guard lock(mu_);
    return in_flight_;
  }

 private:
  absl::Status Acquire(Deadline deadline);
  void Release();

  const Argon2idOptions options_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::size_t in_flight_ = 0;  // guarded by mu_
};

}  // namespace comptoir::accounts
