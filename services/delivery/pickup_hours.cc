#include "pickup_hours.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"

namespace comptoir::delivery {
namespace {

// "HH:MM" -> minutes after midnight; -1 when malformed (the shops service validated it).
int Minutes(const std::string& hhmm) {
  int h = 0;
  int m = 0;
  if (hhmm.size() != 5 || hhmm[2] != ':' ||
      !absl::SimpleAtoi(absl::string_view(hhmm.data(), 2), &h) ||
      !absl::SimpleAtoi(absl::string_view(hhmm.data() + 3, 2), &m)) {
    return -1;
  }
  return h * 60 + m;
}

// The opening ranges of a local day, as [open, close) minutes; a range past midnight ends at
// 24:00 for that day (a slot never crosses midnight).
absl::StatusOr<std::vector<std::pair<int, int>>> RangesOf(const shops::v1::OpeningHours& hours,
                                                          absl::CivilDay day) {
  const std::string date = IsoDate(day);  // ISO dates compare as strings
  const google::protobuf::RepeatedPtrField<shops::v1::TimeRange>* ranges = nullptr;
  for (const shops::v1::DateException& e : hours.exceptions()) {
    const std::string& last = e.end_date().empty() ? e.start_date() : e.end_date();
    if (e.start_date() <= date && date <= last) {
      if (e.closed()) {
        return absl::FailedPreconditionError(
            e.label().empty() ? std::string("La boutique est fermée ce jour-là.")
                              : "La boutique est fermée ce jour-là (" + e.label() + ").");
      }
      ranges = &e.ranges();
      break;
    }
  }
  if (ranges == nullptr) {
    for (const shops::v1::DayHours& d : hours.weekly()) {
      if (d.weekday() == IsoWeekday(day)) ranges = &d.ranges();
    }
  }
  std::vector<std::pair<int, int>> out;
  if (ranges != nullptr) {
    for (const shops::v1::TimeRange& r : *ranges) {
      const int open = Minutes(r.open());
      int close = Minutes(r.close());
      if (open < 0 || close < 0) continue;
      if (close <= open) close = 1440;
      out.emplace_back(open, close);
    }
  }
  return out;
}

}  // namespace

absl::Status PickupFits(const Slot& slot, const shops::v1::OpeningHours& hours,
                        int preparation_minutes, absl::Time now, const absl::TimeZone& zone) {
  if (now + absl::Minutes(preparation_minutes) > slot.start) {
    return absl::FailedPreconditionError(
        "Trop tard pour ce créneau : la boutique a besoin du temps de préparer la commande.");
  }
  if (hours.weekly().empty() && hours.exceptions().empty()) return absl::OkStatus();
  absl::StatusOr<std::vector<std::pair<int, int>>> ranges = RangesOf(hours, slot.day);
  if (!ranges.ok()) return ranges.status();
  const absl::CivilMinute start = absl::ToCivilMinute(slot.start, zone);
  const int from = static_cast<int>(start - absl::CivilMinute(slot.day));
  const int to = from + static_cast<int>(absl::ToInt64Minutes(slot.end - slot.start));
  for (const auto& [open, close] : *ranges) {
    if (open <= from && to <= close) return absl::OkStatus();
  }
  return absl::FailedPreconditionError(
      "Ce créneau de retrait tombe en dehors des heures d'ouverture de la boutique.");
}

}  // namespace comptoir::delivery
