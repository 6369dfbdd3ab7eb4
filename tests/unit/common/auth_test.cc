// Token verification refuses every token that the accounts service did not sign for us now,
// and the one-line checks answer 401 / 403 as handlers expect.
#include "comptoir/common/auth.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sodium.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "comptoir/common/config.h"
#include "status_testing.h"

namespace comptoir::common {
namespace {

using ::comptoir::testing::StatusIs;

const absl::Time kNow = absl::FromUnixSeconds(1'790'000'000);

TokenClaims Claims() {
  return TokenClaims{.subject = "0b6f1c9e-6a39-4f57-9b8c-2d2f1f6d0a11",
                     .roles = {kRoleResident},
                     .shop_ids = {"shop-a"},
                     .issuer = "comptoir-accounts",
                     .audience = "comptoir",
                     .issued_at = kNow,
                     .not_before = kNow,
                     .expires_at = kNow + absl::Minutes(15),
                     .token_id = "jti-1"};
}

TokenVerifier VerifierFor(const SigningKey& key, absl::Time now = kNow) {
  TokenVerifierOptions options;
  options.public_keys = {{key.key_id, key.public_key}};
  options.now = [now] { return now; };
  return TokenVerifier(std::move(options));
}

std::vector<std::string> Parts(const std::string& token) { return absl::StrSplit(token, '.'); }

std::string Decode(const std::string& part) { return Base64UrlDecode(part).value(); }

TEST(TokenVerifierTest, AcceptsTokenSignedByKnownKeyAndExposesCaller) {
  SigningKey key = GenerateSigningKey("k1");
  std::string token = TokenSigner(key).Sign(Claims());
  absl::StatusOr<Caller> caller = VerifierFor(key).Verify(token);
  ASSERT_TRUE(caller.ok()) << caller.status();
  EXPECT_EQ(caller->user_id, Claims().subject);
  EXPECT_TRUE(caller->HasRole(kRoleResident));
  EXPECT_FALSE(caller->HasRole(kRoleAdmin));
  EXPECT_TRUE(caller->MemberOf("shop-a"));
  EXPECT_FALSE(caller->MemberOf("shop-b"));
  EXPECT_EQ(caller->expires_at, kNow + absl::Minutes(15));
}

TEST(TokenVerifierTest, HeaderNamesEdDsaAndKeyId) {
  SigningKey key = GenerateSigningKey("k1");
  std::string header = Decode(Parts(TokenSigner(key).Sign(Claims()))[0]);
  EXPECT_EQ(header, R"({"alg":"EdDSA","typ":"JWT","kid":"k1"})");
}

TEST(TokenVerifierTest, RefusesAlgNone) {
  SigningKey key = GenerateSigningKey("k1");
  auto parts = Parts(TokenSigner(key).Sign(Claims()));
  std::string header = Base64UrlEncode(R"({"alg":"none","typ":"JWT","kid":"k1"})");
  EXPECT_THAT(VerifierFor(key).Verify(absl::StrCat(header, ".", parts[1], ".")),
              StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(VerifierFor(key).Verify(absl::StrCat(header, ".", parts[1], ".", parts[2])),
              StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST(TokenVerifierTest, RefusesHmacTokenKeyedWithThePublicKey) {
  // The classic confusion attack: HS256 with the (public) verification key as the secret.
  SigningKey key = GenerateSigningKey("k1");
  auto parts = Parts(TokenSigner(key).Sign(Claims()));
  std::string input =
      absl::StrCat(Base64UrlEncode(R"({"alg":"HS256","typ":"JWT","kid":"k1"})"), ".", parts[1]);
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char*>(key.public_key.data()),
                              key.public_key.size());
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(input.data()),
                                input.size());
  crypto_auth_hmacsha256_final(&state, mac);
  std::string token = absl::StrCat(
      input, ".", Base64UrlEncode(std::string_view(reinterpret_cast<char*>(mac), sizeof mac)));
  EXPECT_THAT(VerifierFor(key).Verify(token), StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST(TokenVerifierTest, RefusesTokenSignedByAnotherKeyUnderAKnownKid) {
  SigningKey ours = GenerateSigningKey("k1");
  SigningKey theirs = GenerateSigningKey("k1");
  EXPECT_THAT(VerifierFor(ours).Verify(TokenSigner(theirs).Sign(Claims())),
              StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST(TokenVerifierTest, RefusesUnknownKeyId) {
  SigningKey ours = GenerateSigningKey("k1");
  SigningKey other = ours;
  other.key_id = "k2";
  EXPECT_THAT(VerifierFor(ours).Verify(TokenSigner(other).Sign(Claims())),
              StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST(TokenVerifierTest, AcceptsEveryKeyDuringARotation) {
  SigningKey old_key = GenerateSigningKey("2026-01");
  SigningKey new_key = GenerateSigningKey("2026-02");
  TokenVerifierOptions options;
  options.public_keys = {{old_key.key_id, old_key.public_key},
                         {new_key.key_id, new_key.public_key}};
  options.now = [] { return kNow; };
  TokenVerifier verifier(std::move(options));
  EXPECT_TRUE(verifier.Verify(TokenSigner(old_key).Sign(Claims())).ok());
  EXPECT_TRUE(verifier.Verify(TokenSigner(new_key).Sign(Claims())).ok());
}

TEST(TokenVerifierTest, RefusesExpiredTokenBeyondLeeway) {
  SigningKey key = GenerateSigningKey("k1");
  std::string token = TokenSigner(key).Sign(Claims());
  EXPECT_TRUE(VerifierFor(key, kNow + absl::Minutes(15) + absl::Seconds(10)).Verify(token).ok());
  EXPECT_THAT(VerifierFor(key, kNow + absl::Minutes(16)).Verify(token),
              StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST(TokenVerifierTest, RefusesTokenNotYetValid) {
  SigningKey key = GenerateSigningKey("k1");
  TokenClaims claims = Claims();
  claims.not_before = kNow + absl::Minutes(5);
  EXPECT_THAT(VerifierFor(key).Verify(TokenSigner(key).Sign(claims)),
              StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST(TokenVerifierTest, RefusesWrongAudienceOrIssuer) {
  SigningKey key = GenerateSigningKey("k1");
  TokenClaims other_audience = Claims();
  other_audience.audience = "another-app";
  TokenClaims other_issuer = Claims();
  other_issuer.issuer = "someone-else";
  EXPECT_THAT(VerifierFor(key).Verify(TokenSigner(key).Sign(other_audience)),
              StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(VerifierFor(key).Verify(TokenSigner(key).Sign(other_issuer)),
              StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST(TokenVerifierTest, RefusesTamperedPayload) {
  SigningKey key = GenerateSigningKey("k1");
  auto parts = Parts(TokenSigner(key).Sign(Claims()));
  std::string payload = Decode(parts[1]);
  // Promote ourselves to admin, keep the original signature.
  std::string forged = payload;
  forged.replace(forged.find("\"resident\""), 10, "\"admin\"");
  EXPECT_THAT(
      VerifierFor(key).Verify(absl::StrCat(parts[0], ".", Base64UrlEncode(forged), ".", parts[2])),
      StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST(TokenVerifierTest, RefusesGarbage) {
  SigningKey key = GenerateSigningKey("k1");
  TokenVerifier verifier = VerifierFor(key);
  for (std::string garbage :
       {std::string(""), std::string("abc"), std::string("a.b.c"), std::string("..."),
        std::string("eyJhbGciOiJFZERTQSJ9.e30"), std::string(10000, 'a'),
        absl::StrCat(Base64UrlEncode("[1,2]"), ".", Base64UrlEncode("{}"), ".", "AAAA"),
        absl::StrCat(TokenSigner(key).Sign(Claims()), "=")}) {
    EXPECT_THAT(verifier.Verify(garbage), StatusIs(absl::StatusCode::kUnauthenticated))
        << garbage.substr(0, 40);
  }
}

TEST(TokenVerifierTest, RefusalMessagesNeverEchoTheToken) {
  SigningKey key = GenerateSigningKey("k1");
  std::string token = TokenSigner(GenerateSigningKey("k1")).Sign(Claims());
  absl::StatusOr<Caller> caller = VerifierFor(key).Verify(token);
  ASSERT_FALSE(caller.ok());
  EXPECT_EQ(caller.status().message().find(Parts(token)[2]), std::string::npos);
}

TEST(KeyListTest, SigningKeysRoundTripAndDerivePublicKeys) {
  SigningKey a = GenerateSigningKey("a");
  SigningKey b = GenerateSigningKey("b");
  absl::StatusOr<std::vector<SigningKey>> keys =
      ParseSigningKeys(absl::StrCat(FormatSigningKey(a), ", ", FormatSigningKey(b)));
  ASSERT_TRUE(keys.ok()) << keys.status();
  ASSERT_EQ(keys->size(), 2u);
  EXPECT_EQ((*keys)[0].key_id, "a");
  EXPECT_EQ((*keys)[0].public_key, a.public_key);
  EXPECT_EQ((*keys)[1].secret_key, b.secret_key);

  absl::StatusOr<std::map<std::string, std::string>> public_keys =
      ParsePublicKeys(absl::StrCat(FormatPublicKey(a), ",", FormatPublicKey(b)));
  ASSERT_TRUE(public_keys.ok());
  EXPECT_EQ(public_keys->at("b"), b.public_key);
}

TEST(KeyListTest, RefusesMalformedListsWithoutEchoingKeys) {
  SigningKey a = GenerateSigningKey("a");
  EXPECT_THAT(ParseSigningKeys(""), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseSigningKeys("nokid"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseSigningKeys(FormatPublicKey(a)), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParsePublicKeys(absl::StrCat(FormatPublicKey(a), ",", FormatPublicKey(a))),
              StatusIs(absl::StatusCode::kInvalidArgument));
  absl::Status status =
      ParseSigningKeys(absl::StrCat("a:", "zz", Base64UrlEncode(a.secret_key))).status();
  EXPECT_EQ(status.message().find(Base64UrlEncode(a.secret_key)), std::string::npos);
}

TEST(KeyListTest, VerifierFromEnvRecordsBadKeys) {
  EnvConfig env(std::map<std::string, std::string>{{"AUTH_PUBLIC_KEYS", "k1:not-a-key"}});
  TokenVerifier::FromEnv(env);
  EXPECT_FALSE(env.Validate().ok());
  EnvConfig missing(std::map<std::string, std::string>{{"UNRELATED", "1"}});
  TokenVerifier::FromEnv(missing);
  EXPECT_FALSE(missing.Validate().ok());
}

TEST(CallerChecksTest, AnonymousIsUnauthenticatedAndOthersAreDenied) {
  Caller anonymous;
  Caller resident{.user_id = "u1", .roles = {kRoleResident}, .shop_ids = {}};
  Caller keeper{.user_id = "u2", .roles = {kRoleResident}, .shop_ids = {"shop-a"}};
  Caller admin{.user_id = "u3", .roles = {kRoleResident, kRoleAdmin}, .shop_ids = {}};
  EXPECT_THAT(RequireAuthenticated(anonymous), StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(RequireRole(anonymous, kRoleAdmin), StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(RequireRole(resident, kRoleAdmin), StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_TRUE(RequireRole(admin, kRoleAdmin).ok());
  EXPECT_THAT(RequireShopMember(resident, "shop-a"), StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(RequireShopMember(keeper, "shop-b"), StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_TRUE(RequireShopMember(keeper, "shop-a").ok());
  EXPECT_TRUE(RequireShopMember(admin, "shop-b").ok());
  EXPECT_TRUE(RequireSelfOrAdmin(resident, "u1").ok());
  EXPECT_THAT(RequireSelfOrAdmin(resident, "u2"), StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_TRUE(RequireSelfOrAdmin(admin, "u2").ok());
}

}  // namespace
}  // namespace comptoir::common
