// SlotService over an in-memory repository: validation before storage, authorization of
// template changes, places left per slot, and cut-offs enforced before booking.

#include "slot_service.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <mutex>

#include "fake_slot_repository.h"
#include "status_testing.h"

namespace comptoir::delivery {
namespace {

using ::comptoir::testing::HasFieldViolation;
using ::comptoir::testing::StatusIs;

constexpr char kShop[] = "6a4d1c70-0000-4000-8000-000000000001";
constexpr char kOrder[] = "0dd00000-0000-4000-8000-000000000001";

Deadline Soon() { return std::chrono::steady_clock::now() + std::chrono::seconds(5); }

common::Caller Member() { return {.user_id = "u1", .roles = {"resident"}, .shop_ids = {kShop}}; }

class SlotServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto calendar = SlotCalendar::ForParis();
    ASSERT_OK(calendar.status());
    service_ = std::make_unique<SlotService>(repository_, *calendar, [this] { return now_; });
  }
  FakeSlotRepository repository_;
  // Thursday 26 March 2026, 12:00 Paris (11:00 UTC).
  absl::Time now_ = absl::FromCivil(absl::CivilMinute(2026, 3, 26, 11, 0), absl::UTCTimeZone());
  std::unique_ptr<SlotService> service_;
};

SlotTemplate Friday17To19() {
  return {.kind = SlotKind::kDelivery,
          .weekday = 5,
          .start_minute = 1020,
          .end_minute = 1140,
          .capacity = 3,
          .cutoff_days_before = 0,
          .cutoff_minute = 720};
}

TEST_F(SlotServiceTest, OnlyShopMembersReplaceTemplatesAndEveryFieldIsChecked) {
  EXPECT_THAT(service_->ReplaceTemplates({}, kShop, {Friday17To19()}, Soon()),
              StatusIs(absl::StatusCode::kUnauthenticated));
  common::Caller other = Member();
  other.shop_ids = {"6a4d1c70-0000-4000-8000-000000000002"};
  EXPECT_THAT(service_->ReplaceTemplates(other, kShop, {Friday17To19()}, Soon()),
              StatusIs(absl::StatusCode::kPermissionDenied));
  SlotTemplate bad = Friday17To19();
  bad.capacity = 0;
  EXPECT_THAT(service_->ReplaceTemplates(Member(), kShop, {bad}, Soon()),
              HasFieldViolation("slot_templates[0].capacity"));
  EXPECT_OK(service_->ReplaceTemplates(Member(), kShop, {Friday17To19()}, Soon()).status());
}

TEST_F(SlotServiceTest, ListsPlacesLeftAndBooksUntilTheCutoff) {
  ASSERT_OK_AND_ASSIGN(auto stored,
                       service_->ReplaceTemplates(Member(), kShop, {Friday17To19()}, Soon()));
  const std::string friday = stored[0].id + "/2026-03-27";
  ASSERT_OK(service_->BookSlot(kOrder, kShop, friday, Soon()).status());
  ASSERT_OK_AND_ASSIGN(auto slots, service_->ListSlots(kShop, std::nullopt, now_, 9, Soon()));
  ASSERT_EQ(slots.size(), 2u);
  EXPECT_EQ(slots[0].slot.Id(), friday);
  EXPECT_EQ(slots[0].remaining, 2);
  EXPECT_EQ(slots[1].remaining, 3);
  // Friday noon Paris is the same-day cut-off: new orders are refused, a retry of the
  // booking made before it is still answered as booked.
  now_ = absl::FromCivil(absl::CivilMinute(2026, 3, 27, 11, 0), absl::UTCTimeZone());
  EXPECT_THAT(service_->BookSlot("0dd00000-0000-4000-8000-000000000002", kShop, friday, Soon()),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  ASSERT_OK_AND_ASSIGN(BookingResult retry, service_->BookSlot(kOrder, kShop, friday, Soon()));
  EXPECT_EQ(retry.outcome, BookingOutcome::kAlreadyBooked);
  ASSERT_OK_AND_ASSIGN(slots, service_->ListSlots(kShop, std::nullopt, now_, 9, Soon()));
  ASSERT_EQ(slots.size(), 1u);
  EXPECT_EQ(slots[0].slot.day, absl::CivilDay(2026, 4, 3));
}

TEST_F(SlotServiceTest, BookingRequestsAreValidatedFieldByField) {
  const absl::Status status = service_->BookSlot("nope", "", "x", Soon()).status();
  EXPECT_THAT(status, HasFieldViolation("order_id"));
  EXPECT_THAT(status, HasFieldViolation("shop_id"));
  EXPECT_THAT(status, HasFieldViolation("slot_id"));
  EXPECT_THAT(service_->ListSlots(kShop, std::nullopt, now_, 40, Soon()),
              HasFieldViolation("days"));
}

}  // namespace
}  // namespace comptoir::delivery
