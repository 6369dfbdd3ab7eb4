// The shops repository on a real PostgreSQL (a scratch database bootstrapped like
// production, with this service's migrations), and the Redis cache in front of it.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
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
#include "shop_rules.h"
#include "shops_service.h"
#include "status_testing.h"

namespace comptoir::shops {
namespace {

using comptoir::testing::ScratchDatabase;
using comptoir::testing::ScratchRedis;
using comptoir::testing::StatusIs;

Deadline Soon() { return common::DeadlineIn(std::chrono::seconds(10)); }

Caller User(const std::string& id, std::vector<std::string> roles = {"resident"}) {
  Caller caller;
  caller.user_id = id;
  caller.roles = std::move(roles);
  return caller;
}
const Caller kOwner = User("11111111-1111-4111-8111-111111111111");
const Caller kAdmin = User("44444444-4444-4444-8444-444444444444", {"resident", "admin"});

NewShop Valid(std::string name, std::string commune, std::string category) {
  NewShop shop;
  shop.name = std::move(name);
  shop.commune_insee = std::move(commune);
  shop.category = std::move(category);
  shop.siret = "73282932000074";
  return shop;
}

class ShopsStorageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(db_, ScratchDatabase::Create({.roles = {"shops", "catalogue"}}));
    ASSERT_OK_AND_ASSIGN(
        pool_, db_->MigratedPool("shops", Migrations(), PgShopsRepository::Statements(), 4));
    repository_ = std::make_unique<PgShopsRepository>(*pool_);
  }

  std::unique_ptr<ScratchDatabase> db_;
  std::unique_ptr<common::PgPool> pool_;
  std::unique_ptr<PgShopsRepository> repository_;
};

TEST_F(ShopsStorageTest, StoresAndReadsShopsWithTheirCommune) {
  ShopsService service(*repository_);
  ASSERT_OK_AND_ASSIGN(
      Shop created,
      service.CreateShop(Valid("Fromagerie Gaugry", "21231", "fromagerie"), kOwner, Soon()));
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
  ASSERT_OK(service.CreateShop(Valid("Le Fournil", "21231", "boulangerie"), kOwner, Soon()));
  Shop duplicate;
  duplicate.slug = "le-fournil";
  duplicate.name = "Le Fournil";
  duplicate.commune_insee = "21231";
  duplicate.category = "boulangerie";
  EXPECT_THAT(repository_->Insert(duplicate, kOwner.user_id, Soon()),
              StatusIs(absl::StatusCode::kAlreadyExists));
  ASSERT_OK_AND_ASSIGN(
      Shop second, service.CreateShop(Valid("Le Fournil", "58145", "boulangerie"), kOwner, Soon()));
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
  auto create_active = [&](const NewShop& request) {
    absl::StatusOr<Shop> shop = service.CreateShop(request, kOwner, Soon());
    ASSERT_OK(shop.status());
    ASSERT_OK(service.ApproveShop(shop->id, kAdmin, Soon()));
  };
  for (int i = 0; i < 7; ++i) {
    create_active(Valid("Primeur " + std::to_string(i), i % 2 ? "21231" : "58145", "primeur"));
  }
  create_active(Valid("Cave", "21231", "caviste"));
  // Pending shops are not listed.
  ASSERT_OK(service.CreateShop(Valid("Primeur en attente", "21231", "primeur"), kOwner, Soon()));
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
  ASSERT_OK_AND_ASSIGN(
      Shop shop, service.CreateShop(Valid("Cave de Lormes", "58145", "caviste"), kOwner, Soon()));

  // A read fills the cache under both keys, with the serialized shop.
  ASSERT_OK(service.GetShop(shop.id, kOwner, Soon()));
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
  ASSERT_OK_AND_ASSIGN(Shop from_cache, service.GetShop(shop.id, kOwner, Soon()));
  EXPECT_EQ(from_cache.name, "Cave de Lormes (cached)");

  // Redis down: reads are still answered, from PostgreSQL.
  ASSERT_OK(redis_server->Stop());
  for (int i = 0; i < 3; ++i) {
    ASSERT_OK_AND_ASSIGN(Shop during_outage, service.GetShop(shop.slug, kOwner, Soon()));
    EXPECT_EQ(during_outage.name, "Cave de Lormes");
  }

  // Invalidation drops both keys once Redis is back.
  ASSERT_OK(redis_server->Start());
  std::this_thread::sleep_for(std::chrono::milliseconds(150));  // past the pool's back-off
  ASSERT_OK(service.GetShop(shop.id, kOwner, Soon()));
  cached.Invalidate(shop);
  ASSERT_OK_AND_ASSIGN(common::RedisReply gone,
                       redis.Command({"EXISTS", CachedShopsRepository::IdKey(shop.id),
                                      CachedShopsRepository::SlugKey(shop.slug)}));
  EXPECT_EQ(gone.integer, 0);
}

TEST_F(ShopsStorageTest, CommuneCarriesItsCentreAndPostalCodes) {
  ASSERT_OK_AND_ASSIGN(std::optional<Commune> dijon, repository_->FindCommune("21231", Soon()));
  ASSERT_TRUE(dijon.has_value());
  EXPECT_NEAR(dijon->latitude, 47.32, 0.1);
  EXPECT_NEAR(dijon->longitude, 5.04, 0.1);
  EXPECT_NE(std::find(dijon->postal_codes.begin(), dijon->postal_codes.end(), "21000"),
            dijon->postal_codes.end());
}

TEST_F(ShopsStorageTest, FullProfileAndHoursRoundTrip) {
  ShopsService service(*repository_);
  NewShop request = Valid("Fromagerie Gaugry", "21231", "fromagerie");
  request.description = "Époisses affinés sur place.\nOuvert le dimanche matin.";
  request.street_address = "12 rue des Forges";
  request.postal_code = "21000";
  request.latitude = 47.3220;
  request.longitude = 5.0410;
  request.phone = "03 80 12 34 56";
  request.email = "contact@gaugry.fr";
  request.website = "https://gaugry.fr";
  request.photo_urls = {"https://gaugry.fr/a.jpg", "https://gaugry.fr/b.jpg"};
  request.click_and_collect = true;
  request.preparation_minutes = 45;
  v1::DayHours* tuesday = request.opening_hours.add_weekly();
  tuesday->set_weekday(2);
  tuesday->add_ranges()->set_open("08:00");
  tuesday->mutable_ranges(0)->set_close("12:30");
  ASSERT_OK_AND_ASSIGN(Shop created, service.CreateShop(request, kOwner, Soon()));

  ASSERT_OK_AND_ASSIGN(Shop read, repository_->FindById(created.id, Soon()));
  EXPECT_EQ(read.siret, "73282932000074");
  EXPECT_EQ(read.description, request.description);
  EXPECT_EQ(read.street_address, "12 rue des Forges");
  EXPECT_DOUBLE_EQ(read.latitude, 47.3220);
  EXPECT_DOUBLE_EQ(read.longitude, 5.0410);
  EXPECT_EQ(read.phone, "+33380123456");
  EXPECT_EQ(read.photo_urls, request.photo_urls);
  EXPECT_TRUE(read.click_and_collect);
  EXPECT_EQ(read.preparation_minutes, 45);
  ASSERT_EQ(read.opening_hours.weekly[1].size(), 1u);
  EXPECT_EQ(read.opening_hours.weekly[1][0].open_minute, 8 * 60);
}

TEST_F(ShopsStorageTest, ModerationIsRecordedAndEveryChangeLeavesAnEventInTheOutbox) {
  ShopsService service(*repository_);
  ASSERT_OK_AND_ASSIGN(Shop shop,
                       service.CreateShop(Valid("Chez Paul", "58145", "epicerie"), kOwner, Soon()));
  ASSERT_OK(service.ApproveShop(shop.id, kAdmin, Soon()));
  ASSERT_OK(service.SuspendShop(shop.id, "SIRET radié", kAdmin, Soon()));
  EXPECT_THAT(service.SuspendShop(shop.id, "encore", kAdmin, Soon()),
              StatusIs(absl::StatusCode::kFailedPrecondition));

  absl::StatusOr<std::vector<std::string>> decisions = pool_->Run<std::vector<std::string>>(
      Soon(), [&](pqxx::work& tx) -> absl::StatusOr<std::vector<std::string>> {
        std::vector<std::string> out;
        for (const auto& row :
             tx.exec_params("SELECT decision || ':' || from_status || '->' || to_status || ':' || "
                            "actor_id::text || ':' || reason FROM shops.moderation_decisions "
                            "WHERE shop_id = $1::uuid ORDER BY id",
                            shop.id)) {
          out.push_back(row[0].as<std::string>());
        }
        return out;
      });
  ASSERT_OK(decisions.status());
  EXPECT_EQ(*decisions, (std::vector<std::string>{
                            "approve:pending->active:" + kAdmin.user_id + ":",
                            "suspend:active->suspended:" + kAdmin.user_id + ":SIRET radié"}));

  absl::StatusOr<std::vector<v1::ShopEvent>> events = pool_->Run<std::vector<v1::ShopEvent>>(
      Soon(), [&](pqxx::work& tx) -> absl::StatusOr<std::vector<v1::ShopEvent>> {
        std::vector<v1::ShopEvent> out;
        for (const auto& row :
             tx.exec_params("SELECT type, payload FROM shops.outbox WHERE aggregate = $1 "
                            "ORDER BY created_at",
                            shop.id)) {
          EXPECT_EQ(row[0].as<std::string>(), "comptoir.shops.v1.ShopEvent");
          v1::ShopEvent event;
          EXPECT_TRUE(event.ParseFromString(pqxx::binarystring(row[1]).str()));
          out.push_back(event);
        }
        return out;
      });
  ASSERT_OK(events.status());
  ASSERT_EQ(events->size(), 3u);
  EXPECT_EQ((*events)[0].kind(), v1::ShopEvent::CREATED);
  EXPECT_EQ((*events)[1].kind(), v1::ShopEvent::APPROVED);
  EXPECT_EQ((*events)[2].kind(), v1::ShopEvent::SUSPENDED);
  const v1::ShopSnapshot& last = (*events)[2].shop();
  EXPECT_EQ(last.status(), "suspended");
  EXPECT_EQ(last.commune_insee(), "58145");
  EXPECT_EQ(last.department_code(), "58");
  EXPECT_EQ(last.category(), "epicerie");
  EXPECT_NEAR(last.latitude(), 47.29, 0.1);
  EXPECT_GT(last.version(), (*events)[1].shop().version());
  EXPECT_EQ((*events)[2].reason(), "SIRET radié");
}

TEST_F(ShopsStorageTest, RadiusSearchReturnsExactlyTheShopsWithinNearestFirst) {
  ShopsService service(*repository_);
  const double lat0 = 47.3216, lon0 = 5.0415;
  // Points around Dijon at various distances and bearings, one in Lormes (far away).
  const std::vector<std::pair<double, double>> points = {
      {47.3216, 5.0415}, {47.3500, 5.0800}, {47.2800, 4.9900}, {47.3700, 5.1200},
      {47.3216, 5.1500}, {47.4000, 5.0415}, {47.2000, 5.2000}, {47.3250, 5.0450}};
  std::vector<std::pair<double, std::string>> expected;  // (distance, id) within 7 km
  for (std::size_t i = 0; i < points.size(); ++i) {
    NewShop request = Valid(absl::StrCat("Commerce ", i), "21231", "epicerie");
    request.latitude = points[i].first;
    request.longitude = points[i].second;
    ASSERT_OK_AND_ASSIGN(Shop shop, service.CreateShop(request, kOwner, Soon()));
    ASSERT_OK(service.ApproveShop(shop.id, kAdmin, Soon()));
    const double d = DistanceKm(lat0, lon0, points[i].first, points[i].second);
    ASSERT_GT(std::abs(d - 7.0), 0.05) << "keep test points off the boundary";
    if (d <= 7.0) expected.push_back({d, shop.id});
  }
  ASSERT_OK_AND_ASSIGN(Shop far,
                       service.CreateShop(Valid("Loin", "58145", "epicerie"), kOwner, Soon()));
  ASSERT_OK(service.ApproveShop(far.id, kAdmin, Soon()));
  std::sort(expected.begin(), expected.end());
  ASSERT_GE(expected.size(), 4u);
  ASSERT_LT(expected.size(), points.size());

  std::vector<std::pair<double, std::string>> seen;
  std::string token;
  int pages = 0;
  do {
    ListShopsParams params;
    params.near = absl::StrCat(lat0, ",", lon0);
    params.radius_km = 7;
    params.page_size = 3;
    params.page_token = token;
    ASSERT_OK_AND_ASSIGN(ListShopsResult page, service.ListShops(params, Soon()));
    for (const Shop& shop : page.shops) {
      ASSERT_TRUE(shop.distance_km.has_value());
      seen.push_back({*shop.distance_km, shop.id});
    }
    token = page.next_page_token;
    ++pages;
  } while (!token.empty() && pages < 10);

  ASSERT_EQ(seen.size(), expected.size());
  for (std::size_t i = 0; i < seen.size(); ++i) {
    EXPECT_EQ(seen[i].second, expected[i].second) << "position " << i;
    EXPECT_NEAR(seen[i].first, expected[i].first, 1e-6);
  }
}

TEST_F(ShopsStorageTest, DepartmentFilterKeepsOnlyItsShops) {
  ShopsService service(*repository_);
  for (const char* commune : {"21231", "58145", "58145"}) {
    ASSERT_OK_AND_ASSIGN(
        Shop shop, service.CreateShop(Valid("Boutique", commune, "epicerie"), kOwner, Soon()));
    ASSERT_OK(service.ApproveShop(shop.id, kAdmin, Soon()));
  }
  ListShopsParams params;
  params.department_code = "58";
  ASSERT_OK_AND_ASSIGN(ListShopsResult nievre, service.ListShops(params, Soon()));
  ASSERT_EQ(nievre.shops.size(), 2u);
  for (const Shop& shop : nievre.shops) EXPECT_EQ(shop.department_code, "58");
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

namespace comptoir::shops {
namespace {

// With PG_READ_URL set, discovery reads the replica while writes and single reads stay on
// the primary. Two scratch databases stand for primary and replica: the replica, which
// never sees the write, answers the listing.
TEST_F(ShopsStorageTest, DiscoveryReadsTheReadPoolWhileWritesGoToThePrimary) {
  ASSERT_OK_AND_ASSIGN(auto replica_db, ScratchDatabase::Create({.roles = {"shops"}}));
  ASSERT_OK(common::ApplyMigrations(replica_db->RoleUrl("shops"), "shops", Migrations()));
  common::PgPoolOptions options;
  options.url = db_->RoleUrl("shops");
  options.size = 2;
  options.statements = PgShopsRepository::Statements();
  std::unique_ptr<common::PgPool> read_pool =
      common::MakeReadPool(replica_db->RoleUrl("shops"), options);
  ASSERT_NE(read_pool, nullptr);
  EXPECT_EQ(common::MakeReadPool("", options), nullptr);  // unset: callers use the primary

  PgShopsRepository split(*pool_, read_pool.get());
  ShopQuery query;
  query.active_only = false;
  Shop shop;
  shop.slug = "cave-de-lormes";
  shop.name = "Cave de Lormes";
  shop.commune_insee = "58145";
  shop.category = "caviste";
  shop.siret = "73282932000074";
  ASSERT_OK_AND_ASSIGN(Shop stored, split.Insert(shop, kOwner.user_id, Soon()));
  EXPECT_OK(split.FindById(stored.id, Soon()));  // single reads: the primary

  ASSERT_OK_AND_ASSIGN(ShopPage from_replica, split.List(query, Soon()));
  EXPECT_TRUE(from_replica.shops.empty());
  ASSERT_OK_AND_ASSIGN(ShopPage from_primary, repository_->List(query, Soon()));
  ASSERT_EQ(from_primary.shops.size(), 1u);
  EXPECT_EQ(from_primary.shops[0].id, stored.id);
}

}  // namespace
}  // namespace comptoir::shops
