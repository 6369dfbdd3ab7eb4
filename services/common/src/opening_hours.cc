#include "comptoir/common/opening_hours.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "comptoir/common/log.h"
#include "comptoir/common/status.h"
#include "comptoir/common/utf8.h"

namespace comptoir::common {
namespace {

// The instant a local wall-clock minute names. Skipped minutes (spring forward) become the
// transition; repeated ones (fall back) the first occurrence for an opening and the second
// for a closing, so the shop is never reported closed while its sign says open.
absl::Time LocalMinuteToTime(absl::CivilMinute minute, const absl::TimeZone& tz, bool closing) {
  const absl::TimeZone::TimeInfo info = tz.At(absl::CivilSecond(minute));
  switch (info.kind) {
    case absl::TimeZone::TimeInfo::SKIPPED:
      return info.trans;
    case absl::TimeZone::TimeInfo::REPEATED:
      return closing ? info.post : info.pre;
    case absl::TimeZone::TimeInfo::UNIQUE:
    default:
      return info.pre;
  }
}

int WeekdayIndex(absl::CivilDay day) {
  return static_cast<int>(absl::GetWeekday(day));  // absl: monday == 0
}

bool ParseDay(const std::string& text, absl::CivilDay* day) {
  return text.size() == 10 && absl::ParseCivilTime(text, day) &&
         absl::FormatCivilTime(*day) == text;
}

// Validates one day's ranges: in order, not overlapping, at most one past midnight (last).
void ParseRanges(const google::protobuf::RepeatedPtrField<shops::v1::TimeRange>& in,
                 const std::string& field, common::Violations& violations,
                 std::vector<TimeRange>* out) {
  if (in.size() > kMaxRangesPerDay) {
    violations.Add(field, absl::StrCat("at most ", kMaxRangesPerDay, " ranges a day"));
    return;
  }
  int previous_close = -1;
  for (int i = 0; i < in.size(); ++i) {
    const std::string at = absl::StrCat(field, "[", i, "]");
    const int open = ParseClockTime(in[i].open(), false);
    const int close = ParseClockTime(in[i].close(), true);
    if (open < 0) violations.Add(at + ".open", "must be a time HH:MM between 00:00 and 23:59");
    if (close < 0) violations.Add(at + ".close", "must be a time HH:MM between 00:00 and 24:00");
    if (open < 0 || close < 0) continue;
    TimeRange range{open, close};
    if (open == close) {
      violations.Add(at, "opens and closes at the same time (00:00-24:00 is a whole day)");
      continue;
    }
    if (open < previous_close) {
      violations.Add(at, "must start after the previous range ends, in order");
      continue;
    }
    if (!out->empty() && out->back().CrossesMidnight()) {
      violations.Add(at, "only the last range of a day may run past midnight");
      continue;
    }
    previous_close = range.CrossesMidnight() ? 1440 : close;
    out->push_back(range);
  }
}

}  // namespace

bool OpeningHours::empty() const {
  for (const auto& day : weekly) {
    if (!day.empty()) return false;
  }
  return exceptions.empty();
}

const absl::TimeZone& ParisTimeZone() {
  static const absl::TimeZone* tz = [] {
    auto* zone = new absl::TimeZone;
    if (!absl::LoadTimeZone("Europe/Paris", zone)) {
      // Misconfiguration (no tzdata): hours would be wrong half the year; say so loudly.
      LOG_ERROR("time zone Europe/Paris not found (install tzdata); using UTC+1");
      *zone = absl::FixedTimeZone(3600);
    }
    return zone;
  }();
  return *tz;
}

int ParseClockTime(const std::string& text, bool allow_24) {
  if (text.size() != 5 || text[2] != ':') return -1;
  for (int i : {0, 1, 3, 4}) {
    if (text[i] < '0' || text[i] > '9') return -1;
  }
  const int hours = (text[0] - '0') * 10 + (text[1] - '0');
  const int minutes = (text[3] - '0') * 10 + (text[4] - '0');
  if (minutes > 59) return -1;
  if (hours == 24 && minutes == 0 && allow_24) return 1440;
  if (hours > 23) return -1;
  return hours * 60 + minutes;
}

std::string FormatClockTime(int minutes) {
  return absl::StrFormat("%02d:%02d", minutes / 60, minutes % 60);
}

absl::StatusOr<OpeningHours> ParseOpeningHours(const shops::v1::OpeningHours& proto,
                                               const std::string& field) {
  common::Violations violations;
  OpeningHours hours;
  std::array<bool, 7> seen{};
  if (proto.weekly_size() > 7) violations.Add(field + ".weekly", "at most one entry per weekday");
  for (int i = 0; i < proto.weekly_size() && i < 7; ++i) {
    const std::string at = absl::StrCat(field, ".weekly[", i, "]");
    const int weekday = proto.weekly(i).weekday();
    if (weekday < 1 || weekday > 7) {
      violations.Add(at + ".weekday", "must be 1 (Monday) to 7 (Sunday)");
      continue;
    }
    if (seen[weekday - 1]) {
      violations.Add(at + ".weekday", "appears twice");
      continue;
    }
    seen[weekday - 1] = true;
    ParseRanges(proto.weekly(i).ranges(), at + ".ranges", violations, &hours.weekly[weekday - 1]);
  }
  if (proto.exceptions_size() > kMaxExceptions) {
    violations.Add(field + ".exceptions", absl::StrCat("at most ", kMaxExceptions, " exceptions"));
  }
  for (int i = 0; i < proto.exceptions_size() && i < kMaxExceptions; ++i) {
    const shops::v1::DateException& in = proto.exceptions(i);
    const std::string at = absl::StrCat(field, ".exceptions[", i, "]");
    DateException exception;
    bool dates_ok = true;
    if (!ParseDay(in.start_date(), &exception.first)) {
      violations.Add(at + ".start_date", "must be a date YYYY-MM-DD");
      dates_ok = false;
    }
    if (in.end_date().empty()) {
      exception.last = exception.first;
    } else if (!ParseDay(in.end_date(), &exception.last)) {
      violations.Add(at + ".end_date", "must be a date YYYY-MM-DD");
      dates_ok = false;
    }
    if (dates_ok && exception.last < exception.first) {
      violations.Add(at + ".end_date", "must not be before start_date");
    } else if (dates_ok && exception.last - exception.first >= kMaxExceptionDays) {
      violations.Add(at + ".end_date", absl::StrCat("at most ", kMaxExceptionDays, " days"));
    }
    exception.closed = in.closed();
    if (in.closed() && in.ranges_size() > 0) {
      violations.Add(at + ".ranges", "must be empty when closed");
    } else if (!in.closed() && in.ranges_size() == 0) {
      violations.Add(at + ".ranges", "give the hours of a special day, or set closed");
    }
    ParseRanges(in.ranges(), at + ".ranges", violations, &exception.ranges);
    const int label_length = common::PrintableLength(in.label());
    if (label_length < 0 || label_length > 80) {
      violations.Add(at + ".label", "must be text of at most 80 characters");
    }
    exception.label = in.label();
    hours.exceptions.push_back(std::move(exception));
  }
  RETURN_IF_ERROR(violations.ToStatus());
  return hours;
}

void ToProto(const OpeningHours& hours, shops::v1::OpeningHours* out) {
  out->Clear();
  for (int d = 0; d < 7; ++d) {
    if (hours.weekly[d].empty()) continue;
    shops::v1::DayHours* day = out->add_weekly();
    day->set_weekday(d + 1);
    for (const TimeRange& r : hours.weekly[d]) {
      shops::v1::TimeRange* range = day->add_ranges();
      range->set_open(FormatClockTime(r.open_minute));
      range->set_close(FormatClockTime(r.close_minute));
    }
  }
  for (const DateException& e : hours.exceptions) {
    shops::v1::DateException* exception = out->add_exceptions();
    exception->set_start_date(absl::FormatCivilTime(e.first));
    exception->set_end_date(absl::FormatCivilTime(e.last));
    exception->set_closed(e.closed);
    exception->set_label(e.label);
    for (const TimeRange& r : e.ranges) {
      shops::v1::TimeRange* range = exception->add_ranges();
      range->set_open(FormatClockTime(r.open_minute));
      range->set_close(FormatClockTime(r.close_minute));
    }
  }
}

std::optional<OpeningHours> OpeningHoursFromBytes(const std::string& serialized) {
  shops::v1::OpeningHours proto;
  if (!proto.ParseFromString(serialized)) return std::nullopt;
  absl::StatusOr<OpeningHours> hours = ParseOpeningHours(proto, "opening_hours");
  if (!hours.ok()) return std::nullopt;
  return *std::move(hours);
}

const DateException* ExceptionOn(const OpeningHours& hours, absl::CivilDay day) {
  const DateException* closure = nullptr;
  for (const DateException& e : hours.exceptions) {
    if (day < e.first || day > e.last) continue;
    if (!e.closed) return &e;
    if (closure == nullptr) closure = &e;
  }
  return closure;
}

const std::vector<TimeRange>& RangesOn(const OpeningHours& hours, absl::CivilDay day) {
  static const std::vector<TimeRange> kClosed;
  const DateException* exception = ExceptionOn(hours, day);
  if (exception == nullptr) return hours.weekly[WeekdayIndex(day)];
  return exception->closed ? kClosed : exception->ranges;
}

std::vector<OpenInterval> OpenIntervals(const OpeningHours& hours, absl::CivilDay first,
                                        absl::CivilDay last, const absl::TimeZone& tz) {
  std::vector<OpenInterval> intervals;
  for (absl::CivilDay day = first; day <= last; ++day) {
    for (const TimeRange& r : RangesOn(hours, day)) {
      const absl::CivilMinute midnight(day);
      const absl::CivilMinute open = midnight + r.open_minute;
      const absl::CivilMinute close =
          midnight + (r.CrossesMidnight() ? 1440 + r.close_minute : r.close_minute);
      OpenInterval interval{LocalMinuteToTime(open, tz, false), LocalMinuteToTime(close, tz, true)};
      if (interval.end > interval.start) intervals.push_back(interval);
    }
  }
  std::sort(intervals.begin(), intervals.end(),
            [](const OpenInterval& a, const OpenInterval& b) { return a.start < b.start; });
  std::vector<OpenInterval> merged;
  for (const OpenInterval& interval : intervals) {
    if (!merged.empty() && interval.start <= merged.back().end) {
      merged.back().end = std::max(merged.back().end, interval.end);
    } else {
      merged.push_back(interval);
    }
  }
  return merged;
}

namespace {

// Answers from the intervals around `at`, first over a week, then over about a year; an
// answer at or past the start of the window's last day could be cut short by the window, so
// it only counts from the larger one, and not at all past it.
template <typename Answer>
std::optional<absl::Time> Search(const OpeningHours& hours, absl::Time at, const absl::TimeZone& tz,
                                 Answer answer) {
  const absl::CivilDay today(tz.At(at).cs);
  for (int days : {8, 370}) {
    std::vector<OpenInterval> intervals = OpenIntervals(hours, today - 1, today + days, tz);
    const absl::Time horizon = absl::FromCivil(absl::CivilSecond(today + days), tz);
    std::optional<absl::Time> found = answer(intervals);
    if (found.has_value() && *found < horizon) return found;
  }
  return std::nullopt;
}

}  // namespace

bool IsOpenAt(const OpeningHours& hours, absl::Time at, const absl::TimeZone& tz) {
  const absl::CivilDay today(tz.At(at).cs);
  for (const OpenInterval& interval : OpenIntervals(hours, today - 1, today, tz)) {
    if (interval.start <= at && at < interval.end) return true;
  }
  return false;
}

std::optional<absl::Time> NextOpening(const OpeningHours& hours, absl::Time at,
                                      const absl::TimeZone& tz) {
  return Search(hours, at, tz, [at](const std::vector<OpenInterval>& intervals) {
    for (const OpenInterval& interval : intervals) {
      if (interval.start > at) return std::optional<absl::Time>(interval.start);
    }
    return std::optional<absl::Time>();
  });
}

std::optional<absl::Time> NextClosing(const OpeningHours& hours, absl::Time at,
                                      const absl::TimeZone& tz) {
  return Search(hours, at, tz, [at](const std::vector<OpenInterval>& intervals) {
    for (const OpenInterval& interval : intervals) {
      if (interval.end > at) return std::optional<absl::Time>(interval.end);
    }
    return std::optional<absl::Time>();
  });
}

}  // namespace comptoir::common
