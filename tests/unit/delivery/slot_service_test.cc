// SlotService over an in-memory repository: validation before storage, authorization of
// template changes, places left per slot, and cut-offs enforced before booking.

#include "slot_service.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <mutex>

#include "fake_slot_repository.h"
#include "fake_zone_repository.h"
#include "pickup_hours.h"
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

// Exceptional closures (issue #7).

Closure FridayClosure(absl::CivilDay first, absl::CivilDay last) {
  return {.first = first, .last = last, .pickup = false, .delivery = true, .reason = "Marché"};
}

TEST_F(SlotServiceTest, ClosedDaysOfferNoSlotAndRefuseNewBookingsButReportHeldOnes) {
  ASSERT_OK_AND_ASSIGN(auto stored,
                       service_->ReplaceTemplates(Member(), kShop, {Friday17To19()}, Soon()));
  const std::string friday = stored[0].id + "/2026-03-27";
  ASSERT_OK(service_->BookSlot(kOrder, kShop, friday, Soon()).status());
  const absl::CivilDay day(2026, 3, 27);
  ASSERT_OK_AND_ASSIGN(ClosureCreated created,
                       service_->CreateClosure(Member(), kShop, FridayClosure(day, day), Soon()));
  EXPECT_FALSE(created.closure.id.empty());
  // The booking made before the closure stays, and the shop is told about it.
  ASSERT_EQ(created.affected.size(), 1u);
  EXPECT_EQ(created.affected[0].order_id, kOrder);
  EXPECT_EQ(created.affected[0].day, day);
  ASSERT_OK_AND_ASSIGN(auto slots, service_->ListSlots(kShop, std::nullopt, now_, 9, Soon()));
  ASSERT_EQ(slots.size(), 1u);
  EXPECT_EQ(slots[0].slot.day, absl::CivilDay(2026, 4, 3));
  EXPECT_THAT(service_->BookSlot("0dd00000-0000-4000-8000-000000000002", kShop, friday, Soon()),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  // A retry of the booking held before the closure still hears "already booked".
  ASSERT_OK_AND_ASSIGN(BookingResult retry, service_->BookSlot(kOrder, kShop, friday, Soon()));
  EXPECT_EQ(retry.outcome, BookingOutcome::kAlreadyBooked);
  // Reopening the day gives its slot back.
  ASSERT_OK(service_->DeleteClosure(Member(), kShop, created.closure.id, Soon()));
  ASSERT_OK_AND_ASSIGN(slots, service_->ListSlots(kShop, std::nullopt, now_, 9, Soon()));
  EXPECT_EQ(slots.size(), 2u);
}

TEST_F(SlotServiceTest, ClosuresCloseOnlyTheirKind) {
  ASSERT_OK_AND_ASSIGN(auto stored,
                       service_->ReplaceTemplates(Member(), kShop, {Friday17To19()}, Soon()));
  Closure pickup_only = FridayClosure(absl::CivilDay(2026, 3, 27), absl::CivilDay(2026, 4, 3));
  pickup_only.pickup = true;
  pickup_only.delivery = false;
  ASSERT_OK(service_->CreateClosure(Member(), kShop, pickup_only, Soon()).status());
  ASSERT_OK_AND_ASSIGN(auto slots, service_->ListSlots(kShop, std::nullopt, now_, 9, Soon()));
  EXPECT_EQ(slots.size(), 2u);  // delivery slots stay open
}

TEST_F(SlotServiceTest, ClosuresAreForShopMembersAndValidated) {
  const absl::CivilDay day(2026, 3, 27);
  EXPECT_THAT(service_->CreateClosure({}, kShop, FridayClosure(day, day), Soon()),
              StatusIs(absl::StatusCode::kUnauthenticated));
  common::Caller other = Member();
  other.shop_ids = {"6a4d1c70-0000-4000-8000-000000000002"};
  EXPECT_THAT(service_->CreateClosure(other, kShop, FridayClosure(day, day), Soon()),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(service_->DeleteClosure(other, kShop, "c1000000-0000-4000-8000-100000000000", Soon()),
              StatusIs(absl::StatusCode::kPermissionDenied));
  Closure bad = FridayClosure(absl::CivilDay(2026, 3, 20), absl::CivilDay(2027, 3, 30));
  bad.delivery = false;
  bad.reason = std::string(201, 'x');
  const absl::Status status = service_->CreateClosure(Member(), kShop, bad, Soon()).status();
  EXPECT_THAT(status, HasFieldViolation("closure.first_date"));  // in the past
  EXPECT_THAT(status, HasFieldViolation("closure.last_date"));   // over a year
  EXPECT_THAT(status, HasFieldViolation("closure.pickup"));      // closes nothing
  EXPECT_THAT(status, HasFieldViolation("closure.reason"));
  EXPECT_THAT(service_->CreateClosure(Member(), kShop,
                                      FridayClosure(absl::CivilDay(2026, 4, 2), day), Soon()),
              HasFieldViolation("closure.last_date"));
  EXPECT_THAT(service_->DeleteClosure(Member(), kShop, "nope", Soon()),
              HasFieldViolation("closure"));
}

TEST_F(SlotServiceTest, AShopHasAtMostAHundredOpenClosures) {
  for (int i = 0; i < SlotService::kMaxClosures; ++i) {
    const absl::CivilDay day = absl::CivilDay(2026, 4, 1) + i;
    ASSERT_OK(service_->CreateClosure(Member(), kShop, FridayClosure(day, day), Soon()).status());
  }
  const absl::CivilDay later(2026, 12, 1);
  EXPECT_THAT(service_->CreateClosure(Member(), kShop, FridayClosure(later, later), Soon()),
              StatusIs(absl::StatusCode::kResourceExhausted));
  ASSERT_OK_AND_ASSIGN(auto closures, service_->ListClosures(kShop, Soon()));
  EXPECT_EQ(closures.size(), static_cast<size_t>(SlotService::kMaxClosures));
}

}  // namespace
}  // namespace comptoir::delivery

// Pickup slots and the shop's hours and preparation time (pickup_hours.h).

namespace comptoir::delivery {
namespace {

absl::Time ParisTime(absl::CivilMinute m) {
  absl::TimeZone paris;
  EXPECT_TRUE(absl::LoadTimeZone("Europe/Paris", &paris));
  return absl::FromCivil(m, paris);
}

shops::v1::OpeningHours MorningsAndAfternoons() {
  shops::v1::OpeningHours hours;
  for (int d = 1; d <= 6; ++d) {  // closed on Sundays
    shops::v1::DayHours* day = hours.add_weekly();
    day->set_weekday(d);
    shops::v1::TimeRange* am = day->add_ranges();
    am->set_open("08:30");
    am->set_close("12:30");
    shops::v1::TimeRange* pm = day->add_ranges();
    pm->set_open("14:30");
    pm->set_close("19:00");
  }
  shops::v1::DateException* holiday = hours.add_exceptions();
  holiday->set_start_date("2026-04-06");  // Easter Monday
  holiday->set_closed(true);
  holiday->set_label("Lundi de Pâques");
  return hours;
}

TEST(PickupHoursTest, SlotsMustLieWithinOneOpeningRangeOfTheirDay) {
  ASSERT_OK_AND_ASSIGN(SlotCalendar calendar, SlotCalendar::ForParis());
  const absl::Time now = ParisTime(absl::CivilMinute(2026, 3, 26, 8, 0));
  const auto slot = [&](absl::CivilDay day, int start, int end) {
    return calendar.At({.id = "t",
                        .kind = SlotKind::kPickup,
                        .weekday = IsoWeekday(day),
                        .start_minute = start,
                        .end_minute = end,
                        .capacity = 1},
                       day);
  };
  ASSERT_OK_AND_ASSIGN(const common::OpeningHours hours,
                       common::ParseOpeningHours(MorningsAndAfternoons(), "hours"));
  const absl::CivilDay friday(2026, 3, 27);
  EXPECT_OK(PickupFits(slot(friday, 9 * 60, 10 * 60), hours, 30, now, calendar.zone()));
  // Across the lunch closure, on a Sunday, on Easter Monday: refused.
  EXPECT_THAT(PickupFits(slot(friday, 12 * 60, 13 * 60), hours, 30, now, calendar.zone()),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_FALSE(
      PickupFits(slot(absl::CivilDay(2026, 3, 29), 600, 660), hours, 0, now, calendar.zone()).ok());
  const absl::Status easter =
      PickupFits(slot(absl::CivilDay(2026, 4, 6), 600, 660), hours, 0, now, calendar.zone());
  EXPECT_NE(easter.message().find("Lundi de Pâques"), absl::string_view::npos) << easter;
  // Summer time started on 29 March: 18:00-19:00 on the wall clock still fits.
  EXPECT_OK(PickupFits(slot(absl::CivilDay(2026, 3, 30), 18 * 60, 19 * 60), hours, 0, now,
                       calendar.zone()));
}

TEST(PickupHoursTest, PreparationTimeClosesSlotsThatStartTooSoon) {
  ASSERT_OK_AND_ASSIGN(SlotCalendar calendar, SlotCalendar::ForParis());
  const absl::CivilDay thursday(2026, 3, 26);
  const Slot ten = calendar.At({.id = "t",
                                .kind = SlotKind::kPickup,
                                .weekday = 4,
                                .start_minute = 600,
                                .end_minute = 660,
                                .capacity = 1},
                               thursday);
  ASSERT_OK_AND_ASSIGN(const common::OpeningHours hours,
                       common::ParseOpeningHours(MorningsAndAfternoons(), "hours"));
  EXPECT_OK(
      PickupFits(ten, hours, 60, ParisTime(absl::CivilMinute(2026, 3, 26, 9, 0)), calendar.zone()));
  EXPECT_FALSE(
      PickupFits(ten, hours, 61, ParisTime(absl::CivilMinute(2026, 3, 26, 9, 0)), calendar.zone())
          .ok());
}

TEST(PickupHoursTest, ListedPickupSlotsFollowTheShopsHours) {
  ASSERT_OK_AND_ASSIGN(SlotCalendar calendar, SlotCalendar::ForParis());
  FakeSlotRepository slots;
  FakeZoneRepository shops;
  const absl::Time now = ParisTime(absl::CivilMinute(2026, 3, 26, 7, 0));
  SlotService service(
      slots, calendar, [now] { return now; }, &shops);
  std::vector<SlotTemplate> templates;
  for (int d = 1; d <= 7; ++d) {
    templates.push_back({.kind = SlotKind::kPickup,
                         .weekday = d,
                         .start_minute = 17 * 60,
                         .end_minute = 18 * 60,
                         .capacity = 5,
                         .cutoff_days_before = 0,
                         .cutoff_minute = 12 * 60});
  }
  ASSERT_OK(service.ReplaceTemplates(Member(), kShop, templates, Soon()).status());
  ASSERT_OK_AND_ASSIGN(auto all, service.ListSlots(kShop, SlotKind::kPickup, now, 7, Soon()));
  EXPECT_EQ(all.size(), 7u);  // shop not known yet: templates alone
  shops.PutShop({.id = kShop,
                 .name = "Fromagerie",
                 .status = "active",
                 .preparation_minutes = 30,
                 .opening_hours = MorningsAndAfternoons().SerializeAsString()});
  ASSERT_OK_AND_ASSIGN(auto open, service.ListSlots(kShop, SlotKind::kPickup, now, 7, Soon()));
  EXPECT_EQ(open.size(), 6u);  // not on Sunday 29 March
  for (const SlotAvailability& s : open) EXPECT_NE(IsoWeekday(s.slot.day), 7);
}

}  // namespace
}  // namespace comptoir::delivery
