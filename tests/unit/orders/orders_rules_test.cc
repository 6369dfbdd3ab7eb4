// The order's pure rules: VAT per line and its breakdown, the status machine with who may do
// what, readable numbers, and idempotency-key replays.
#include <gtest/gtest.h>

#include "order.h"

namespace comptoir::orders {
namespace {

using S = OrderStatus;

OrderLine Line(int32_t quantity, int64_t unit_price_cents, int32_t vat_rate_bp) {
  OrderLine line;
  line.quantity = quantity;
  line.unit_price_cents = unit_price_cents;
  line.vat_rate_bp = vat_rate_bp;
  return PricedLine(line);
}

TEST(OrdersVatIncluded, RoundsEachLineHalfAwayFromZero) {
  // 23,90 € at 5.5 %: 2390 × 0.055 / 1.055 = 124.59... -> 125.
  EXPECT_EQ(VatIncluded(2390, 550), 125);
  // 1,00 € at 20 %: 16.666... -> 17.
  EXPECT_EQ(VatIncluded(100, 2000), 17);
  // 0,21 € at 10 %: 1.909 -> 2; 0,11 at 10 %: exactly 1.0 -> 1.
  EXPECT_EQ(VatIncluded(21, 1000), 2);
  EXPECT_EQ(VatIncluded(11, 1000), 1);
  // Exactly half a cent rounds away from zero: 1,05 € at 5 % would be 5.0; use 2.1 %:
  // 5 × 0.021 / 1.021 = 0.1028 -> 0.
  EXPECT_EQ(VatIncluded(5, 210), 0);
  EXPECT_EQ(VatIncluded(0, 2000), 0);
  EXPECT_EQ(VatIncluded(-100, 2000), -17);
  // The largest basket line the catalogue allows does not overflow.
  EXPECT_EQ(VatIncluded(int64_t{100000000} * 999, 2000), 16650000000);
}

TEST(OrdersVatBreakdown, SumsRoundedLinesPerRateInAscendingOrder) {
  std::vector<OrderLine> lines = {
      Line(3, 333, 2000),
      Line(1, 2390, 550),
      Line(1, 1, 2000),
      Line(1, 1, 2000),
  };
  EXPECT_EQ(lines[0].total_cents, 999);
  EXPECT_EQ(lines[0].vat_cents, 167);  // 166.5 -> 167
  std::vector<VatAmount> breakdown = VatBreakdown(lines);
  ASSERT_EQ(breakdown.size(), 2u);
  EXPECT_EQ(breakdown[0].rate_bp, 550);
  EXPECT_EQ(breakdown[0].vat_cents, 125);
  EXPECT_EQ(breakdown[1].rate_bp, 2000);
  EXPECT_EQ(breakdown[1].total_cents, 1001);
  // Per line: 167 + 0 + 0 (a 1-cent line carries no VAT); on the sum it would be 167 too, but
  // on 3 × 0,01 lines the rule matters: each rounds to 0.
  EXPECT_EQ(breakdown[1].vat_cents, 167);
  EXPECT_EQ(breakdown[1].net_cents, 1001 - 167);
  EXPECT_EQ(ItemsTotal(lines), 999 + 2390 + 2);
}

TEST(OrdersVatBreakdown, PerLineRoundingDiffersFromRoundingTheSum) {
  std::vector<OrderLine> lines;
  for (int i = 0; i < 3; ++i) {
    lines.push_back(Line(1, 3, 2000));
  }
  // Each line: 0.5 -> 1 cent; the sum 9 cents would give 1.5 -> 2.
  EXPECT_EQ(VatBreakdown(lines)[0].vat_cents, 3);
}

struct Case {
  S from;
  S to;
  Actor actor;
  Fulfilment fulfilment;
  absl::StatusCode want;
};

TEST(OrdersCheckTransition, FollowsTheTableOfWhoMayDoWhat) {
  using F = Fulfilment;
  using A = Actor;
  constexpr auto kOk = absl::StatusCode::kOk;
  constexpr auto kState = absl::StatusCode::kFailedPrecondition;
  constexpr auto kWho = absl::StatusCode::kPermissionDenied;
  const Case cases[] = {
      {S::kPending, S::kPlaced, A::kSystem, F::kPickup, kOk},
      {S::kPending, S::kFailed, A::kSystem, F::kDelivery, kOk},
      {S::kPending, S::kPlaced, A::kShop, F::kPickup, kWho},
      {S::kPlaced, S::kAccepted, A::kShop, F::kPickup, kOk},
      {S::kPlaced, S::kAccepted, A::kResident, F::kPickup, kWho},
      {S::kPlaced, S::kRejected, A::kShop, F::kDelivery, kOk},
      {S::kPlaced, S::kCancelled, A::kResident, F::kPickup, kOk},
      {S::kAccepted, S::kCancelled, A::kResident, F::kPickup, kOk},
      {S::kPlaced, S::kCancelled, A::kShop, F::kPickup, kWho},
      {S::kReady, S::kCancelled, A::kResident, F::kPickup, kState},  // too late
      {S::kAccepted, S::kReady, A::kShop, F::kPickup, kOk},
      {S::kPlaced, S::kReady, A::kShop, F::kPickup, kState},  // accept first
      {S::kReady, S::kCollected, A::kShop, F::kPickup, kOk},
      {S::kReady, S::kCollected, A::kShop, F::kDelivery, kState},
      {S::kReady, S::kOutForDelivery, A::kSystem, F::kDelivery, kOk},
      {S::kReady, S::kOutForDelivery, A::kSystem, F::kPickup, kState},
      {S::kAccepted, S::kOutForDelivery, A::kSystem, F::kDelivery, kOk},
      {S::kOutForDelivery, S::kDelivered, A::kSystem, F::kDelivery, kOk},
      {S::kOutForDelivery, S::kDeliveryFailed, A::kSystem, F::kDelivery, kOk},
      {S::kOutForDelivery, S::kDelivered, A::kShop, F::kDelivery, kWho},
      {S::kCollected, S::kCancelled, A::kResident, F::kPickup, kState},
      {S::kRejected, S::kAccepted, A::kShop, F::kPickup, kState},
      {S::kCancelled, S::kCancelled, A::kResident, F::kPickup, kState},
      {S::kFailed, S::kPlaced, A::kSystem, F::kPickup, kState},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(CheckTransition(c.from, c.to, c.actor, c.fulfilment).code(), c.want)
        << StatusName(c.from) << " -> " << StatusName(c.to) << " by " << ActorName(c.actor);
  }
}

TEST(OrdersCheckTransition, RefusalSaysBothStatesInFrench) {
  absl::Status refused =
      CheckTransition(S::kReady, S::kCancelled, Actor::kResident, Fulfilment::kPickup);
  EXPECT_NE(refused.message().find("prête"), std::string_view::npos) << refused.message();
  EXPECT_NE(refused.message().find("ready -> cancelled"), std::string_view::npos);
}

TEST(OrdersHeldGoods, CancelRejectAndFailuresGiveBackHandOverMakesFinal) {
  EXPECT_EQ(HeldGoodsAfter(S::kCancelled), HeldGoods::kRelease);
  EXPECT_EQ(HeldGoodsAfter(S::kRejected), HeldGoods::kRelease);
  EXPECT_EQ(HeldGoodsAfter(S::kFailed), HeldGoods::kRelease);
  EXPECT_EQ(HeldGoodsAfter(S::kCollected), HeldGoods::kCommit);
  EXPECT_EQ(HeldGoodsAfter(S::kDelivered), HeldGoods::kCommit);
  EXPECT_EQ(HeldGoodsAfter(S::kAccepted), HeldGoods::kKeep);
  EXPECT_TRUE(IsFinal(S::kCollected));
  EXPECT_TRUE(IsFinal(S::kFailed));
  EXPECT_FALSE(IsFinal(S::kPlaced));
}

TEST(OrdersStatusNames, RoundTripEveryStatus) {
  for (S s : {S::kPending, S::kPlaced, S::kAccepted, S::kRejected, S::kReady, S::kCollected,
              S::kCancelled, S::kOutForDelivery, S::kDelivered, S::kDeliveryFailed, S::kFailed}) {
    EXPECT_EQ(ParseStatus(StatusName(s)), s);
  }
  EXPECT_EQ(ParseStatus("PLACED"), std::nullopt);
}

TEST(OrdersFormatOrderNumber, IsReadableOnThePhone) {
  EXPECT_EQ(FormatOrderNumber(2026, 123), "CPT-2026-000123");
  EXPECT_EQ(FormatOrderNumber(2026, 1234567), "CPT-2026-1234567");
}

TEST(OrdersDecideReplay, SameBodyReturnsStoredOrWaitsOrTakesOver) {
  const absl::Time now = absl::FromUnixSeconds(1800000000);
  StoredCheckout stored{.request_hash = "h1", .finished = true, .claimed_until = now};
  EXPECT_EQ(*DecideReplay(stored, "h1", now), ReplayDecision::kReturnStored);
  stored.finished = false;
  stored.claimed_until = now + absl::Seconds(5);
  EXPECT_EQ(*DecideReplay(stored, "h1", now), ReplayDecision::kInFlight);
  stored.claimed_until = now - absl::Seconds(1);
  EXPECT_EQ(*DecideReplay(stored, "h1", now), ReplayDecision::kTakeOver);
}

TEST(OrdersDecideReplay, DifferentBodyWithTheSameKeyIsRefused) {
  StoredCheckout stored{.request_hash = "h1", .finished = true, .claimed_until = absl::Now()};
  absl::StatusOr<ReplayDecision> decision = DecideReplay(stored, "h2", absl::Now());
  EXPECT_EQ(decision.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(decision.status().message().find("Idempotency-Key"), std::string_view::npos);
}

TEST(OrdersIdempotencyKey, BoundsLengthAndCharacters) {
  EXPECT_TRUE(IsValidIdempotencyKey("3f2c1a9e-0000-4000-8000-000000000001"));
  EXPECT_FALSE(IsValidIdempotencyKey("short"));
  EXPECT_FALSE(IsValidIdempotencyKey("has space inside"));
  EXPECT_FALSE(IsValidIdempotencyKey(std::string(101, 'k')));
}

TEST(OrdersEveryDay, FillsDaysWithoutOrdersAndDropsDaysOutsideThePeriod) {
  const absl::CivilDay first(2027, 3, 27);  // the weekend clocks go forward
  std::vector<DayFigures> days = {
      {.day = absl::CivilDay(2027, 3, 20), .orders = 9},
      {.day = absl::CivilDay(2027, 3, 28), .orders = 2, .total_cents = 700},
      {.day = absl::CivilDay(2027, 3, 31), .orders = 1}};
  std::vector<DayFigures> all = EveryDay(days, first, absl::CivilDay(2027, 3, 30));
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(all[0].day, first);
  EXPECT_EQ(all[0].orders, 0);
  EXPECT_EQ(all[1].orders, 2);
  EXPECT_EQ(all[1].total_cents, 700);
  EXPECT_EQ(all[2].orders, 0);
  EXPECT_EQ(all[3].day, absl::CivilDay(2027, 3, 30));
  EXPECT_EQ(all[3].orders, 0);
  EXPECT_TRUE(EveryDay(days, first, first - 1).empty());
}

}  // namespace
}  // namespace comptoir::orders
