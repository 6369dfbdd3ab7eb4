// CSV imports and exports of a shop's products on the real PostgreSQL: a file with bad lines
// reports exactly those and changes nothing, a good one applies every line in one
// transaction, a large one runs as a job whose progress can be read while it runs, and an
// export imports back unchanged.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "catalogue_service.h"
#include "comptoir/common/migrations.h"
#include "comptoir/common/pg_pool.h"
#include "pg_catalogue_repository.h"
#include "product_import.h"
#include "scratch_database.h"
#include "status_testing.h"

namespace comptoir::catalogue {
namespace {

using comptoir::testing::ScratchDatabase;
using comptoir::testing::StatusIs;
using ::testing::ElementsAre;

Deadline Soon() { return common::DeadlineIn(std::chrono::seconds(60)); }

constexpr char kShop[] = "11111111-1111-4111-8111-111111111111";
constexpr char kOtherShop[] = "22222222-2222-4222-8222-222222222222";

common::Caller MemberOf(const std::string& shop) {
  return common::Caller{
      .user_id = "u-" + shop.substr(0, 4), .roles = {"resident"}, .shop_ids = {shop}};
}

// `lines` products; the lines listed in `bad` (1-based data lines) carry a bad price.
std::string Csv(int lines, const std::set<int>& bad = {}, const std::string& price = "4,20") {
  std::string csv = "\xEF\xBB\xBFsku;name;description;category;price;vat_rate;sale_unit;stock\r\n";
  for (int i = 1; i <= lines; ++i) {
    absl::StrAppend(&csv, "P-", i, ";Pain n°", i, ";\"Au levain;\r\ncuit au bois\";boulangerie;",
                    bad.count(i) ? "gratuit" : price, ";5,5;pièce;", i % 7, "\r\n");
  }
  return csv;
}

class CatalogueImportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(db_, ScratchDatabase::Create({.roles = {"catalogue"}}));
    ASSERT_OK_AND_ASSIGN(pool_, db_->MigratedPool("catalogue", Migrations(),
                                                  PgCatalogueRepository::Statements(), 4));
    repository_ = std::make_unique<PgCatalogueRepository>(*pool_);
    service_ = std::make_unique<CatalogueService>(*repository_);
    imports_ = std::make_unique<ProductImports>(*repository_);
    ASSERT_OK(service_->ApplyShop({kShop, "boulangerie", "Boulangerie", "active", "21231", "21",
                                   47.32, 5.04, "boulangerie", ""},
                                  1, Soon()));
  }

  std::size_t ProductCount() {
    absl::StatusOr<std::vector<Product>> all = repository_->AllOfShop(kShop, 100000, Soon());
    EXPECT_OK(all.status());
    return all.ok() ? all->size() : 0;
  }

  std::unique_ptr<ScratchDatabase> db_;
  std::unique_ptr<common::PgPool> pool_;
  std::unique_ptr<PgCatalogueRepository> repository_;
  std::unique_ptr<CatalogueService> service_;
  std::unique_ptr<ProductImports> imports_;
};

TEST_F(CatalogueImportTest, AFileWithThreeBadLinesReportsExactlyThemAndChangesNothing) {
  // Data line n starts on file line 2n (each record spans two lines: a quoted line break).
  ASSERT_OK_AND_ASSIGN(ImportJob job,
                       imports_->Import(MemberOf(kShop), kShop, Csv(500, {7, 250, 498}), Soon()));
  EXPECT_EQ(job.state, "failed");
  EXPECT_EQ(job.error_count, 3);
  std::vector<int> lines;
  for (const CsvError& e : job.errors) {
    lines.push_back(e.line);
    EXPECT_EQ(e.column, "price");
  }
  EXPECT_THAT(lines, ElementsAre(14, 500, 996));
  EXPECT_EQ(job.lines_read, 500);
  EXPECT_EQ(job.lines_applied, 0);
  EXPECT_EQ(ProductCount(), 0u);
  // What the shopkeeper reads back later is the same report.
  ASSERT_OK_AND_ASSIGN(ImportJob read, imports_->Get(MemberOf(kShop), job.id, Soon()));
  EXPECT_EQ(read.state, "failed");
  EXPECT_EQ(read.errors.size(), 3u);
  EXPECT_EQ(read.errors[1].line, 500);
}

TEST_F(CatalogueImportTest, AGoodFileAppliesEveryLineAndAgainUpdatesBySku) {
  ASSERT_OK_AND_ASSIGN(ImportJob job, imports_->Import(MemberOf(kShop), kShop, Csv(500), Soon()));
  EXPECT_EQ(job.state, "succeeded") << job.message;
  EXPECT_EQ(job.created, 500);
  EXPECT_EQ(job.lines_applied, 500);
  EXPECT_EQ(ProductCount(), 500u);
  ASSERT_OK_AND_ASSIGN(SearchResult found, service_->SearchProducts({.q = "pain"}, Soon()));
  EXPECT_EQ(found.products.size(), 20u);

  ASSERT_OK_AND_ASSIGN(ImportJob again,
                       imports_->Import(MemberOf(kShop), kShop, Csv(500, {}, "4,50"), Soon()));
  EXPECT_EQ(again.state, "succeeded");
  EXPECT_EQ(again.created, 0);
  EXPECT_EQ(again.updated, 500);
  ASSERT_OK_AND_ASSIGN(std::vector<Product> all, repository_->AllOfShop(kShop, 1000, Soon()));
  ASSERT_EQ(all.size(), 500u);
  EXPECT_EQ(all[0].price_cents, 450);
  EXPECT_EQ(all[0].version, 2);
  EXPECT_EQ(all[0].description, "Au levain;\r\ncuit au bois");
}

TEST_F(CatalogueImportTest, OnlyMembersImportExportAndSeeTheirImports) {
  EXPECT_THAT(imports_->Import(MemberOf(kOtherShop), kShop, Csv(2), Soon()),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(imports_->Import(common::Caller{}, kShop, Csv(2), Soon()),
              StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(imports_->Export(MemberOf(kOtherShop), kShop, Soon()),
              StatusIs(absl::StatusCode::kPermissionDenied));
  ASSERT_OK_AND_ASSIGN(ImportJob job, imports_->Import(MemberOf(kShop), kShop, Csv(2), Soon()));
  EXPECT_THAT(imports_->Get(MemberOf(kOtherShop), job.id, Soon()),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(imports_->Import(MemberOf(kShop), kShop, "", Soon()),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(CatalogueImportTest, ALargeFileRunsAsAJobWhoseProgressIsReadableWhileItRuns) {
  ASSERT_OK_AND_ASSIGN(ImportJob queued,
                       imports_->Import(MemberOf(kShop), kShop, Csv(10000), Soon()));
  EXPECT_EQ(queued.state, "queued");
  std::atomic<bool> done{false};
  std::thread worker([&] {
    EXPECT_TRUE(imports_->RunNextQueued());
    done = true;
  });
  std::set<std::string> states_seen;
  int most_applied_seen_while_running = 0;
  while (!done) {
    absl::StatusOr<ImportJob> now = imports_->Get(MemberOf(kShop), queued.id, Soon());
    ASSERT_OK(now.status());
    states_seen.insert(now->state);
    if (now->state == "applying") {
      most_applied_seen_while_running =
          std::max(most_applied_seen_while_running, now->lines_applied);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  worker.join();
  ASSERT_OK_AND_ASSIGN(ImportJob finished, imports_->Get(MemberOf(kShop), queued.id, Soon()));
  EXPECT_EQ(finished.state, "succeeded") << finished.message;
  EXPECT_EQ(finished.lines_read, 10000);
  EXPECT_EQ(finished.lines_validated, 10000);
  EXPECT_EQ(finished.lines_applied, 10000);
  EXPECT_EQ(finished.created, 10000);
  EXPECT_EQ(ProductCount(), 10000u);
  EXPECT_TRUE(states_seen.count("validating") + states_seen.count("applying") > 0);
  // Applied lines are counted while the transaction runs (they commit together at the end).
  EXPECT_LE(most_applied_seen_while_running, 10000);
  EXPECT_FALSE(imports_->RunNextQueued());  // nothing left waiting
}

TEST_F(CatalogueImportTest, AnExportImportsBackUnchanged) {
  Product p;
  p.sku = "COMTE";
  p.name = "=Comté \"AOP\"; 18 mois";
  p.description = "Affiné.\nÀ la coupe.";
  p.category = "fromage";
  p.labels = {"aop-aoc"};
  p.allergens = {"lait"};
  p.photo_urls = {"https://img.example/c,1.jpg"};
  p.price_cents = 2390;
  p.vat_rate_bp = 550;
  p.sale_unit = "250 g";
  p.net_quantity = 250;
  p.net_quantity_unit = "g";
  p.stock_tracked = true;
  p.stock = 3;
  p.visible = false;
  ASSERT_OK(service_->CreateProduct(MemberOf(kShop), kShop, p, Soon()).status());
  ASSERT_OK_AND_ASSIGN(std::string csv, imports_->Export(MemberOf(kShop), kShop, Soon()));
  ASSERT_OK_AND_ASSIGN(ImportJob job, imports_->Import(MemberOf(kShop), kShop, csv, Soon()));
  EXPECT_EQ(job.state, "succeeded") << job.message;
  EXPECT_EQ(job.updated, 1);
  ASSERT_OK_AND_ASSIGN(std::vector<Product> all, repository_->AllOfShop(kShop, 10, Soon()));
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].name, p.name);
  EXPECT_EQ(all[0].description, p.description);
  EXPECT_EQ(all[0].photo_urls, p.photo_urls);
  EXPECT_EQ(all[0].stock, 3);
  EXPECT_FALSE(all[0].visible);
  ASSERT_OK_AND_ASSIGN(std::string again, imports_->Export(MemberOf(kShop), kShop, Soon()));
  EXPECT_EQ(again, csv);
}

}  // namespace
}  // namespace comptoir::catalogue
