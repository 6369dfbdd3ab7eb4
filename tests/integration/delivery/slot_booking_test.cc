// Slot booking on a real PostgreSQL: capacity is never exceeded under concurrency, booking is
// idempotent by order id, release frees the place once, and a released order cannot book again.

#include <gtest/gtest.h>

#include <atomic>
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
    ASSERT_OK(common::ApplyMigrations(db_->RoleUrl("delivery"), "delivery", Migrations()));
    common::PgPoolOptions options;
    options.url = db_->RoleUrl("delivery");
    options.size = 16;
    options.statements = PgSlotRepository::Statements();
    pool_ = std::make_unique<common::PgPool>(options);
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

}  // namespace
}  // namespace comptoir::delivery
