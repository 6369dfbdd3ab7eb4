#include "comptoir/common/auth.h"

#include <sodium.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "comptoir/common/config.h"
#include "comptoir/common/log.h"
#include "comptoir/common/status.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"

namespace comptoir::common {
namespace {

// Tokens are a few hundred bytes; anything far larger is not ours and not worth parsing.
constexpr std::size_t kMaxTokenBytes = 8192;

void EnsureSodium() {
  static const bool ready = sodium_init() >= 0;
  if (!ready) std::abort();  // no secure random source: nothing safe can run
}

const unsigned char* Bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

// One message for every refusal of a token's form or signature, so a caller probing the
// verifier learns nothing about which check failed.
absl::Status InvalidToken() { return absl::UnauthenticatedError("invalid access token"); }

std::string JsonStringArray(const std::vector<std::string>& items) {
  std::string out = "[";
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ",";
    out += JsonQuote(items[i]);
  }
  return out + "]";
}

absl::StatusOr<google::protobuf::Struct> ParseJsonObject(std::string_view json) {
  google::protobuf::Struct object;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  auto status = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(json.data(), json.size()), &object, options);
  if (!status.ok()) return InvalidToken();
  return object;
}

const google::protobuf::Value* Field(const google::protobuf::Struct& object,
                                     const std::string& name) {
  auto it = object.fields().find(name);
  return it == object.fields().end() ? nullptr : &it->second;
}

absl::StatusOr<std::string> StringField(const google::protobuf::Struct& object,
                                        const std::string& name) {
  const google::protobuf::Value* value = Field(object, name);
  if (value == nullptr || value->kind_case() != google::protobuf::Value::kStringValue) {
    return InvalidToken();
  }
  return value->string_value();
}

// NumericDate (RFC 7519): whole seconds since the epoch.
absl::StatusOr<absl::Time> TimeField(const google::protobuf::Struct& object,
                                     const std::string& name) {
  const google::protobuf::Value* value = Field(object, name);
  if (value == nullptr || value->kind_case() != google::protobuf::Value::kNumberValue) {
    return InvalidToken();
  }
  double seconds = value->number_value();
  if (!std::isfinite(seconds) || seconds < 0 || seconds > 1e11) return InvalidToken();
  return absl::FromUnixSeconds(static_cast<int64_t>(seconds));
}

absl::StatusOr<std::vector<std::string>> StringListField(const google::protobuf::Struct& object,
                                                         const std::string& name) {
  std::vector<std::string> out;
  const google::protobuf::Value* value = Field(object, name);
  if (value == nullptr) return out;  // absent list: empty
  if (value->kind_case() != google::protobuf::Value::kListValue) return InvalidToken();
  for (const auto& item : value->list_value().values()) {
    if (item.kind_case() != google::protobuf::Value::kStringValue) return InvalidToken();
    out.push_back(item.string_value());
  }
  return out;
}

// "aud" may be one string or a list of strings (RFC 7519 section 4.1.3).
bool AudienceMatches(const google::protobuf::Struct& object, const std::string& audience) {
  const google::protobuf::Value* value = Field(object, "aud");
  if (value == nullptr) return false;
  if (value->kind_case() == google::protobuf::Value::kStringValue) {
    return value->string_value() == audience;
  }
  if (value->kind_case() == google::protobuf::Value::kListValue) {
    for (const auto& item : value->list_value().values()) {
      if (item.kind_case() == google::protobuf::Value::kStringValue &&
          item.string_value() == audience) {
        return true;
      }
    }
  }
  return false;
}

// Splits "kid:value,kid:value" into pairs; no key material in error messages.
absl::StatusOr<std::vector<std::pair<std::string, std::string>>> SplitKeyList(
    std::string_view text, std::string_view what) {
  std::vector<std::pair<std::string, std::string>> out;
  std::set<std::string> seen;
  for (absl::string_view entry :
       absl::StrSplit(absl::string_view(text.data(), text.size()), ',', absl::SkipWhitespace())) {
    entry = absl::StripAsciiWhitespace(entry);
    std::vector<absl::string_view> parts = absl::StrSplit(entry, absl::MaxSplits(':', 1));
    if (parts.size() != 2 || parts[0].empty() || parts[1].empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          std::string(what.data(), what.size()), ": every entry must be \"kid:base64url-key\""));
    }
    std::string kid(parts[0]);
    if (!seen.insert(kid).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(std::string(what.data(), what.size()), ": key id \"", kid, "\" repeats"));
    }
    out.emplace_back(std::move(kid), std::string(parts[1]));
  }
  if (out.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(std::string(what.data(), what.size()), ": no key"));
  }
  return out;
}

}  // namespace

// --- base64url -----------------------------------------------------------------------------

std::string Base64UrlEncode(std::string_view bytes) {
  EnsureSodium();
  const int variant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
  std::string out(sodium_base64_ENCODED_LEN(bytes.size(), variant), '\0');
  sodium_bin2base64(out.data(), out.size(), Bytes(bytes), bytes.size(), variant);
  out.resize(std::char_traits<char>::length(out.c_str()));
  return out;
}

absl::StatusOr<std::string> Base64UrlDecode(std::string_view text) {
  EnsureSodium();
  std::string out(text.size() * 3 / 4 + 1, '\0');
  std::size_t length = 0;
  const char* end = nullptr;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(),
                        text.size(), nullptr, &length, &end,
                        sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
      end != text.data() + text.size()) {
    return absl::InvalidArgumentError("not base64url without padding");
  }
  out.resize(length);
  return out;
}

// --- keys ----------------------------------------------------------------------------------

SigningKey GenerateSigningKey(std::string key_id) {
  EnsureSodium();
  SigningKey key{.key_id = std::move(key_id),
                 .public_key = std::string(crypto_sign_PUBLICKEYBYTES, '\0'),
                 .secret_key = std::string(crypto_sign_SECRETKEYBYTES, '\0')};
  crypto_sign_keypair(reinterpret_cast<unsigned char*>(key.public_key.data()),
                      reinterpret_cast<unsigned char*>(key.secret_key.data()));
  return key;
}

absl::StatusOr<std::vector<SigningKey>> ParseSigningKeys(std::string_view text) {
  EnsureSodium();
  ASSIGN_OR_RETURN(auto entries, SplitKeyList(text, "AUTH_SIGNING_KEYS"));
  std::vector<SigningKey> keys;
  for (auto& [kid, encoded] : entries) {
    absl::StatusOr<std::string> secret = Base64UrlDecode(encoded);
    if (!secret.ok() || secret->size() != crypto_sign_SECRETKEYBYTES) {
      return absl::InvalidArgumentError(absl::StrCat(
          "AUTH_SIGNING_KEYS: key \"", kid, "\" is not a base64url 64-byte Ed25519 secret key"));
    }
    SigningKey key{.key_id = kid,
                   .public_key = std::string(crypto_sign_PUBLICKEYBYTES, '\0'),
                   .secret_key = std::move(*secret)};
    crypto_sign_ed25519_sk_to_pk(reinterpret_cast<unsigned char*>(key.public_key.data()),
                                 Bytes(key.secret_key));
    keys.push_back(std::move(key));
  }
  return keys;
}

absl::StatusOr<std::map<std::string, std::string>> ParsePublicKeys(std::string_view text) {
  ASSIGN_OR_RETURN(auto entries, SplitKeyList(text, "AUTH_PUBLIC_KEYS"));
  std::map<std::string, std::string> keys;
  for (auto& [kid, encoded] : entries) {
    absl::StatusOr<std::string> public_key = Base64UrlDecode(encoded);
    if (!public_key.ok() || public_key->size() != crypto_sign_PUBLICKEYBYTES) {
      return absl::InvalidArgumentError(absl::StrCat(
          "AUTH_PUBLIC_KEYS: key \"", kid, "\" is not a base64url 32-byte Ed25519 public key"));
    }
    keys.emplace(kid, std::move(*public_key));
  }
  return keys;
}

std::string FormatSigningKey(const SigningKey& key) {
  return absl::StrCat(key.key_id, ":", Base64UrlEncode(key.secret_key));
}

std::string FormatPublicKey(const SigningKey& key) {
  return absl::StrCat(key.key_id, ":", Base64UrlEncode(key.public_key));
}

// --- signing -------------------------------------------------------------------------------

std::string TokenSigner::Sign(const TokenClaims& claims) const {
  EnsureSodium();
  std::string header =
      absl::StrCat(R"({"alg":"EdDSA","typ":"JWT","kid":)", JsonQuote(key_.key_id), "}");
  std::string payload = absl::StrCat(
      "{\"sub\":", JsonQuote(claims.subject), ",\"roles\":", JsonStringArray(claims.roles),
      ",\"shops\":", JsonStringArray(claims.shop_ids), ",\"iss\":", JsonQuote(claims.issuer),
      ",\"aud\":", JsonQuote(claims.audience), ",\"iat\":", absl::ToUnixSeconds(claims.issued_at),
      ",\"nbf\":", absl::ToUnixSeconds(claims.not_before),
      ",\"exp\":", absl::ToUnixSeconds(claims.expires_at), ",\"jti\":", JsonQuote(claims.token_id),
      "}");
  std::string signing_input = absl::StrCat(Base64UrlEncode(header), ".", Base64UrlEncode(payload));
  unsigned char signature[crypto_sign_BYTES];
  crypto_sign_detached(signature, nullptr, Bytes(signing_input), signing_input.size(),
                       Bytes(key_.secret_key));
  return absl::StrCat(signing_input, ".",
                      Base64UrlEncode(std::string_view(reinterpret_cast<const char*>(signature),
                                                       sizeof signature)));
}

// --- verification --------------------------------------------------------------------------

TokenVerifier TokenVerifier::FromEnv(EnvConfig& env) {
  TokenVerifierOptions options;
  options.issuer = env.String("AUTH_ISSUER", options.issuer);
  options.audience = env.String("AUTH_AUDIENCE", options.audience);
  std::string keys = env.Required("AUTH_PUBLIC_KEYS");
  if (!keys.empty()) {
    absl::StatusOr<std::map<std::string, std::string>> parsed = ParsePublicKeys(keys);
    if (parsed.ok()) {
      options.public_keys = std::move(*parsed);
    } else {
      env.AddError(std::string(parsed.status().message()));
    }
  }
  return TokenVerifier(std::move(options));
}

absl::StatusOr<Caller> TokenVerifier::Verify(std::string_view token) const {
  EnsureSodium();
  if (token.empty() || token.size() > kMaxTokenBytes) return InvalidToken();
  std::vector<absl::string_view> parts =
      absl::StrSplit(absl::string_view(token.data(), token.size()), '.');
  if (parts.size() != 3) return InvalidToken();

  absl::StatusOr<std::string> header_json = Base64UrlDecode({parts[0].data(), parts[0].size()});
  if (!header_json.ok()) return InvalidToken();
  ASSIGN_OR_RETURN(google::protobuf::Struct header, ParseJsonObject(*header_json));
  // Only EdDSA: "none", HS256 (public key used as an HMAC secret) and every other algorithm
  // are refused before any key is looked at.
  absl::StatusOr<std::string> alg = StringField(header, "alg");
  if (!alg.ok() || *alg != "EdDSA") return InvalidToken();
  absl::StatusOr<std::string> kid = StringField(header, "kid");
  if (!kid.ok()) return InvalidToken();
  auto key = options_.public_keys.find(*kid);
  if (key == options_.public_keys.end() || key->second.size() != crypto_sign_PUBLICKEYBYTES) {
    return InvalidToken();
  }

  absl::StatusOr<std::string> signature = Base64UrlDecode({parts[2].data(), parts[2].size()});
  if (!signature.ok() || signature->size() != crypto_sign_BYTES) return InvalidToken();
  const std::size_t signed_length = parts[0].size() + 1 + parts[1].size();
  if (crypto_sign_verify_detached(Bytes(*signature), Bytes(token), signed_length,
                                  Bytes(key->second)) != 0) {
    return InvalidToken();
  }

  // The signature holds: the payload is ours, now check what it says.
  absl::StatusOr<std::string> payload_json = Base64UrlDecode({parts[1].data(), parts[1].size()});
  if (!payload_json.ok()) return InvalidToken();
  ASSIGN_OR_RETURN(google::protobuf::Struct payload, ParseJsonObject(*payload_json));
  ASSIGN_OR_RETURN(std::string issuer, StringField(payload, "iss"));
  if (issuer != options_.issuer)
    return absl::UnauthenticatedError("access token from another issuer");
  if (!AudienceMatches(payload, options_.audience)) {
    return absl::UnauthenticatedError("access token for another audience");
  }
  ASSIGN_OR_RETURN(absl::Time expires_at, TimeField(payload, "exp"));
  const absl::Time now = options_.now();
  if (now >= expires_at + options_.leeway) {
    return absl::UnauthenticatedError("access token expired");
  }
  if (Field(payload, "nbf") != nullptr) {
    ASSIGN_OR_RETURN(absl::Time not_before, TimeField(payload, "nbf"));
    if (now + options_.leeway < not_before) {
      return absl::UnauthenticatedError("access token not yet valid");
    }
  }
  Caller caller;
  ASSIGN_OR_RETURN(caller.user_id, StringField(payload, "sub"));
  if (caller.user_id.empty()) return InvalidToken();
  ASSIGN_OR_RETURN(caller.roles, StringListField(payload, "roles"));
  ASSIGN_OR_RETURN(caller.shop_ids, StringListField(payload, "shops"));
  caller.expires_at = expires_at;
  return caller;
}

// --- caller and checks ---------------------------------------------------------------------

bool Caller::HasRole(std::string_view role) const {
  return std::find(roles.begin(), roles.end(), role) != roles.end();
}

bool Caller::MemberOf(std::string_view shop_id) const {
  return std::find(shop_ids.begin(), shop_ids.end(), shop_id) != shop_ids.end();
}

absl::StatusOr<Caller> CallerOf(const grpc::CallbackServerContext& context,
                                const TokenVerifier& verifier) {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find(kAuthorizationHeader);
  if (it == metadata.end()) return Caller{};
  std::string_view value(it->second.data(), it->second.size());
  constexpr std::string_view kBearer = "Bearer ";
  if (value.size() <= kBearer.size() ||
      !std::equal(kBearer.begin(), kBearer.end(), value.begin(),
                  [](char a, char b) { return std::tolower(a) == std::tolower(b); })) {
    return absl::UnauthenticatedError("authorization must be \"Bearer <access token>\"");
  }
  value.remove_prefix(kBearer.size());
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  return verifier.Verify(value);
}

absl::Status RequireAuthenticated(const Caller& caller) {
  if (!caller.authenticated()) return absl::UnauthenticatedError("sign in first");
  return absl::OkStatus();
}

absl::Status RequireRole(const Caller& caller, std::string_view role) {
  RETURN_IF_ERROR(RequireAuthenticated(caller));
  if (!caller.HasRole(role)) {
    return absl::PermissionDeniedError(
        absl::StrCat("requires the ", std::string(role.data(), role.size()), " role"));
  }
  return absl::OkStatus();
}

absl::Status RequireShopMember(const Caller& caller, std::string_view shop_id) {
  RETURN_IF_ERROR(RequireAuthenticated(caller));
  if (caller.HasRole(kRoleAdmin) || caller.MemberOf(shop_id)) return absl::OkStatus();
  return absl::PermissionDeniedError("not a member of this shop");
}

absl::Status RequireSelfOrAdmin(const Caller& caller, std::string_view user_id) {
  RETURN_IF_ERROR(RequireAuthenticated(caller));
  if (caller.user_id == user_id || caller.HasRole(kRoleAdmin)) return absl::OkStatus();
  return absl::PermissionDeniedError("not your account");
}

absl::Status RequireInternal(const grpc::CallbackServerContext& context,
                             const std::string& internal_credential) {
  EnsureSodium();
  // An unset credential must never let an empty header through.
  if (internal_credential.empty()) {
    return absl::PermissionDeniedError("internal credential not configured");
  }
  const auto& metadata = context.client_metadata();
  auto it = metadata.find(kInternalCredentialHeader);
  if (it == metadata.end()) return absl::PermissionDeniedError("internal service only");
  // Compare SHA-256 digests in constant time, so neither content nor length leaks by timing.
  unsigned char given[crypto_hash_sha256_BYTES];
  unsigned char expected[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(given, reinterpret_cast<const unsigned char*>(it->second.data()),
                     it->second.size());
  crypto_hash_sha256(expected, Bytes(internal_credential), internal_credential.size());
  if (sodium_memcmp(given, expected, sizeof given) != 0) {
    return absl::PermissionDeniedError("internal service only");
  }
  return absl::OkStatus();
}

}  // namespace comptoir::common
