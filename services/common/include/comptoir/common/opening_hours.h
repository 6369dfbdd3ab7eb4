// Opening hours of a shop: regular weekly ranges, ranges past midnight, closures and special
// days, evaluated in the shop's time zone (Europe/Paris) so that daylight-saving changes fall
// where the law puts them. One evaluation for every service: shops validates and answers
// "open now", catalogue filters on it, delivery fits pickup slots in it. Values and pure
// functions: thread-safe.
//
//   ASSIGN_OR_RETURN(OpeningHours hours, ParseOpeningHours(proto, "shop.opening_hours"));
//   bool open = IsOpenAt(hours, absl::Now(), ParisTimeZone());
//   std::optional<absl::Time> next = NextOpening(hours, absl::Now(), ParisTimeZone());
//
// A range belongs to the day it opens on: 18:00-02:00 on Friday covers Friday 18:00 to
// Saturday 02:00 even if Saturday is a closure day. Local times the clocks skip (02:00-03:00
// on the last Sunday of March) open at the transition (03:00); on the last Sunday of October,
// a time that happens twice opens at its first occurrence and closes at its second.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "comptoir/shops/v1/hours.pb.h"

namespace comptoir::common {

struct TimeRange {
  int open_minute = 0;   // minutes after local midnight, 0..1439
  int close_minute = 0;  // 1..1440; <= open_minute means it closes the next day
  bool CrossesMidnight() const { return close_minute <= open_minute; }
};

struct DateException {
  absl::CivilDay first;
  absl::CivilDay last;  // included
  bool closed = true;
  std::vector<TimeRange> ranges;  // when not closed
  std::string label;
};

struct OpeningHours {
  std::array<std::vector<TimeRange>, 7> weekly;  // [0] = Monday ... [6] = Sunday
  std::vector<DateException> exceptions;
  bool empty() const;
};

// A span of time the shop is open: [start, end).
struct OpenInterval {
  absl::Time start;
  absl::Time end;
};

inline constexpr int kMaxRangesPerDay = 4;
inline constexpr int kMaxExceptions = 50;
inline constexpr int kMaxExceptionDays = 366;

// Europe/Paris from the system's time-zone database (loaded once).
const absl::TimeZone& ParisTimeZone();

// Validates and converts the wire form; InvalidArgument naming every bad field under
// `field` (e.g. "shop.opening_hours.weekly[0].ranges[1].close").
absl::StatusOr<OpeningHours> ParseOpeningHours(const shops::v1::OpeningHours& proto,
                                               const std::string& field);
void ToProto(const OpeningHours& hours, shops::v1::OpeningHours* out);

// "HH:MM" <-> minutes; `allow_24` accepts "24:00" (a closing time). -1 when malformed.
int ParseClockTime(const std::string& text, bool allow_24);
std::string FormatClockTime(int minutes);

// Hours another service received as a serialized comptoir.shops.v1.OpeningHours (validated
// by the shops service); nullopt when the bytes are not valid hours.
std::optional<OpeningHours> OpeningHoursFromBytes(const std::string& serialized);

// The exception in force on `day`: special hours beat closures (a Sunday opening inside the
// August break), then list order; nullptr when the weekly hours apply.
const DateException* ExceptionOn(const OpeningHours& hours, absl::CivilDay day);
// The ranges in force on `day` (an exception's, or the weekday's).
const std::vector<TimeRange>& RangesOn(const OpeningHours& hours, absl::CivilDay day);

// Open intervals of the ranges opening on days first..last, in time order, with touching or
// overlapping intervals merged (Friday 18:00-24:00 + Saturday 00:00-02:00 is one interval).
std::vector<OpenInterval> OpenIntervals(const OpeningHours& hours, absl::CivilDay first,
                                        absl::CivilDay last, const absl::TimeZone& tz);

bool IsOpenAt(const OpeningHours& hours, absl::Time at, const absl::TimeZone& tz);
// When the shop next opens after `at` (if open at `at`: after the current opening ends);
// nullopt when it does not open within about a year.
std::optional<absl::Time> NextOpening(const OpeningHours& hours, absl::Time at,
                                      const absl::TimeZone& tz);
// When the shop next closes: the end of the current opening if open at `at`, else the end
// of the next one; nullopt when it never opens within about a year.
std::optional<absl::Time> NextClosing(const OpeningHours& hours, absl::Time at,
                                      const absl::TimeZone& tz);

}  // namespace comptoir::common
