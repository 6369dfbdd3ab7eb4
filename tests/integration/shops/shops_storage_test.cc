// The shops repository on a real PostgreSQL (a scratch database bootstrapped like
// production, with this service's migrations), and the Redis cache in front of it.
#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "cached_shops_repository.h"
#include "comptoir/common/migrations.h"
#include "comptoir/common/pg_pool.h"
#include "comptoir/common/redis_pool.h"
#include "pg_shops_repository.h"
#include "scratch_database.h"
#include "scratch_redis.h"
#include "shop_proto.h"
#include "shops_service.h"
#include "status_testing.h"

namespace comptoir::shops {
namespace {

using comptoir::testing::ScratchDatabase;
using comptoir::testing::ScratchRedis;
using comptoir::testing::StatusIs;

Deadline Soon() { return common::DeadlineIn(std::chrono::seconds(10)); }

class ShopsStorageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(db_, ScratchDatabase::Create({.roles = {"shops", "catalogue"}}));
    ASSERT_OK(common::ApplyMigrations(db_->RoleUrl("shops"), "shops", Migrations()));
    common::PgPoolOptions options;
    options.url = db_->RoleUrl("shops");
    options.size = 4;
    options.statements = PgShopsRepository::Statements();
    pool_ = std::make_unique<common::PgPool>(options);
    repository_ = std::make_unique<PgShopsRepository>(*pool_);
  }

  std::unique_ptr<ScratchDatabase> db_;
  std::unique_ptr<common::PgPool> pool_;
  std::unique_ptr<PgShopsRepository> repository_;
};

TEST_F(ShopsStorageTest, StoresAndReadsShopsWithTheirCommune) {
  ShopsService service(*repository_);
  ASSERT_OK_AND_ASSIGN(Shop created,
                       service.CreateShop({"Fromagerie Gaugry", "21231", "fromagerie"}, Soon()));
  EXPECT_EQ(created.commune_name, "Dijon");
  EXPECT_EQ(created.department_code, "21");
  EXPECT_EQ(created.status, "pending");
  EXPECT_GT(absl::ToUnixSeconds(created.create_time), 1'700'000'000);

  ASSERT_OK_AND_ASSIGN(Shop by_id, repository_->FindById(created.id, Soon()));
  EXPECT_EQ(by_id.slug, "fromagerie-gaugry");
  EXPECT_EQ(by_id.create_time, created.create_time);  // microseconds survive the round trip
  ASSERT_OK_AND_ASSIGN(Shop by_slug, repository_->FindBySlug("fromagerie-gaugry", Soon()));
  EXPECT_EQ(by_slug.id, created.id);
  EXPECT_THAT(repository_->FindBySlug("nope", Soon()), StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(ShopsStorageTest, TakenSlugIsAlreadyExistsAndTheServicePicksAnother) {
  ShopsService service(*repository_);
  ASSERT_OK(service.CreateShop({"Le Fournil", "21231", "boulangerie"}, Soon()));
  Shop duplicate;
  duplicate.slug = "le-fournil";
  duplicate.name = "Le Fournil";
  duplicate.commune_insee = "21231";
  duplicate.category = "boulangerie";
  EXPECT_THAT(repository_->Insert(duplicate, Soon()), StatusIs(absl::StatusCode::kAlreadyExists));
  ASSERT_OK_AND_ASSIGN(Shop second,
                       service.CreateShop({"Le Fournil", "58145", "boulangerie"}, Soon()));
  EXPECT_EQ(second.slug, "le-fournil-lormes");
}

TEST_F(ShopsStorageTest, CommunesComeFromTheGeoReferenceData) {
  ASSERT_OK_AND_ASSIGN(std::optional<Commune> lormes, repository_->FindCommune("58145", Soon()));
  ASSERT_TRUE(lormes.has_value());
  EXPECT_EQ(lormes->name, "Lormes");
  ASSERT_OK_AND_ASSIGN(std::optional<Commune> paris, repository_->FindCommune("75056", Soon()));
  EXPECT_FALSE(paris.has_value());
}

TEST_F(ShopsStorageTest, KeysetPagesCoverEveryShopOnceWithFilters) {
  ShopsService service(*repository_);
  for (int i = 0; i < 7; ++i) {
    ASSERT_OK(service.CreateShop(
        {"Primeur " + std::to_string(i), i % 2 ? "21231" : "58145", "primeur"}, Soon()));
  }
  ASSERT_OK(service.CreateShop({"Cave", "21231", "caviste"}, Soon()));
  std::set<std::string> seen;
  std::string token;
  int pages = 0;
  do {
    ASSERT_OK_AND_ASSIGN(ListShopsResult page,
                         service.ListShops({"", "primeur", 3, token}, Soon()));
    for (const Shop& s : page.shops) {
      EXPECT_EQ(s.category, "primeur");
      EXPECT_TRUE(seen.insert(s.id).second) << "shop listed twice";
    }
    token = page.next_page_token;
    ++pages;
  } while (!token.empty() && pages < 10);
  EXPECT_EQ(seen.size(), 7u);
  EXPECT_EQ(pages, 3);
  ASSERT_OK_AND_ASSIGN(ListShopsResult dijon, service.ListShops({"21231", "", 50, ""}, Soon()));
  EXPECT_EQ(dijon.shops.size(), 4u);  // 3 primeurs and the cave
}

TEST_F(ShopsStorageTest, CacheServesReadsAndFailsOpenWhenRedisStops) {
  ASSERT_OK_AND_ASSIGN(auto redis_server, ScratchRedis::Create());
  common::RedisPoolOptions redis_options;
  redis_options.url = redis_server->url();
  redis_options.retry_after = std::chrono::milliseconds(100);
  common::RedisPool redis(redis_options);
  CachedShopsRepository cached(*repository_, redis);
  ShopsService service(cached);
  ASSERT_OK_AND_ASSIGN(Shop shop,
                       service.CreateShop({"Cave de Lormes", "58145", "caviste"}, Soon()));

  // A read fills the cache under both keys, with the serialized shop.
  ASSERT_OK(service.GetShop(shop.id, Soon()));
  ASSERT_OK_AND_ASSIGN(common::RedisReply by_id,
                       redis.Command({"GET", CachedShopsRepository::IdKey(shop.id)}));
  EXPECT_EQ(by_id.type, common::RedisReply::Type::kString);
  ASSERT_OK_AND_ASSIGN(common::RedisReply ttl,
                       redis.Command({"TTL", CachedShopsRepository::SlugKey(shop.slug)}));
  EXPECT_GT(ttl.integer, 0);

  // What the cache holds is what is served: a cached read does not touch PostgreSQL.
  v1::Shop altered;
  ASSERT_TRUE(altered.ParseFromString(by_id.str));
  altered.set_name("Cave de Lormes (cached)");
  ASSERT_OK(
      redis.Command({"SET", CachedShopsRepository::IdKey(shop.id), altered.SerializeAsString()}));
  ASSERT_OK_AND_ASSIGN(Shop from_cache, service.GetShop(shop.id, Soon()));
  EXPECT_EQ(from_cache.name, "Cave de Lormes (cached)");

  // Redis down: reads are still answered, from PostgreSQL.
  ASSERT_OK(redis_server->Stop());
  for (int i = 0; i < 3; ++i) {
    ASSERT_OK_AND_ASSIGN(Shop during_outage, service.GetShop(shop.slug, Soon()));
    EXPECT_EQ(during_outage.name, "Cave de Lormes");
  }

  // Invalidation drops both keys once Redis is back.
  ASSERT_OK(redis_server->Start());
  std::this_thread::sleep_for(std::chrono::milliseconds(150));  // past the pool's back-off
  ASSERT_OK(service.GetShop(shop.id, Soon()));
  cached.Invalidate(shop);
  ASSERT_OK_AND_ASSIGN(common::RedisReply gone,
                       redis.Command({"EXISTS", CachedShopsRepository::IdKey(shop.id),
                                      CachedShopsRepository::SlugKey(shop.slug)}));
  EXPECT_EQ(gone.integer, 0);
}

TEST_F(ShopsStorageTest, ServiceRoleCannotReachAnotherServicesSchema) {
  ASSERT_OK(pool_->RunStatus(Soon(), [](pqxx::work& tx) {
    tx.exec("SELECT count(*) FROM geo.communes");
    return absl::OkStatus();
  }));
  absl::Status status = pool_->RunStatus(Soon(), [](pqxx::work& tx) {
    tx.exec("CREATE TABLE catalogue.intrusion (x int)");
    return absl::OkStatus();
  });
  EXPECT_FALSE(status.ok());
}

}  // namespace
}  // namespace comptoir::shops
