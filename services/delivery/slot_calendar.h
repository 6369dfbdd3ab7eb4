#pragma once

// Delivery and pickup slots: weekly templates in shop-local time (Europe/Paris), turned into
// dated slots with instants in UTC, order cut-offs and exceptional closures. Daylight saving
// is the time-zone database's job: a 09:00 slot is 09:00 on the wall clock all year.
// Pure values and functions; a SlotCalendar is immutable and safe to share between threads.
//
//   ASSIGN_OR_RETURN(SlotCalendar calendar, SlotCalendar::ForParis());
//   std::vector<Slot> next = calendar.Open(templates, closures, now, now + absl::Hours(24 * 7));

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace comptoir::delivery {

enum class SlotKind { kPickup, kDelivery };

// A recurring weekly slot, e.g. Tuesdays 17:00-19:00, 8 orders, orders until the day before
// at 18:00.
struct SlotTemplate {
  std::string id{};  // UUID; with the date it names a dated slot
  SlotKind kind = SlotKind::kDelivery;
  int weekday = 1;             // ISO: 1 = Monday ... 7 = Sunday
  int start_minute = 0;        // local time, minutes after midnight, [0, 1440)
  int end_minute = 0;          // local time, (start_minute, 1440]
  int capacity = 0;            // orders, [1, 1000]
  int cutoff_days_before = 0;  // [0, 14]: 1 = the day before
  int cutoff_minute = 0;       // local time that day, [0, 1440]
};

// Days (local, inclusive) when the shop takes no slot of the given kinds.
struct Closure {
  std::string id{};  // UUID once stored
  absl::CivilDay first{};
  absl::CivilDay last{};
  bool pickup = true;
  bool delivery = true;
  std::string reason{};  // shown to residents, e.g. "Congés annuels"
};

struct Slot {
  std::string template_id{};
  SlotKind kind = SlotKind::kDelivery;
  absl::CivilDay day{};  // local date
  absl::Time start{};    // UTC instant
  absl::Time end{};
  absl::Time cutoff{};  // orders must be placed strictly before
  int capacity = 0;

  // Stable name of the dated slot, used for booking: "<template_id>/<YYYY-MM-DD>".
  std::string Id() const;
};

// Splits a slot id into its template id and local day; InvalidArgument when malformed.
absl::Status ParseSlotId(const std::string& slot_id, std::string* template_id, absl::CivilDay* day);

// Every field of every template checked, with field paths "slot_templates[i].field";
// overlapping templates of the same kind and weekday are refused too.
absl::Status ValidateTemplates(const std::vector<SlotTemplate>& templates);
// One closure as a shop member gives it, on local day `today`: it must not end in the past,
// start within kMaxClosureLeadDays, last at most kMaxClosureDays, close at least one kind;
// field paths "<field>.first_date" ...
inline constexpr int kMaxClosureDays = 366;
inline constexpr int kMaxClosureLeadDays = 731;
absl::Status ValidateClosure(const Closure& closure, absl::CivilDay today,
                             const std::string& field);

class SlotCalendar {
 public:
  // Loads Europe/Paris from the system's tzdata; Internal if it is missing (install tzdata).
  static absl::StatusOr<SlotCalendar> ForParis();
  explicit SlotCalendar(absl::TimeZone zone) : zone_(zone) {}

  const absl::TimeZone& zone() const { return zone_; }

  // The dated slot of `tmpl` on local day `day` (any weekday: callers pick the right days).
  Slot At(const SlotTemplate& tmpl, absl::CivilDay day) const;

  // Slots starting in [from, to) that are not closed and can still be ordered at `now`
  // (now < cutoff), sorted by start then template id. At most `limit` slots.
  std::vector<Slot> Open(const std::vector<SlotTemplate>& templates,
                         const std::vector<Closure>& closures, absl::Time now, absl::Time from,
                         absl::Time to, size_t limit = 500) const;

  // Whether the dated slot exists (template weekday matches, not closed) and is still
  // bookable at `now`: FailedPrecondition with a French message otherwise.
  absl::StatusOr<Slot> Bookable(const SlotTemplate& tmpl, absl::CivilDay day,
                                const std::vector<Closure>& closures, absl::Time now) const;

 private:
  absl::Time Local(absl::CivilDay day, int minute) const;

  absl::TimeZone zone_;
};

// ISO weekday of a civil day: 1 = Monday ... 7 = Sunday.
int IsoWeekday(absl::CivilDay day);

// "YYYY-MM-DD": the one spelling of a local day, on the wire and in SQL.
std::string IsoDate(absl::CivilDay day);
// Parses exactly "YYYY-MM-DD"; false otherwise.
bool ParseIsoDate(const std::string& text, absl::CivilDay* day);

}  // namespace comptoir::delivery
