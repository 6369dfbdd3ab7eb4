// The accounts domain: sign-up with a password policy, login behind rate limits and a bounded
// Argon2id hasher, access tokens (Ed25519, 15 min) and rotating refresh tokens with reuse
// detection, roles, shop memberships, partner keys, data export and erasure. No gRPC, no SQL:
// storage, hashing, limits and the other services are interfaces, so unit tests use fakes.
// Thread-safe when its collaborators are.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "accounts_repository.h"
#include "comptoir/common/auth.h"
#include "comptoir/common/ids.h"
#include "comptoir/common/status.h"
#include "login_limiter.h"
#include "password_hasher.h"

namespace comptoir::accounts {

// Status payload key carrying the delay (whole seconds, as text) of a RESOURCE_EXHAUSTED login;
// the transport turns it into the "retry-after" trailing metadata.
inline constexpr char kRetryAfterPayload[] = "comptoir.retry-after";
// The delay carried by `status`, if any.
std::optional<int64_t> RetryAfterSeconds(const absl::Status& status);

// One service's part of a data export: JSON text of an object.
struct DataPart {
  std::string service{};
  std::string json{};
};

// The services that hold personal data on an account, asked to export or erase their part.
class AccountDataPeers {
 public:
  virtual ~AccountDataPeers() = default;
  virtual absl::StatusOr<std::vector<DataPart>> Export(const std::string& user_id,
                                                       Deadline deadline) = 0;
  virtual absl::Status Erase(const std::string& user_id, Deadline deadline) = 0;
};

// No other service yet.
class NoAccountDataPeers : public AccountDataPeers {
 public:
  absl::StatusOr<std::vector<DataPart>> Export(const std::string&, Deadline) override {
    return std::vector<DataPart>();
  }
  absl::Status Erase(const std::string&, Deadline) override { return absl::OkStatus(); }
};

struct NewAccount {
  std::string email{};
  std::string display_name{};
  std::string password{};
};

struct Session {
  std::string access_token{};
  absl::Duration access_ttl{};
  std::string refresh_token{};
  Account account{};
};

struct AccountsServiceOptions {
  std::string issuer = "comptoir-accounts";
  std::string audience = "comptoir";
  absl::Duration access_ttl = absl::Minutes(15);
  absl::Duration refresh_ttl = absl::Hours(24 * 30);
  std::function<absl::Time()> now = [] { return absl::Now(); };
};

struct EnsureAdminResult {
  Account account{};
  bool created = false;
};

class AccountsService {
 public:
  static constexpr int kMinPasswordLength = 10;
  static constexpr int kMaxPasswordLength = 128;
  static constexpr int kMaxEmailLength = 254;
  static constexpr int kMaxDisplayNameLength = 80;

  AccountsService(AccountsRepository& repository, PasswordHasher& hasher, LoginLimiter& limiter,
                  AccountDataPeers& peers, common::TokenSigner signer,
                  AccountsServiceOptions options = {});

  // InvalidArgument naming every bad field; AlreadyExists ("email") when taken.
  absl::StatusOr<Account> SignUp(const NewAccount& request, Deadline deadline);
  // Unauthenticated "wrong email or password" for every mismatch (no hint which);
  // ResourceExhausted with a retry-after payload when over a limit (checked before hashing).
  absl::StatusOr<Session> Login(const std::string& email, const std::string& password,
                                const std::string& client_address, Deadline deadline);
  // Rotates: the presented token is spent; a spent one presented again revokes its family.
  absl::StatusOr<Session> Refresh(const std::string& refresh_token, Deadline deadline);
  // Revokes the family of `refresh_token`, or every session of the caller when it is empty.
  absl::Status Logout(const common::Caller& caller, const std::string& refresh_token,
                      Deadline deadline);
  absl::StatusOr<Account> GetMe(const common::Caller& caller, Deadline deadline);
  absl::Status ChangePassword(const common::Caller& caller, const std::string& current_password,
                              const std::string& new_password, Deadline deadline);
  absl::StatusOr<std::vector<DataPart>> ExportMyData(const common::Caller& caller,
                                                     Deadline deadline);
  absl::Status EraseMe(const common::Caller& caller, Deadline deadline);
  absl::StatusOr<Account> GrantCourier(const common::Caller& caller, const std::string& account_id,
                                       Deadline deadline);

  // Internal (shops): membership changes reach the user's next token.
  absl::Status AddShopMembership(const std::string& user_id, const std::string& shop_id,
                                 const std::string& role, Deadline deadline);
  absl::Status RemoveShopMembership(const std::string& user_id, const std::string& shop_id,
                                    Deadline deadline);
  // Internal (shops adds staff by e-mail): the id of the live account with this address,
  // compared case-insensitively. NotFound when none (erased accounts have no address left).
  absl::StatusOr<std::string> AccountIdByEmail(const std::string& email, Deadline deadline);
  // Internal (delivery checks couriers): those of `user_ids` (1 to 100 UUIDs) whose live
  // account holds `role`, in the given order. Unknown and erased accounts hold none.
  absl::StatusOr<std::vector<std::string>> HoldersOfRole(const std::vector<std::string>& user_ids,
                                                         const std::string& role,
                                                         Deadline deadline);

  // Partners (region admins).
  absl::StatusOr<Partner> CreatePartner(const common::Caller& caller, const std::string& name,
                                        Deadline deadline);
  absl::StatusOr<std::vector<Partner>> ListPartners(const common::Caller& caller,
                                                    Deadline deadline);
  // The returned key carries its secret in `secret` (shown once); storage keeps only its hash.
  absl::StatusOr<std::pair<PartnerKey, std::string>> CreatePartnerKey(
      const common::Caller& caller, const std::string& partner_id,
      const std::vector<std::string>& allowed_origins, const std::string& rate_tier,
      Deadline deadline);
  absl::StatusOr<std::vector<PartnerKey>> ListPartnerKeys(const common::Caller& caller,
                                                          const std::string& partner_id,
                                                          Deadline deadline);
  absl::Status RevokePartnerKey(const common::Caller& caller, const std::string& partner_id,
                                const std::string& key_id, Deadline deadline);
  // Internal (gateway): the key when `secret` is an active (not revoked) key, any origin.
  absl::StatusOr<std::optional<PartnerKey>> FindLivePartnerKey(const std::string& secret,
                                                               Deadline deadline);
  // Internal (gateway): the key when `secret` is an active key allowed from `origin`.
  absl::StatusOr<std::optional<PartnerKey>> CheckPartnerKey(const std::string& secret,
                                                            const std::string& origin,
                                                            Deadline deadline);

  // Start-up: makes `email` a region admin, creating the account with `password` when it does
  // not exist (an existing account keeps its password).
  absl::StatusOr<EnsureAdminResult> EnsureAdmin(const std::string& email,
                                                const std::string& password, Deadline deadline);

 private:
  absl::StatusOr<Session> IssueSession(const Account& account, const std::string& family_id,
                                       Deadline deadline);

  AccountsRepository& repository_;
  PasswordHasher& hasher_;
  LoginLimiter& limiter_;
  AccountDataPeers& peers_;
  const common::TokenSigner signer_;
  const AccountsServiceOptions options_;
  std::string dummy_hash_;  // verified when the email is unknown, so timing tells nothing
};

// Password policy; violations are added under `field`.
void CheckPasswordStrength(const std::string& password, const std::string& email,
                           const std::string& field, common::Violations& violations);
// Lower-cased, trimmed email; InvalidArgument-worthy when it does not look like one.
std::string NormalizeEmail(const std::string& email);
bool LooksLikeEmail(const std::string& email);
using common::LooksLikeUuid;  // comptoir/common/ids.h
// "https://host[:port]" with no path, query or fragment; lower-cased.
std::optional<std::string> NormalizeOrigin(const std::string& origin);
// Whether `origin` (as a browser sends it) is one of the key's allowed origins.
bool PartnerKeyAllowsOrigin(const PartnerKey& key, const std::string& origin);
// The JSON of the accounts part of an export.
std::string AccountExportJson(const Account& account);

}  // namespace comptoir::accounts
