// The accounts repository on a real PostgreSQL (scratch database bootstrapped like
// production, with this service's migrations) and the login limiter on a real Redis.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "accounts_service.h"
#include "comptoir/common/migrations.h"
#include "comptoir/common/pg_pool.h"
#include "comptoir/common/redis_pool.h"
#include "login_limiter.h"
#include "pg_accounts_repository.h"
#include "scratch_database.h"
#include "scratch_redis.h"
#include "status_testing.h"

namespace comptoir::accounts {
namespace {

using comptoir::testing::ScratchDatabase;
using comptoir::testing::ScratchRedis;
using comptoir::testing::StatusIs;
using ::testing::ElementsAre;

Deadline Soon() { return common::DeadlineIn(std::chrono::seconds(10)); }

const std::string kShopA = "7d3c0a62-35b5-4bb9-9d44-1f0c2e8b7a01";

class AccountsStorageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(db_, ScratchDatabase::Create({.roles = {"accounts"}}));
    ASSERT_OK_AND_ASSIGN(
        pool_, db_->MigratedPool("accounts", Migrations(), PgAccountsRepository::Statements(), 4));
    repository_ = std::make_unique<PgAccountsRepository>(*pool_);
  }

  Account Insert(const std::string& email) {
    absl::StatusOr<Account> account = repository_->InsertAccount(
        {.email = email, .display_name = "Camille", .password_hash = "h", .roles = {"resident"}},
        Soon());
    EXPECT_TRUE(account.ok()) << account.status();
    return account.value_or(Account{});
  }

  std::unique_ptr<ScratchDatabase> db_;
  std::unique_ptr<common::PgPool> pool_;
  std::unique_ptr<PgAccountsRepository> repository_;
};

TEST_F(AccountsStorageTest, EmailIsUniqueIgnoringCaseUntilErased) {
  Account first = Insert("camille@example.fr");
  EXPECT_EQ(first.id.size(), 36u);
  EXPECT_THAT(repository_->InsertAccount({.email = "camille@example.fr",
                                          .display_name = "x",
                                          .password_hash = "h",
                                          .roles = {"resident"}},
                                         Soon()),
              StatusIs(absl::StatusCode::kAlreadyExists));
  // Storage holds emails lower-cased only (the domain normalises), so no case variant slips in.
  EXPECT_THAT(repository_->InsertAccount({.email = "CAMILLE@example.fr",
                                          .display_name = "x",
                                          .password_hash = "h",
                                          .roles = {"resident"}},
                                         Soon()),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  ASSERT_OK_AND_ASSIGN(Account found,
                       repository_->FindAccountByEmail("Camille@Example.fr", Soon()));
  EXPECT_EQ(found.id, first.id);

  ASSERT_OK(repository_->EraseAccount(first.id, Soon()));
  ASSERT_OK_AND_ASSIGN(Account erased, repository_->FindAccountById(first.id, Soon()));
  EXPECT_TRUE(erased.erased);
  EXPECT_EQ(erased.email, "");
  EXPECT_EQ(erased.display_name, "");
  EXPECT_EQ(erased.password_hash, "");
  EXPECT_THAT(repository_->FindAccountByEmail("camille@example.fr", Soon()),
              StatusIs(absl::StatusCode::kNotFound));
  Account again = Insert("camille@example.fr");
  EXPECT_NE(again.id, first.id);
}

TEST_F(AccountsStorageTest, RolesAndMembershipsAreIdempotent) {
  Account account = Insert("camille@example.fr");
  ASSERT_OK(repository_->AddRole(account.id, "courier", Soon()));
  ASSERT_OK(repository_->AddRole(account.id, "courier", Soon()));
  ASSERT_OK(repository_->AddShopMembership(account.id, kShopA, "owner", Soon()));
  ASSERT_OK(repository_->AddShopMembership(account.id, kShopA, "staff", Soon()));
  ASSERT_OK_AND_ASSIGN(Account read, repository_->FindAccountById(account.id, Soon()));
  EXPECT_THAT(read.roles, ElementsAre("resident", "courier"));
  EXPECT_THAT(read.shop_ids, ElementsAre(kShopA));
  EXPECT_THAT(repository_->AddShopMembership("00000000-0000-4000-8000-000000000000", kShopA,
                                             "owner", Soon()),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  ASSERT_OK(repository_->RemoveShopMembership(account.id, kShopA, Soon()));
  ASSERT_OK_AND_ASSIGN(Account after, repository_->FindAccountById(account.id, Soon()));
  EXPECT_TRUE(after.shop_ids.empty());
}

TEST_F(AccountsStorageTest, ConcurrentSpendsOfOneRefreshTokenSeeExactlyOneFirstUse) {
  Account account = Insert("camille@example.fr");
  ASSERT_OK(repository_->InsertRefreshToken({.token_hash = "abc",
                                             .user_id = account.id,
                                             .family_id = "fam",
                                             .expires_at = absl::Now() + absl::Hours(1)},
                                            Soon()));
  std::atomic<int> first_uses{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      absl::StatusOr<RefreshToken> spent = repository_->SpendRefreshToken("abc", Soon());
      if (spent.ok() && !spent->spent) ++first_uses;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(first_uses.load(), 1);
  ASSERT_OK(repository_->RevokeFamily("fam", Soon()));
  ASSERT_OK_AND_ASSIGN(RefreshToken token, repository_->FindRefreshToken("abc", Soon()));
  EXPECT_TRUE(token.revoked);
  EXPECT_THAT(repository_->SpendRefreshToken("nope", Soon()),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(AccountsStorageTest, PartnerKeysStoreOriginsAndRevoke) {
  ASSERT_OK_AND_ASSIGN(Partner partner, repository_->InsertPartner({.name = "OT Beaune"}, Soon()));
  ASSERT_OK_AND_ASSIGN(
      PartnerKey key,
      repository_->InsertPartnerKey({.partner_id = partner.id,
                                     .allowed_origins = {"https://a.fr", "https://b.fr:8443"},
                                     .rate_tier = "high",
                                     .secret_hash = "deadbeef",
                                     .prefix = "cpk_abcdef"},
                                    Soon()));
  EXPECT_FALSE(key.revoked());
  ASSERT_OK_AND_ASSIGN(PartnerKey found, repository_->FindPartnerKeyByHash("deadbeef", Soon()));
  EXPECT_THAT(found.allowed_origins, ElementsAre("https://a.fr", "https://b.fr:8443"));
  ASSERT_OK(repository_->RevokePartnerKey(partner.id, key.id, Soon()));
  ASSERT_OK_AND_ASSIGN(std::vector<PartnerKey> keys,
                       repository_->ListPartnerKeys(partner.id, Soon()));
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_TRUE(keys[0].revoked());
  ASSERT_OK_AND_ASSIGN(std::vector<Partner> partners, repository_->ListPartners(Soon()));
  EXPECT_EQ(partners.size(), 1u);
}

TEST(RedisLoginLimiterTest, CountsPerKeyAndAnswersTheWindowsRemainder) {
  ASSERT_OK_AND_ASSIGN(auto redis, ScratchRedis::Create());
  common::RedisPool pool({.url = redis->url()});
  RedisLoginLimiter limiter(pool,
                            {.per_account = 3, .per_address = 5, .window = absl::Seconds(60)});
  for (int i = 0; i < 3; ++i) {
    ASSERT_OK_AND_ASSIGN(auto retry, limiter.Hit("account:camille@example.fr"));
    EXPECT_FALSE(retry.has_value());
  }
  ASSERT_OK_AND_ASSIGN(auto refused, limiter.Hit("account:camille@example.fr"));
  ASSERT_TRUE(refused.has_value());
  EXPECT_GT(*refused, absl::ZeroDuration());
  EXPECT_LE(*refused, absl::Seconds(60));
  // Another account and addresses have their own counts and limits.
  ASSERT_OK_AND_ASSIGN(auto other, limiter.Hit("account:dominique@example.fr"));
  EXPECT_FALSE(other.has_value());
  for (int i = 0; i < 5; ++i) {
    ASSERT_OK_AND_ASSIGN(auto address, limiter.Hit("address:10.0.0.1"));
    EXPECT_FALSE(address.has_value());
  }
  ASSERT_OK_AND_ASSIGN(auto address_refused, limiter.Hit("address:10.0.0.1"));
  EXPECT_TRUE(address_refused.has_value());
  // No email in Redis keys.
  ASSERT_OK_AND_ASSIGN(common::RedisReply keys, pool.Command({"KEYS", "*"}));
  for (const auto& key : keys.elements) EXPECT_EQ(key.str.find("example.fr"), std::string::npos);
}

TEST(RedisLoginLimiterTest, FailsOpenWhenRedisIsDown) {
  ASSERT_OK_AND_ASSIGN(auto redis, ScratchRedis::Create());
  common::RedisPool pool({.url = redis->url()});
  ASSERT_OK(redis->Stop());
  RedisLoginLimiter limiter(pool, {.per_account = 1});
  for (int i = 0; i < 3; ++i) {
    ASSERT_OK_AND_ASSIGN(auto retry, limiter.Hit("account:camille@example.fr"));
    EXPECT_FALSE(retry.has_value());
  }
}

}  // namespace
}  // namespace comptoir::accounts
