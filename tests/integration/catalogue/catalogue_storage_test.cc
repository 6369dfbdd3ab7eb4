// The catalogue on a real PostgreSQL (scratch database bootstrapped like production, with
// this service's migrations): products with optimistic concurrency, the French search, the
// shop projection, and stock reservations under concurrency.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>

#include "absl/strings/str_format.h"
#include "catalogue_service.h"
#include "comptoir/common/migrations.h"
#include "comptoir/common/pg_pool.h"
#include "comptoir/shops/v1/events.pb.h"
#include "pg_catalogue_repository.h"
#include "scratch_database.h"
#include "shop_events.h"
#include "status_testing.h"

namespace comptoir::catalogue {
namespace {

using comptoir::testing::ScratchDatabase;
using comptoir::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::UnorderedElementsAre;

Deadline Soon() { return common::DeadlineIn(std::chrono::seconds(30)); }

constexpr char kDijonShop[] = "11111111-1111-4111-8111-111111111111";     // Dijon (21)
constexpr char kBesanconShop[] = "22222222-2222-4222-8222-222222222222";  // Besançon (25)
constexpr char kSuspendedShop[] = "33333333-3333-4333-8333-333333333333";

std::string Uuid(int n) { return absl::StrFormat("00000000-0000-4000-8000-%012d", n); }

common::Caller MemberOf(const std::string& shop) {
  return common::Caller{.user_id = "u-member", .roles = {"resident"}, .shop_ids = {shop}};
}

Product MakeProduct(std::string sku, std::string name, std::string category, int64_t price) {
  Product p;
  p.sku = std::move(sku);
  p.name = std::move(name);
  p.category = std::move(category);
  p.price_cents = price;
  p.vat_rate_bp = 550;
  p.sale_unit = "pièce";
  return p;
}

class CatalogueStorageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(db_, ScratchDatabase::Create({.roles = {"catalogue"}}));
    ASSERT_OK_AND_ASSIGN(pool_, db_->MigratedPool("catalogue", Migrations(),
                                                  PgCatalogueRepository::Statements(), 16));
    repository_ = std::make_unique<PgCatalogueRepository>(*pool_);
    service_ = std::make_unique<CatalogueService>(*repository_);
    ASSERT_OK(service_->ApplyShop({kDijonShop, "fromagerie-dijon", "Fromagerie de Dijon", "active",
                                   "21231", "21", 47.3220, 5.0415, "fromagerie", ""},
                                  1, Soon()));
    ASSERT_OK(service_->ApplyShop({kBesanconShop, "cave-besancon", "Cave de Besançon", "active",
                                   "25056", "25", 47.2380, 6.0244, "caviste", ""},
                                  1, Soon()));
    ASSERT_OK(service_->ApplyShop({kSuspendedShop, "suspendue", "Boutique suspendue", "suspended",
                                   "21231", "21", 47.3220, 5.0415, "epicerie", ""},
                                  1, Soon()));
  }

  Product Create(const std::string& shop, Product product) {
    absl::StatusOr<Product> created =
        service_->CreateProduct(MemberOf(shop), shop, std::move(product), Soon());
    EXPECT_OK(created.status());
    return created.value_or(Product{});
  }

  std::vector<std::string> SearchSkus(SearchParams params) {
    absl::StatusOr<SearchResult> result = service_->SearchProducts(params, Soon());
    EXPECT_OK(result.status());
    std::vector<std::string> skus;
    if (result.ok()) {
      for (const Product& p : result->products) skus.push_back(p.sku);
    }
    return skus;
  }

  void SeedCheeses() {
    Create(kDijonShop, MakeProduct("COMTE", "Comté AOP 18 mois", "fromage", 2390));
    Create(kDijonShop, MakeProduct("CAMEMBERT", "Camembert au lait cru", "fromage", 650));
    Product epoisses = MakeProduct("EPOISSES", "Époisses de Bourgogne", "fromage", 990);
    epoisses.labels = {"aop-aoc"};
    epoisses.description = "Un fromage à croûte lavée, affiné au marc.";
    Create(kDijonShop, epoisses);
    Product pain = MakeProduct("PAIN", "Pain de campagne", "boulangerie", 420);
    pain.stock_tracked = true;
    pain.stock = 0;
    Create(kDijonShop, pain);
    Product vin = MakeProduct("MACVIN", "Macvin du Jura", "vin", 2200);
    vin.labels = {"aop-aoc", "local"};
    Create(kBesanconShop, vin);
    Create(kBesanconShop, MakeProduct("MORBIER", "Morbier fromages du Jura", "fromage", 1450));
    Create(kSuspendedShop, MakeProduct("COMTE-S", "Comté fruité", "fromage", 2000));
  }

  std::unique_ptr<ScratchDatabase> db_;
  std::unique_ptr<common::PgPool> pool_;
  std::unique_ptr<PgCatalogueRepository> repository_;
  std::unique_ptr<CatalogueService> service_;
};

TEST_F(CatalogueStorageTest, StoresProductsAndRefusesADuplicateSkuInTheSameShop) {
  Product p = MakeProduct("COMTE", "Comté AOP", "fromage", 2390);
  p.labels = {"aop-aoc", "bio"};
  p.allergens = {"lait"};
  p.photo_urls = {"https://img.example/comte.jpg", "https://img.example/a,b.jpg"};
  p.net_quantity = 250;
  p.net_quantity_unit = "g";
  Product created = Create(kDijonShop, p);
  EXPECT_EQ(created.version, 1);
  EXPECT_EQ(created.shop_name, "Fromagerie de Dijon");
  EXPECT_THAT(created.labels, ElementsAre("aop-aoc", "bio"));
  EXPECT_THAT(created.photo_urls,
              ElementsAre("https://img.example/comte.jpg", "https://img.example/a,b.jpg"));
  ASSERT_OK_AND_ASSIGN(Product read, service_->GetProduct(common::Caller{}, created.id, Soon()));
  EXPECT_EQ(read.name, "Comté AOP");
  EXPECT_EQ(read.net_quantity, 250);

  EXPECT_THAT(service_->CreateProduct(MemberOf(kDijonShop), kDijonShop, p, Soon()),
              StatusIs(absl::StatusCode::kAlreadyExists));
  Create(kBesanconShop, p);  // another shop may use the same SKU
  EXPECT_THAT(service_->CreateProduct(MemberOf(kBesanconShop), kDijonShop, p, Soon()),
              StatusIs(absl::StatusCode::kPermissionDenied));
}

TEST_F(CatalogueStorageTest, StaleVersionFailsWithoutChangingAnything) {
  Product created = Create(kDijonShop, MakeProduct("COMTE", "Comté", "fromage", 2390));
  Product change;
  change.id = created.id;
  change.version = created.version;
  change.price_cents = 2490;
  change.name = "ignored: not in the mask";
  ASSERT_OK_AND_ASSIGN(Product updated, service_->UpdateProduct(MemberOf(kDijonShop), change,
                                                                {"price_cents"}, Soon()));
  EXPECT_EQ(updated.price_cents, 2490);
  EXPECT_EQ(updated.name, "Comté");
  EXPECT_EQ(updated.version, 2);

  change.price_cents = 100;  // still carries version 1
  EXPECT_THAT(service_->UpdateProduct(MemberOf(kDijonShop), change, {"price_cents"}, Soon()),
              StatusIs(absl::StatusCode::kAborted));
  ASSERT_OK_AND_ASSIGN(Product after, repository_->FindById(created.id, Soon()));
  EXPECT_EQ(after.price_cents, 2490);
  EXPECT_EQ(after.version, 2);

  EXPECT_THAT(service_->UpdateProduct(MemberOf(kBesanconShop), updated, {"price_cents"}, Soon()),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(service_->DeleteProduct(MemberOf(kDijonShop), created.id, 1, Soon()),
              StatusIs(absl::StatusCode::kAborted));
  EXPECT_OK(service_->DeleteProduct(MemberOf(kDijonShop), created.id, 2, Soon()));
  EXPECT_THAT(service_->GetProduct(common::Caller{}, created.id, Soon()),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(CatalogueStorageTest, HiddenProductsAreSeenOnlyByMembers) {
  Product p = MakeProduct("SECRET", "Fromage secret", "fromage", 1000);
  p.visible = false;
  Product created = Create(kDijonShop, p);
  EXPECT_THAT(service_->GetProduct(common::Caller{}, created.id, Soon()),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_OK(service_->GetProduct(MemberOf(kDijonShop), created.id, Soon()).status());
  ASSERT_OK_AND_ASSIGN(ListProductsResult anonymous,
                       service_->ListProducts(common::Caller{}, {kDijonShop, 0, ""}, Soon()));
  EXPECT_TRUE(anonymous.products.empty());
  ASSERT_OK_AND_ASSIGN(ListProductsResult member,
                       service_->ListProducts(MemberOf(kDijonShop), {kDijonShop, 0, ""}, Soon()));
  EXPECT_EQ(member.products.size(), 1u);
  EXPECT_TRUE(SearchSkus({.q = "secret"}).empty());
}

TEST_F(CatalogueStorageTest, SearchIgnoresAccentsStemsToleratesTyposAndMatchesPrefixes) {
  SeedCheeses();
  EXPECT_THAT(SearchSkus({.q = "comte"}), ElementsAre("COMTE"));  // accents ignored
  EXPECT_THAT(SearchSkus({.q = "COMTÉ"}), ElementsAre("COMTE"));
  EXPECT_THAT(SearchSkus({.q = "epoisses"}), ElementsAre("EPOISSES"));
  EXPECT_THAT(SearchSkus({.q = "fromages", .sort = "price_asc"}),  // stemming, description
              ElementsAre("EPOISSES", "MORBIER"));
  EXPECT_THAT(SearchSkus({.q = "camenbert"}), ElementsAre("CAMEMBERT"));  // typo
  EXPECT_THAT(SearchSkus({.q = "camem"}), ElementsAre("CAMEMBERT"));      // type-ahead prefix
  EXPECT_THAT(SearchSkus({.q = "macvin jura"}), ElementsAre("MACVIN"));   // every word
  EXPECT_TRUE(SearchSkus({.q = "tournevis"}).empty());
}

// Typos are matched against the distinct product names, which the database keeps as
// products are created and renamed.
TEST_F(CatalogueStorageTest, TyposFindProductsByTheNamesTheyHaveNow) {
  Product cheese = Create(kDijonShop, MakeProduct("CHEESE", "Camembert fermier", "fromage", 1200));
  EXPECT_THAT(SearchSkus({.q = "camenbert"}), ElementsAre("CHEESE"));
  Product change;
  change.id = cheese.id;
  change.version = cheese.version;
  change.name = "Raclette au lait cru";
  ASSERT_OK(service_->UpdateProduct(MemberOf(kDijonShop), change, {"name"}, Soon()).status());
  EXPECT_THAT(SearchSkus({.q = "raklette"}), ElementsAre("CHEESE"));
  EXPECT_TRUE(SearchSkus({.q = "camenbert"}).empty());  // the old name matches nothing now
}

TEST_F(CatalogueStorageTest, FiltersAndSortsGiveTheRightSetsInTheRightOrder) {
  SeedCheeses();
  EXPECT_THAT(SearchSkus({.category = "fromage", .sort = "price_asc"}),
              ElementsAre("CAMEMBERT", "EPOISSES", "MORBIER", "COMTE"));
  EXPECT_THAT(SearchSkus({.category = "fromage", .sort = "price_desc"}),
              ElementsAre("COMTE", "MORBIER", "EPOISSES", "CAMEMBERT"));
  EXPECT_THAT(SearchSkus({.label = "aop-aoc", .sort = "price_asc"}),
              ElementsAre("EPOISSES", "MACVIN"));
  EXPECT_THAT(SearchSkus({.department_code = "25", .sort = "price_asc"}),
              ElementsAre("MORBIER", "MACVIN"));
  EXPECT_THAT(SearchSkus({.shop_id = kBesanconShop, .sort = "price_asc"}),
              ElementsAre("MORBIER", "MACVIN"));
  EXPECT_THAT(SearchSkus({.commune_insee = "25056", .min_price = 2000}), ElementsAre("MACVIN"));
  EXPECT_THAT(SearchSkus({.min_price = 900, .max_price = 1500, .sort = "price_asc"}),
              ElementsAre("EPOISSES", "MORBIER"));
  EXPECT_EQ(SearchSkus({.category = "boulangerie"}).size(), 1u);
  EXPECT_TRUE(SearchSkus({.category = "boulangerie", .in_stock = true}).empty());
  // Besançon is about 76 km from Dijon.
  EXPECT_THAT(SearchSkus({.category = "fromage", .near = "47.2380,6.0244", .radius_km = 10}),
              ElementsAre("MORBIER"));
  std::vector<std::string> by_distance =
      SearchSkus({.category = "fromage", .near = "47.2380,6.0244", .sort = "distance"});
  ASSERT_EQ(by_distance.size(), 4u);
  EXPECT_EQ(by_distance[0], "MORBIER");
  // Newest first by default without words.
  EXPECT_THAT(SearchSkus({.shop_id = kBesanconShop}), ElementsAre("MORBIER", "MACVIN"));
}

TEST_F(CatalogueStorageTest, PagesWithOpaqueTokensCoverEveryProductOnce) {
  for (int i = 0; i < 25; ++i) {
    Create(kDijonShop,
           MakeProduct(absl::StrCat("F", i), absl::StrCat("Fromage numéro ", i), "fromage",
                       100 * (i % 7)));  // ties on price exercise the id tie-breaker
  }
  for (const char* sort : {"price_asc", "price_desc", "newest", "relevance"}) {
    std::set<std::string> seen;
    SearchParams params{
        .q = std::string(sort) == "relevance" ? "fromage" : "", .sort = sort, .page_size = 7};
    int pages = 0;
    do {
      ASSERT_OK_AND_ASSIGN(SearchResult page, service_->SearchProducts(params, Soon()));
      for (const Product& p : page.products) EXPECT_TRUE(seen.insert(p.sku).second) << p.sku;
      params.page_token = page.next_page_token;
      ++pages;
    } while (!params.page_token.empty() && pages < 10);
    EXPECT_EQ(seen.size(), 25u) << sort;
    EXPECT_EQ(pages, 4) << sort;
  }
}

// A word in most products is searched by reading the table in order instead of through the
// text index once the statistics know it is frequent (see search_sql.h): the matches ranked,
// their order, the pages and the facets must not change.
TEST_F(CatalogueStorageTest, AFrequentWordFindsTheSameMatchesWithOrWithoutTheTextIndex) {
  {
    pqxx::connection conn(db_->RoleUrl("catalogue"));
    pqxx::nontransaction tx(conn);
    // No statistics until the test asks for them.
    tx.exec("ALTER TABLE catalogue.products SET (autovacuum_enabled = false)");
  }
  std::vector<Product> products;
  for (int i = 0; i < 700; ++i) {
    products.push_back(
        i % 14 == 0 ? MakeProduct(absl::StrCat("P", i), "Pain de campagne", "boulangerie", 300)
                    : MakeProduct(absl::StrCat("F", i),
                                  absl::StrCat("Fromage fermier ", i % 9 == 0 ? "affiné" : "frais"),
                                  "fromage", 100 + i));
    products.back().labels = {i % 3 == 0 ? "bio" : "local"};
  }
  ASSERT_OK(repository_->ApplyImport(kDijonShop, products, nullptr, Soon()).status());

  // Every page of a search for "fromage" with its facets, as ids in order.
  const auto all_pages = [](CatalogueService& service) {
    std::vector<std::string> ids;
    std::vector<std::string> facets;
    SearchParams params{.q = "fromage", .page_size = 100, .facets = true};
    for (int pages = 0; pages < 10; ++pages) {
      absl::StatusOr<SearchResult> page = service.SearchProducts(params, Soon());
      EXPECT_OK(page.status());
      if (!page.ok()) break;
      for (const Product& p : page->products) ids.push_back(p.id);
      for (const auto* list : {&page->categories, &page->labels, &page->departments}) {
        for (const FacetCount& f : *list) facets.push_back(absl::StrCat(f.value, "=", f.count));
      }
      if (page->next_page_token.empty()) break;
      params.page_token = page->next_page_token;
    }
    return std::make_pair(ids, facets);
  };
  const auto by_index = all_pages(*service_);
  ASSERT_EQ(by_index.first.size(), 500u);  // the ranked matches are bounded
  EXPECT_EQ(std::set<std::string>(by_index.first.begin(), by_index.first.end()).size(), 500u);
  EXPECT_THAT(by_index.second, ::testing::Contains("fromage=500"));

  {
    pqxx::connection conn(db_->RoleUrl("catalogue"));
    pqxx::nontransaction tx(conn);
    tx.exec("ANALYZE catalogue.products");
  }
  // A new repository: word frequencies are cached for minutes.
  PgCatalogueRepository repository(*pool_);
  CatalogueService service(repository);
  const auto by_walk = all_pages(service);
  EXPECT_EQ(by_walk.first, by_index.first);
  EXPECT_EQ(by_walk.second, by_index.second);
}

TEST_F(CatalogueStorageTest, FacetsCountTheFilteredSet) {
  SeedCheeses();
  ASSERT_OK_AND_ASSIGN(SearchResult result,
                       service_->SearchProducts({.page_size = 1, .facets = true}, Soon()));
  ASSERT_EQ(result.categories.size(), 3u);
  EXPECT_EQ(result.categories[0].value, "fromage");
  EXPECT_EQ(result.categories[0].count, 4);  // not the suspended shop's
  ASSERT_EQ(result.departments.size(), 2u);
  EXPECT_EQ(result.departments[0].value, "21");
  EXPECT_EQ(result.departments[0].count, 4);
  ASSERT_FALSE(result.labels.empty());
  EXPECT_EQ(result.labels[0].value, "aop-aoc");
  EXPECT_EQ(result.labels[0].count, 2);
}

TEST_F(CatalogueStorageTest, ProductsOfASuspendedShopVanishFromSearch) {
  SeedCheeses();
  EXPECT_EQ(SearchSkus({.q = "comte"}).size(), 1u);  // the suspended shop's Comté is not there
  ASSERT_OK(service_->ApplyShop({kDijonShop, "fromagerie-dijon", "Fromagerie de Dijon", "suspended",
                                 "21231", "21", 47.3220, 5.0415, "fromagerie", ""},
                                2, Soon()));
  EXPECT_TRUE(SearchSkus({.q = "comte"}).empty());
  // An older event arriving late does not bring it back.
  ASSERT_OK(service_->ApplyShop({kDijonShop, "fromagerie-dijon", "Fromagerie de Dijon", "active",
                                 "21231", "21", 47.3220, 5.0415, "fromagerie", ""},
                                1, Soon()));
  EXPECT_TRUE(SearchSkus({.q = "comte"}).empty());
}

TEST_F(CatalogueStorageTest, ShopEventsFeedTheProjection) {
  shops::v1::ShopEvent event;
  event.set_kind(shops::v1::ShopEvent::APPROVED);
  shops::v1::ShopSnapshot* shop = event.mutable_shop();
  shop->set_id("44444444-4444-4444-8444-444444444444");
  shop->set_slug("boulangerie-dole");
  shop->set_name("Boulangerie de Dole");
  shop->set_status("active");
  shop->set_commune_insee("39198");
  shop->set_department_code("39");
  shop->set_latitude(47.09);
  shop->set_longitude(5.49);
  shop->set_category("boulangerie");
  shop->set_version(7);
  common::StreamEvent stream_event{"1-0", Uuid(1), kShopEventType, shop->id(),
                                   event.SerializeAsString()};
  ASSERT_OK(
      pool_->RunStatus(Soon(), [&](pqxx::work& tx) { return HandleShopEvent(stream_event, tx); }));
  ASSERT_OK_AND_ASSIGN(std::optional<ShopInfo> stored, repository_->FindShop(shop->id(), Soon()));
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->status, "active");
  EXPECT_EQ(stored->department_code, "39");
  ASSERT_TRUE(stored->latitude.has_value());
  EXPECT_DOUBLE_EQ(*stored->latitude, 47.09);

  stream_event.payload = "not a protobuf \xff";
  EXPECT_THAT(
      pool_->RunStatus(Soon(), [&](pqxx::work& tx) { return HandleShopEvent(stream_event, tx); }),
      StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(CatalogueStorageTest, ConcurrentReservationsNeverOversell) {
  Product p = MakeProduct("RARE", "Vacherin Mont-d'Or", "fromage", 1890);
  p.stock_tracked = true;
  p.stock = 10;
  const Product product = Create(kDijonShop, p);

  constexpr int kThreads = 40;
  constexpr int kPerThread = 25;  // 1,000 reservations of one unit
  std::atomic<int> succeeded{0}, short_of_stock{0}, other{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        absl::StatusOr<Reservation> r =
            service_->ReserveStock(Uuid(t * kPerThread + i + 1), {{product.id, 1}},
                                   common::DeadlineIn(std::chrono::seconds(60)));
        if (r.ok()) {
          ++succeeded;
        } else if (r.status().code() == absl::StatusCode::kFailedPrecondition) {
          ++short_of_stock;
        } else {
          ++other;
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(succeeded.load(), 10);
  EXPECT_EQ(short_of_stock.load(), kThreads * kPerThread - 10);
  EXPECT_EQ(other.load(), 0);
  ASSERT_OK_AND_ASSIGN(Product after, repository_->FindById(product.id, Soon()));
  EXPECT_EQ(after.stock, 0);
}

TEST_F(CatalogueStorageTest, ReservationsAreAllOrNothingAndIdempotent) {
  Product a = MakeProduct("A", "Comté", "fromage", 2000);
  a.stock_tracked = true;
  a.stock = 5;
  Product b = MakeProduct("B", "Morbier", "fromage", 1500);
  b.stock_tracked = true;
  b.stock = 1;
  Product c = MakeProduct("C", "Pain", "boulangerie", 300);  // untracked
  a = Create(kDijonShop, a);
  b = Create(kDijonShop, b);
  c = Create(kDijonShop, c);

  // B is short: nothing is taken from A either.
  EXPECT_THAT(service_->ReserveStock(Uuid(1), {{a.id, 2}, {b.id, 2}}, Soon()),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(repository_->FindById(a.id, Soon())->stock, 5);

  ASSERT_OK_AND_ASSIGN(Reservation first,
                       service_->ReserveStock(Uuid(2), {{a.id, 2}, {b.id, 1}, {c.id, 50}}, Soon()));
  EXPECT_FALSE(first.replayed);
  ASSERT_OK_AND_ASSIGN(Reservation replay,
                       service_->ReserveStock(Uuid(2), {{a.id, 2}, {b.id, 1}, {c.id, 50}}, Soon()));
  EXPECT_TRUE(replay.replayed);
  EXPECT_EQ(replay.lines.size(), 3u);
  EXPECT_EQ(repository_->FindById(a.id, Soon())->stock, 3);  // reserved once, not twice
  EXPECT_EQ(repository_->FindById(b.id, Soon())->stock, 0);
  EXPECT_EQ(repository_->FindById(c.id, Soon())->stock, 0);  // untracked: untouched

  ASSERT_OK_AND_ASSIGN(Reservation released, service_->ReleaseStock(Uuid(2), Soon()));
  EXPECT_EQ(released.state, "released");
  EXPECT_OK(service_->ReleaseStock(Uuid(2), Soon()).status());  // replay: no double give-back
  EXPECT_EQ(repository_->FindById(a.id, Soon())->stock, 5);
  EXPECT_EQ(repository_->FindById(b.id, Soon())->stock, 1);
  EXPECT_THAT(service_->CommitStock(Uuid(2), Soon()),
              StatusIs(absl::StatusCode::kFailedPrecondition));

  ASSERT_OK(service_->ReserveStock(Uuid(3), {{a.id, 5}}, Soon()).status());
  ASSERT_OK_AND_ASSIGN(Reservation committed, service_->CommitStock(Uuid(3), Soon()));
  EXPECT_EQ(committed.state, "committed");
  EXPECT_OK(service_->CommitStock(Uuid(3), Soon()).status());
  EXPECT_THAT(service_->ReleaseStock(Uuid(3), Soon()),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(repository_->FindById(a.id, Soon())->stock, 0);
  EXPECT_THAT(service_->ReleaseStock(Uuid(99), Soon()), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(service_->ReserveStock(Uuid(4), {{a.id, 1}, {a.id, 1}}, Soon()),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(CatalogueStorageTest, OpenNowKeepsOnlyProductsOfShopsOpenAtTheTimeOfTheSearch) {
  // The hours rules belong to the shops service (tested there); a fake stands for them.
  std::vector<absl::Time> asked;
  PgCatalogueRepository repository(*pool_, nullptr, [&](const std::string& hours, absl::Time at) {
    asked.push_back(at);
    return hours == "always-open";
  });
  const absl::Time now = absl::FromUnixSeconds(1795000000) + absl::Seconds(42);
  CatalogueService service(repository, [now] { return now; });
  ShopInfo open{kDijonShop,
                "fromagerie-dijon",
                "Fromagerie de Dijon",
                "active",
                "21231",
                "21",
                47.3220,
                5.0415,
                "fromagerie",
                ""};
  open.opening_hours = "always-open";
  ShopInfo closed{kBesanconShop, "cave-besancon", "Cave de Besançon", "active", "25056", "25",
                  47.2380,       6.0244,          "caviste",          ""};
  closed.opening_hours = "closed-today";
  ASSERT_OK(service.ApplyShop(open, 2, Soon()));
  ASSERT_OK(service.ApplyShop(closed, 2, Soon()));
  SeedCheeses();

  ASSERT_OK_AND_ASSIGN(SearchResult all, service.SearchProducts({.q = "fromage"}, Soon()));
  EXPECT_EQ(all.products.size(), 2u);  // Époisses (Dijon) and Morbier (Besançon)
  ASSERT_OK_AND_ASSIGN(SearchResult open_now,
                       service.SearchProducts({.q = "fromage", .open_now = true}, Soon()));
  ASSERT_EQ(open_now.products.size(), 1u);
  EXPECT_EQ(open_now.products[0].sku, "EPOISSES");
  ASSERT_FALSE(asked.empty());
  EXPECT_EQ(asked.back(), absl::FromUnixSeconds(1795000042 / 60 * 60));  // the minute
  // Without an evaluator, the filter is refused rather than ignored.
  EXPECT_THAT(service_->SearchProducts({.open_now = true}, Soon()),
              StatusIs(absl::StatusCode::kUnimplemented));
}

}  // namespace
}  // namespace comptoir::catalogue
