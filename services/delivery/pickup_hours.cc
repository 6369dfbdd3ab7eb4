#include "pickup_hours.h"

#include <string>

namespace comptoir::delivery {

absl::Status PickupFits(const Slot& slot, const common::OpeningHours& hours,
                        int preparation_minutes, absl::Time now, const absl::TimeZone& zone) {
  if (now + absl::Minutes(preparation_minutes) > slot.start) {
    return absl::FailedPreconditionError(
        "Trop tard pour ce créneau : la boutique a besoin du temps de préparer la commande.");
  }
  if (hours.empty()) return absl::OkStatus();
  // From the day before: a range past midnight covers the early hours of the slot's day.
  for (const common::OpenInterval& open :
       common::OpenIntervals(hours, slot.day - 1, slot.day, zone)) {
    if (open.start <= slot.start && slot.end <= open.end) return absl::OkStatus();
  }
  const common::DateException* exception = common::ExceptionOn(hours, slot.day);
  if (exception != nullptr && exception->closed) {
    return absl::FailedPreconditionError(
        exception->label.empty() ? std::string("La boutique est fermée ce jour-là.")
                                 : "La boutique est fermée ce jour-là (" + exception->label + ").");
  }
  return absl::FailedPreconditionError(
      "Ce créneau de retrait tombe en dehors des heures d'ouverture de la boutique.");
}

}  // namespace comptoir::delivery
