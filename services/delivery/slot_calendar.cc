#include "slot_calendar.h"

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "comptoir/common/status.h"
#include "comptoir/common/utf8.h"

namespace comptoir::delivery {
namespace {

bool Closed(const std::vector<Closure>& closures, SlotKind kind, absl::CivilDay day) {
  for (const Closure& c : closures) {
    const bool applies = kind == SlotKind::kPickup ? c.pickup : c.delivery;
    if (applies && c.first <= day && day <= c.last) return true;
  }
  return false;
}

}  // namespace

int IsoWeekday(absl::CivilDay day) {
  switch (absl::GetWeekday(day)) {
    case absl::Weekday::monday:
      return 1;
    case absl::Weekday::tuesday:
      return 2;
    case absl::Weekday::wednesday:
      return 3;
    case absl::Weekday::thursday:
      return 4;
    case absl::Weekday::friday:
      return 5;
    case absl::Weekday::saturday:
      return 6;
    case absl::Weekday::sunday:
      return 7;
  }
  return 1;
}

std::string Slot::Id() const {
  return absl::StrFormat("%s/%04d-%02d-%02d", template_id, day.year(), day.month(), day.day());
}

absl::Status ParseSlotId(const std::string& slot_id, std::string* template_id,
                         absl::CivilDay* day) {
  const size_t slash = slot_id.rfind('/');
  if (slash == std::string::npos || slash == 0 || slot_id.size() - slash != 11) {
    return absl::InvalidArgumentError("slot id must be <template>/<YYYY-MM-DD>");
  }
  int y = 0, m = 0, d = 0;
  const std::string date = slot_id.substr(slash + 1);
  if (date[4] != '-' || date[7] != '-' || !absl::SimpleAtoi(date.substr(0, 4), &y) ||
      !absl::SimpleAtoi(date.substr(5, 2), &m) || !absl::SimpleAtoi(date.substr(8, 2), &d)) {
    return absl::InvalidArgumentError("slot id must be <template>/<YYYY-MM-DD>");
  }
  const absl::CivilDay parsed(y, m, d);
  // CivilDay normalises 2026-02-30 to March: refuse dates that moved.
  if (parsed.year() != y || parsed.month() != m || parsed.day() != d) {
    return absl::InvalidArgumentError("slot id names a date that does not exist");
  }
  *template_id = slot_id.substr(0, slash);
  *day = parsed;
  return absl::OkStatus();
}

absl::Status ValidateTemplates(const std::vector<SlotTemplate>& templates) {
  common::Violations v;
  constexpr size_t kMaxTemplates = 200;
  if (templates.size() > kMaxTemplates) {
    v.Add("slot_templates", absl::StrCat("at most ", kMaxTemplates, " templates"));
  }
  for (size_t i = 0; i < templates.size() && i < kMaxTemplates; ++i) {
    const SlotTemplate& t = templates[i];
    const std::string at = absl::StrCat("slot_templates[", i, "].");
    if (t.weekday < 1 || t.weekday > 7) v.Add(at + "weekday", "must be 1 (Monday) to 7 (Sunday)");
    if (t.start_minute < 0 || t.start_minute >= 1440) {
      v.Add(at + "start_minute", "must be in [0, 1440)");
    }
    if (t.end_minute <= t.start_minute || t.end_minute > 1440) {
      v.Add(at + "end_minute", "must be after start_minute and at most 1440");
    }
    if (t.capacity < 1 || t.capacity > 1000) v.Add(at + "capacity", "must be in [1, 1000]");
    if (t.cutoff_days_before < 0 || t.cutoff_days_before > 14) {
      v.Add(at + "cutoff_days_before", "must be in [0, 14]");
    }
    if (t.cutoff_minute < 0 || t.cutoff_minute > 1440) {
      v.Add(at + "cutoff_minute", "must be in [0, 1440]");
    } else if (t.cutoff_days_before == 0 && t.cutoff_minute > t.start_minute) {
      v.Add(at + "cutoff_minute", "a same-day cut-off must not be after the slot starts");
    }
    for (size_t j = 0; j < i; ++j) {
      const SlotTemplate& o = templates[j];
      if (o.kind == t.kind && o.weekday == t.weekday && t.start_minute < o.end_minute &&
          o.start_minute < t.end_minute) {
        v.Add(at + "start_minute", absl::StrCat("overlaps slot_templates[", j, "]"));
      }
      if (!t.id.empty() && o.id == t.id) v.Add(at + "id", "is repeated");
    }
  }
  return v.ToStatus();
}

absl::Status ValidateClosure(const Closure& closure, absl::CivilDay today,
                             const std::string& field) {
  common::Violations v;
  if (closure.last < closure.first) {
    v.Add(field + ".last_date", "must not be before first_date");
  } else if (closure.last - closure.first >= kMaxClosureDays) {
    v.Add(field + ".last_date", absl::StrCat("a closure lasts at most ", kMaxClosureDays, " days"));
  }
  if (closure.first < today) v.Add(field + ".first_date", "must not be in the past");
  if (closure.first - today > kMaxClosureLeadDays) {
    v.Add(field + ".first_date", "must be within two years");
  }
  if (!closure.pickup && !closure.delivery) {
    v.Add(field + ".pickup", "close pickup, delivery or both");
  }
  const int reason_length = common::PrintableLength(closure.reason);
  if (reason_length < 0 || reason_length > 200) {
    v.Add(field + ".reason", "must be text of at most 200 characters");
  }
  return v.ToStatus();
}

absl::StatusOr<SlotCalendar> SlotCalendar::ForParis() {
  absl::TimeZone zone;
  if (!absl::LoadTimeZone("Europe/Paris", &zone)) {
    return absl::InternalError("time zone Europe/Paris not found: install the tzdata package");
  }
  return SlotCalendar(zone);
}

absl::Time SlotCalendar::Local(absl::CivilDay day, int minute) const {
  // A wall-clock time skipped by the spring change (02:xx on the last Sunday of March) maps
  // to the instant it would have been with winter offset, i.e. 03:xx summer time; a repeated
  // one (autumn) to its first occurrence.
  // (absl::FromCivil picks the pre-transition offset in both cases.)
  return absl::FromCivil(absl::CivilMinute(day) + minute, zone_);
}

Slot SlotCalendar::At(const SlotTemplate& tmpl, absl::CivilDay day) const {
  return Slot{.template_id = tmpl.id,
              .kind = tmpl.kind,
              .day = day,
              .start = Local(day, tmpl.start_minute),
              .end = Local(day, tmpl.end_minute),
              .cutoff = Local(day - tmpl.cutoff_days_before, tmpl.cutoff_minute),
              .capacity = tmpl.capacity};
}

std::vector<Slot> SlotCalendar::Open(const std::vector<SlotTemplate>& templates,
                                     const std::vector<Closure>& closures, absl::Time now,
                                     absl::Time from, absl::Time to, size_t limit) const {
  std::vector<Slot> slots;
  if (to <= from) return slots;
  // Local days covering [from, to), one day of margin for offsets.
  const absl::CivilDay first = absl::ToCivilDay(from, zone_) - 1;
  const absl::CivilDay last = absl::ToCivilDay(to, zone_) + 1;
  constexpr int kMaxDays = 120;
  for (absl::CivilDay day = first; day <= last && day - first <= kMaxDays; ++day) {
    const int weekday = IsoWeekday(day);
    for (const SlotTemplate& t : templates) {
      if (t.weekday != weekday || Closed(closures, t.kind, day)) continue;
      Slot slot = At(t, day);
      if (slot.start < from || slot.start >= to || now >= slot.cutoff) continue;
      slots.push_back(std::move(slot));
    }
  }
  std::sort(slots.begin(), slots.end(), [](const Slot& a, const Slot& b) {
    return a.start != b.start ? a.start < b.start : a.template_id < b.template_id;
  });
  if (slots.size() > limit) slots.resize(limit);
  return slots;
}

absl::StatusOr<Slot> SlotCalendar::Bookable(const SlotTemplate& tmpl, absl::CivilDay day,
                                            const std::vector<Closure>& closures,
                                            absl::Time now) const {
  if (IsoWeekday(day) != tmpl.weekday) {
    return absl::FailedPreconditionError("Ce créneau n'existe pas ce jour-là.");
  }
  if (Closed(closures, tmpl.kind, day)) {
    return absl::FailedPreconditionError("La boutique est fermée ce jour-là.");
  }
  Slot slot = At(tmpl, day);
  if (now >= slot.cutoff) {
    return absl::FailedPreconditionError(
        "Ce créneau n'est plus réservable : l'heure limite de commande est passée.");
  }
  return slot;
}

std::string IsoDate(absl::CivilDay day) {
  return absl::StrFormat("%04d-%02d-%02d", day.year(), day.month(), day.day());
}

bool ParseIsoDate(const std::string& text, absl::CivilDay* day) {
  // The round trip refuses what a lenient parse would normalise (2026-02-30 into March).
  return text.size() == 10 &&
         absl::ParseCivilTime(absl::string_view(text.data(), text.size()), day) &&
         IsoDate(*day) == text;
}

}  // namespace comptoir::delivery
