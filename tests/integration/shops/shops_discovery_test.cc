// Discovery and profile edits on a real PostgreSQL (scratch database bootstrapped like
// production: geo communes and postal codes, unaccent and pg_trgm) and a real Redis: name
// search tolerant to accents and typos, the commune look-up, searches around a commune,
// "open now", partial updates with their event and cache invalidation, the export.
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <algorithm>

#include "cached_shops_repository.h"
#include "comptoir/common/migrations.h"
#include "comptoir/common/pg_pool.h"
#include "comptoir/common/redis_pool.h"
#include "comptoir/shops/v1/events.pb.h"
#include "pg_shops_repository.h"
#include "scratch_database.h"
#include "scratch_redis.h"
#include "shop_rules.h"
#include "shops_service.h"
#include "status_testing.h"

namespace comptoir::shops {
namespace {

using comptoir::testing::HasFieldViolation;
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

// Wednesday 25 November 2026, 10:00 in Paris.
const absl::Time kWednesdayMorning =
    absl::FromCivil(absl::CivilMinute(2026, 11, 25, 9, 0), absl::UTCTimeZone());

class ShopsDiscoveryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(db_, ScratchDatabase::Create({.roles = {"shops"}}));
    ASSERT_OK_AND_ASSIGN(
        pool_, db_->MigratedPool("shops", Migrations(), PgShopsRepository::Statements(), 4));
    repository_ = std::make_unique<PgShopsRepository>(*pool_);
    service_ =
        std::make_unique<ShopsService>(*repository_, nullptr, [] { return kWednesdayMorning; });
  }

  Shop Active(const std::string& name, const std::string& commune = "21231",
              v1::OpeningHours hours = {}) {
    NewShop request;
    request.name = name;
    request.commune_insee = commune;
    request.category = "epicerie";
    request.siret = "73282932000074";
    request.opening_hours = std::move(hours);
    absl::StatusOr<Shop> shop = service_->CreateShop(request, kOwner, Soon());
    EXPECT_OK(shop.status());
    if (!shop.ok()) return Shop{};
    absl::StatusOr<Shop> approved = service_->ApproveShop(shop->id, kAdmin, Soon());
    EXPECT_OK(approved.status());
    return approved.value_or(Shop{});
  }

  std::vector<std::string> NamesFor(const std::string& q) {
    ListShopsParams params;
    params.q = q;
    params.page_size = 100;
    absl::StatusOr<ListShopsResult> result = service_->ListShops(params, Soon());
    EXPECT_OK(result.status());
    std::vector<std::string> names;
    if (result.ok()) {
      for (const Shop& s : result->shops) names.push_back(s.name);
    }
    std::sort(names.begin(), names.end());
    return names;
  }

  std::vector<std::string> CommuneCodes(const std::string& q, int page_size = 5) {
    absl::StatusOr<std::vector<Commune>> communes = service_->ListCommunes(q, page_size, Soon());
    EXPECT_OK(communes.status());
    std::vector<std::string> codes;
    if (communes.ok()) {
      for (const Commune& c : *communes) codes.push_back(c.insee_code);
    }
    return codes;
  }

  std::unique_ptr<ScratchDatabase> db_;
  std::unique_ptr<common::PgPool> pool_;
  std::unique_ptr<PgShopsRepository> repository_;
  std::unique_ptr<ShopsService> service_;
};

TEST_F(ShopsDiscoveryTest, NameSearchIgnoresAccentsCaseAndSmallTypos) {
  Active("Fromagerie Gaugry");
  Active("Épicerie de l'Abbaye");
  Active("Boulangerie du Coin");
  using V = std::vector<std::string>;
  EXPECT_EQ(NamesFor("fromagerie gaugri"), V{"Fromagerie Gaugry"});
  EXPECT_EQ(NamesFor("EPICERIE"), V{"Épicerie de l'Abbaye"});
  EXPECT_EQ(NamesFor("l'abbaye"), V{"Épicerie de l'Abbaye"});
  EXPECT_EQ(NamesFor("boulangrie"), V{"Boulangerie du Coin"});
  EXPECT_EQ(NamesFor("gaug"), V{"Fromagerie Gaugry"});  // while typing
  EXPECT_EQ(NamesFor("poissonnerie"), V{});
}

TEST_F(ShopsDiscoveryTest, CommuneLookUpByNamePrefixFirstThenWordsAndByPostalCode) {
  EXPECT_EQ(CommuneCodes("besan").front(), "25056");
  EXPECT_EQ(CommuneCodes("BESANÇON").front(), "25056");
  // The commune named so first, then those with a word starting so (larger first).
  const std::vector<std::string> claude = CommuneCodes("saint claude");
  ASSERT_GE(claude.size(), 3u);
  EXPECT_EQ(claude[0], "39478");
  EXPECT_EQ(CommuneCodes("saint-claude").front(), "39478");

  ASSERT_OK_AND_ASSIGN(std::vector<Commune> by_code, service_->ListCommunes("25000", 5, Soon()));
  ASSERT_FALSE(by_code.empty());
  EXPECT_EQ(by_code[0].insee_code, "25056");
  EXPECT_EQ(by_code[0].matched_postal_code, "25000");
  EXPECT_EQ(by_code[0].name, "Besançon");
  EXPECT_GT(by_code[0].population, 100000);
  ASSERT_OK_AND_ASSIGN(std::vector<Commune> prefix, service_->ListCommunes("390", 50, Soon()));
  ASSERT_FALSE(prefix.empty());
  for (const Commune& c : prefix) EXPECT_EQ(c.matched_postal_code.substr(0, 3), "390");
  EXPECT_EQ(CommuneCodes("zzzzq"), std::vector<std::string>{});
  EXPECT_EQ(CommuneCodes("besan", 1).size(), 1u);
}

TEST_F(ShopsDiscoveryTest, RadiusAroundACommuneReturnsExactlyTheShopsWithinNearestFirst) {
  // Shops at their commune centres; distances from Besançon's centre computed here.
  const std::vector<std::string> communes = {"25056", "25434", "21231", "39478", "70550"};
  std::vector<std::pair<double, std::string>> expected;
  for (const std::string& insee : communes) {
    Shop shop = Active("Commerce " + insee, insee);
    const double d = DistanceKm(47.2602, 6.0123, shop.latitude, shop.longitude);
    if (d <= 40) expected.push_back({d, shop.id});
  }
  std::sort(expected.begin(), expected.end());
  ASSERT_GE(expected.size(), 2u);
  ListShopsParams params;
  params.near_commune = "25056";
  params.radius_km = 40;
  ASSERT_OK_AND_ASSIGN(ListShopsResult result, service_->ListShops(params, Soon()));
  ASSERT_EQ(result.shops.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(result.shops[i].id, expected[i].second);
    EXPECT_NEAR(*result.shops[i].distance_km, expected[i].first, 1e-6);
  }
}

TEST_F(ShopsDiscoveryTest, OpenNowUsesTheStoredHours) {
  v1::OpeningHours morning;
  v1::DayHours* day = morning.add_weekly();
  day->set_weekday(3);
  day->add_ranges()->set_open("08:00");
  day->mutable_ranges(0)->set_close("12:00");
  Active("Ouvert le matin", "21231", morning);
  Active("Sans horaires");
  ListShopsParams params;
  params.open_now = true;
  ASSERT_OK_AND_ASSIGN(ListShopsResult result, service_->ListShops(params, Soon()));
  ASSERT_EQ(result.shops.size(), 1u);
  EXPECT_EQ(result.shops[0].name, "Ouvert le matin");
  EXPECT_TRUE(result.next_page_token.empty());
}

TEST_F(ShopsDiscoveryTest, UpdateIsStoredEmitsAnEventAndInvalidatesTheCache) {
  ASSERT_OK_AND_ASSIGN(auto redis_server, ScratchRedis::Create());
  common::RedisPoolOptions redis_options;
  redis_options.url = redis_server->url();
  common::RedisPool redis(redis_options);
  CachedShopsRepository cached(*repository_, redis);
  ShopsService service(cached);
  Shop shop = Active("Chez Paul");
  ASSERT_OK_AND_ASSIGN(Shop before, service.GetShop(shop.slug, Caller{}, Soon()));  // cached
  ShopPatch patch;
  patch.paths = {"description", "photo_urls", "commune_insee"};
  patch.values.description = "Fromages et vins";
  patch.values.photo_urls = {"https://example.fr/a.jpg", "https://example.fr/b.jpg"};
  patch.values.commune_insee = "58145";
  ASSERT_OK_AND_ASSIGN(Shop updated, service.UpdateShop(shop.id, patch, kOwner, Soon()));
  EXPECT_EQ(updated.version, before.version + 1);
  EXPECT_EQ(updated.commune_name, "Lormes");
  EXPECT_EQ(updated.postal_code, "58140");

  // Both cache keys were dropped: reads by slug and by id see the change at once.
  ASSERT_OK_AND_ASSIGN(Shop by_slug, service.GetShop(shop.slug, Caller{}, Soon()));
  EXPECT_EQ(by_slug.description, "Fromages et vins");
  EXPECT_EQ(by_slug.photo_urls.size(), 2u);
  EXPECT_EQ(by_slug.department_code, "58");
  ASSERT_OK_AND_ASSIGN(Shop by_id, service.GetShop(shop.id, Caller{}, Soon()));
  EXPECT_EQ(by_id.slug, shop.slug);
  EXPECT_EQ(by_id.version, updated.version);

  // A write based on a stale read is refused rather than lost.
  Shop stale = updated;
  stale.description = "old";
  EXPECT_THAT(repository_->Update(stale, before.version, kOwner.user_id, Soon()),
              StatusIs(absl::StatusCode::kAborted));

  absl::StatusOr<std::vector<v1::ShopEvent>> events = pool_->Run<std::vector<v1::ShopEvent>>(
      Soon(), [&](pqxx::work& tx) -> absl::StatusOr<std::vector<v1::ShopEvent>> {
        std::vector<v1::ShopEvent> out;
        for (const auto& row : tx.exec_params(
                 "SELECT payload FROM shops.outbox WHERE aggregate = $1 ORDER BY created_at",
                 shop.id)) {
          v1::ShopEvent event;
          EXPECT_TRUE(event.ParseFromString(pqxx::binarystring(row[0]).str()));
          out.push_back(event);
        }
        return out;
      });
  ASSERT_OK(events.status());
  ASSERT_EQ(events->size(), 3u);  // created, approved, updated
  EXPECT_EQ(events->back().kind(), v1::ShopEvent::UPDATED);
  EXPECT_EQ(events->back().shop().commune_insee(), "58145");
  EXPECT_EQ(events->back().shop().version(), updated.version);
}

TEST_F(ShopsDiscoveryTest, ExportHoldsEveryActiveShopOfTheDepartment) {
  Active("Chez Paul", "21231");
  Active("Cave de Lormes", "58145");
  NewShop pending;
  pending.name = "En attente";
  pending.commune_insee = "21231";
  pending.category = "epicerie";
  pending.siret = "73282932000074";
  ASSERT_OK(service_->CreateShop(pending, kOwner, Soon()));

  ASSERT_OK_AND_ASSIGN(ShopsExport all, service_->ExportShops("csv", "", Soon()));
  EXPECT_EQ(all.shop_count, 2);
  EXPECT_EQ(std::count(all.content.begin(), all.content.end(), '\n'), 3);
  ASSERT_OK_AND_ASSIGN(ShopsExport burgundy, service_->ExportShops("jsonld", "58", Soon()));
  EXPECT_EQ(burgundy.shop_count, 1);
  google::protobuf::Struct parsed;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(burgundy.content, &parsed).ok());
  EXPECT_EQ(parsed.fields().at("numberOfItems").number_value(), 1);
}

}  // namespace
}  // namespace comptoir::shops
