// Slots are wall-clock times in Europe/Paris all year round, cut-offs and closures hold, and
// dated slot ids round-trip.

#include "slot_calendar.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "status_testing.h"

namespace comptoir::delivery {
namespace {

using ::comptoir::testing::HasFieldViolation;
using ::comptoir::testing::StatusIs;

absl::Time Utc(int y, int mo, int d, int h, int mi = 0) {
  return absl::FromCivil(absl::CivilMinute(y, mo, d, h, mi), absl::UTCTimeZone());
}

SlotTemplate Sunday9To11() {
  return {.id = "t-sun",
          .kind = SlotKind::kDelivery,
          .weekday = 7,
          .start_minute = 9 * 60,
          .end_minute = 11 * 60,
          .capacity = 5,
          .cutoff_days_before = 1,
          .cutoff_minute = 18 * 60};
}

class SlotCalendarTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto calendar = SlotCalendar::ForParis();
    ASSERT_OK(calendar.status());  // fails loudly when tzdata is missing
    calendar_ = std::make_unique<SlotCalendar>(*calendar);
  }
  std::unique_ptr<SlotCalendar> calendar_;
};

TEST_F(SlotCalendarTest, SlotKeepsItsWallClockTimeAcrossTheMarchChange) {
  // 2026-03-29 is the last Sunday of March: Paris moves from UTC+1 to UTC+2 at 02:00.
  const Slot before = calendar_->At(Sunday9To11(), absl::CivilDay(2026, 3, 22));
  const Slot after = calendar_->At(Sunday9To11(), absl::CivilDay(2026, 3, 29));
  EXPECT_EQ(before.start, Utc(2026, 3, 22, 8));
  EXPECT_EQ(after.start, Utc(2026, 3, 29, 7));
  EXPECT_EQ(after.end - after.start, absl::Hours(2));
  // The cut-off (Saturday 18:00) is still winter time.
  EXPECT_EQ(after.cutoff, Utc(2026, 3, 28, 17));
}

TEST_F(SlotCalendarTest, SlotKeepsItsWallClockTimeAcrossTheOctoberChange) {
  // 2026-10-25 is the last Sunday of October: back to UTC+1 at 03:00.
  const Slot after = calendar_->At(Sunday9To11(), absl::CivilDay(2026, 10, 25));
  EXPECT_EQ(after.start, Utc(2026, 10, 25, 8));
  EXPECT_EQ(after.cutoff, Utc(2026, 10, 24, 16));  // Saturday 18:00 summer time
}

TEST_F(SlotCalendarTest, NightSlotOverTheChangeLastsTheRealElapsedTime) {
  SlotTemplate night = Sunday9To11();
  night.start_minute = 60;  // 01:00-04:00 local
  night.end_minute = 240;
  EXPECT_EQ(calendar_->At(night, absl::CivilDay(2026, 3, 29)).end -
                calendar_->At(night, absl::CivilDay(2026, 3, 29)).start,
            absl::Hours(2));
  EXPECT_EQ(calendar_->At(night, absl::CivilDay(2026, 10, 25)).end -
                calendar_->At(night, absl::CivilDay(2026, 10, 25)).start,
            absl::Hours(4));
}

TEST_F(SlotCalendarTest, OpenListsOnlySlotsWhoseCutoffHasNotPassed) {
  const std::vector<SlotTemplate> templates = {Sunday9To11()};
  // Saturday 28 March 17:59 Paris (16:59 UTC): Sunday's slot is still open...
  auto open = calendar_->Open(templates, {}, Utc(2026, 3, 28, 16, 59), Utc(2026, 3, 28, 0),
                              Utc(2026, 4, 6, 0));
  ASSERT_EQ(open.size(), 2u);
  EXPECT_EQ(open[0].day, absl::CivilDay(2026, 3, 29));
  EXPECT_EQ(open[1].day, absl::CivilDay(2026, 4, 5));
  // ...at 18:00 it is gone.
  open =
      calendar_->Open(templates, {}, Utc(2026, 3, 28, 17), Utc(2026, 3, 28, 0), Utc(2026, 4, 6, 0));
  ASSERT_EQ(open.size(), 1u);
  EXPECT_EQ(open[0].day, absl::CivilDay(2026, 4, 5));
}

TEST_F(SlotCalendarTest, ClosuresRemoveOnlyTheirKindAndDays) {
  SlotTemplate pickup = Sunday9To11();
  pickup.id = "t-pickup";
  pickup.kind = SlotKind::kPickup;
  const std::vector<Closure> closures = {{.first = absl::CivilDay(2026, 4, 1),
                                          .last = absl::CivilDay(2026, 4, 5),
                                          .pickup = false,
                                          .delivery = true,
                                          .reason = "Congés"}};
  const auto open = calendar_->Open({Sunday9To11(), pickup}, closures, Utc(2026, 3, 1, 0),
                                    Utc(2026, 4, 5, 0), Utc(2026, 4, 13, 0));
  ASSERT_EQ(open.size(), 3u);
  EXPECT_EQ(open[0].template_id, "t-pickup");
  EXPECT_EQ(open[0].day, absl::CivilDay(2026, 4, 5));
  EXPECT_EQ(open[1].day, absl::CivilDay(2026, 4, 12));
  EXPECT_EQ(open[2].day, absl::CivilDay(2026, 4, 12));
  EXPECT_THAT(
      calendar_->Bookable(Sunday9To11(), absl::CivilDay(2026, 4, 5), closures, Utc(2026, 3, 1, 0)),
      StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST_F(SlotCalendarTest, BookableRefusesWrongWeekdayAndPassedCutoff) {
  EXPECT_THAT(
      calendar_->Bookable(Sunday9To11(), absl::CivilDay(2026, 3, 30), {}, Utc(2026, 3, 1, 0)),
      StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(
      calendar_->Bookable(Sunday9To11(), absl::CivilDay(2026, 3, 29), {}, Utc(2026, 3, 28, 17)),
      StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_OK(
      calendar_->Bookable(Sunday9To11(), absl::CivilDay(2026, 3, 29), {}, Utc(2026, 3, 28, 16, 59))
          .status());
}

TEST(SlotIdTest, RoundTripsAndRefusesImpossibleDates) {
  Slot slot{.template_id = "6f1c2c1e-0000-4000-8000-000000000001",
            .day = absl::CivilDay(2026, 3, 29)};
  EXPECT_EQ(slot.Id(), "6f1c2c1e-0000-4000-8000-000000000001/2026-03-29");
  std::string tmpl;
  absl::CivilDay day;
  ASSERT_OK(ParseSlotId(slot.Id(), &tmpl, &day));
  EXPECT_EQ(tmpl, slot.template_id);
  EXPECT_EQ(day, slot.day);
  EXPECT_THAT(ParseSlotId("t/2026-02-30", &tmpl, &day),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseSlotId("2026-02-03", &tmpl, &day), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(ValidateTemplatesTest, NamesEveryBadFieldAndOverlaps) {
  SlotTemplate bad{.id = "a",
                   .weekday = 8,
                   .start_minute = 600,
                   .end_minute = 500,
                   .capacity = 0,
                   .cutoff_days_before = 0,
                   .cutoff_minute = 700};
  EXPECT_THAT(ValidateTemplates({bad}), HasFieldViolation("slot_templates[0].weekday"));
  EXPECT_THAT(ValidateTemplates({bad}), HasFieldViolation("slot_templates[0].end_minute"));
  EXPECT_THAT(ValidateTemplates({bad}), HasFieldViolation("slot_templates[0].capacity"));
  SlotTemplate a = Sunday9To11();
  SlotTemplate b = Sunday9To11();
  b.id = "other";
  b.start_minute = 10 * 60;
  b.end_minute = 12 * 60;
  EXPECT_THAT(ValidateTemplates({a, b}), HasFieldViolation("slot_templates[1].start_minute"));
  b.kind = SlotKind::kPickup;  // pickup and delivery may overlap
  EXPECT_OK(ValidateTemplates({a, b}));
}

}  // namespace
}  // namespace comptoir::delivery

namespace comptoir::delivery {
namespace {

TEST(IsoDateTest, RoundTripsAndRefusesImpossibleOrLooseDates) {
  absl::CivilDay day;
  ASSERT_TRUE(ParseIsoDate("2026-03-29", &day));
  EXPECT_EQ(day, absl::CivilDay(2026, 3, 29));
  EXPECT_EQ(IsoDate(day), "2026-03-29");
  EXPECT_FALSE(ParseIsoDate("2026-02-30", &day));
  EXPECT_FALSE(ParseIsoDate("2026-3-29", &day));
  EXPECT_FALSE(ParseIsoDate("29/03/2026", &day));
}

}  // namespace
}  // namespace comptoir::delivery
