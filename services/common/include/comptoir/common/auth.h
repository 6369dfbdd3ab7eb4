// Who is calling, and may they? Access tokens are compact JWS (JWT) signed with Ed25519
// ("alg":"EdDSA" only) by the accounts service; every service verifies them itself with the
// public keys, and the gateway does too to reject early. Handlers make their checks one line:
//
//   ASSIGN_OR_RETURN(Caller caller, CallerOf(*context, verifier));   // anonymous if no token
//   RETURN_IF_ERROR(RequireShopMember(caller, shop_id));             // 401 / 403 otherwise
//
// Internal-only gRPC services (stock reservation, slot booking, event handlers) require the
// internal service credential instead (RequireInternal). Thread-safe: verifiers are immutable.
#pragma once

#include <grpcpp/server_context.h>
#include <grpcpp/support/callback_common.h>

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace comptoir::common {

class EnvConfig;

// Role names carried in tokens.
inline constexpr char kRoleResident[] = "resident";  // every account
inline constexpr char kRoleCourier[] = "courier";
inline constexpr char kRoleAdmin[] = "admin";  // region admin

// gRPC metadata keys.
inline constexpr char kAuthorizationHeader[] = "authorization";             // "Bearer <token>"
inline constexpr char kInternalCredentialHeader[] = "x-comptoir-internal";  // shared secret

// The verified identity behind a call. Default-constructed: anonymous.
struct Caller {
  std::string user_id;                // UUID; empty when anonymous
  std::vector<std::string> roles;     // e.g. {"resident", "admin"}
  std::vector<std::string> shop_ids;  // shops the user is a member of (owner or staff)
  absl::Time expires_at = absl::InfinitePast();

  bool authenticated() const { return !user_id.empty(); }
  bool HasRole(std::string_view role) const;
  bool MemberOf(std::string_view shop_id) const;
};

// What a token says, before and after signing.
struct TokenClaims {
  std::string subject;  // user id
  std::vector<std::string> roles;
  std::vector<std::string> shop_ids;
  std::string issuer;
  std::string audience;
  absl::Time issued_at;
  absl::Time not_before;
  absl::Time expires_at;
  std::string token_id;  // jti: random, for logs and revocation lists
};

// An Ed25519 key pair; keys are raw libsodium bytes (32-byte public, 64-byte secret).
struct SigningKey {
  std::string key_id;
  std::string public_key;
  std::string secret_key;
};
// A fresh random key pair with the given key id.
SigningKey GenerateSigningKey(std::string key_id);

// Key lists as carried in the environment. AUTH_SIGNING_KEYS (accounts only):
// "kid1:BASE64URL(64-byte secret key),kid2:..." (the first one signs); AUTH_PUBLIC_KEYS:
// "kid1:BASE64URL(32-byte public key),...". InvalidArgument (never echoing key material) when
// an entry is malformed, a key id repeats or the list is empty.
absl::StatusOr<std::vector<SigningKey>> ParseSigningKeys(std::string_view text);
absl::StatusOr<std::map<std::string, std::string>> ParsePublicKeys(std::string_view text);
// One entry of each list, in the formats above.
std::string FormatSigningKey(const SigningKey& key);
std::string FormatPublicKey(const SigningKey& key);

// Base64url without padding (RFC 7515 section 2); decoding refuses padding and other alphabets.
std::string Base64UrlEncode(std::string_view bytes);
absl::StatusOr<std::string> Base64UrlDecode(std::string_view text);

// Signs tokens with one key (the newest); used by the accounts service only.
class TokenSigner {
 public:
  explicit TokenSigner(SigningKey key) : key_(std::move(key)) {}
  // The compact JWS "header.payload.signature" (base64url, no padding).
  std::string Sign(const TokenClaims& claims) const;
  const std::string& key_id() const { return key_.key_id; }

 private:
  SigningKey key_;
};

struct TokenVerifierOptions {
  std::string issuer = "comptoir-accounts";
  std::string audience = "comptoir";
  std::map<std::string, std::string> public_keys;  // key id -> 32-byte Ed25519 public key
  absl::Duration leeway = absl::Seconds(30);       // clock skew tolerated on exp / nbf
  std::function<absl::Time()> now = [] { return absl::Now(); };
};

class TokenVerifier {
 public:
  explicit TokenVerifier(TokenVerifierOptions options) : options_(std::move(options)) {}

  // Reads AUTH_ISSUER, AUTH_AUDIENCE and AUTH_PUBLIC_KEYS ("kid1:BASE64URL,kid2:BASE64URL",
  // several keys accepted at once during a rotation). Problems are recorded in `env`.
  static TokenVerifier FromEnv(EnvConfig& env);

  // The caller named by a valid token; Unauthenticated (with a message that does not echo the
  // token) when the token is malformed, not EdDSA, signed by an unknown key or another key,
  // expired, not yet valid, or for another issuer or audience.
  absl::StatusOr<Caller> Verify(std::string_view token) const;

 private:
  TokenVerifierOptions options_;
};

// The caller of a gRPC call: anonymous without an authorization header, else the verified
// bearer token's subject (Unauthenticated when the header is present but not valid).
absl::StatusOr<Caller> CallerOf(const grpc::CallbackServerContext& context,
                                const TokenVerifier& verifier);

// One-line checks for handlers. Unauthenticated when anonymous, PermissionDenied when the
// caller is known but not allowed.
absl::Status RequireAuthenticated(const Caller& caller);
absl::Status RequireRole(const Caller& caller, std::string_view role);
absl::Status RequireShopMember(const Caller& caller, std::string_view shop_id);  // admins pass
absl::Status RequireSelfOrAdmin(const Caller& caller, std::string_view user_id);

// Internal services: the call must carry the internal credential (constant-time compare).
// Read from INTERNAL_CREDENTIAL; a service refuses to start without it.
absl::Status RequireInternal(const grpc::CallbackServerContext& context,
                             const std::string& internal_credential);

}  // namespace comptoir::common
