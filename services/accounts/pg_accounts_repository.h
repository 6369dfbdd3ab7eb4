// AccountsRepository on PostgreSQL (the `accounts` schema). Thread-safe (the pool is).
#pragma once

#include <vector>

#include "accounts_repository.h"
#include "comptoir/common/embedded_file.h"
#include "comptoir/common/pg_pool.h"

namespace comptoir::accounts {

// The schema migrations of the `accounts` schema, compiled into the binary.
std::vector<common::EmbeddedFile> Migrations();

class PgAccountsRepository : public AccountsRepository {
 public:
  explicit PgAccountsRepository(common::PgPool& pool) : pool_(pool) {}

  // The named statements this repository runs; give them to the pool's options.
  static std::vector<common::PreparedStatement> Statements();

  absl::StatusOr<Account> InsertAccount(const Account& account, Deadline deadline) override;
  absl::StatusOr<Account> FindAccountByEmail(const std::string& email, Deadline deadline) override;
  absl::StatusOr<Account> FindAccountById(const std::string& id, Deadline deadline) override;
  absl::Status UpdatePasswordHash(const std::string& id, const std::string& hash,
                                  Deadline deadline) override;
  absl::Status AddRole(const std::string& id, const std::string& role, Deadline deadline) override;
  absl::Status AddShopMembership(const std::string& user_id, const std::string& shop_id,
                                 const std::string& role, Deadline deadline) override;
  absl::Status RemoveShopMembership(const std::string& user_id, const std::string& shop_id,
                                    Deadline deadline) override;
  absl::Status EraseAccount(const std::string& id, Deadline deadline) override;
  absl::Status InsertRefreshToken(const RefreshToken& token, Deadline deadline) override;
  absl::StatusOr<RefreshToken> SpendRefreshToken(const std::string& token_hash,
                                                 Deadline deadline) override;
  absl::Status RevokeFamily(const std::string& family_id, Deadline deadline) override;
  absl::Status RevokeUserTokens(const std::string& user_id, Deadline deadline) override;
  absl::StatusOr<RefreshToken> FindRefreshToken(const std::string& token_hash,
                                                Deadline deadline) override;
  absl::StatusOr<Partner> InsertPartner(const Partner& partner, Deadline deadline) override;
  absl::StatusOr<std::vector<Partner>> ListPartners(Deadline deadline) override;
  absl::StatusOr<PartnerKey> InsertPartnerKey(const PartnerKey& key, Deadline deadline) override;
  absl::StatusOr<std::vector<PartnerKey>> ListPartnerKeys(const std::string& partner_id,
                                                          Deadline deadline) override;
  absl::Status RevokePartnerKey(const std::string& partner_id, const std::string& key_id,
                                Deadline deadline) override;
  absl::StatusOr<PartnerKey> FindPartnerKeyByHash(const std::string& secret_hash,
                                                  Deadline deadline) override;

 private:
  common::PgPool& pool_;
};

}  // namespace comptoir::accounts
