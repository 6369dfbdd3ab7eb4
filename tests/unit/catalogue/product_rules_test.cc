// Pure rules of the catalogue: price arithmetic, product validation, query words, page
// tokens, and who may write.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "catalogue_service.h"
#include "product.h"
#include "status_testing.h"

namespace comptoir::catalogue {
namespace {

using comptoir::testing::HasFieldViolation;
using comptoir::testing::StatusIs;
using ::testing::ElementsAre;

Product Valid() {
  Product p;
  p.sku = "COMTE-18";
  p.name = "Comté AOP 18 mois";
  p.category = "fromage";
  p.labels = {"aop-aoc"};
  p.allergens = {"lait"};
  p.price_cents = 2390;
  p.vat_rate_bp = 550;
  p.sale_unit = "250 g";
  p.net_quantity = 250;
  p.net_quantity_unit = "g";
  return p;
}

TEST(UnitPrice, GramsGivePricePerKilogram) {
  std::optional<UnitPrice> unit = ComputeUnitPrice(2390, 250, "g");
  ASSERT_TRUE(unit.has_value());
  EXPECT_EQ(unit->cents, 9560);  // "23,90 € les 250 g" is "95,60 €/kg"
  EXPECT_EQ(unit->per, "kg");
}

TEST(UnitPrice, CentilitresGivePricePerLitreRoundedHalfUp) {
  std::optional<UnitPrice> unit = ComputeUnitPrice(1250, 75, "cl");  // 16.666... €/l
  ASSERT_TRUE(unit.has_value());
  EXPECT_EQ(unit->cents, 1667);
  EXPECT_EQ(unit->per, "l");
  EXPECT_EQ(ComputeUnitPrice(1000, 3, "g")->cents, 333333);  // .33 rounds down
  EXPECT_EQ(ComputeUnitPrice(1, 2, "kg")->cents, 1);         // 0.5 rounds up
  EXPECT_EQ(ComputeUnitPrice(450, 1, "l")->cents, 450);
  EXPECT_EQ(ComputeUnitPrice(300, 500, "ml")->cents, 600);
}

TEST(UnitPrice, PiecesHaveNone) {
  EXPECT_FALSE(ComputeUnitPrice(350, 0, "").has_value());
  EXPECT_FALSE(ComputeUnitPrice(350, 0, "g").has_value());
}

TEST(Vat, IsIncludedPartOfThePriceRoundedHalfUp) {
  EXPECT_EQ(VatOfPrice(1200, 2000), 200);  // 12 € at 20 %: 2 € of VAT
  EXPECT_EQ(VatOfPrice(2390, 550), 125);   // 124.6 -> 125
  EXPECT_EQ(VatOfPrice(1000, 1000), 91);   // 90.9 -> 91
  EXPECT_EQ(VatOfPrice(0, 210), 0);
}

TEST(ValidateProduct, AcceptsAWellFormedProduct) {
  EXPECT_OK(ValidateProduct(Valid(), "product."));
}

TEST(ValidateProduct, NamesEveryBadField) {
  Product p = Valid();
  p.sku = "bad sku";
  p.name = "";
  p.category = "voiture";
  p.labels = {"bio", "bio"};
  p.allergens = {"chocolat"};
  p.photo_urls = {"http://insecure.example/photo.jpg"};
  p.price_cents = -1;
  p.vat_rate_bp = 700;
  p.net_quantity_unit = "";
  p.stock = -3;
  const absl::Status status = ValidateProduct(p, "product.");
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument));
  for (const char* field : {"product.sku", "product.name", "product.category", "product.labels[1]",
                            "product.allergens[0]", "product.photo_urls[0]", "product.price_cents",
                            "product.vat_rate_bp", "product.net_quantity_unit", "product.stock"}) {
    EXPECT_THAT(status, HasFieldViolation(field)) << field;
  }
}

TEST(ValidateProduct, KnowsTheFourteenAllergensAndTheFourVatRates) {
  EXPECT_EQ(Allergens().size(), 14u);
  for (int rate : {210, 550, 1000, 2000}) EXPECT_TRUE(IsValidVatRate(rate));
  EXPECT_FALSE(IsValidVatRate(196));
}

TEST(QueryWords, SplitsOnPunctuationAndKeepsAccentedLetters) {
  EXPECT_THAT(QueryWords("  Comté, l’abbaye & 18-mois ", 8),
              ElementsAre("Comté", "l", "abbaye", "18", "mois"));
  EXPECT_THAT(QueryWords("a:* | !b", 8), ElementsAre("a", "b"));  // no tsquery syntax survives
  EXPECT_EQ(QueryWords("un deux trois quatre", 2).size(), 2u);
}

TEST(SearchToken, RoundTripsAndIsBoundToItsSort) {
  SearchCursor cursor{-0.12345678901234567, "0b7e4c4e-1c5e-4f7a-9a3e-0a2b3c4d5e6f"};
  const std::string token = EncodeSearchToken(SearchSort::kRelevance, cursor);
  ASSERT_OK_AND_ASSIGN(SearchCursor back, DecodeSearchToken(SearchSort::kRelevance, token));
  EXPECT_EQ(back.key, cursor.key);  // exact: the keyset comparison needs the same double
  EXPECT_EQ(back.id, cursor.id);
  EXPECT_THAT(DecodeSearchToken(SearchSort::kPriceAsc, token),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(DecodeSearchToken(SearchSort::kRelevance, "not-a-token"),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(ParseNear, ReadsLatitudeCommaLongitude) {
  ASSERT_OK_AND_ASSIGN(auto point, ParseNear("47.322,5.041"));
  EXPECT_DOUBLE_EQ(point.first, 47.322);
  EXPECT_DOUBLE_EQ(point.second, 5.041);
  EXPECT_FALSE(ParseNear("95,5").ok());
  EXPECT_FALSE(ParseNear("47.3").ok());
}

TEST(CheckShopWriter, OnlyMembersAndAdminsWrite) {
  const std::string shop = "0b7e4c4e-1c5e-4f7a-9a3e-0a2b3c4d5e6f";
  EXPECT_THAT(CheckShopWriter(common::Caller{}, shop),
              StatusIs(absl::StatusCode::kUnauthenticated));
  common::Caller stranger{.user_id = "u1", .roles = {"resident"}, .shop_ids = {"other"}};
  EXPECT_THAT(CheckShopWriter(stranger, shop), StatusIs(absl::StatusCode::kPermissionDenied));
  common::Caller member{.user_id = "u2", .roles = {"resident"}, .shop_ids = {shop}};
  EXPECT_OK(CheckShopWriter(member, shop));
  common::Caller admin{.user_id = "u3", .roles = {"resident", "admin"}, .shop_ids = {}};
  EXPECT_OK(CheckShopWriter(admin, shop));
}

}  // namespace
}  // namespace comptoir::catalogue
