// Storage of accounts, refresh tokens, shop memberships and partner keys. Implementation:
// PgAccountsRepository; unit tests use a fake. Implementations are thread-safe.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "account.h"
#include "comptoir/common/deadline.h"

namespace comptoir::accounts {

using common::Deadline;

class AccountsRepository {
 public:
  virtual ~AccountsRepository() = default;

  // Stores a new account (id and create_time assigned). AlreadyExists when the email is taken
  // (ignoring case) by an account that is not erased.
  virtual absl::StatusOr<Account> InsertAccount(const Account& account, Deadline deadline) = 0;
  // NotFound when no live account has this (lower-cased) email.
  virtual absl::StatusOr<Account> FindAccountByEmail(const std::string& email,
                                                     Deadline deadline) = 0;
  // NotFound when no account has this id (erased accounts are found, with erased = true).
  virtual absl::StatusOr<Account> FindAccountById(const std::string& id, Deadline deadline) = 0;
  virtual absl::Status UpdatePasswordHash(const std::string& id, const std::string& hash,
                                          Deadline deadline) = 0;
  // Idempotent. NotFound when the account does not exist.
  virtual absl::Status AddRole(const std::string& id, const std::string& role,
                               Deadline deadline) = 0;
  // Idempotent. FailedPrecondition when the account does not exist.
  virtual absl::Status AddShopMembership(const std::string& user_id, const std::string& shop_id,
                                         const std::string& role, Deadline deadline) = 0;
  virtual absl::Status RemoveShopMembership(const std::string& user_id, const std::string& shop_id,
                                            Deadline deadline) = 0;
  // Removes personal data (email, name, password, memberships), marks the account erased and
  // revokes its refresh tokens, in one transaction. The row stays for legal records.
  virtual absl::Status EraseAccount(const std::string& id, Deadline deadline) = 0;

  virtual absl::Status InsertRefreshToken(const RefreshToken& token, Deadline deadline) = 0;
  // Marks the token spent and returns it as it was before (spent = true there means it had
  // already been used: a reuse). Atomic against concurrent spends. NotFound when unknown.
  virtual absl::StatusOr<RefreshToken> SpendRefreshToken(const std::string& token_hash,
                                                         Deadline deadline) = 0;
  virtual absl::Status RevokeFamily(const std::string& family_id, Deadline deadline) = 0;
  virtual absl::Status RevokeUserTokens(const std::string& user_id, Deadline deadline) = 0;
  // The family of a token (NotFound when unknown), for logout.
  virtual absl::StatusOr<RefreshToken> FindRefreshToken(const std::string& token_hash,
                                                        Deadline deadline) = 0;

  virtual absl::StatusOr<Partner> InsertPartner(const Partner& partner, Deadline deadline) = 0;
  virtual absl::StatusOr<std::vector<Partner>> ListPartners(Deadline deadline) = 0;
  // FailedPrecondition when the partner does not exist.
  virtual absl::StatusOr<PartnerKey> InsertPartnerKey(const PartnerKey& key, Deadline deadline) = 0;
  virtual absl::StatusOr<std::vector<PartnerKey>> ListPartnerKeys(const std::string& partner_id,
                                                                  Deadline deadline) = 0;
  // NotFound when the partner has no such key.
  virtual absl::Status RevokePartnerKey(const std::string& partner_id, const std::string& key_id,
                                        Deadline deadline) = 0;
  // NotFound when no key has this secret hash.
  virtual absl::StatusOr<PartnerKey> FindPartnerKeyByHash(const std::string& secret_hash,
                                                          Deadline deadline) = 0;
};

}  // namespace comptoir::accounts
