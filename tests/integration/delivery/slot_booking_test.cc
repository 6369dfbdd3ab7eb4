// Slot booking on a real PostgreSQL: capacity is never exceeded under concurrency, booking is
// idempotent by order id, release frees the place once, and a released order cannot book again.

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include "absl/strings/str_format.h"
#include "comptoir/common/deadline.h"
#include "comptoir/common/migrations.h"
#include "comptoir/common/pg_pool.h"
#include "pg_slot_repository.h"
#include "scratch_database.h"
#include "slot_service.h"
#include "status_testing.h"

namespace comptoir::delivery {
namespace {

using comptoir::testing::ScratchDatabase;
using comptoir::testing::StatusIs;

constexpr char kShop[] = "6a4d1c70-0000-4000-8000-000000000001";

Deadline Soon() { return common::DeadlineIn(std::chrono::seconds(30)); }

std::string OrderId(int i) { return absl::StrFormat("0dd00000-0000-4000-8000-%012d", i); }

common::Caller ShopOwner() {
  return {.user_id = "0a000000-0000-4000-8000-000000000001",
          .roles = {common::kRoleResident},
          .shop_ids = {kShop}};
}

class SlotBookingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(db_, ScratchDatabase::Create({.roles = {"delivery"}}));
    ASSERT_OK_AND_ASSIGN(
        pool_, db_->MigratedPool("delivery", Migrations(), PgSlotRepository::Statements(), 16));
    repository_ = std::make_unique<PgSlotRepository>(*pool_);
    ASSERT_OK_AND_ASSIGN(SlotCalendar calendar, SlotCalendar::ForParis());
    // Thursday 26 March 2026, 10:00 UTC.
    service_ = std::make_unique<SlotService>(*repository_, calendar, [] {
      return absl::FromCivil(absl::CivilMinute(2026, 3, 26, 10, 0), absl::UTCTimeZone());
    });
    // Sundays 09:00-11:00, 5 deliveries, orders until Saturday 18:00.
    ASSERT_OK_AND_ASSIGN(auto stored, service_->ReplaceTemplates(ShopOwner(), kShop,
                                                                 {{.kind = SlotKind::kDelivery,
                                                                   .weekday = 7,
                                                                   .start_minute = 540,
                                                                   .end_minute = 660,
                                                                   .capacity = 5,
                                                                   .cutoff_days_before = 1,
                                                                   .cutoff_minute = 1080}},
                                                                 Soon()));
    ASSERT_EQ(stored.size(), 1u);
    slot_id_ = stored[0].id + "/2026-03-29";
  }

  std::unique_ptr<ScratchDatabase> db_;
  std::unique_ptr<common::PgPool> pool_;
  std::unique_ptr<PgSlotRepository> repository_;
  std::unique_ptr<SlotService> service_;
  std::string slot_id_;
};

TEST_F(SlotBookingTest, HundredConcurrentBookingsOnCapacityFiveSucceedExactlyFiveTimes) {
  std::atomic<int> booked = 0, full = 0, other = 0;
  std::vector<std::thread> threads;
  for (int i = 0; i < 100; ++i) {
    threads.emplace_back([&, i] {
      auto result = service_->BookSlot(OrderId(i), kShop, slot_id_, Soon());
      if (result.ok()) {
        ++booked;
      } else if (result.status().code() == absl::StatusCode::kResourceExhausted) {
        ++full;
      } else {
        ++other;
        ADD_FAILURE() << result.status();
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(booked.load(), 5);
  EXPECT_EQ(full.load(), 95);
  EXPECT_EQ(other.load(), 0);
  ASSERT_OK_AND_ASSIGN(
      auto slots, service_->ListSlots(kShop, SlotKind::kDelivery, absl::UnixEpoch(), 7, Soon()));
  ASSERT_EQ(slots.size(), 1u);
  EXPECT_EQ(slots[0].slot.Id(), slot_id_);
  EXPECT_EQ(slots[0].remaining, 0);
}

TEST_F(SlotBookingTest, RebookingTheSameOrderIsIdempotentEvenConcurrently) {
  std::vector<std::thread> threads;
  std::atomic<int> fresh = 0, again = 0;
  for (int i = 0; i < 10; ++i) {
    threads.emplace_back([&] {
      auto result = service_->BookSlot(OrderId(1), kShop, slot_id_, Soon());
      ASSERT_OK(result.status());
      if (result->outcome == BookingOutcome::kBooked) ++fresh;
      if (result->outcome == BookingOutcome::kAlreadyBooked) ++again;
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(fresh.load(), 1);
  EXPECT_EQ(again.load(), 9);
  ASSERT_OK_AND_ASSIGN(auto slots,
                       service_->ListSlots(kShop, std::nullopt, absl::UnixEpoch(), 7, Soon()));
  ASSERT_EQ(slots.size(), 1u);
  EXPECT_EQ(slots[0].remaining, 4);
}

TEST_F(SlotBookingTest, ReleaseFreesThePlaceOnceAndReleasedOrdersCannotRebook) {
  for (int i = 0; i < 5; ++i)
    ASSERT_OK(service_->BookSlot(OrderId(i), kShop, slot_id_, Soon()).status());
  EXPECT_THAT(service_->BookSlot(OrderId(5), kShop, slot_id_, Soon()),
              StatusIs(absl::StatusCode::kResourceExhausted));
  ASSERT_OK_AND_ASSIGN(auto held, repository_->HeldSlot(OrderId(0), Soon()));
  EXPECT_EQ(held, slot_id_);
  ASSERT_OK_AND_ASSIGN(bool freed, service_->ReleaseSlot(OrderId(0), Soon()));
  ASSERT_OK_AND_ASSIGN(held, repository_->HeldSlot(OrderId(0), Soon()));
  EXPECT_EQ(held, std::nullopt);
  EXPECT_TRUE(freed);
  ASSERT_OK_AND_ASSIGN(bool again, service_->ReleaseSlot(OrderId(0), Soon()));
  EXPECT_FALSE(again);
  ASSERT_OK_AND_ASSIGN(bool never, service_->ReleaseSlot(OrderId(99), Soon()));
  EXPECT_FALSE(never);
  EXPECT_THAT(service_->BookSlot(OrderId(0), kShop, slot_id_, Soon()),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  ASSERT_OK(service_->BookSlot(OrderId(5), kShop, slot_id_, Soon()).status());
  EXPECT_THAT(service_->BookSlot(OrderId(6), kShop, slot_id_, Soon()),
              StatusIs(absl::StatusCode::kResourceExhausted));
}

TEST_F(SlotBookingTest, RefusesUnknownTemplateWrongDayAnotherSlotAndStrangers) {
  EXPECT_THAT(service_->BookSlot(OrderId(1), kShop,
                                 "6a4d1c70-0000-4000-8000-0000000000ff/2026-03-29", Soon()),
              StatusIs(absl::StatusCode::kNotFound));
  const std::string template_id = slot_id_.substr(0, 36);
  // A Monday: the template is for Sundays.
  EXPECT_THAT(service_->BookSlot(OrderId(1), kShop, template_id + "/2026-03-30", Soon()),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  ASSERT_OK(service_->BookSlot(OrderId(1), kShop, slot_id_, Soon()).status());
  EXPECT_THAT(service_->BookSlot(OrderId(1), kShop, template_id + "/2026-04-05", Soon()),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  // Another shop's member cannot replace this shop's templates.
  common::Caller stranger = ShopOwner();
  stranger.shop_ids = {"6a4d1c70-0000-4000-8000-000000000002"};
  EXPECT_THAT(service_->ReplaceTemplates(stranger, kShop, {}, Soon()),
              StatusIs(absl::StatusCode::kPermissionDenied));
}

// Closures (issue #7): stored per shop, and a closure racing with bookings of its day reports
// every booking that got through; no booking gets through after it.
TEST_F(SlotBookingTest, AClosureRacingWithBookingsReportsEveryBookingThatGotThrough) {
  std::vector<std::thread> threads;
  std::mutex mu;
  std::set<std::string> booked;
  for (int i = 0; i < 20; ++i) {
    threads.emplace_back([&, i] {
      auto result = service_->BookSlot(OrderId(i), kShop, slot_id_, Soon());
      if (result.ok()) {
        std::lock_guard lock(mu);
        booked.insert(OrderId(i));
      } else {
        EXPECT_TRUE(absl::IsFailedPrecondition(result.status()) ||
                    absl::IsResourceExhausted(result.status()))
            << result.status();
      }
    });
  }
  const absl::CivilDay sunday(2026, 3, 29);
  absl::StatusOr<ClosureCreated> created = service_->CreateClosure(
      ShopOwner(), kShop,
      {.first = sunday, .last = sunday, .pickup = true, .delivery = true, .reason = "Foire"},
      Soon());
  for (std::thread& t : threads) t.join();
  ASSERT_OK(created.status());
  std::set<std::string> reported;
  for (const HeldBooking& b : created->affected) {
    EXPECT_EQ(b.day, sunday);
    EXPECT_EQ(b.kind, SlotKind::kDelivery);
    reported.insert(b.order_id);
  }
  EXPECT_EQ(reported, booked);
  // After the closure, the storage itself refuses the day (whatever the caller checked).
  std::string template_id;
  absl::CivilDay day;
  ASSERT_OK(ParseSlotId(slot_id_, &template_id, &day));
  EXPECT_THAT(
      repository_->Book(
          {.order_id = OrderId(99), .shop_id = kShop, .template_id = template_id, .day = day},
          Soon()),
      StatusIs(absl::StatusCode::kFailedPrecondition));
  const absl::Time thursday =
      absl::FromCivil(absl::CivilMinute(2026, 3, 26, 10, 0), absl::UTCTimeZone());
  ASSERT_OK_AND_ASSIGN(auto slots, service_->ListSlots(kShop, std::nullopt, thursday, 7, Soon()));
  EXPECT_TRUE(slots.empty());
}

TEST_F(SlotBookingTest, ClosuresAreListedUntilTheyEndAndDeletedOnlyInTheirShop) {
  ASSERT_OK_AND_ASSIGN(ClosureCreated august,
                       service_->CreateClosure(ShopOwner(), kShop,
                                               {.first = absl::CivilDay(2026, 8, 1),
                                                .last = absl::CivilDay(2026, 8, 20),
                                                .pickup = true,
                                                .delivery = false,
                                                .reason = "Congés d'été"},
                                               Soon()));
  ASSERT_OK(service_
                ->CreateClosure(ShopOwner(), kShop,
                                {.first = absl::CivilDay(2026, 4, 6),
                                 .last = absl::CivilDay(2026, 4, 6),
                                 .reason = "Lundi de Pâques"},
                                Soon())
                .status());
  ASSERT_OK_AND_ASSIGN(auto closures, service_->ListClosures(kShop, Soon()));
  ASSERT_EQ(closures.size(), 2u);
  EXPECT_EQ(closures[0].reason, "Lundi de Pâques");  // soonest first
  EXPECT_EQ(closures[1].id, august.closure.id);
  EXPECT_EQ(closures[1].last, absl::CivilDay(2026, 8, 20));
  EXPECT_TRUE(closures[1].pickup);
  EXPECT_FALSE(closures[1].delivery);
  // Another shop's id does not reach it.
  EXPECT_THAT(
      repository_->DeleteClosure("6a4d1c70-0000-4000-8000-000000000002", august.closure.id, Soon()),
      StatusIs(absl::StatusCode::kNotFound));
  ASSERT_OK(service_->DeleteClosure(ShopOwner(), kShop, august.closure.id, Soon()));
  EXPECT_THAT(service_->DeleteClosure(ShopOwner(), kShop, august.closure.id, Soon()),
              StatusIs(absl::StatusCode::kNotFound));
  ASSERT_OK_AND_ASSIGN(closures, service_->ListClosures(kShop, Soon()));
  EXPECT_EQ(closures.size(), 1u);
}

}  // namespace
}  // namespace comptoir::delivery
