#pragma once

// Storage of slot templates and slot bookings. Booking is atomic and idempotent by order id,
// and never exceeds a dated slot's capacity whatever the concurrency. Implementations are
// thread-safe.

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <utility>
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

// A booking an order holds, as a closure reports it.
struct HeldBooking {
  std::string order_id{};
  std::string template_id{};
  SlotKind kind = SlotKind::kDelivery;
  absl::CivilDay day{};
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
  // slot is full. FailedPrecondition: the day is closed to the slot's kind, the order holds
  // another slot, or its booking was released (a late retry must not take a place again).
  // A booking and a closure of its day never both succeed unseen: AddClosure waits for
  // bookings in flight, and a booking after it sees the closure.
  virtual absl::StatusOr<BookingOutcome> Book(const BookingRequest& request, Deadline deadline) = 0;
  // The slot id ("<template>/<YYYY-MM-DD>") the order holds, if it holds one.
  virtual absl::StatusOr<std::optional<std::string>> HeldSlot(const std::string& order_id,
                                                              Deadline deadline) = 0;
  // Gives the order's place back. True when a place was freed now; false when there was
  // nothing to release (never booked, or already released): releasing is idempotent.
  virtual absl::StatusOr<bool> Release(const std::string& order_id, Deadline deadline) = 0;

  // The shop's closures that end on or after `from`, soonest first.
  virtual absl::StatusOr<std::vector<Closure>> ListClosures(const std::string& shop_id,
                                                            absl::CivilDay from,
                                                            Deadline deadline) = 0;
  // Stores a closure (id assigned) with the bookings then held on its days and kinds (at most
  // `max_affected`). ResourceExhausted when the shop already has `max_open` closures ending
  // on or after `today`.
  virtual absl::StatusOr<std::pair<Closure, std::vector<HeldBooking>>> AddClosure(
      const std::string& shop_id, const Closure& closure, absl::CivilDay today, int max_open,
      int max_affected, Deadline deadline) = 0;
  // NotFound when the shop has no such closure.
  virtual absl::Status DeleteClosure(const std::string& shop_id, const std::string& closure_id,
                                     Deadline deadline) = 0;

  // Places taken, by slot id ("<template>/<YYYY-MM-DD>"), for slots of these templates
  // between two local days inclusive. Slots never booked are absent (0).
  virtual absl::StatusOr<std::map<std::string, int>> Booked(
      const std::vector<std::string>& template_ids, absl::CivilDay first, absl::CivilDay last,
      Deadline deadline) = 0;
};

}  // namespace comptoir::delivery
