// The accounts domain over fakes: password policy, login refusals and limits, refresh rotation
// and reuse detection, roles, memberships reaching the next token, partner keys, erasure.
#include "accounts_service.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "fakes.h"
#include "status_testing.h"

namespace comptoir::accounts {
namespace {

using ::comptoir::testing::HasFieldViolation;
using ::comptoir::testing::StatusIs;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::Not;

constexpr char kPassword[] = "Correct-Horse-42";
const std::string kShopA = "7d3c0a62-35b5-4bb9-9d44-1f0c2e8b7a01";

common::Deadline Soon() { return common::DeadlineIn(std::chrono::seconds(5)); }

class AccountsServiceTest : public ::testing::Test {
 protected:
  AccountsServiceTest()
      : key_(common::GenerateSigningKey("k1")),
        limiter_(5),
        service_(repository_, hasher_, limiter_, peers_, common::TokenSigner(key_),
                 AccountsServiceOptions{.now = [this] { return now_; }}) {}

  common::Caller Verify(const std::string& token) {
    common::TokenVerifierOptions options;
    options.public_keys = {{key_.key_id, key_.public_key}};
    options.now = [this] { return now_; };
    absl::StatusOr<common::Caller> caller = common::TokenVerifier(options).Verify(token);
    EXPECT_TRUE(caller.ok()) << caller.status();
    return caller.value_or(common::Caller{});
  }

  Account SignUp(const std::string& email) {
    absl::StatusOr<Account> account =
        service_.SignUp({.email = email, .display_name = "Camille", .password = kPassword}, Soon());
    EXPECT_TRUE(account.ok()) << account.status();
    return account.value_or(Account{});
  }

  Session Login(const std::string& email) {
    absl::StatusOr<Session> session = service_.Login(email, kPassword, "10.0.0.1", Soon());
    EXPECT_TRUE(session.ok()) << session.status();
    return session.value_or(Session{});
  }

  absl::Time now_ = absl::FromUnixSeconds(1'790'000'000);
  common::SigningKey key_;
  testing::FakeAccountsRepository repository_;
  testing::FakePasswordHasher hasher_;
  testing::FakeLoginLimiter limiter_;
  testing::FakeAccountDataPeers peers_;
  AccountsService service_;
};

TEST(PasswordPolicyTest, RefusesShortCommonOrEmailPasswords) {
  auto violations_for = [](const std::string& password) {
    common::Violations v;
    CheckPasswordStrength(password, "camille@example.fr", "password", v);
    return v.list().size();
  };
  EXPECT_EQ(violations_for("short1!"), 1u);
  EXPECT_EQ(violations_for("motdepasse1"), 1u);
  EXPECT_EQ(violations_for("AZERTYUIOP"), 1u);
  EXPECT_EQ(violations_for("camille@example.fr"), 1u);
  EXPECT_EQ(violations_for(std::string(129, 'x')), 1u);
  EXPECT_EQ(violations_for("Correct-Horse-42"), 0u);
  EXPECT_EQ(violations_for("été à Besançon"), 0u);  // counted in characters, not bytes
}

TEST_F(AccountsServiceTest, SignUpStoresLowerCasedEmailAndHashOnly) {
  Account account = SignUp("  Camille@Example.FR ");
  EXPECT_EQ(account.email, "camille@example.fr");
  EXPECT_THAT(account.roles, ElementsAre("resident"));
  EXPECT_NE(repository_.Raw(account.id).password_hash, kPassword);
}

TEST_F(AccountsServiceTest, SignUpRefusesEmailTakenInAnotherCase) {
  SignUp("camille@example.fr");
  EXPECT_THAT(service_.SignUp({"CAMILLE@example.fr", "Other", kPassword}, Soon()),
              HasFieldViolation("email"));
}

TEST_F(AccountsServiceTest, SignUpReportsEveryBadField) {
  absl::Status status = service_.SignUp({"not-an-email", "", "short"}, Soon()).status();
  EXPECT_THAT(status, HasFieldViolation("email"));
  EXPECT_THAT(status, HasFieldViolation("display_name"));
  EXPECT_THAT(status, HasFieldViolation("password"));
  EXPECT_EQ(hasher_.hashes.load(), 1);  // only the dummy hash made at construction
}

TEST_F(AccountsServiceTest, WrongPasswordAndUnknownEmailGiveTheSameAnswer) {
  SignUp("camille@example.fr");
  absl::Status wrong =
      service_.Login("camille@example.fr", "Wrong-password-1", "a", Soon()).status();
  absl::Status unknown = service_.Login("nobody@example.fr", kPassword, "a", Soon()).status();
  EXPECT_THAT(wrong, StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_EQ(wrong.message(), unknown.message());
  EXPECT_EQ(wrong.code(), unknown.code());
}

TEST_F(AccountsServiceTest, LoginTokenCarriesRolesAndShops) {
  Account account = SignUp("camille@example.fr");
  Session session = Login("camille@example.fr");
  common::Caller caller = Verify(session.access_token);
  EXPECT_EQ(caller.user_id, account.id);
  EXPECT_TRUE(caller.HasRole("resident"));
  EXPECT_EQ(caller.expires_at, now_ + absl::Minutes(15));
  EXPECT_FALSE(session.refresh_token.empty());
  EXPECT_TRUE(session.account.password_hash.empty());
}

TEST_F(AccountsServiceTest, LoginFloodIsRefusedBeforeHashing) {
  SignUp("camille@example.fr");
  const int verifications_before = hasher_.verifications.load();
  absl::Status last;
  for (int i = 0; i < 8; ++i) {
    last = service_.Login("camille@example.fr", "Wrong-password-1", "10.0.0.9", Soon()).status();
  }
  EXPECT_THAT(last, StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_EQ(RetryAfterSeconds(last), 42);
  // 5 allowed attempts hashed; the 3 refused ones cost no hash.
  EXPECT_EQ(hasher_.verifications.load() - verifications_before, 5);
}

TEST_F(AccountsServiceTest, RefreshRotatesAndReuseRevokesTheFamily) {
  SignUp("camille@example.fr");
  Session first = Login("camille@example.fr");
  ASSERT_OK_AND_ASSIGN(Session second, service_.Refresh(first.refresh_token, Soon()));
  EXPECT_NE(second.refresh_token, first.refresh_token);
  ASSERT_OK_AND_ASSIGN(Session third, service_.Refresh(second.refresh_token, Soon()));

  // A thief replays the first token: refused, and the live one (third) dies with it.
  EXPECT_THAT(service_.Refresh(first.refresh_token, Soon()),
              StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(service_.Refresh(third.refresh_token, Soon()),
              StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST_F(AccountsServiceTest, ReuseRevokesOnlyItsOwnFamily) {
  SignUp("camille@example.fr");
  Session phone = Login("camille@example.fr");
  Session laptop = Login("camille@example.fr");
  ASSERT_OK(service_.Refresh(phone.refresh_token, Soon()).status());
  EXPECT_FALSE(service_.Refresh(phone.refresh_token, Soon()).ok());
  EXPECT_TRUE(service_.Refresh(laptop.refresh_token, Soon()).ok());
}

TEST_F(AccountsServiceTest, ExpiredOrUnknownRefreshTokenIsRefused) {
  SignUp("camille@example.fr");
  Session session = Login("camille@example.fr");
  EXPECT_THAT(service_.Refresh("made-up", Soon()), StatusIs(absl::StatusCode::kUnauthenticated));
  now_ += absl::Hours(24 * 31);
  EXPECT_THAT(service_.Refresh(session.refresh_token, Soon()),
              StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST_F(AccountsServiceTest, LogoutEndsTheSession) {
  SignUp("camille@example.fr");
  Session session = Login("camille@example.fr");
  ASSERT_OK(service_.Logout(Verify(session.access_token), session.refresh_token, Soon()));
  EXPECT_THAT(service_.Refresh(session.refresh_token, Soon()),
              StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST_F(AccountsServiceTest, MembershipReachesTheNextToken) {
  Account account = SignUp("camille@example.fr");
  Session session = Login("camille@example.fr");
  EXPECT_FALSE(Verify(session.access_token).MemberOf(kShopA));
  ASSERT_OK(service_.AddShopMembership(account.id, kShopA, "owner", Soon()));
  ASSERT_OK_AND_ASSIGN(Session refreshed, service_.Refresh(session.refresh_token, Soon()));
  EXPECT_TRUE(Verify(refreshed.access_token).MemberOf(kShopA));
}

TEST_F(AccountsServiceTest, MembershipRequestIsValidated) {
  EXPECT_THAT(service_.AddShopMembership("x", "y", "king", Soon()), HasFieldViolation("role"));
}

TEST_F(AccountsServiceTest, OnlyAdminsGrantCourier) {
  Account courier = SignUp("livreur@example.fr");
  Account resident = SignUp("camille@example.fr");
  common::Caller as_resident = Verify(Login("camille@example.fr").access_token);
  EXPECT_THAT(service_.GrantCourier(as_resident, courier.id, Soon()),
              StatusIs(absl::StatusCode::kPermissionDenied));
  ASSERT_OK_AND_ASSIGN(EnsureAdminResult admin,
                       service_.EnsureAdmin("admin@region.fr", kPassword, Soon()));
  EXPECT_TRUE(admin.created);
  common::Caller as_admin = Verify(Login("admin@region.fr").access_token);
  ASSERT_OK_AND_ASSIGN(Account granted, service_.GrantCourier(as_admin, courier.id, Soon()));
  EXPECT_THAT(granted.roles, Contains("courier"));
  EXPECT_THAT(repository_.Raw(resident.id).roles, Not(Contains("courier")));
}

TEST_F(AccountsServiceTest, HoldersOfRoleNamesOnlyLiveAccountsWithTheRole) {
  Account courier = SignUp("livreur@example.fr");
  Account resident = SignUp("camille@example.fr");
  Account erased = SignUp("ancien@example.fr");
  ASSERT_OK(service_.EnsureAdmin("admin@region.fr", kPassword, Soon()).status());
  common::Caller as_admin = Verify(Login("admin@region.fr").access_token);
  ASSERT_OK(service_.GrantCourier(as_admin, courier.id, Soon()).status());
  ASSERT_OK(service_.GrantCourier(as_admin, erased.id, Soon()).status());
  ASSERT_OK(service_.EraseMe(Verify(Login("ancien@example.fr").access_token), Soon()));
  const std::string unknown = "0a000000-0000-4000-8000-0000000000ff";
  ASSERT_OK_AND_ASSIGN(
      std::vector<std::string> holders,
      service_.HoldersOfRole({resident.id, courier.id, erased.id, unknown}, "courier", Soon()));
  EXPECT_THAT(holders, ElementsAre(courier.id));
  EXPECT_THAT(service_.HoldersOfRole({"nope"}, "", Soon()), HasFieldViolation("user_ids[0]"));
  EXPECT_THAT(service_.HoldersOfRole({}, "courier", Soon()), HasFieldViolation("user_ids"));
}

TEST_F(AccountsServiceTest, EnsureAdminIsIdempotentAndKeepsThePassword) {
  ASSERT_OK(service_.EnsureAdmin("admin@region.fr", kPassword, Soon()).status());
  ASSERT_OK_AND_ASSIGN(EnsureAdminResult again,
                       service_.EnsureAdmin("admin@region.fr", "Another-Pass-99", Soon()));
  EXPECT_FALSE(again.created);
  EXPECT_TRUE(service_.Login("admin@region.fr", kPassword, "a", Soon()).ok());
}

TEST_F(AccountsServiceTest, ChangePasswordNeedsTheCurrentOneAndEndsSessions) {
  SignUp("camille@example.fr");
  Session session = Login("camille@example.fr");
  common::Caller caller = Verify(session.access_token);
  EXPECT_THAT(service_.ChangePassword(caller, "Wrong-password-1", "New-Password-77", Soon()),
              HasFieldViolation("current_password"));
  ASSERT_OK(service_.ChangePassword(caller, kPassword, "New-Password-77", Soon()));
  EXPECT_FALSE(service_.Refresh(session.refresh_token, Soon()).ok());
  EXPECT_TRUE(service_.Login("camille@example.fr", "New-Password-77", "a", Soon()).ok());
}

TEST_F(AccountsServiceTest, ExportHoldsTheAccountAndOtherServicesParts) {
  Account account = SignUp("camille@example.fr");
  common::Caller caller = Verify(Login("camille@example.fr").access_token);
  ASSERT_OK_AND_ASSIGN(std::vector<DataPart> parts, service_.ExportMyData(caller, Soon()));
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0].service, "accounts");
  EXPECT_NE(parts[0].json.find("camille@example.fr"), std::string::npos);
  EXPECT_NE(parts[0].json.find(account.id), std::string::npos);
  EXPECT_EQ(parts[0].json.find("fake$"), std::string::npos);  // never the password hash
  EXPECT_EQ(parts[1].service, "orders");
}

TEST_F(AccountsServiceTest, ErasureAnonymisesRevokesAndFreesTheEmail) {
  Account account = SignUp("camille@example.fr");
  Session session = Login("camille@example.fr");
  ASSERT_OK(service_.EraseMe(Verify(session.access_token), Soon()));
  Account raw = repository_.Raw(account.id);
  EXPECT_TRUE(raw.erased);
  EXPECT_TRUE(raw.email.empty());
  EXPECT_TRUE(raw.display_name.empty());
  EXPECT_TRUE(raw.password_hash.empty());
  EXPECT_THAT(peers_.erased, ElementsAre(account.id));
  EXPECT_THAT(service_.Login("camille@example.fr", kPassword, "b", Soon()),
              StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(service_.Refresh(session.refresh_token, Soon()),
              StatusIs(absl::StatusCode::kUnauthenticated));
  Account again = SignUp("camille@example.fr");
  EXPECT_NE(again.id, account.id);
}

TEST_F(AccountsServiceTest, ErasureStopsWhenAnotherServiceCannotErase) {
  Account account = SignUp("camille@example.fr");
  peers_.fail_erase = true;
  EXPECT_THAT(service_.EraseMe(Verify(Login("camille@example.fr").access_token), Soon()),
              StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_FALSE(repository_.Raw(account.id).erased);
}

TEST_F(AccountsServiceTest, PartnerKeyIsShownOnceStoredHashedAndBoundToOrigins) {
  ASSERT_OK(service_.EnsureAdmin("admin@region.fr", kPassword, Soon()).status());
  common::Caller admin = Verify(Login("admin@region.fr").access_token);
  ASSERT_OK_AND_ASSIGN(Partner partner, service_.CreatePartner(admin, "OT Beaune", Soon()));
  EXPECT_THAT(service_.CreatePartnerKey(admin, partner.id, {"https://x.fr/path"}, "basic", Soon()),
              HasFieldViolation("key.allowed_origins[0]"));
  ASSERT_OK_AND_ASSIGN(
      auto created,
      service_.CreatePartnerKey(admin, partner.id, {"https://www.beaune-tourisme.fr"}, "", Soon()));
  const std::string secret = created.second;
  EXPECT_NE(created.first.secret_hash, secret);
  EXPECT_EQ(created.first.rate_tier, "basic");
  ASSERT_OK_AND_ASSIGN(auto allowed,
                       service_.CheckPartnerKey(secret, "https://www.beaune-tourisme.fr", Soon()));
  EXPECT_TRUE(allowed.has_value());
  ASSERT_OK_AND_ASSIGN(auto other_origin,
                       service_.CheckPartnerKey(secret, "https://evil.example", Soon()));
  EXPECT_FALSE(other_origin.has_value());
  ASSERT_OK(service_.RevokePartnerKey(admin, partner.id, created.first.id, Soon()));
  ASSERT_OK_AND_ASSIGN(auto revoked,
                       service_.CheckPartnerKey(secret, "https://www.beaune-tourisme.fr", Soon()));
  EXPECT_FALSE(revoked.has_value());
}

TEST_F(AccountsServiceTest, ResidentsCannotManagePartners) {
  SignUp("camille@example.fr");
  common::Caller resident = Verify(Login("camille@example.fr").access_token);
  EXPECT_THAT(service_.CreatePartner(resident, "x", Soon()),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(service_.ListPartners(common::Caller{}, Soon()),
              StatusIs(absl::StatusCode::kUnauthenticated));
}

}  // namespace
}  // namespace comptoir::accounts
