// In-memory fakes of the accounts service's collaborators, for unit tests. Thread-safe.
#pragma once

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "accounts_repository.h"
#include "accounts_service.h"
#include "comptoir/common/crypto.h"
#include "login_limiter.h"
#include "password_hasher.h"

namespace comptoir::accounts::testing {

class FakeAccountsRepository : public AccountsRepository {
 public:
  absl::StatusOr<Account> InsertAccount(const Account& account, Deadline) override {
    std::lock_guard lock(mu_);
    for (const auto& [id, existing] : accounts_) {
      if (!existing.erased && existing.email == account.email) {
        return absl::AlreadyExistsError("email taken");
      }
    }
    Account stored = account;
    stored.id = NewId();
    stored.create_time = absl::FromUnixSeconds(1'790'000'000);
    accounts_[stored.id] = stored;
    return stored;
  }
  absl::StatusOr<Account> FindAccountByEmail(const std::string& email, Deadline) override {
    std::lock_guard lock(mu_);
    for (const auto& [id, account] : accounts_) {
      if (!account.erased && account.email == email) return WithShops(account);
    }
    return absl::NotFoundError("no such account");
  }
  absl::StatusOr<Account> FindAccountById(const std::string& id, Deadline) override {
    std::lock_guard lock(mu_);
    auto it = accounts_.find(id);
    if (it == accounts_.end()) return absl::NotFoundError("no such account");
    return WithShops(it->second);
  }
  absl::Status UpdatePasswordHash(const std::string& id, const std::string& hash,
                                  Deadline) override {
    std::lock_guard lock(mu_);
    accounts_.at(id).password_hash = hash;
    return absl::OkStatus();
  }
  absl::Status AddRole(const std::string& id, const std::string& role, Deadline) override {
    std::lock_guard lock(mu_);
    auto it = accounts_.find(id);
    if (it == accounts_.end()) return absl::NotFoundError("no such account");
    auto& roles = it->second.roles;
    if (std::find(roles.begin(), roles.end(), role) == roles.end()) roles.push_back(role);
    return absl::OkStatus();
  }
  absl::Status AddShopMembership(const std::string& user_id, const std::string& shop_id,
                                 const std::string&, Deadline) override {
    std::lock_guard lock(mu_);
    if (accounts_.count(user_id) == 0) return absl::FailedPreconditionError("no such account");
    auto& shops = memberships_[user_id];
    if (std::find(shops.begin(), shops.end(), shop_id) == shops.end()) shops.push_back(shop_id);
    return absl::OkStatus();
  }
  absl::Status RemoveShopMembership(const std::string& user_id, const std::string& shop_id,
                                    Deadline) override {
    std::lock_guard lock(mu_);
    auto& shops = memberships_[user_id];
    shops.erase(std::remove(shops.begin(), shops.end(), shop_id), shops.end());
    return absl::OkStatus();
  }
  absl::Status EraseAccount(const std::string& id, Deadline) override {
    std::lock_guard lock(mu_);
    auto it = accounts_.find(id);
    if (it == accounts_.end()) return absl::NotFoundError("no such account");
    it->second = Account{
        .id = id, .roles = {"resident"}, .create_time = it->second.create_time, .erased = true};
    memberships_.erase(id);
    for (auto& [hash, token] : tokens_) {
      if (token.user_id == id) token.revoked = true;
    }
    return absl::OkStatus();
  }
  absl::Status InsertRefreshToken(const RefreshToken& token, Deadline) override {
    std::lock_guard lock(mu_);
    tokens_[token.token_hash] = token;
    return absl::OkStatus();
  }
  absl::StatusOr<RefreshToken> SpendRefreshToken(const std::string& hash, Deadline) override {
    std::lock_guard lock(mu_);
    auto it = tokens_.find(hash);
    if (it == tokens_.end()) return absl::NotFoundError("no such token");
    RefreshToken before = it->second;
    it->second.spent = true;
    return before;
  }
  absl::Status RevokeFamily(const std::string& family_id, Deadline) override {
    std::lock_guard lock(mu_);
    for (auto& [hash, token] : tokens_) {
      if (token.family_id == family_id) token.revoked = true;
    }
    return absl::OkStatus();
  }
  absl::Status RevokeUserTokens(const std::string& user_id, Deadline) override {
    std::lock_guard lock(mu_);
    for (auto& [hash, token] : tokens_) {
      if (token.user_id == user_id) token.revoked = true;
    }
    return absl::OkStatus();
  }
  absl::StatusOr<RefreshToken> FindRefreshToken(const std::string& hash, Deadline) override {
    std::lock_guard lock(mu_);
    auto it = tokens_.find(hash);
    if (it == tokens_.end()) return absl::NotFoundError("no such token");
    return it->second;
  }
  absl::StatusOr<Partner> InsertPartner(const Partner& partner, Deadline) override {
    std::lock_guard lock(mu_);
    Partner stored = partner;
    stored.id = NewId();
    partners_.push_back(stored);
    return stored;
  }
  absl::StatusOr<std::vector<Partner>> ListPartners(Deadline) override {
    std::lock_guard lock(mu_);
    return partners_;
  }
  absl::StatusOr<PartnerKey> InsertPartnerKey(const PartnerKey& key, Deadline) override {
    std::lock_guard lock(mu_);
    if (std::none_of(partners_.begin(), partners_.end(),
                     [&](const Partner& p) { return p.id == key.partner_id; })) {
      return absl::FailedPreconditionError("no such partner");
    }
    PartnerKey stored = key;
    stored.id = NewId();
    keys_.push_back(stored);
    return stored;
  }
  absl::StatusOr<std::vector<PartnerKey>> ListPartnerKeys(const std::string& partner_id,
                                                          Deadline) override {
    std::lock_guard lock(mu_);
    std::vector<PartnerKey> out;
    for (const PartnerKey& key : keys_) {
      if (key.partner_id == partner_id) out.push_back(key);
    }
    return out;
  }
  absl::Status RevokePartnerKey(const std::string& partner_id, const std::string& key_id,
                                Deadline) override {
    std::lock_guard lock(mu_);
    for (PartnerKey& key : keys_) {
      if (key.partner_id == partner_id && key.id == key_id) {
        key.revoke_time = absl::FromUnixSeconds(1'790'000'100);
        return absl::OkStatus();
      }
    }
    return absl::NotFoundError("no such key");
  }
  absl::StatusOr<PartnerKey> FindPartnerKeyByHash(const std::string& hash, Deadline) override {
    std::lock_guard lock(mu_);
    for (const PartnerKey& key : keys_) {
      if (key.secret_hash == hash) return key;
    }
    return absl::NotFoundError("no such key");
  }

  // Test inspection.
  std::vector<RefreshToken> Tokens() {
    std::lock_guard lock(mu_);
    std::vector<RefreshToken> out;
    for (const auto& [hash, token] : tokens_) out.push_back(token);
    return out;
  }
  Account Raw(const std::string& id) {
    std::lock_guard lock(mu_);
    return accounts_.at(id);
  }

 private:
  Account WithShops(Account account) {
    account.shop_ids = memberships_[account.id];
    return account;
  }
  std::string NewId() {
    std::string hex = common::RandomHex(16);
    return absl::StrCat(hex.substr(0, 8), "-", hex.substr(8, 4), "-", hex.substr(12, 4), "-",
                        hex.substr(16, 4), "-", hex.substr(20, 12));
  }

  std::mutex mu_;
  std::map<std::string, Account> accounts_;
  std::map<std::string, std::vector<std::string>> memberships_;
  std::map<std::string, RefreshToken> tokens_;
  std::vector<Partner> partners_;
  std::vector<PartnerKey> keys_;
};

// Not a real hash: tests care about what the service does with it, not about Argon2id.
class FakePasswordHasher : public PasswordHasher {
 public:
  absl::StatusOr<std::string> Hash(std::string_view password, Deadline) override {
    ++hashes;
    return "fake$" + std::string(password);
  }
  absl::StatusOr<bool> Verify(std::string_view hash, std::string_view password, Deadline) override {
    ++verifications;
    return !hash.empty() && hash == "fake$" + std::string(password);
  }
  std::atomic<int> hashes{0};
  std::atomic<int> verifications{0};
};

class FakeLoginLimiter : public LoginLimiter {
 public:
  explicit FakeLoginLimiter(int limit) : limit_(limit) {}
  absl::StatusOr<std::optional<absl::Duration>> Hit(const std::string& key) override {
    std::lock_guard lock(mu_);
    if (++counts_[key] > limit_) return std::optional<absl::Duration>(absl::Seconds(42));
    return std::optional<absl::Duration>();
  }

 private:
  const int limit_;
  std::mutex mu_;
  std::map<std::string, int> counts_;
};

class FakeAccountDataPeers : public AccountDataPeers {
 public:
  absl::StatusOr<std::vector<DataPart>> Export(const std::string& user_id, Deadline) override {
    return std::vector<DataPart>{{"orders", absl::StrCat("{\"user\":\"", user_id, "\"}")}};
  }
  absl::Status Erase(const std::string& user_id, Deadline) override {
    if (fail_erase) return absl::UnavailableError("orders down");
    erased.push_back(user_id);
    return absl::OkStatus();
  }
  bool fail_erase = false;
  std::vector<std::string> erased;
};

}  // namespace comptoir::accounts::testing
