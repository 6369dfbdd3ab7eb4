// Quote rules: which zone serves a commune, fees, minimums, free delivery, and the French
// refusals residents read.

#include "zones.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "status_testing.h"

namespace comptoir::delivery {
namespace {

using ::comptoir::testing::HasFieldViolation;

const routing::GeoPoint kAvallon{47.4808, 3.9197};              // points from geo.communes
const Commune kLormes{"58145", "Lormes", {47.2941, 3.8270}};    // ~22 km from Avallon
const Commune kVezelay{"89446", "Vézelay", {47.4505, 3.7145}};  // ~16 km
const Commune kLeCreusot{"71153", "Le Creusot", {46.8065, 4.4257}};

Zone Communes(std::vector<std::string> codes, int64_t fee, int64_t minimum = 0,
              int64_t free_from = 0) {
  return {.id = "z-communes",
          .name = "Communes",
          .communes = std::move(codes),
          .fee_cents = fee,
          .minimum_order_cents = minimum,
          .free_delivery_threshold_cents = free_from};
}

TEST(QuoteTest, RefusesCommunesOutsideEveryZoneByName) {
  const QuoteDecision d = DecideQuote({Communes({"89446"}, 300)}, kAvallon, kLormes, 5000);
  EXPECT_FALSE(d.deliverable);
  EXPECT_EQ(d.refusal, "Cette boutique ne livre pas à Lormes.");
  EXPECT_EQ(DecideQuote({}, kAvallon, kLeCreusot, 5000).refusal,
            "Cette boutique ne livre pas au Creusot.");
}

TEST(QuoteTest, RadiusZoneCoversCommunesWithinItsDistanceOfTheShop) {
  const Zone near{.id = "z-18", .name = "18 km", .radius_km = 18, .fee_cents = 250};
  EXPECT_TRUE(DecideQuote({near}, kAvallon, kVezelay, 1000).deliverable);
  EXPECT_FALSE(DecideQuote({near}, kAvallon, kLormes, 1000).deliverable);
  // Without the shop's point a radius zone cannot be decided: it covers nothing.
  EXPECT_FALSE(DecideQuote({near}, std::nullopt, kVezelay, 1000).deliverable);
}

TEST(QuoteTest, MinimumOrderRefusalStatesTheAmount) {
  const QuoteDecision d = DecideQuote({Communes({"58145"}, 500, 2500)}, kAvallon, kLormes, 2499);
  EXPECT_FALSE(d.deliverable);
  EXPECT_EQ(d.refusal, "Commande minimum de 25,00\u00a0€ pour une livraison à Lormes.");
  EXPECT_EQ(d.minimum_order_cents, 2500);
  EXPECT_TRUE(DecideQuote({Communes({"58145"}, 500, 2500)}, kAvallon, kLormes, 2500).deliverable);
}

TEST(QuoteTest, FreeDeliveryFromThresholdAndCheapestZoneWins) {
  const std::vector<Zone> zones = {
      Communes({"58145"}, 800, 0, 6000),
      {.id = "z-30", .name = "30 km", .radius_km = 30, .fee_cents = 600},
  };
  QuoteDecision d = DecideQuote(zones, kAvallon, kLormes, 3000);
  ASSERT_TRUE(d.deliverable);
  EXPECT_EQ(d.fee_cents, 600);
  EXPECT_EQ(d.zone_id, "z-30");
  d = DecideQuote(zones, kAvallon, kLormes, 6000);
  EXPECT_EQ(d.fee_cents, 0);
  EXPECT_EQ(d.zone_id, "z-communes");
}

TEST(ValidateZonesTest, NamesEveryBadField) {
  Zone bad{.name = "", .communes = {"5814"}, .radius_km = 200, .fee_cents = -1};
  const absl::Status status = ValidateZones({bad, Zone{.name = "vide"}});
  EXPECT_THAT(status, HasFieldViolation("zones[0].name"));
  EXPECT_THAT(status, HasFieldViolation("zones[1].communes"));
  EXPECT_THAT(status, HasFieldViolation("zones[0].radius_km"));
  EXPECT_THAT(status, HasFieldViolation("zones[0].communes[0]"));
  EXPECT_THAT(status, HasFieldViolation("zones[0].fee_cents"));
  EXPECT_OK(ValidateZones({Communes({"58145", "2A004"}, 300)}));
}

TEST(FormatTest, FrenchAmountsAndPrepositions) {
  EXPECT_EQ(FormatEuros(2500), "25,00\u00a0€");
  EXPECT_EQ(FormatEuros(5), "0,05\u00a0€");
  EXPECT_EQ(ToCommune("Les Riceys"), "aux Riceys");
  EXPECT_EQ(ToCommune("La Charité-sur-Loire"), "à La Charité-sur-Loire");
}

}  // namespace
}  // namespace comptoir::delivery

namespace comptoir::delivery {
namespace {

TEST(QuoteTest, DepartmentZoneCoversEveryCommuneOfTheDepartmentOnly) {
  const Commune lormes{"58145", "Lormes", {47.2941, 3.8270}, "58"};
  const Commune vezelay{"89446", "Vézelay", {47.4505, 3.7145}, "89"};
  const Zone nievre{.id = "z-58", .name = "Nièvre", .departments = {"58"}, .fee_cents = 900};
  QuoteDecision d = DecideQuote({nievre}, std::nullopt, lormes, 1000);
  ASSERT_TRUE(d.deliverable);
  EXPECT_EQ(d.fee_cents, 900);
  d = DecideQuote({nievre}, std::nullopt, vezelay, 1000);
  EXPECT_FALSE(d.deliverable);
  EXPECT_EQ(d.refusal, "Cette boutique ne livre pas à Vézelay.");
}

TEST(ValidateZonesTest, DepartmentCodesAreChecked) {
  const Zone z{.name = "Bourgogne", .departments = {"21", "2A", "971", "7"}};
  const absl::Status status = ValidateZones({z});
  EXPECT_THAT(status, HasFieldViolation("zones[0].departments[3]"));
  EXPECT_FALSE(absl::StrContains(status.ToString(), "departments[2]"));
}

}  // namespace
}  // namespace comptoir::delivery
