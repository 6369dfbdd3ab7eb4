// Partner API keys (X-Api-Key) as the gateway sees them: what a key is (live or not, its id,
// rate tier and allowed origins), asked from accounts (AccountsInternal/CheckPartnerKey, with
// the internal credential) and kept in a short in-process cache so a partner site's traffic
// costs one look-up per key every few seconds, not one per request. The gateway checks the
// origin itself against the cached list (403 vs 401).
// Thread-safe: Check may be called from any thread; `done` runs on any thread (a gRPC thread
// or the caller's, for a cache hit).
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "upstream.h"

namespace comptoir::gateway {

struct PartnerKeyInfo {
  bool valid = false;  // exists and is not revoked
  std::string key_id;
  std::string partner;
  std::string rate_tier;                     // "basic", "high"
  std::vector<std::string> allowed_origins;  // lower-case "https://host[:port]"
  // Whether a browser's Origin header names one of the allowed origins.
  bool AllowsOrigin(std::string_view origin) const;
};

class PartnerKeyChecker {
 public:
  using Done = std::function<void(absl::StatusOr<PartnerKeyInfo>)>;
  virtual ~PartnerKeyChecker() = default;
  // `done` runs once. An error means the answer is unknown (accounts unreachable): the
  // caller fails closed.
  virtual void Check(std::string_view secret, const std::string& request_id, Done done) = 0;
};

// The accounts-backed checker with its cache.
class AccountsPartnerKeys : public PartnerKeyChecker {
 public:
  struct Options {
    std::string accounts_address{};     // one of `upstreams`' addresses
    std::string internal_credential{};  // INTERNAL_CREDENTIAL
    // A revoked key stops working within `ttl`; a made-up key costs one look-up per
    // `negative_ttl` (and the look-up is one indexed read in accounts).
    std::chrono::milliseconds ttl{30000};
    std::chrono::milliseconds negative_ttl{5000};
    std::chrono::milliseconds timeout{2000};
    size_t max_entries = 10000;
    std::function<std::chrono::steady_clock::time_point()> now = [] {
      return std::chrono::steady_clock::now();
    };
  };
  // `upstreams` must outlive the checker and every Check in flight.
  AccountsPartnerKeys(UpstreamClient& upstreams, Options options);

  void Check(std::string_view secret, const std::string& request_id, Done done) override;

  static constexpr char kGrpcPath[] = "/comptoir.accounts.v1.AccountsInternal/CheckPartnerKey";

 private:
  struct Entry {
    PartnerKeyInfo info;
    std::chrono::steady_clock::time_point expires;
  };
  void Remember(const std::string& digest, const PartnerKeyInfo& info);

  UpstreamClient& upstreams_;
  const Options options_;
  absl::Mutex mu_;
  // Keyed by the SHA-256 of the secret: no secret stays in memory longer than a request.
  std::unordered_map<std::string, Entry> cache_ ABSL_GUARDED_BY(mu_);
};

}  // namespace comptoir::gateway
