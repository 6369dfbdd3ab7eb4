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
#include "comptoir/common/opening_hours.h"
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

// A closure as stored, with the bookings it leaves on its days for the shop to handle.
struct ClosureCreated {
  Closure closure{};
  std::vector<HeldBooking> affected{};
};

class SlotService {
 public:
  static constexpr int kMaxClosures = 100;           // not yet ended, per shop
  static constexpr int kMaxReportedBookings = 1000;  // in one closure's report

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
  // Public: the shop's closures not ended yet (shop-local today), soonest first.
  absl::StatusOr<std::vector<Closure>> ListClosures(const std::string& shop_id, Deadline deadline);
  // Shop members (and admins) only. Bookings already held on the closed days and kinds stay
  // and are reported; listing and booking skip those days from now on.
  absl::StatusOr<ClosureCreated> CreateClosure(const common::Caller& caller,
                                               const std::string& shop_id, const Closure& closure,
                                               Deadline deadline);
  absl::Status DeleteClosure(const common::Caller& caller, const std::string& shop_id,
                             const std::string& closure_id, Deadline deadline);

  // Internal (the caller has checked the internal credential). Idempotent by order id.
  // FailedPrecondition (in French) when the slot's day is closed or its cut-off has passed,
  // ResourceExhausted when full.
  absl::StatusOr<BookingResult> BookSlot(const std::string& order_id, const std::string& shop_id,
                                         const std::string& slot_id, Deadline deadline);
  absl::StatusOr<bool> ReleaseSlot(const std::string& order_id, Deadline deadline);

 private:
  struct PickupRules {
    common::OpeningHours hours{};
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
