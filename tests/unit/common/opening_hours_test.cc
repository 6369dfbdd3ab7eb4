// Opening hours in Europe/Paris: several ranges a day, ranges past midnight, closures and
// special days, and the daylight-saving changes of 2026 (29 March and 25 October).
#include "comptoir/common/opening_hours.h"

#include <gtest/gtest.h>

#include "status_testing.h"

namespace comptoir::common {
namespace {

using ::comptoir::testing::HasFieldViolation;
using ::comptoir::testing::StatusIs;

// An instant given in UTC, to state expectations without the code under test's help.
absl::Time Utc(int y, int mo, int d, int h, int mi) {
  return absl::FromCivil(absl::CivilMinute(y, mo, d, h, mi), absl::UTCTimeZone());
}

// Shorthand for wire-form hours: {weekday, {{"08:00", "12:30"}, ...}}.
struct Day {
  int weekday;
  std::vector<std::pair<std::string, std::string>> ranges;
};

shops::v1::OpeningHours Proto(const std::vector<Day>& days) {
  shops::v1::OpeningHours proto;
  for (const Day& day : days) {
    shops::v1::DayHours* out = proto.add_weekly();
    out->set_weekday(day.weekday);
    for (const auto& [open, close] : day.ranges) {
      shops::v1::TimeRange* range = out->add_ranges();
      range->set_open(open);
      range->set_close(close);
    }
  }
  return proto;
}

shops::v1::DateException* AddException(shops::v1::OpeningHours& proto, const std::string& start,
                                       const std::string& end, bool closed) {
  shops::v1::DateException* e = proto.add_exceptions();
  e->set_start_date(start);
  e->set_end_date(end);
  e->set_closed(closed);
  return e;
}

OpeningHours Parse(const shops::v1::OpeningHours& proto) {
  absl::StatusOr<OpeningHours> hours = ParseOpeningHours(proto, "shop.opening_hours");
  EXPECT_OK(hours.status());
  return hours.ok() ? *hours : OpeningHours{};
}

// Monday to Saturday, 08:00-12:30 and 14:30-19:00: a typical bakery.
OpeningHours Bakery() {
  std::vector<Day> days;
  for (int d = 1; d <= 6; ++d) days.push_back({d, {{"08:00", "12:30"}, {"14:30", "19:00"}}});
  return Parse(Proto(days));
}

const absl::TimeZone& Paris() { return ParisTimeZone(); }

TEST(OpeningHours, SeveralRangesADayLeaveTheLunchBreakClosed) {
  OpeningHours hours = Bakery();
  // Tuesday 2026-01-13, winter time (UTC+1).
  EXPECT_FALSE(IsOpenAt(hours, Utc(2026, 1, 13, 6, 59), Paris()));
  EXPECT_TRUE(IsOpenAt(hours, Utc(2026, 1, 13, 7, 0), Paris()));  // 08:00 local
  EXPECT_TRUE(IsOpenAt(hours, Utc(2026, 1, 13, 11, 29), Paris()));
  EXPECT_FALSE(IsOpenAt(hours, Utc(2026, 1, 13, 11, 30), Paris()));  // 12:30 local
  EXPECT_EQ(NextOpening(hours, Utc(2026, 1, 13, 11, 30), Paris()), Utc(2026, 1, 13, 13, 30));
  EXPECT_EQ(NextClosing(hours, Utc(2026, 1, 13, 9, 0), Paris()), Utc(2026, 1, 13, 11, 30));
}

TEST(OpeningHours, SpringForwardMovesOpeningOneHourEarlierInUtc) {
  OpeningHours hours = Bakery();
  // Saturday 28 March 2026 (UTC+1): opens 07:00 UTC; Monday 30 March (UTC+2): 06:00 UTC.
  EXPECT_TRUE(IsOpenAt(hours, Utc(2026, 3, 28, 7, 0), Paris()));
  EXPECT_FALSE(IsOpenAt(hours, Utc(2026, 3, 30, 5, 59), Paris()));
  EXPECT_TRUE(IsOpenAt(hours, Utc(2026, 3, 30, 6, 0), Paris()));
  // From Saturday evening, across a closed Sunday and the change, to Monday 08:00 local.
  EXPECT_EQ(NextOpening(hours, Utc(2026, 3, 28, 19, 0), Paris()), Utc(2026, 3, 30, 6, 0));
}

TEST(OpeningHours, FallBackMovesOpeningOneHourLaterInUtc) {
  OpeningHours hours = Bakery();
  // Saturday 24 October 2026 (UTC+2): 06:00 UTC; Monday 26 October (UTC+1): 07:00 UTC.
  EXPECT_TRUE(IsOpenAt(hours, Utc(2026, 10, 24, 6, 0), Paris()));
  EXPECT_FALSE(IsOpenAt(hours, Utc(2026, 10, 26, 6, 30), Paris()));
  EXPECT_EQ(NextOpening(hours, Utc(2026, 10, 24, 18, 0), Paris()), Utc(2026, 10, 26, 7, 0));
}

TEST(OpeningHours, NightRangeAcrossSpringForwardLastsAnHourLess) {
  // Saturday 22:00-04:00: on 28-29 March 2026 it is 21:00Z (UTC+1) to 02:00Z (UTC+2).
  OpeningHours hours = Parse(Proto({{6, {{"22:00", "04:00"}}}}));
  EXPECT_TRUE(IsOpenAt(hours, Utc(2026, 3, 28, 21, 0), Paris()));
  EXPECT_TRUE(IsOpenAt(hours, Utc(2026, 3, 29, 1, 30), Paris()));  // 03:30 CEST
  EXPECT_FALSE(IsOpenAt(hours, Utc(2026, 3, 29, 2, 0), Paris()));  // 04:00 CEST
  EXPECT_EQ(NextClosing(hours, Utc(2026, 3, 28, 22, 0), Paris()), Utc(2026, 3, 29, 2, 0));
}

TEST(OpeningHours, NightRangeAcrossFallBackLastsAnHourMore) {
  // Saturday 22:00-04:00 on 24-25 October 2026: 20:00Z (UTC+2) to 03:00Z (UTC+1).
  OpeningHours hours = Parse(Proto({{6, {{"22:00", "04:00"}}}}));
  EXPECT_EQ(NextOpening(hours, Utc(2026, 10, 24, 12, 0), Paris()), Utc(2026, 10, 24, 20, 0));
  EXPECT_TRUE(IsOpenAt(hours, Utc(2026, 10, 25, 2, 30), Paris()));
  EXPECT_EQ(NextClosing(hours, Utc(2026, 10, 24, 21, 0), Paris()), Utc(2026, 10, 25, 3, 0));
}

TEST(OpeningHours, TimeSkippedBySpringForwardOpensAtTheTransition) {
  // Sunday 29 March 2026 02:30-05:00: 02:30 does not exist; opens at 03:00 CEST (01:00Z).
  OpeningHours hours = Parse(Proto({{7, {{"02:30", "05:00"}}}}));
  EXPECT_EQ(NextOpening(hours, Utc(2026, 3, 28, 12, 0), Paris()), Utc(2026, 3, 29, 1, 0));
  EXPECT_EQ(NextClosing(hours, Utc(2026, 3, 29, 1, 0), Paris()), Utc(2026, 3, 29, 3, 0));
}

TEST(OpeningHours, TimeRepeatedByFallBackOpensFirstAndClosesLast) {
  // Sunday 25 October 2026 02:15-02:45 happens twice: open from the first 02:15 (00:15Z) to
  // the second 02:45 (01:45Z).
  OpeningHours hours = Parse(Proto({{7, {{"02:15", "02:45"}}}}));
  EXPECT_EQ(NextOpening(hours, Utc(2026, 10, 24, 12, 0), Paris()), Utc(2026, 10, 25, 0, 15));
  EXPECT_EQ(NextClosing(hours, Utc(2026, 10, 25, 0, 30), Paris()), Utc(2026, 10, 25, 1, 45));
}

TEST(OpeningHours, RangeToMidnightJoinsTheNextDaysEarlyRange) {
  // Friday 18:00-24:00 then Saturday 00:00-02:00: one opening, closing Saturday 02:00.
  OpeningHours hours = Parse(Proto({{5, {{"18:00", "24:00"}}}, {6, {{"00:00", "02:00"}}}}));
  // Friday 16 January 2026, 23:00 local = 22:00Z.
  EXPECT_TRUE(IsOpenAt(hours, Utc(2026, 1, 16, 23, 30), Paris()));
  EXPECT_EQ(NextClosing(hours, Utc(2026, 1, 16, 22, 0), Paris()), Utc(2026, 1, 17, 1, 0));
  EXPECT_EQ(NextOpening(hours, Utc(2026, 1, 16, 22, 0), Paris()), Utc(2026, 1, 23, 17, 0));
}

TEST(OpeningHours, RangePastMidnightBelongsToTheDayItOpens) {
  // Friday 20:00-01:00: open early Saturday, though Saturday has no hours of its own.
  OpeningHours hours = Parse(Proto({{5, {{"20:00", "01:00"}}}}));
  EXPECT_TRUE(IsOpenAt(hours, Utc(2026, 1, 16, 23, 30), Paris()));  // Saturday 00:30 local
  EXPECT_FALSE(IsOpenAt(hours, Utc(2026, 1, 17, 0, 0), Paris()));   // Saturday 01:00 local
}

TEST(OpeningHours, ClosureDatesCloseTheShopAndNextOpeningSkipsThem) {
  shops::v1::OpeningHours proto = Proto({{1, {{"08:00", "19:00"}}},
                                         {2, {{"08:00", "19:00"}}},
                                         {3, {{"08:00", "19:00"}}},
                                         {4, {{"08:00", "19:00"}}},
                                         {5, {{"08:00", "19:00"}}}});
  AddException(proto, "2026-08-01", "2026-08-31", true)->set_label("Congés d'été");
  OpeningHours hours = Parse(proto);
  EXPECT_FALSE(IsOpenAt(hours, Utc(2026, 8, 4, 10, 0), Paris()));  // a Tuesday in August
  // Friday 31 July 19:00 local -> Tuesday 1 September 08:00 CEST.
  EXPECT_EQ(NextOpening(hours, Utc(2026, 7, 31, 17, 0), Paris()), Utc(2026, 9, 1, 6, 0));
}

TEST(OpeningHours, SpecialDayReplacesTheWeekAndBeatsAClosure) {
  shops::v1::OpeningHours proto = Proto({{2, {{"08:00", "19:00"}}}});
  AddException(proto, "2026-08-01", "2026-08-31", true);
  shops::v1::DateException* sunday = AddException(proto, "2026-12-20", "", false);
  shops::v1::TimeRange* r = sunday->add_ranges();
  r->set_open("09:00");
  r->set_close("12:00");
  shops::v1::DateException* market = AddException(proto, "2026-08-15", "", false);
  r = market->add_ranges();
  r->set_open("10:00");
  r->set_close("12:00");
  OpeningHours hours = Parse(proto);
  EXPECT_TRUE(IsOpenAt(hours, Utc(2026, 12, 20, 8, 30), Paris()));   // Sunday 09:30 CET
  EXPECT_FALSE(IsOpenAt(hours, Utc(2026, 12, 20, 11, 0), Paris()));  // Sunday 12:00 CET
  EXPECT_TRUE(IsOpenAt(hours, Utc(2026, 8, 15, 9, 0), Paris()));     // 11:00 CEST
}

TEST(OpeningHours, ShopThatNeverOpensHasNoNextOpeningNorClosing) {
  OpeningHours hours;
  EXPECT_FALSE(IsOpenAt(hours, Utc(2026, 1, 1, 12, 0), Paris()));
  EXPECT_EQ(NextOpening(hours, Utc(2026, 1, 1, 12, 0), Paris()), std::nullopt);
  EXPECT_EQ(NextClosing(hours, Utc(2026, 1, 1, 12, 0), Paris()), std::nullopt);
}

TEST(OpeningHours, RoundTripsThroughTheWireForm) {
  shops::v1::OpeningHours proto = Proto({{1, {{"08:00", "12:30"}, {"14:30", "24:00"}}}});
  AddException(proto, "2026-05-01", "2026-05-01", true);
  shops::v1::OpeningHours back;
  ToProto(Parse(proto), &back);
  EXPECT_EQ(back.SerializeAsString(), proto.SerializeAsString());
}

TEST(OpeningHours, InvalidHoursNameEachBadField) {
  shops::v1::OpeningHours proto = Proto({{8, {{"08:00", "12:00"}}},
                                         {1, {{"25:00", "12:00"}}},
                                         {2, {{"14:00", "18:00"}, {"08:00", "12:00"}}},
                                         {3, {{"10:00", "10:00"}}}});
  AddException(proto, "2026-02-30", "", true);
  shops::v1::DateException* e = AddException(proto, "2026-05-10", "2026-05-01", true);
  e->add_ranges()->set_open("08:00");

  absl::StatusOr<OpeningHours> hours = ParseOpeningHours(proto, "shop.opening_hours");

  EXPECT_THAT(hours, StatusIs(absl::StatusCode::kInvalidArgument));
  const absl::Status& s = hours.status();
  EXPECT_THAT(s, HasFieldViolation("shop.opening_hours.weekly[0].weekday"));
  EXPECT_THAT(s, HasFieldViolation("shop.opening_hours.weekly[1].ranges[0].open"));
  EXPECT_THAT(s, HasFieldViolation("shop.opening_hours.weekly[2].ranges[1]"));
  EXPECT_THAT(s, HasFieldViolation("shop.opening_hours.weekly[3].ranges[0]"));
  EXPECT_THAT(s, HasFieldViolation("shop.opening_hours.exceptions[0].start_date"));
  EXPECT_THAT(s, HasFieldViolation("shop.opening_hours.exceptions[1].end_date"));
  EXPECT_THAT(s, HasFieldViolation("shop.opening_hours.exceptions[1].ranges"));
}

}  // namespace
}  // namespace comptoir::common
