#pragma once

// SlotRepository on PostgreSQL (schema `delivery`, see migrations/). Capacity is enforced by a
// conditional UPDATE on the dated slot's counter row (booked < capacity), which row-locks it:
// concurrent bookings of one slot queue on that row and the check is re-evaluated on the
// committed value. Closures and bookings of a shop meet on a transaction-level advisory lock
// (shared for bookings, exclusive for a new closure), so a closure's report of the bookings
// on its days misses none. Thread-safe (the pool is).

#include <string>
#include <vector>

#include "comptoir/common/embedded_file.h"
#include "comptoir/common/pg_pool.h"
#include "slot_repository.h"

namespace comptoir::delivery {

// The schema migrations of `delivery` (migrations/*.sql, embedded at build time).
std::vector<common::EmbeddedFile> Migrations();

class PgSlotRepository final : public SlotRepository {
 public:
  explicit PgSlotRepository(common::PgPool& pool) : pool_(pool) {}

  // The named statements this repository runs; give them to the pool.
  static std::vector<common::PreparedStatement> Statements();

  absl::StatusOr<std::vector<SlotTemplate>> ReplaceTemplates(
      const std::string& shop_id, const std::vector<SlotTemplate>& templates,
      Deadline deadline) override;
  absl::StatusOr<std::vector<SlotTemplate>> ListTemplates(const std::string& shop_id,
                                                          Deadline deadline) override;
  absl::StatusOr<SlotTemplate> GetTemplate(const std::string& shop_id,
                                           const std::string& template_id,
                                           Deadline deadline) override;
  absl::StatusOr<BookingOutcome> Book(const BookingRequest& request, Deadline deadline) override;
  absl::StatusOr<std::optional<std::string>> HeldSlot(const std::string& order_id,
                                                      Deadline deadline) override;
  absl::StatusOr<bool> Release(const std::string& order_id, Deadline deadline) override;
  absl::StatusOr<std::vector<Closure>> ListClosures(const std::string& shop_id, absl::CivilDay from,
                                                    Deadline deadline) override;
  absl::StatusOr<std::pair<Closure, std::vector<HeldBooking>>> AddClosure(
      const std::string& shop_id, const Closure& closure, absl::CivilDay today, int max_open,
      int max_affected, Deadline deadline) override;
  absl::Status DeleteClosure(const std::string& shop_id, const std::string& closure_id,
                             Deadline deadline) override;
  absl::StatusOr<std::map<std::string, int>> Booked(const std::vector<std::string>& template_ids,
                                                    absl::CivilDay first, absl::CivilDay last,
                                                    Deadline deadline) override;

 private:
  common::PgPool& pool_;
};

}  // namespace comptoir::delivery
