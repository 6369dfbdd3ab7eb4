// Accounts as the domain knows them, independent of gRPC and SQL. Plain values.
#pragma once

#include <string>
#include <vector>

#include "absl/time/time.h"

namespace comptoir::accounts {

struct Account {
  std::string id{};     // UUID, assigned by storage
  std::string email{};  // lower-cased; empty once erased
  std::string display_name{};
  std::string password_hash{};  // Argon2id PHC string; empty once erased
  std::vector<std::string> roles{};
  std::vector<std::string> shop_ids{};
  absl::Time create_time{};
  bool erased = false;
};

// A refresh token as stored: only its SHA-256, never the token itself.
struct RefreshToken {
  std::string token_hash{};  // hex SHA-256 of the token
  std::string user_id{};
  std::string family_id{};  // every token descending from one login shares it
  absl::Time expires_at{};
  bool spent = false;    // already traded for a new session
  bool revoked = false;  // logged out, or its family was revoked
};

struct Partner {
  std::string id{};
  std::string name{};
  absl::Time create_time{};
};

struct PartnerKey {
  std::string id{};
  std::string partner_id{};
  std::vector<std::string> allowed_origins{};
  std::string rate_tier{};    // "basic" | "high"
  std::string secret_hash{};  // hex SHA-256 of the secret
  std::string prefix{};       // first characters of the secret, for people to recognise it
  absl::Time create_time{};
  absl::Time revoke_time = absl::InfinitePast();  // InfinitePast: active
  bool revoked() const { return revoke_time != absl::InfinitePast(); }
};

}  // namespace comptoir::accounts
