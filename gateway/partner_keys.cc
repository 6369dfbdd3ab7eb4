#include "partner_keys.h"

#include <optional>
#include <utility>

#include "comptoir/accounts/v1/accounts_internal.pb.h"
#include "comptoir/common/auth.h"
#include "comptoir/common/crypto.h"
#include "text.h"

namespace comptoir::gateway {

bool PartnerKeyInfo::AllowsOrigin(std::string_view origin) const {
  const std::string lowered = text::ToLower(text::Strip(origin));
  for (const std::string& allowed : allowed_origins) {
    if (allowed == lowered) return true;
  }
  return false;
}

AccountsPartnerKeys::AccountsPartnerKeys(UpstreamClient& upstreams, Options options)
    : upstreams_(upstreams), options_(std::move(options)) {}

void AccountsPartnerKeys::Remember(const std::string& digest, const PartnerKeyInfo& info) {
  const auto now = options_.now();
  absl::MutexLock lock(&mu_);
  if (cache_.size() >= options_.max_entries) {
    for (auto it = cache_.begin(); it != cache_.end();) {
      it = it->second.expires <= now ? cache_.erase(it) : std::next(it);
    }
    // Still full of live entries (a flood of distinct keys): start over rather than grow.
    if (cache_.size() >= options_.max_entries) cache_.clear();
  }
  cache_[digest] = Entry{info, now + (info.valid ? options_.ttl : options_.negative_ttl)};
}

void AccountsPartnerKeys::Check(std::string_view secret, const std::string& request_id, Done done) {
  // Longer than any real key: not worth a look-up (and bounds what is hashed).
  if (secret.empty() || secret.size() > 128) return done(PartnerKeyInfo{});
  std::string digest = common::Sha256Hex(secret);
  std::optional<PartnerKeyInfo> cached;
  {
    absl::MutexLock lock(&mu_);
    auto it = cache_.find(digest);
    if (it != cache_.end() && it->second.expires > options_.now()) cached = it->second.info;
  }
  if (cached) return done(*std::move(cached));
  accounts::v1::CheckPartnerKeyRequest request;
  request.set_secret(std::string(secret));
  upstreams_.Call(
      options_.accounts_address, kGrpcPath, request.SerializeAsString(), request_id,
      options_.timeout,
      [this, digest = std::move(digest), done = std::move(done)](const grpc::Status& status,
                                                                 std::string bytes, int64_t) {
        if (!status.ok()) {
          return done(absl::UnavailableError("partner keys cannot be checked right now"));
        }
        accounts::v1::CheckPartnerKeyResponse response;
        if (!response.ParseFromString(bytes)) {
          return done(absl::InternalError("bad CheckPartnerKey answer"));
        }
        PartnerKeyInfo info;
        info.valid = response.key_valid();
        if (info.valid) {
          info.key_id = response.key_id();
          info.partner = response.partner();
          info.rate_tier = response.rate_tier();
          for (const std::string& origin : response.allowed_origins()) {
            info.allowed_origins.push_back(text::ToLower(origin));
          }
        }
        Remember(digest, info);
        done(std::move(info));
      },
      {{common::kInternalCredentialHeader, options_.internal_credential}}, /*idempotent=*/true);
}

}  // namespace comptoir::gateway
