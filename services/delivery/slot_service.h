#pragma once

// Slot management and booking, independent of transport and storage: shop members replace
// their weekly templates, residents list the slots still open with places left, and the
// orders service (through DeliveryInternal) books and releases a slot per order. Times come
// from an injected clock. Thread-safe when the repository is.

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "comptoir/common/auth.h"
#include "comptoir/common/ids.h"
#include "comptoir/shops/v1/hours.pb.h"
#include "slot_calendar.h"
#include "slot_repository.h"
#include "zone_repository.h"

namespace comptoir::delivery {

struct SlotAvailability {
  Slot slot{};
  int remaining = 0;  // places left; 0 = full ("complet")
};

struct BookingResult {
  Slot slot{};
  BookingOutcome outcome = BookingOutcome::kBooked;
};

class SlotService {
 public:
  // With `shops`, pickup slots also respect each shop's opening hours and preparation time
  // (see pickup_hours.h); without, templates alone decide.
  SlotService(
      SlotRepository& repository, SlotCalendar calendar,
      std::function<absl::Time()> now = [] { return absl::Now(); }, ShopDirectory* shops = nullptr)
      : repository_(repository),
        calendar_(std::move(calendar)),
        now_(std::move(now)),
        shops_(shops) {}

  // Shop members (and admins) only; validates every field first.
  absl::StatusOr<std::vector<SlotTemplate>> ReplaceTemplates(
      const common::Caller& caller, const std::string& shop_id,
      const std::vector<SlotTemplate>& templates, Deadline deadline);
  // Public: templates are what the shop shows anyway.
  absl::StatusOr<std::vector<SlotTemplate>> ListTemplates(const std::string& shop_id,
                                                          Deadline deadline);
  // Public: slots starting within [from, from + days) still orderable now, with places left
  // (full slots included with remaining 0). `days` in [1, 31].
  absl::StatusOr<std::vector<SlotAvailability>> ListSlots(const std::string& shop_id,
                                                          std::optional<SlotKind> kind,
                                                          absl::Time from, int days,
                                                          Deadline deadline);
  // Internal (the caller has checked the internal credential). Idempotent by order id.
  // FailedPrecondition (in French) when the slot is closed or its cut-off has passed,
  // ResourceExhausted when full.
  absl::StatusOr<BookingResult> BookSlot(const std::string& order_id, const std::string& shop_id,
                                         const std::string& slot_id, Deadline deadline);
  absl::StatusOr<bool> ReleaseSlot(const std::string& order_id, Deadline deadline);

 private:
 private:
  struct PickupRules {
    shops::v1::OpeningHours hours{};
    int preparation_minutes = 0;
  };
  // The shop's hours and preparation time; nullopt without a directory or before the shop's
  // first event (templates alone decide then).
  absl::StatusOr<std::optional<PickupRules>> LoadPickupRules(const std::string& shop_id,
                                                             Deadline deadline);

  SlotRepository& repository_;
  const SlotCalendar calendar_;
  const std::function<absl::Time()> now_;
  ShopDirectory* const shops_;
};

using common::LooksLikeUuid;  // comptoir/common/ids.h

}  // namespace comptoir::delivery
