#include "accounts_service.h"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "comptoir/common/crypto.h"
#include "comptoir/common/log.h"
#include "comptoir/common/utf8.h"

namespace comptoir::accounts {
namespace {

using common::Caller;

// The most common passwords of at least ten characters (from public breach lists); a longer
// list belongs in a data file, this one stops the worst.
constexpr std::array<const char*, 24> kCommonPasswords = {
    "1234567890",  "12345678910", "123456789a",  "qwertyuiop", "azertyuiop", "motdepasse",
    "motdepasse1", "password12",  "password123", "1q2w3e4r5t", "0123456789", "1111111111",
    "azertyuiop1", "qwerty1234",  "abcdefghij",  "iloveyou12", "soleil1234", "bonjour123",
    "marseille13", "doudou1234",  "loulou1234",  "chocolat12", "0000000000", "passw0rd12"};

absl::Status WrongCredentials() { return absl::UnauthenticatedError("wrong email or password"); }

std::string RandomToken(std::size_t bytes) {
  std::string raw(bytes, '\0');
  randombytes_buf(raw.data(), raw.size());
  return common::Base64UrlEncode(raw);
}

absl::Status TooMany(absl::Duration retry_after) {
  const int64_t seconds =
      std::max<int64_t>(1, absl::ToInt64Seconds(absl::Ceil(retry_after, absl::Seconds(1))));
  absl::Status status = absl::ResourceExhaustedError(
      absl::StrCat("too many login attempts; retry after ", seconds, " s"));
  status.SetPayload(kRetryAfterPayload, absl::Cord(std::to_string(seconds)));
  return status;
}

absl::Status RequireAdmin(const Caller& caller) {
  return common::RequireRole(caller, common::kRoleAdmin);
}

void CheckDisplayName(const std::string& name, common::Violations& violations) {
  const int length = common::PrintableLength(name);
  if (length < 0) {
    violations.Add("display_name", "must be valid UTF-8 without control characters");
  } else if (length == 0 || absl::StripAsciiWhitespace(name).empty()) {
    violations.Add("display_name", "must not be empty");
  } else if (length > AccountsService::kMaxDisplayNameLength) {
    violations.Add(
        "display_name",
        absl::StrCat("must be at most ", AccountsService::kMaxDisplayNameLength, " characters"));
  }
}

}  // namespace

std::optional<int64_t> RetryAfterSeconds(const absl::Status& status) {
  auto payload = status.GetPayload(kRetryAfterPayload);
  if (!payload.has_value()) return std::nullopt;
  int64_t seconds = 0;
  if (!absl::SimpleAtoi(std::string(*payload), &seconds)) return std::nullopt;
  return seconds;
}

std::string NormalizeEmail(const std::string& email) {
  return absl::AsciiStrToLower(absl::StripAsciiWhitespace(email));
}

bool LooksLikeEmail(const std::string& email) {
  if (email.empty() || email.size() > static_cast<std::size_t>(AccountsService::kMaxEmailLength)) {
    return false;
  }
  const std::size_t at = email.find('@');
  if (at == std::string::npos || at == 0 || at != email.rfind('@')) return false;
  const std::string domain = email.substr(at + 1);
  if (domain.size() < 3 || domain.find('.') == std::string::npos || domain.front() == '.' ||
      domain.back() == '.') {
    return false;
  }
  return std::none_of(email.begin(), email.end(), [](unsigned char c) {
    return c <= ' ' || c == 0x7f || c == '<' || c == '>' || c == '"' || c == ',';
  });
}

void CheckPasswordStrength(const std::string& password, const std::string& email,
                           const std::string& field, common::Violations& violations) {
  const int length = common::PrintableLength(password);
  if (length < 0) {
    violations.Add(field, "must be valid UTF-8 without control characters");
    return;
  }
  if (length < AccountsService::kMinPasswordLength) {
    violations.Add(field, absl::StrCat("must be at least ", AccountsService::kMinPasswordLength,
                                       " characters"));
    return;
  }
  if (length > AccountsService::kMaxPasswordLength) {
    violations.Add(field, absl::StrCat("must be at most ", AccountsService::kMaxPasswordLength,
                                       " characters"));
    return;
  }
  const std::string lowered = absl::AsciiStrToLower(password);
  for (const char* common_password : kCommonPasswords) {
    if (lowered == common_password) {
      violations.Add(field, "is one of the most common passwords; choose another");
      return;
    }
  }
  const std::string normalized_email = NormalizeEmail(email);
  if (!normalized_email.empty() &&
      (lowered == normalized_email ||
       lowered == normalized_email.substr(0, normalized_email.find('@')))) {
    violations.Add(field, "must not be your email");
  }
}

std::optional<std::string> NormalizeOrigin(const std::string& origin) {
  std::string lowered = absl::AsciiStrToLower(absl::StripAsciiWhitespace(origin));
  std::string_view rest;
  if (absl::StartsWith(lowered, "https://")) {
    rest = std::string_view(lowered).substr(8);
  } else if (absl::StartsWith(lowered, "http://")) {
    rest = std::string_view(lowered).substr(7);
  } else {
    return std::nullopt;
  }
  if (rest.empty() || rest.size() > 253) return std::nullopt;
  for (char c : rest) {
    if (!(absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == ':')) {
      return std::nullopt;  // no path, query, fragment or credentials
    }
  }
  return lowered;
}

std::string AccountExportJson(const Account& account) {
  auto list = [](const std::vector<std::string>& items) {
    std::string out = "[";
    for (std::size_t i = 0; i < items.size(); ++i) {
      if (i > 0) out += ",";
      out += common::JsonQuote(items[i]);
    }
    return out + "]";
  };
  return absl::StrCat("{\"id\":", common::JsonQuote(account.id),
                      ",\"email\":", common::JsonQuote(account.email),
                      ",\"display_name\":", common::JsonQuote(account.display_name),
                      ",\"roles\":", list(account.roles), ",\"shop_ids\":", list(account.shop_ids),
                      ",\"create_time\":",
                      common::JsonQuote(absl::FormatTime(absl::RFC3339_sec, account.create_time,
                                                         absl::UTCTimeZone())),
                      "}");
}

AccountsService::AccountsService(AccountsRepository& repository, PasswordHasher& hasher,
                                 LoginLimiter& limiter, AccountDataPeers& peers,
                                 common::TokenSigner signer, AccountsServiceOptions options)
    : repository_(repository),
      hasher_(hasher),
      limiter_(limiter),
      peers_(peers),
      signer_(std::move(signer)),
      options_(std::move(options)) {
  if (sodium_init() < 0) std::abort();
  absl::StatusOr<std::string> dummy =
      hasher_.Hash(RandomToken(16), common::DeadlineIn(std::chrono::seconds(30)));
  if (dummy.ok()) dummy_hash_ = *dummy;
}

absl::StatusOr<Account> AccountsService::SignUp(const NewAccount& request, Deadline deadline) {
  common::Violations violations;
  const std::string email = NormalizeEmail(request.email);
  if (!LooksLikeEmail(email)) violations.Add("email", "must be an email address");
  CheckDisplayName(request.display_name, violations);
  CheckPasswordStrength(request.password, email, "password", violations);
  RETURN_IF_ERROR(violations.ToStatus());
  ASSIGN_OR_RETURN(std::string hash, hasher_.Hash(request.password, deadline));
  Account account{.email = email,
                  .display_name = std::string(absl::StripAsciiWhitespace(request.display_name)),
                  .password_hash = std::move(hash),
                  .roles = {common::kRoleResident}};
  absl::StatusOr<Account> stored = repository_.InsertAccount(account, deadline);
  if (stored.status().code() == absl::StatusCode::kAlreadyExists) {
    return common::InvalidArgumentWithFields({{"email", "is already registered"}});
  }
  if (stored.ok()) LOG_INFO("account created", {{"account_id", stored->id}});
  return stored;
}

absl::StatusOr<Session> AccountsService::Login(const std::string& email_in,
                                               const std::string& password,
                                               const std::string& client_address,
                                               Deadline deadline) {
  const std::string email = NormalizeEmail(email_in);
  if (email.empty() || password.empty() ||
      email.size() > static_cast<std::size_t>(kMaxEmailLength) ||
      password.size() > static_cast<std::size_t>(kMaxPasswordLength) * 4) {
    return WrongCredentials();
  }
  // Limits first: a flood is answered from Redis, before any Argon2id work.
  for (const std::string& key :
       {absl::StrCat("address:", client_address), absl::StrCat("account:", email)}) {
    ASSIGN_OR_RETURN(std::optional<absl::Duration> retry_after, limiter_.Hit(key));
    if (retry_after.has_value()) {
      LOG_WARN("login rate limited", {{"limit", key.substr(0, key.find(':'))}});
      return TooMany(*retry_after);
    }
  }
  absl::StatusOr<Account> account = repository_.FindAccountByEmail(email, deadline);
  if (!account.ok() && account.status().code() != absl::StatusCode::kNotFound) {
    return account.status();
  }
  // Unknown email: verify against a dummy hash anyway, so the answer takes as long.
  const std::string& hash = account.ok() ? account->password_hash : dummy_hash_;
  ASSIGN_OR_RETURN(bool matches, hasher_.Verify(hash, password, deadline));
  if (!account.ok() || !matches || account->erased) return WrongCredentials();
  return IssueSession(*account, common::RandomHex(16), deadline);
}

absl::StatusOr<Session> AccountsService::IssueSession(const Account& account,
                                                      const std::string& family_id,
                                                      Deadline deadline) {
  const absl::Time now = options_.now();
  RefreshToken stored{
      .user_id = account.id, .family_id = family_id, .expires_at = now + options_.refresh_ttl};
  const std::string refresh_token = RandomToken(32);
  stored.token_hash = common::Sha256Hex(refresh_token);
  RETURN_IF_ERROR(repository_.InsertRefreshToken(stored, deadline));
  common::TokenClaims claims{.subject = account.id,
                             .roles = account.roles,
                             .shop_ids = account.shop_ids,
                             .issuer = options_.issuer,
                             .audience = options_.audience,
                             .issued_at = now,
                             .not_before = now,
                             .expires_at = now + options_.access_ttl,
                             .token_id = common::RandomHex(16)};
  Account visible = account;
  visible.password_hash.clear();
  return Session{.access_token = signer_.Sign(claims),
                 .access_ttl = options_.access_ttl,
                 .refresh_token = refresh_token,
                 .account = std::move(visible)};
}

absl::StatusOr<Session> AccountsService::Refresh(const std::string& refresh_token,
                                                 Deadline deadline) {
  const absl::Status invalid = absl::UnauthenticatedError("refresh token not valid; sign in again");
  if (refresh_token.empty() || refresh_token.size() > 128) return invalid;
  absl::StatusOr<RefreshToken> spent =
      repository_.SpendRefreshToken(common::Sha256Hex(refresh_token), deadline);
  if (spent.status().code() == absl::StatusCode::kNotFound) return invalid;
  if (!spent.ok()) return spent.status();
  if (spent->spent) {
    // Someone replays a token already traded: the token leaked, or a client raced. Either
    // way nobody can tell the thief from the owner, so the whole login goes.
    RETURN_IF_ERROR(repository_.RevokeFamily(spent->family_id, deadline));
    LOG_WARN("refresh token reused; session family revoked", {{"account_id", spent->user_id}});
    return invalid;
  }
  if (spent->revoked || options_.now() >= spent->expires_at) return invalid;
  absl::StatusOr<Account> account = repository_.FindAccountById(spent->user_id, deadline);
  if (account.status().code() == absl::StatusCode::kNotFound) return invalid;
  if (!account.ok()) return account.status();
  if (account->erased) return invalid;
  return IssueSession(*account, spent->family_id, deadline);
}

absl::Status AccountsService::Logout(const Caller& caller, const std::string& refresh_token,
                                     Deadline deadline) {
  if (!refresh_token.empty()) {
    if (refresh_token.size() > 128) return absl::OkStatus();
    absl::StatusOr<RefreshToken> token =
        repository_.FindRefreshToken(common::Sha256Hex(refresh_token), deadline);
    // Logging out with an unknown token is not an error: the session is over either way.
    if (token.status().code() == absl::StatusCode::kNotFound) return absl::OkStatus();
    if (!token.ok()) return token.status();
    if (caller.authenticated() && caller.user_id != token->user_id) {
      return absl::PermissionDeniedError("not your session");
    }
    return repository_.RevokeFamily(token->family_id, deadline);
  }
  RETURN_IF_ERROR(common::RequireAuthenticated(caller));
  return repository_.RevokeUserTokens(caller.user_id, deadline);
}

absl::StatusOr<Account> AccountsService::GetMe(const Caller& caller, Deadline deadline) {
  RETURN_IF_ERROR(common::RequireAuthenticated(caller));
  ASSIGN_OR_RETURN(Account account, repository_.FindAccountById(caller.user_id, deadline));
  if (account.erased) return absl::UnauthenticatedError("this account was erased");
  account.password_hash.clear();
  return account;
}

absl::Status AccountsService::ChangePassword(const Caller& caller,
                                             const std::string& current_password,
                                             const std::string& new_password, Deadline deadline) {
  RETURN_IF_ERROR(common::RequireAuthenticated(caller));
  ASSIGN_OR_RETURN(Account account, repository_.FindAccountById(caller.user_id, deadline));
  if (account.erased) return absl::UnauthenticatedError("this account was erased");
  common::Violations violations;
  CheckPasswordStrength(new_password, account.email, "new_password", violations);
  RETURN_IF_ERROR(violations.ToStatus());
  ASSIGN_OR_RETURN(bool matches, hasher_.Verify(account.password_hash, current_password, deadline));
  if (!matches) return common::InvalidField("current_password", "is not your current password");
  ASSIGN_OR_RETURN(std::string hash, hasher_.Hash(new_password, deadline));
  RETURN_IF_ERROR(repository_.UpdatePasswordHash(account.id, hash, deadline));
  // A changed password ends every session: whoever knew the old one is out.
  return repository_.RevokeUserTokens(account.id, deadline);
}

absl::StatusOr<std::vector<DataPart>> AccountsService::ExportMyData(const Caller& caller,
                                                                    Deadline deadline) {
  ASSIGN_OR_RETURN(Account account, GetMe(caller, deadline));
  std::vector<DataPart> parts = {{"accounts", AccountExportJson(account)}};
  ASSIGN_OR_RETURN(std::vector<DataPart> others, peers_.Export(account.id, deadline));
  for (DataPart& part : others) parts.push_back(std::move(part));
  return parts;
}

absl::Status AccountsService::EraseMe(const Caller& caller, Deadline deadline) {
  RETURN_IF_ERROR(common::RequireAuthenticated(caller));
  // Other services first: if one fails, the account still exists and the person can retry.
  RETURN_IF_ERROR(peers_.Erase(caller.user_id, deadline));
  RETURN_IF_ERROR(repository_.EraseAccount(caller.user_id, deadline));
  LOG_INFO("account erased", {{"account_id", caller.user_id}});
  return absl::OkStatus();
}

absl::StatusOr<Account> AccountsService::GrantCourier(const Caller& caller,
                                                      const std::string& account_id,
                                                      Deadline deadline) {
  RETURN_IF_ERROR(RequireAdmin(caller));
  if (!LooksLikeUuid(account_id)) return common::InvalidField("account", "must be a UUID");
  ASSIGN_OR_RETURN(Account account, repository_.FindAccountById(account_id, deadline));
  if (account.erased) return absl::NotFoundError("no such account");
  RETURN_IF_ERROR(repository_.AddRole(account_id, common::kRoleCourier, deadline));
  LOG_INFO("courier role granted", {{"account_id", account_id}, {"by", caller.user_id}});
  if (std::find(account.roles.begin(), account.roles.end(), common::kRoleCourier) ==
      account.roles.end()) {
    account.roles.push_back(common::kRoleCourier);
  }
  account.password_hash.clear();
  return account;
}

absl::Status AccountsService::AddShopMembership(const std::string& user_id,
                                                const std::string& shop_id, const std::string& role,
                                                Deadline deadline) {
  common::Violations violations;
  if (!LooksLikeUuid(user_id)) violations.Add("user_id", "must be a UUID");
  if (!LooksLikeUuid(shop_id)) violations.Add("shop_id", "must be a UUID");
  if (role != "owner" && role != "staff") violations.Add("role", "must be owner or staff");
  RETURN_IF_ERROR(violations.ToStatus());
  return repository_.AddShopMembership(absl::AsciiStrToLower(user_id),
                                       absl::AsciiStrToLower(shop_id), role, deadline);
}

absl::StatusOr<std::string> AccountsService::AccountIdByEmail(const std::string& email_in,
                                                              Deadline deadline) {
  const std::string email = NormalizeEmail(email_in);
  if (email.empty() || email.size() > static_cast<std::size_t>(kMaxEmailLength) ||
      email.find('@') == std::string::npos) {
    return common::InvalidField("email", "must be an e-mail address");
  }
  absl::StatusOr<Account> account = repository_.FindAccountByEmail(email, deadline);
  if ((account.ok() && account->erased) || account.status().code() == absl::StatusCode::kNotFound) {
    return absl::NotFoundError("no account has this e-mail address");
  }
  if (!account.ok()) return account.status();
  return account->id;
}

absl::StatusOr<std::vector<std::string>> AccountsService::HoldersOfRole(
    const std::vector<std::string>& user_ids, const std::string& role, Deadline deadline) {
  common::Violations v;
  if (user_ids.empty() || user_ids.size() > 100) v.Add("user_ids", "give 1 to 100 account ids");
  for (size_t i = 0; i < user_ids.size() && i < 100; ++i) {
    if (!LooksLikeUuid(user_ids[i])) {
      v.Add(absl::StrCat("user_ids[", i, "]"), "must be an account id (UUID)");
    }
  }
  if (role.empty() || role.size() > 32) v.Add("role", "must name a role");
  RETURN_IF_ERROR(v.ToStatus());
  std::vector<std::string> holders;
  // At most 100 primary-key reads, for a planning of at most 50 couriers.
  for (const std::string& id : user_ids) {
    absl::StatusOr<Account> account = repository_.FindAccountById(id, deadline);
    if (account.status().code() == absl::StatusCode::kNotFound) continue;
    if (!account.ok()) return account.status();
    if (!account->erased &&
        std::find(account->roles.begin(), account->roles.end(), role) != account->roles.end()) {
      holders.push_back(id);
    }
  }
  return holders;
}

absl::Status AccountsService::RemoveShopMembership(const std::string& user_id,
                                                   const std::string& shop_id, Deadline deadline) {
  common::Violations violations;
  if (!LooksLikeUuid(user_id)) violations.Add("user_id", "must be a UUID");
  if (!LooksLikeUuid(shop_id)) violations.Add("shop_id", "must be a UUID");
  RETURN_IF_ERROR(violations.ToStatus());
  return repository_.RemoveShopMembership(absl::AsciiStrToLower(user_id),
                                          absl::AsciiStrToLower(shop_id), deadline);
}

absl::StatusOr<Partner> AccountsService::CreatePartner(const Caller& caller,
                                                       const std::string& name, Deadline deadline) {
  RETURN_IF_ERROR(RequireAdmin(caller));
  const int length = common::PrintableLength(name);
  if (length <= 0 || length > 120 || absl::StripAsciiWhitespace(name).empty()) {
    return common::InvalidField("partner.name", "must be 1 to 120 printable characters");
  }
  ASSIGN_OR_RETURN(Partner partner,
                   repository_.InsertPartner(
                       Partner{.name = std::string(absl::StripAsciiWhitespace(name))}, deadline));
  LOG_INFO("partner created", {{"partner_id", partner.id}, {"by", caller.user_id}});
  return partner;
}

absl::StatusOr<std::vector<Partner>> AccountsService::ListPartners(const Caller& caller,
                                                                   Deadline deadline) {
  RETURN_IF_ERROR(RequireAdmin(caller));
  return repository_.ListPartners(deadline);
}

absl::StatusOr<std::pair<PartnerKey, std::string>> AccountsService::CreatePartnerKey(
    const Caller& caller, const std::string& partner_id,
    const std::vector<std::string>& allowed_origins, const std::string& rate_tier,
    Deadline deadline) {
  RETURN_IF_ERROR(RequireAdmin(caller));
  common::Violations violations;
  if (!LooksLikeUuid(partner_id)) violations.Add("partner", "must be a UUID");
  if (allowed_origins.empty() || allowed_origins.size() > 20) {
    violations.Add("key.allowed_origins", "must list 1 to 20 origins");
  }
  PartnerKey key{.partner_id = absl::AsciiStrToLower(partner_id), .rate_tier = rate_tier};
  for (std::size_t i = 0; i < allowed_origins.size() && i < 20; ++i) {
    std::optional<std::string> origin = NormalizeOrigin(allowed_origins[i]);
    if (!origin.has_value()) {
      violations.Add(absl::StrCat("key.allowed_origins[", i, "]"),
                     "must be an origin like https://www.example.fr (no path)");
    } else {
      key.allowed_origins.push_back(*origin);
    }
  }
  if (key.rate_tier.empty()) key.rate_tier = "basic";
  if (key.rate_tier != "basic" && key.rate_tier != "high") {
    violations.Add("key.rate_tier", "must be basic or high");
  }
  RETURN_IF_ERROR(violations.ToStatus());
  const std::string secret = absl::StrCat("cpk_", RandomToken(24));
  key.secret_hash = common::Sha256Hex(secret);
  key.prefix = secret.substr(0, 10);
  ASSIGN_OR_RETURN(PartnerKey stored, repository_.InsertPartnerKey(key, deadline));
  LOG_INFO("partner key created",
           {{"partner_id", stored.partner_id}, {"key_id", stored.id}, {"by", caller.user_id}});
  return std::make_pair(std::move(stored), secret);
}

absl::StatusOr<std::vector<PartnerKey>> AccountsService::ListPartnerKeys(
    const Caller& caller, const std::string& partner_id, Deadline deadline) {
  RETURN_IF_ERROR(RequireAdmin(caller));
  if (!LooksLikeUuid(partner_id)) return common::InvalidField("partner", "must be a UUID");
  return repository_.ListPartnerKeys(absl::AsciiStrToLower(partner_id), deadline);
}

absl::Status AccountsService::RevokePartnerKey(const Caller& caller, const std::string& partner_id,
                                               const std::string& key_id, Deadline deadline) {
  RETURN_IF_ERROR(RequireAdmin(caller));
  if (!LooksLikeUuid(partner_id) || !LooksLikeUuid(key_id)) {
    return absl::NotFoundError("no such partner key");
  }
  RETURN_IF_ERROR(repository_.RevokePartnerKey(absl::AsciiStrToLower(partner_id),
                                               absl::AsciiStrToLower(key_id), deadline));
  LOG_INFO("partner key revoked", {{"key_id", key_id}, {"by", caller.user_id}});
  return absl::OkStatus();
}

absl::StatusOr<std::optional<PartnerKey>> AccountsService::FindLivePartnerKey(
    const std::string& secret, Deadline deadline) {
  if (secret.empty() || secret.size() > 128) return std::optional<PartnerKey>();
  absl::StatusOr<PartnerKey> key =
      repository_.FindPartnerKeyByHash(common::Sha256Hex(secret), deadline);
  if (key.status().code() == absl::StatusCode::kNotFound) return std::optional<PartnerKey>();
  if (!key.ok()) return key.status();
  if (key->revoked()) return std::optional<PartnerKey>();
  return std::optional<PartnerKey>(*std::move(key));
}

absl::StatusOr<std::optional<PartnerKey>> AccountsService::CheckPartnerKey(
    const std::string& secret, const std::string& origin, Deadline deadline) {
  ASSIGN_OR_RETURN(std::optional<PartnerKey> key, FindLivePartnerKey(secret, deadline));
  if (!key.has_value() || !PartnerKeyAllowsOrigin(*key, origin)) {
    return std::optional<PartnerKey>();
  }
  return key;
}

bool PartnerKeyAllowsOrigin(const PartnerKey& key, const std::string& origin) {
  std::optional<std::string> normalized = NormalizeOrigin(origin);
  return normalized.has_value() && std::find(key.allowed_origins.begin(), key.allowed_origins.end(),
                                             *normalized) != key.allowed_origins.end();
}

absl::StatusOr<EnsureAdminResult> AccountsService::EnsureAdmin(const std::string& email_in,
                                                               const std::string& password,
                                                               Deadline deadline) {
  const std::string email = NormalizeEmail(email_in);
  if (!LooksLikeEmail(email)) return common::InvalidField("email", "must be an email address");
  absl::StatusOr<Account> existing = repository_.FindAccountByEmail(email, deadline);
  if (existing.ok()) {
    RETURN_IF_ERROR(repository_.AddRole(existing->id, common::kRoleAdmin, deadline));
    return EnsureAdminResult{.account = *existing, .created = false};
  }
  if (existing.status().code() != absl::StatusCode::kNotFound) return existing.status();
  ASSIGN_OR_RETURN(
      Account created,
      SignUp({.email = email, .display_name = "Administration régionale", .password = password},
             deadline));
  RETURN_IF_ERROR(repository_.AddRole(created.id, common::kRoleAdmin, deadline));
  created.roles.push_back(common::kRoleAdmin);
  return EnsureAdminResult{.account = created, .created = true};
}

}  // namespace comptoir::accounts
