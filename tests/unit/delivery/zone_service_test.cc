// ZoneService over in-memory repositories: only shop members set zones, zones are validated,
// and a quote answers with the fee and the next slots, or a French refusal naming the commune.

#include "zone_service.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "fake_slot_repository.h"
#include "fake_zone_repository.h"
#include "status_testing.h"

namespace comptoir::delivery {
namespace {

using ::comptoir::testing::HasFieldViolation;
using ::comptoir::testing::StatusIs;

constexpr char kShop[] = "6a4d1c70-0000-4000-8000-000000000001";

Deadline Soon() { return std::chrono::steady_clock::now() + std::chrono::seconds(5); }

common::Caller Member() {
  return {.user_id = "0a000000-0000-4000-8000-000000000001",
          .roles = {"resident"},
          .shop_ids = {kShop}};
}

class ZoneServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto calendar = SlotCalendar::ForParis();
    ASSERT_OK(calendar.status());
    slots_ = std::make_unique<SlotService>(slot_repository_, *calendar, [this] { return now_; });
    zones_ = std::make_unique<ZoneService>(zone_repository_, communes_, *slots_);
    zone_repository_.PutShop({.id = kShop,
                              .name = "Boulangerie",
                              .status = "active",
                              .point = routing::GeoPoint{47.4808, 3.9197}});  // Avallon
    // Deliveries every day 17:00-19:00, 3 orders, until noon the same day.
    std::vector<SlotTemplate> templates;
    for (int d = 1; d <= 7; ++d) {
      templates.push_back({.kind = SlotKind::kDelivery,
                           .weekday = d,
                           .start_minute = 1020,
                           .end_minute = 1140,
                           .capacity = 3,
                           .cutoff_minute = 720});
    }
    ASSERT_OK(slots_->ReplaceTemplates(Member(), kShop, templates, Soon()).status());
  }

  FakeSlotRepository slot_repository_;
  FakeZoneRepository zone_repository_;
  FakeCommuneDirectory communes_{{{"58145", "Lormes", {47.2941, 3.8270}, "58"},
                                  {"89446", "Vézelay", {47.4505, 3.7145}, "89"},
                                  {"71153", "Le Creusot", {46.8065, 4.4257}, "71"}}};
  // Thursday 26 March 2026, 13:00 Paris: today's slot is past its cut-off.
  absl::Time now_ = absl::FromCivil(absl::CivilMinute(2026, 3, 26, 12, 0), absl::UTCTimeZone());
  std::unique_ptr<SlotService> slots_;
  std::unique_ptr<ZoneService> zones_;
};

TEST_F(ZoneServiceTest, OnlyMembersReplaceZonesAndEveryFieldIsChecked) {
  common::Caller stranger = Member();
  stranger.shop_ids.clear();
  const Zone ok{.name = "Morvan", .communes = {"58145"}, .fee_cents = 500};
  EXPECT_THAT(zones_->ReplaceZones(stranger, kShop, {ok}, Soon()).status(),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(
      zones_->ReplaceZones(Member(), kShop, {Zone{.name = "x", .fee_cents = -5}}, Soon()).status(),
      HasFieldViolation("zones[0].fee_cents"));
  ASSERT_OK_AND_ASSIGN(auto stored, zones_->ReplaceZones(Member(), kShop, {ok}, Soon()));
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_FALSE(stored[0].id.empty());
  ASSERT_OK_AND_ASSIGN(auto listed, zones_->ListZones(kShop, Soon()));
  EXPECT_EQ(listed[0].communes, std::vector<std::string>{"58145"});
}

TEST_F(ZoneServiceTest, QuoteGivesFeeThresholdAndNextSlotsWithPlacesLeft) {
  ASSERT_OK(zones_
                ->ReplaceZones(Member(), kShop,
                               {{.name = "25 km",
                                 .radius_km = 25,
                                 .fee_cents = 450,
                                 .minimum_order_cents = 1500,
                                 .free_delivery_threshold_cents = 6000}},
                               Soon())
                .status());
  ASSERT_OK_AND_ASSIGN(Quote quote, zones_->QuoteDelivery(kShop, "58145", 2000, Soon()));
  ASSERT_TRUE(quote.decision.deliverable) << quote.decision.refusal;
  EXPECT_EQ(quote.decision.fee_cents, 450);
  EXPECT_EQ(quote.free_delivery_threshold_cents, 6000);
  ASSERT_EQ(quote.next_slots.size(), static_cast<size_t>(ZoneService::kQuoteSlots));
  // Today's 17:00 slot closed at noon: the first is tomorrow's.
  EXPECT_EQ(quote.next_slots[0].slot.day, absl::CivilDay(2026, 3, 27));
  EXPECT_EQ(quote.next_slots[0].remaining, 3);

  ASSERT_OK_AND_ASSIGN(quote, zones_->QuoteDelivery(kShop, "58145", 1000, Soon()));
  EXPECT_FALSE(quote.decision.deliverable);
  EXPECT_EQ(quote.decision.refusal,
            "Commande minimum de 15,00\u00a0€ pour une livraison à Lormes.");
  ASSERT_OK_AND_ASSIGN(quote, zones_->QuoteDelivery(kShop, "71153", 9000, Soon()));
  EXPECT_EQ(quote.decision.refusal, "Cette boutique ne livre pas au Creusot.");
  EXPECT_TRUE(quote.next_slots.empty());
}

TEST_F(ZoneServiceTest, QuoteRefusesForSuspendedShopsAndRejectsUnknownCommunes) {
  EXPECT_THAT(zones_->QuoteDelivery(kShop, "99999", 1000, Soon()).status(),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(zones_->QuoteDelivery(kShop, "abc", -1, Soon()).status(),
              HasFieldViolation("basket_cents"));
  zone_repository_.PutShop({.id = kShop, .name = "Boulangerie", .status = "suspended"});
  ASSERT_OK_AND_ASSIGN(Quote quote, zones_->QuoteDelivery(kShop, "58145", 2000, Soon()));
  EXPECT_FALSE(quote.decision.deliverable);
  EXPECT_FALSE(quote.decision.refusal.empty());
}

}  // namespace
}  // namespace comptoir::delivery
