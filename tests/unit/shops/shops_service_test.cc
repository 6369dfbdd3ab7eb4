#include "shops_service.h"

#include <gtest/gtest.h>

#include "fake_shops_repository.h"
#include "status_testing.h"

namespace comptoir::shops {
namespace {

using ::comptoir::testing::HasFieldViolation;
using ::comptoir::testing::StatusIs;

Deadline Soon() { return common::DeadlineIn(std::chrono::seconds(5)); }

class ShopsServiceTest : public ::testing::Test {
 protected:
  FakeShopsRepository repository_;
  ShopsService service_{repository_};
};

TEST_F(ShopsServiceTest, CreatesAPendingShopWithAReadableSlug) {
  ASSERT_OK_AND_ASSIGN(
      Shop shop, service_.CreateShop({"  Fromagerie Gaugry ", "21231", "fromagerie"}, Soon()));
  EXPECT_EQ(shop.name, "Fromagerie Gaugry");
  EXPECT_EQ(shop.slug, "fromagerie-gaugry");
  EXPECT_EQ(shop.status, "pending");
  EXPECT_EQ(shop.commune_name, "Dijon");
}

TEST_F(ShopsServiceTest, SecondShopOfTheSameNameGetsTheCommuneThenANumber) {
  ASSERT_OK(service_.CreateShop({"Le Fournil", "21231", "boulangerie"}, Soon()));
  ASSERT_OK_AND_ASSIGN(Shop second,
                       service_.CreateShop({"Le Fournil", "58145", "boulangerie"}, Soon()));
  EXPECT_EQ(second.slug, "le-fournil-lormes");
  ASSERT_OK_AND_ASSIGN(Shop third,
                       service_.CreateShop({"Le Fournil", "58145", "boulangerie"}, Soon()));
  EXPECT_EQ(third.slug, "le-fournil-lormes-2");
}

TEST_F(ShopsServiceTest, ReportsEveryMissingFieldAtOnce) {
  absl::StatusOr<Shop> result = service_.CreateShop({"", "", ""}, Soon());
  EXPECT_THAT(result, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(result, HasFieldViolation("shop.name"));
  EXPECT_THAT(result, HasFieldViolation("shop.commune_insee"));
  EXPECT_THAT(result, HasFieldViolation("shop.category"));
}

TEST_F(ShopsServiceTest, RefusesUnknownCommuneBadCodeAndUnknownCategory) {
  EXPECT_THAT(service_.CreateShop({"Chez Paul", "75056", "epicerie"}, Soon()),
              HasFieldViolation("shop.commune_insee"));
  EXPECT_THAT(service_.CreateShop({"Chez Paul", "2123", "epicerie"}, Soon()),
              HasFieldViolation("shop.commune_insee"));
  EXPECT_THAT(service_.CreateShop({"Chez Paul", "21231", "casino"}, Soon()),
              HasFieldViolation("shop.category"));
}

TEST_F(ShopsServiceTest, RefusesNamesTooLongOrWithControlsOrWithoutLetters) {
  EXPECT_THAT(service_.CreateShop({std::string(121, 'a'), "21231", "epicerie"}, Soon()),
              HasFieldViolation("shop.name"));
  EXPECT_OK(service_.CreateShop({std::string(60, 'a') + std::string(60, 'e'), "21231", "epicerie"},
                                Soon()));
  EXPECT_THAT(service_.CreateShop({"Tab\tname", "21231", "epicerie"}, Soon()),
              HasFieldViolation("shop.name"));
  EXPECT_THAT(service_.CreateShop({"\xff\xfe", "21231", "epicerie"}, Soon()),
              HasFieldViolation("shop.name"));
  EXPECT_THAT(service_.CreateShop({"!!!", "21231", "epicerie"}, Soon()),
              HasFieldViolation("shop.name"));
}

TEST_F(ShopsServiceTest, FindsAShopByIdOrBySlug) {
  ASSERT_OK_AND_ASSIGN(Shop shop,
                       service_.CreateShop({"Cave de Lormes", "58145", "caviste"}, Soon()));
  ASSERT_OK_AND_ASSIGN(Shop by_id, service_.GetShop(shop.id, Soon()));
  EXPECT_EQ(by_id.slug, "cave-de-lormes");
  ASSERT_OK_AND_ASSIGN(Shop by_slug, service_.GetShop("cave-de-lormes", Soon()));
  EXPECT_EQ(by_slug.id, shop.id);
  EXPECT_THAT(service_.GetShop("no-such-shop", Soon()), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(service_.GetShop("Not A Slug!", Soon()), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(service_.GetShop("", Soon()), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(ShopsServiceTest, PagesThroughEveryShopOnceNewestFirst) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_OK(service_.CreateShop({"Primeur " + std::to_string(i), "21231", "primeur"}, Soon()));
  }
  std::vector<std::string> seen;
  std::string token;
  int pages = 0;
  do {
    ASSERT_OK_AND_ASSIGN(ListShopsResult page, service_.ListShops({"", "", 2, token}, Soon()));
    for (const Shop& s : page.shops) seen.push_back(s.name);
    token = page.next_page_token;
    ++pages;
  } while (!token.empty());
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(seen, (std::vector<std::string>{"Primeur 4", "Primeur 3", "Primeur 2", "Primeur 1",
                                            "Primeur 0"}));
}

TEST_F(ShopsServiceTest, ValidatesListParameters) {
  EXPECT_THAT(service_.ListShops({"", "", 101, ""}, Soon()), HasFieldViolation("page_size"));
  EXPECT_THAT(service_.ListShops({"", "", -1, ""}, Soon()), HasFieldViolation("page_size"));
  EXPECT_THAT(service_.ListShops({"dijon", "", 0, ""}, Soon()), HasFieldViolation("commune"));
  EXPECT_THAT(service_.ListShops({"", "bar", 0, ""}, Soon()), HasFieldViolation("category"));
  EXPECT_THAT(service_.ListShops({"", "", 0, "garbage!"}, Soon()), HasFieldViolation("page_token"));
}

TEST(Slugify, FoldsFrenchAccentsAndPunctuation) {
  EXPECT_EQ(Slugify("Fromagerie Gaugry"), "fromagerie-gaugry");
  EXPECT_EQ(Slugify("Épicerie « Chez Zoé » — Ornans"), "epicerie-chez-zoe-ornans");
  EXPECT_EQ(Slugify("L'Œuf & la Poule"), "l-oeuf-la-poule");
  EXPECT_EQ(Slugify("  --  "), "");
  EXPECT_EQ(Slugify("Boulangerie 2000"), "boulangerie-2000");
  EXPECT_LE(Slugify(std::string(200, 'x')).size(), 80u);
}

TEST(PageToken, RoundTripsAndRejectsForgeries) {
  ShopCursor cursor{absl::FromUnixMicros(1'700'000'000'123'456),
                    "0b7f3c1e-2a4d-4c5e-9f60-718293a4b5c6"};
  ASSERT_OK_AND_ASSIGN(ShopCursor back, DecodePageToken(EncodePageToken(cursor)));
  EXPECT_EQ(back.create_time, cursor.create_time);
  EXPECT_EQ(back.id, cursor.id);
  EXPECT_FALSE(DecodePageToken("djF8eHx5").ok());  // "v1|x|y"
  EXPECT_FALSE(DecodePageToken(std::string(500, 'A')).ok());
}

}  // namespace
}  // namespace comptoir::shops
