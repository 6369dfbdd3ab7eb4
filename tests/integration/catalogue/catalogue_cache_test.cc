// The Redis cache of product reads and search pages over the real PostgreSQL repository: a
// write is visible at once, a shop change hides its products at once, one load per key under
// a stampede, and a Redis outage costs speed, never answers.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "cached_catalogue_repository.h"
#include "catalogue_service.h"
#include "comptoir/common/migrations.h"
#include "comptoir/common/pg_pool.h"
#include "comptoir/common/redis_pool.h"
#include "pg_catalogue_repository.h"
#include "scratch_database.h"
#include "scratch_redis.h"
#include "status_testing.h"

namespace comptoir::catalogue {
namespace {

using comptoir::testing::ScratchDatabase;
using comptoir::testing::ScratchRedis;
using comptoir::testing::StatusIs;
using ::testing::ElementsAre;

Deadline Soon() { return common::DeadlineIn(std::chrono::seconds(30)); }

constexpr char kShop[] = "11111111-1111-4111-8111-111111111111";
constexpr char kOtherShop[] = "22222222-2222-4222-8222-222222222222";

common::Caller MemberOf(const std::string& shop) {
  return common::Caller{.user_id = "u-member", .roles = {"resident"}, .shop_ids = {shop}};
}

Product MakeProduct(std::string sku, std::string name, int64_t price) {
  Product p;
  p.sku = std::move(sku);
  p.name = std::move(name);
  p.category = "fromage";
  p.price_cents = price;
  p.vat_rate_bp = 550;
  p.sale_unit = "pièce";
  return p;
}

// Counts what reaches PostgreSQL, and can slow searches down to widen a stampede.
class CountingRepository : public PgCatalogueRepository {
 public:
  using PgCatalogueRepository::PgCatalogueRepository;
  absl::StatusOr<Product> FindById(const std::string& id, Deadline deadline) override {
    ++finds;
    return PgCatalogueRepository::FindById(id, deadline);
  }
  absl::StatusOr<SearchPage> Search(const SearchQuery& query, Deadline deadline) override {
    ++searches;
    if (search_delay.count() > 0) std::this_thread::sleep_for(search_delay);
    return PgCatalogueRepository::Search(query, deadline);
  }
  std::atomic<int> finds{0};
  std::atomic<int> searches{0};
  std::chrono::milliseconds search_delay{0};
};

class CatalogueCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(db_, ScratchDatabase::Create({.roles = {"catalogue"}}));
    ASSERT_OK_AND_ASSIGN(pool_, db_->MigratedPool("catalogue", Migrations(),
                                                  PgCatalogueRepository::Statements(), 8));
    ASSERT_OK_AND_ASSIGN(redis_server_, ScratchRedis::Create());
    common::RedisPoolOptions redis_options;
    redis_options.url = redis_server_->url();
    redis_options.retry_after = std::chrono::milliseconds(100);
    redis_ = std::make_unique<common::RedisPool>(redis_options);
    storage_ = std::make_unique<CountingRepository>(*pool_);
    cache_ = std::make_unique<CachedCatalogueRepository>(*storage_, *redis_);
    service_ = std::make_unique<CatalogueService>(*cache_);
    ASSERT_OK(service_->ApplyShop(
        {kShop, "fromagerie", "Fromagerie", "active", "21231", "21", 47.32, 5.04, "fromagerie", ""},
        1, Soon()));
    ASSERT_OK(service_->ApplyShop(
        {kOtherShop, "cave", "Cave", "active", "25056", "25", 47.23, 6.02, "caviste", ""}, 1,
        Soon()));
  }

  Product Create(const std::string& shop, Product product) {
    absl::StatusOr<Product> created =
        service_->CreateProduct(MemberOf(shop), shop, std::move(product), Soon());
    EXPECT_OK(created.status());
    return created.value_or(Product{});
  }

  std::vector<std::string> Names(SearchParams params) {
    absl::StatusOr<SearchResult> result = service_->SearchProducts(params, Soon());
    EXPECT_OK(result.status());
    std::vector<std::string> names;
    if (result.ok()) {
      for (const Product& p : result->products) names.push_back(p.name);
    }
    return names;
  }

  absl::StatusOr<Product> Rename(const Product& product, const std::string& name) {
    Product change;
    change.id = product.id;
    change.version = product.version;
    change.name = name;
    return service_->UpdateProduct(MemberOf(product.shop_id), change, {"name"}, Soon());
  }

  std::unique_ptr<ScratchDatabase> db_;
  std::unique_ptr<ScratchRedis> redis_server_;
  std::unique_ptr<common::PgPool> pool_;
  std::unique_ptr<common::RedisPool> redis_;
  std::unique_ptr<CountingRepository> storage_;
  std::unique_ptr<CachedCatalogueRepository> cache_;
  std::unique_ptr<CatalogueService> service_;
};

TEST_F(CatalogueCacheTest, RepeatedReadsAreServedFromRedis) {
  Product comte = Create(kShop, MakeProduct("COMTE", "Comté AOP", 2390));
  for (int i = 0; i < 3; ++i) {
    ASSERT_OK_AND_ASSIGN(Product read, service_->GetProduct(common::Caller{}, comte.id, Soon()));
    EXPECT_EQ(read.name, "Comté AOP");
    EXPECT_EQ(read.shop_id, kShop);
    EXPECT_EQ(read.shop_status, "active");
    EXPECT_EQ(read.create_time, comte.create_time);
    EXPECT_THAT(Names({.q = "comte"}), ElementsAre("Comté AOP"));
  }
  EXPECT_EQ(storage_->finds.load(), 1);
  EXPECT_EQ(storage_->searches.load(), 1);
}

TEST_F(CatalogueCacheTest, AWriteIsVisibleToTheNextReadAndSearch) {
  Product comte = Create(kShop, MakeProduct("COMTE", "Comté AOP", 2390));
  Product morbier = Create(kOtherShop, MakeProduct("MORBIER", "Morbier", 1450));
  ASSERT_OK(service_->GetProduct(common::Caller{}, comte.id, Soon()).status());
  ASSERT_OK(service_->GetProduct(common::Caller{}, morbier.id, Soon()).status());
  EXPECT_THAT(Names({.q = "comte"}), ElementsAre("Comté AOP"));
  EXPECT_THAT(Names({.shop_id = kOtherShop}), ElementsAre("Morbier"));

  ASSERT_OK_AND_ASSIGN(Product renamed, Rename(comte, "Comté fruité 24 mois"));
  ASSERT_OK_AND_ASSIGN(Product read, service_->GetProduct(common::Caller{}, comte.id, Soon()));
  EXPECT_EQ(read.name, "Comté fruité 24 mois");
  EXPECT_EQ(read.version, renamed.version);
  EXPECT_THAT(Names({.q = "comte"}), ElementsAre("Comté fruité 24 mois"));

  // Nothing more: the other product and the other shop's searches stay cached.
  const int finds = storage_->finds.load();
  const int searches = storage_->searches.load();
  ASSERT_OK(service_->GetProduct(common::Caller{}, morbier.id, Soon()).status());
  EXPECT_THAT(Names({.shop_id = kOtherShop}), ElementsAre("Morbier"));
  EXPECT_EQ(storage_->finds.load(), finds);
  EXPECT_EQ(storage_->searches.load(), searches);

  ASSERT_OK(service_->DeleteProduct(MemberOf(kShop), comte.id, 0, Soon()));
  EXPECT_THAT(service_->GetProduct(common::Caller{}, comte.id, Soon()),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_TRUE(Names({.q = "comte"}).empty());
}

TEST_F(CatalogueCacheTest, SuspendingAShopHidesItsCachedProductsAtOnce) {
  Product comte = Create(kShop, MakeProduct("COMTE", "Comté AOP", 2390));
  ASSERT_OK(service_->GetProduct(common::Caller{}, comte.id, Soon()).status());
  EXPECT_THAT(Names({.q = "comte"}), ElementsAre("Comté AOP"));
  ASSERT_OK(service_->ApplyShop({kShop, "fromagerie", "Fromagerie", "suspended", "21231", "21",
                                 47.32, 5.04, "fromagerie", ""},
                                2, Soon()));
  EXPECT_THAT(service_->GetProduct(common::Caller{}, comte.id, Soon()),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_TRUE(Names({.q = "comte"}).empty());
}

TEST_F(CatalogueCacheTest, AStampedeOnOneSearchLoadsItOnce) {
  Create(kShop, MakeProduct("COMTE", "Comté AOP", 2390));
  storage_->search_delay = std::chrono::milliseconds(200);
  std::vector<std::thread> clients;
  std::atomic<int> answered{0};
  for (int i = 0; i < 16; ++i) {
    clients.emplace_back([&] {
      absl::StatusOr<SearchResult> r = service_->SearchProducts({.q = "comte"}, Soon());
      if (r.ok() && r->products.size() == 1) ++answered;
    });
  }
  for (std::thread& t : clients) t.join();
  EXPECT_EQ(answered.load(), 16);
  EXPECT_EQ(storage_->searches.load(), 1);
}

TEST_F(CatalogueCacheTest, SearchesAndReadsStillAnswerWhileRedisIsDownAndStayFresh) {
  Product comte = Create(kShop, MakeProduct("COMTE", "Comté AOP", 2390));
  EXPECT_THAT(Names({.q = "comte"}), ElementsAre("Comté AOP"));
  ASSERT_OK(service_->GetProduct(common::Caller{}, comte.id, Soon()).status());

  ASSERT_OK(redis_server_->Stop());
  EXPECT_THAT(Names({.q = "comte"}), ElementsAre("Comté AOP"));
  ASSERT_OK_AND_ASSIGN(Product renamed, Rename(comte, "Comté extra"));
  EXPECT_THAT(Names({.q = "comte"}), ElementsAre("Comté extra"));
  ASSERT_OK_AND_ASSIGN(Product read, service_->GetProduct(common::Caller{}, comte.id, Soon()));
  EXPECT_EQ(read.name, "Comté extra");

  ASSERT_OK(redis_server_->Start());
  std::this_thread::sleep_for(std::chrono::milliseconds(150));  // past the pool's back-off
  EXPECT_THAT(Names({.q = "comte"}), ElementsAre("Comté extra"));
  ASSERT_OK_AND_ASSIGN(read, service_->GetProduct(common::Caller{}, comte.id, Soon()));
  EXPECT_EQ(read.name, "Comté extra");
  ASSERT_OK_AND_ASSIGN(Product again, Rename(renamed, "Comté vieux"));
  EXPECT_THAT(Names({.q = "comte"}), ElementsAre("Comté vieux"));
  EXPECT_EQ(again.version, 3);
}

TEST_F(CatalogueCacheTest, AnInvalidationLostInAnOutageIsMadeUpWhenRedisAnswersAgain) {
  // A hang, not a restart: Redis keeps the entries cached before the write.
  Product comte = Create(kShop, MakeProduct("COMTE", "Comté AOP", 2390));
  ASSERT_OK(service_->GetProduct(common::Caller{}, comte.id, Soon()).status());
  EXPECT_THAT(Names({.q = "comte"}), ElementsAre("Comté AOP"));

  redis_server_->Pause();
  ASSERT_OK(Rename(comte, "Comté changé").status());  // its bump times out
  ASSERT_OK_AND_ASSIGN(Product during, service_->GetProduct(common::Caller{}, comte.id, Soon()));
  EXPECT_EQ(during.name, "Comté changé");
  redis_server_->Resume();
  std::this_thread::sleep_for(std::chrono::milliseconds(150));  // past the pool's back-off

  ASSERT_OK_AND_ASSIGN(Product after, service_->GetProduct(common::Caller{}, comte.id, Soon()));
  EXPECT_EQ(after.name, "Comté changé");
  EXPECT_THAT(Names({.q = "comte"}), ElementsAre("Comté changé"));
}

}  // namespace
}  // namespace comptoir::catalogue
