#pragma once

// Storage of slot templates and slot bookings. Booking is atomic and idempotent by order id,
// and never exceeds a dated slot's capacity whatever the concurrency. Implementations are
// thread-safe.

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "slot_calendar.h"

namespace comptoir::delivery {

using Deadline = std::chrono::steady_clock::time_point;

struct BookingRequest {
  std::string order_id{};     // UUID: the idempotency key
  std::string shop_id{};      // UUID
  std::string template_id{};  // UUID of an active template of that shop
  absl::CivilDay day{};       // local date of the slot
};

enum class BookingOutcome {
  kBooked,         // this call took a place
  kAlreadyBooked,  // the order already held this slot: nothing changed
};

class SlotRepository {
 public:
  virtual ~SlotRepository() = default;

  // Retires the shop's active templates and stores these (ids assigned and returned).
  virtual absl::StatusOr<std::vector<SlotTemplate>> ReplaceTemplates(
      const std::string& shop_id, const std::vector<SlotTemplate>& templates,
      Deadline deadline) = 0;
  virtual absl::StatusOr<std::vector<SlotTemplate>> ListTemplates(const std::string& shop_id,
                                                                  Deadline deadline) = 0;
  // One active template of the shop; NotFound otherwise.
  virtual absl::StatusOr<SlotTemplate> GetTemplate(const std::string& shop_id,
                                                   const std::string& template_id,
                                                   Deadline deadline) = 0;

  // Takes one place. NotFound: no such active template in the shop. ResourceExhausted: the
  // slot is full. FailedPrecondition: the order holds another slot, or its booking was
  // released (a late retry must not take a place again).
  virtual absl::StatusOr<BookingOutcome> Book(const BookingRequest& request, Deadline deadline) = 0;
  // The slot id ("<template>/<YYYY-MM-DD>") the order holds, if it holds one.
  virtual absl::StatusOr<std::optional<std::string>> HeldSlot(const std::string& order_id,
                                                              Deadline deadline) = 0;
  // Gives the order's place back. True when a place was freed now; false when there was
  // nothing to release (never booked, or already released): releasing is idempotent.
  virtual absl::StatusOr<bool> Release(const std::string& order_id, Deadline deadline) = 0;

  // Places taken, by slot id ("<template>/<YYYY-MM-DD>"), for slots of these templates
  // between two local days inclusive. Slots never booked are absent (0).
  virtual absl::StatusOr<std::map<std::string, int>> Booked(
      const std::vector<std::string>& template_ids, absl::CivilDay first, absl::CivilDay last,
      Deadline deadline) = 0;
};

}  // namespace comptoir::delivery
