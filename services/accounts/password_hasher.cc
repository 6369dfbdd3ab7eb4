#include "password_hasher.h"

#include <sodium.h>

#include <cstdlib>

namespace comptoir::accounts {

Argon2idHasher::Argon2idHasher(Argon2idOptions options) : options_(options) {
  if (sodium_init() < 0) std::abort();  // no secure random source: no salts
}

absl::Status Argon2idHasher::Acquire(Deadline deadline) {
  std::unique_lock lock(mu_);
  if (!cv_.wait_until(lock, deadline, [&] { return in_flight_ < options_.max_concurrent; })) {
    return absl::ResourceExhaustedError("too many sign-ins in progress; retry in a moment");
  }
  ++in_flight_;
  return absl::OkStatus();
}

void Argon2idHasher::Release() {
  {
    std::lock_guard lock(mu_);
    --in_flight_;
  }
  cv_.notify_one();
}

absl::StatusOr<std::string> Argon2idHasher::Hash(std::string_view password, Deadline deadline) {
  if (absl::Status s = Acquire(deadline); !s.ok()) return s;
  char out[crypto_pwhash_STRBYTES];
  int rc = crypto_pwhash_str_alg(out, password.data(), password.size(), options_.opslimit,
                                 options_.memlimit, crypto_pwhash_ALG_ARGON2ID13);
  Release();
  if (rc != 0) return absl::ResourceExhaustedError("out of memory while hashing a password");
  return std::string(out);
}

absl::StatusOr<bool> Argon2idHasher::Verify(std::string_view hash, std::string_view password,
                                            Deadline deadline) {
  if (hash.empty() || hash.size() >= crypto_pwhash_STRBYTES) return false;
  if (absl::Status s = Acquire(deadline); !s.ok()) return s;
  std::string terminated(hash);  // crypto_pwhash_str_verify wants a C string
  int rc = crypto_pwhash_str_verify(terminated.c_str(), password.data(), password.size());
  Release();
  return rc == 0;
}

}  // namespace comptoir::accounts
