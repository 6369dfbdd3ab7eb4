#include "pg_accounts_repository.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace comptoir::accounts {
namespace {

// Arrays travel as comma-joined text: roles, shop ids and origins never contain commas
// (they are fixed names, UUIDs and validated origins), and libpqxx 6 has no array binding.
constexpr char kAccountColumns[] =
    "a.id::text, coalesce(a.email, ''), a.display_name, a.password_hash, "
    "array_to_string(a.roles, ','), "
    "coalesce((SELECT string_agg(m.shop_id::text, ',' ORDER BY m.create_time, m.shop_id) "
    "FROM accounts.shop_memberships m WHERE m.user_id = a.id), ''), "
    "(extract(epoch from a.create_time) * 1000000)::bigint, a.erase_time IS NOT NULL";

constexpr char kTokenColumns[] =
    "token_hash, user_id::text, family_id, (extract(epoch from expire_time) * 1000000)::bigint, "
    "spend_time IS NOT NULL, revoke_time IS NOT NULL";

constexpr char kKeyColumns[] =
    "id::text, partner_id::text, array_to_string(allowed_origins, ','), rate_tier, secret_hash, "
    "prefix, (extract(epoch from create_time) * 1000000)::bigint, "
    "(extract(epoch from revoke_time) * 1000000)::bigint";

std::vector<std::string> SplitList(const std::string& joined) {
  return absl::StrSplit(joined, ',', absl::SkipEmpty());
}

Account RowToAccount(const pqxx::row& row) {
  return Account{.id = row[0].as<std::string>(),
                 .email = row[1].as<std::string>(),
                 .display_name = row[2].as<std::string>(),
                 .password_hash = row[3].as<std::string>(),
                 .roles = SplitList(row[4].as<std::string>()),
                 .shop_ids = SplitList(row[5].as<std::string>()),
                 .create_time = absl::FromUnixMicros(row[6].as<int64_t>()),
                 .erased = row[7].as<bool>()};
}

RefreshToken RowToToken(const pqxx::row& row) {
  return RefreshToken{.token_hash = row[0].as<std::string>(),
                      .user_id = row[1].as<std::string>(),
                      .family_id = row[2].as<std::string>(),
                      .expires_at = absl::FromUnixMicros(row[3].as<int64_t>()),
                      .spent = row[4].as<bool>(),
                      .revoked = row[5].as<bool>()};
}

PartnerKey RowToKey(const pqxx::row& row) {
  PartnerKey key{.id = row[0].as<std::string>(),
                 .partner_id = row[1].as<std::string>(),
                 .allowed_origins = SplitList(row[2].as<std::string>()),
                 .rate_tier = row[3].as<std::string>(),
                 .secret_hash = row[4].as<std::string>(),
                 .prefix = row[5].as<std::string>(),
                 .create_time = absl::FromUnixMicros(row[6].as<int64_t>())};
  if (!row[7].is_null()) key.revoke_time = absl::FromUnixMicros(row[7].as<int64_t>());
  return key;
}

Partner RowToPartner(const pqxx::row& row) {
  return Partner{.id = row[0].as<std::string>(),
                 .name = row[1].as<std::string>(),
                 .create_time = absl::FromUnixMicros(row[2].as<int64_t>())};
}

}  // namespace

std::vector<common::PreparedStatement> PgAccountsRepository::Statements() {
  return {
      {"acc_insert",
       absl::StrCat("WITH a AS (INSERT INTO accounts.accounts (email, display_name, "
                    "password_hash, roles) VALUES ($1, $2, $3, string_to_array($4, ',')) "
                    "RETURNING *) SELECT ",
                    kAccountColumns, " FROM a")},
      {"acc_by_email", absl::StrCat("SELECT ", kAccountColumns,
                                    " FROM accounts.accounts a WHERE lower(a.email) = lower($1)")},
      {"acc_by_id",
       absl::StrCat("SELECT ", kAccountColumns, " FROM accounts.accounts a WHERE a.id = $1::uuid")},
      {"acc_set_password",
       "UPDATE accounts.accounts SET password_hash = $2, update_time = now() "
       "WHERE id = $1::uuid AND erase_time IS NULL"},
      {"acc_add_role",
       "UPDATE accounts.accounts SET roles = CASE WHEN $2 = ANY(roles) THEN roles "
       "ELSE roles || $2::text END, update_time = now() WHERE id = $1::uuid"},
      {"acc_add_membership",
       "INSERT INTO accounts.shop_memberships (user_id, shop_id, role) "
       "VALUES ($1::uuid, $2::uuid, $3) ON CONFLICT (user_id, shop_id) DO UPDATE SET role = $3"},
      {"acc_remove_membership",
       "DELETE FROM accounts.shop_memberships WHERE user_id = $1::uuid AND shop_id = $2::uuid"},
      {"acc_erase",
       "UPDATE accounts.accounts SET email = NULL, display_name = '', password_hash = '', "
       "roles = ARRAY['resident'], erase_time = coalesce(erase_time, now()), "
       "update_time = now() WHERE id = $1::uuid"},
      {"acc_erase_memberships", "DELETE FROM accounts.shop_memberships WHERE user_id = $1::uuid"},
      {"acc_token_insert",
       "INSERT INTO accounts.refresh_tokens (token_hash, user_id, family_id, expire_time) "
       "VALUES ($1, $2::uuid, $3, timestamptz 'epoch' + $4::bigint * interval '1 microsecond')"},
      {"acc_token_lock",
       absl::StrCat("SELECT ", kTokenColumns,
                    " FROM accounts.refresh_tokens WHERE token_hash = $1 FOR UPDATE")},
      {"acc_token_spend",
       "UPDATE accounts.refresh_tokens SET spend_time = coalesce(spend_time, now()) "
       "WHERE token_hash = $1"},
      {"acc_token_find", absl::StrCat("SELECT ", kTokenColumns,
                                      " FROM accounts.refresh_tokens WHERE token_hash = $1")},
      {"acc_revoke_family",
       "UPDATE accounts.refresh_tokens SET revoke_time = now() "
       "WHERE family_id = $1 AND revoke_time IS NULL"},
      {"acc_revoke_user",
       "UPDATE accounts.refresh_tokens SET revoke_time = now() "
       "WHERE user_id = $1::uuid AND revoke_time IS NULL"},
      {"acc_partner_insert",
       "INSERT INTO accounts.partners (name) VALUES ($1) RETURNING id::text, name, "
       "(extract(epoch from create_time) * 1000000)::bigint"},
      {"acc_partner_list",
       "SELECT id::text, name, (extract(epoch from create_time) * 1000000)::bigint "
       "FROM accounts.partners ORDER BY create_time, id LIMIT 1000"},
      {"acc_key_insert",
       absl::StrCat("INSERT INTO accounts.partner_keys (partner_id, secret_hash, prefix, "
                    "allowed_origins, rate_tier) VALUES ($1::uuid, $2, $3, "
                    "string_to_array($4, ','), $5) RETURNING ",
                    kKeyColumns)},
      {"acc_key_list", absl::StrCat("SELECT ", kKeyColumns,
                                    " FROM accounts.partner_keys WHERE partner_id = $1::uuid "
                                    "ORDER BY create_time, id LIMIT 1000")},
      {"acc_key_revoke",
       "UPDATE accounts.partner_keys SET revoke_time = coalesce(revoke_time, now()) "
       "WHERE partner_id = $1::uuid AND id = $2::uuid"},
      {"acc_key_by_hash",
       absl::StrCat("SELECT ", kKeyColumns, " FROM accounts.partner_keys WHERE secret_hash = $1")},
  };
}

absl::StatusOr<Account> PgAccountsRepository::InsertAccount(const Account& account,
                                                            Deadline deadline) {
  return pool_.Run<Account>(deadline, [&](pqxx::work& tx) -> absl::StatusOr<Account> {
    pqxx::result r = tx.exec_prepared("acc_insert", account.email, account.display_name,
                                      account.password_hash, absl::StrJoin(account.roles, ","));
    return RowToAccount(r[0]);
  });
}

absl::StatusOr<Account> PgAccountsRepository::FindAccountByEmail(const std::string& email,
                                                                 Deadline deadline) {
  return pool_.Run<Account>(deadline, [&](pqxx::work& tx) -> absl::StatusOr<Account> {
    pqxx::result r = tx.exec_prepared("acc_by_email", email);
    if (r.empty()) return absl::NotFoundError("no such account");
    return RowToAccount(r[0]);
  });
}

absl::StatusOr<Account> PgAccountsRepository::FindAccountById(const std::string& id,
                                                              Deadline deadline) {
  return pool_.Run<Account>(deadline, [&](pqxx::work& tx) -> absl::StatusOr<Account> {
    pqxx::result r = tx.exec_prepared("acc_by_id", id);
    if (r.empty()) return absl::NotFoundError("no such account");
    return RowToAccount(r[0]);
  });
}

absl::Status PgAccountsRepository::UpdatePasswordHash(const std::string& id,
                                                      const std::string& hash, Deadline deadline) {
  return pool_.RunStatus(deadline, [&](pqxx::work& tx) -> absl::Status {
    pqxx::result r = tx.exec_prepared("acc_set_password", id, hash);
    if (r.affected_rows() == 0) return absl::NotFoundError("no such account");
    return absl::OkStatus();
  });
}

absl::Status PgAccountsRepository::AddRole(const std::string& id, const std::string& role,
                                           Deadline deadline) {
  return pool_.RunStatus(deadline, [&](pqxx::work& tx) -> absl::Status {
    pqxx::result r = tx.exec_prepared("acc_add_role", id, role);
    if (r.affected_rows() == 0) return absl::NotFoundError("no such account");
    return absl::OkStatus();
  });
}

absl::Status PgAccountsRepository::AddShopMembership(const std::string& user_id,
                                                     const std::string& shop_id,
                                                     const std::string& role, Deadline deadline) {
  return pool_.RunStatus(deadline, [&](pqxx::work& tx) -> absl::Status {
    tx.exec_prepared("acc_add_membership", user_id, shop_id, role);
    return absl::OkStatus();
  });
}

absl::Status PgAccountsRepository::RemoveShopMembership(const std::string& user_id,
                                                        const std::string& shop_id,
                                                        Deadline deadline) {
  return pool_.RunStatus(deadline, [&](pqxx::work& tx) -> absl::Status {
    tx.exec_prepared("acc_remove_membership", user_id, shop_id);
    return absl::OkStatus();
  });
}

absl::Status PgAccountsRepository::EraseAccount(const std::string& id, Deadline deadline) {
  return pool_.RunStatus(deadline, [&](pqxx::work& tx) -> absl::Status {
    pqxx::result r = tx.exec_prepared("acc_erase", id);
    if (r.affected_rows() == 0) return absl::NotFoundError("no such account");
    tx.exec_prepared("acc_erase_memberships", id);
    tx.exec_prepared("acc_revoke_user", id);
    return absl::OkStatus();
  });
}

absl::Status PgAccountsRepository::InsertRefreshToken(const RefreshToken& token,
                                                      Deadline deadline) {
  return pool_.RunStatus(deadline, [&](pqxx::work& tx) -> absl::Status {
    tx.exec_prepared("acc_token_insert", token.token_hash, token.user_id, token.family_id,
                     absl::ToUnixMicros(token.expires_at));
    return absl::OkStatus();
  });
}

absl::StatusOr<RefreshToken> PgAccountsRepository::SpendRefreshToken(const std::string& token_hash,
                                                                     Deadline deadline) {
  return pool_.Run<RefreshToken>(deadline, [&](pqxx::work& tx) -> absl::StatusOr<RefreshToken> {
    // The row lock makes two concurrent spends of one token line up: the second sees it spent.
    pqxx::result r = tx.exec_prepared("acc_token_lock", token_hash);
    if (r.empty()) return absl::NotFoundError("no such refresh token");
    RefreshToken before = RowToToken(r[0]);
    tx.exec_prepared("acc_token_spend", token_hash);
    return before;
  });
}

absl::Status PgAccountsRepository::RevokeFamily(const std::string& family_id, Deadline deadline) {
  return pool_.RunStatus(deadline, [&](pqxx::work& tx) -> absl::Status {
    tx.exec_prepared("acc_revoke_family", family_id);
    return absl::OkStatus();
  });
}

absl::Status PgAccountsRepository::RevokeUserTokens(const std::string& user_id, Deadline deadline) {
  return pool_.RunStatus(deadline, [&](pqxx::work& tx) -> absl::Status {
    tx.exec_prepared("acc_revoke_user", user_id);
    return absl::OkStatus();
  });
}

absl::StatusOr<RefreshToken> PgAccountsRepository::FindRefreshToken(const std::string& token_hash,
                                                                    Deadline deadline) {
  return pool_.Run<RefreshToken>(deadline, [&](pqxx::work& tx) -> absl::StatusOr<RefreshToken> {
    pqxx::result r = tx.exec_prepared("acc_token_find", token_hash);
    if (r.empty()) return absl::NotFoundError("no such refresh token");
    return RowToToken(r[0]);
  });
}

absl::StatusOr<Partner> PgAccountsRepository::InsertPartner(const Partner& partner,
                                                            Deadline deadline) {
  return pool_.Run<Partner>(deadline, [&](pqxx::work& tx) -> absl::StatusOr<Partner> {
    pqxx::result r = tx.exec_prepared("acc_partner_insert", partner.name);
    return RowToPartner(r[0]);
  });
}

absl::StatusOr<std::vector<Partner>> PgAccountsRepository::ListPartners(Deadline deadline) {
  return pool_.Run<std::vector<Partner>>(
      deadline, [&](pqxx::work& tx) -> absl::StatusOr<std::vector<Partner>> {
        std::vector<Partner> out;
        for (const pqxx::row& row : tx.exec_prepared("acc_partner_list")) {
          out.push_back(RowToPartner(row));
        }
        return out;
      });
}

absl::StatusOr<PartnerKey> PgAccountsRepository::InsertPartnerKey(const PartnerKey& key,
                                                                  Deadline deadline) {
  return pool_.Run<PartnerKey>(deadline, [&](pqxx::work& tx) -> absl::StatusOr<PartnerKey> {
    pqxx::result r = tx.exec_prepared("acc_key_insert", key.partner_id, key.secret_hash, key.prefix,
                                      absl::StrJoin(key.allowed_origins, ","), key.rate_tier);
    return RowToKey(r[0]);
  });
}

absl::StatusOr<std::vector<PartnerKey>> PgAccountsRepository::ListPartnerKeys(
    const std::string& partner_id, Deadline deadline) {
  return pool_.Run<std::vector<PartnerKey>>(
      deadline, [&](pqxx::work& tx) -> absl::StatusOr<std::vector<PartnerKey>> {
        std::vector<PartnerKey> out;
        for (const pqxx::row& row : tx.exec_prepared("acc_key_list", partner_id)) {
          out.push_back(RowToKey(row));
        }
        return out;
      });
}

absl::Status PgAccountsRepository::RevokePartnerKey(const std::string& partner_id,
                                                    const std::string& key_id, Deadline deadline) {
  return pool_.RunStatus(deadline, [&](pqxx::work& tx) -> absl::Status {
    pqxx::result r = tx.exec_prepared("acc_key_revoke", partner_id, key_id);
    if (r.affected_rows() == 0) return absl::NotFoundError("no such partner key");
    return absl::OkStatus();
  });
}

absl::StatusOr<PartnerKey> PgAccountsRepository::FindPartnerKeyByHash(
    const std::string& secret_hash, Deadline deadline) {
  return pool_.Run<PartnerKey>(deadline, [&](pqxx::work& tx) -> absl::StatusOr<PartnerKey> {
    pqxx::result r = tx.exec_prepared("acc_key_by_hash", secret_hash);
    if (r.empty()) return absl::NotFoundError("no such partner key");
    return RowToKey(r[0]);
  });
}

}  // namespace comptoir::accounts
