#pragma once

// Pickup slots and the shop: a click-and-collect slot is offered only when it lies within the
// shop's opening hours of that day (exceptions included: closures, special hours) and the
// order can still be prepared before the slot starts. The hours themselves are evaluated by
// comptoir/common/opening_hours.h, as the shops service does. Pure functions; thread-safe.
//
//   if (!PickupFits(slot, hours, shop.preparation_minutes, now, zone).ok()) skip(slot);

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "comptoir/common/opening_hours.h"
#include "slot_calendar.h"

namespace comptoir::delivery {

// OK when the pickup slot fits within one open interval; FailedPrecondition with the reason
// (French) otherwise. Empty hours are taken as "not given" (every slot fits them), since a
// shop without hours could otherwise never be collected from.
absl::Status PickupFits(const Slot& slot, const common::OpeningHours& hours,
                        int preparation_minutes, absl::Time now, const absl::TimeZone& zone);

}  // namespace comptoir::delivery
