#pragma once

// Storage of delivery jobs (one per order delivered, made from the orders' events), of the
// rounds planned over them and of their stops, whose status changes write a StopEvent to the
// outbox in the same transaction. Implementations are thread-safe.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "comptoir/common/outbox.h"
#include "routing/travel_model.h"

namespace comptoir::delivery {

using Deadline = std::chrono::steady_clock::time_point;

struct HandOverLine {
  std::string name{};
  int quantity = 0;
  std::string sale_unit{};
};

struct Job {
  std::string order_id{};
  std::string order_number{};
  std::string shop_id{};
  std::string status{};  // pending, planned, picked_up, delivered, failed, cancelled
  absl::CivilDay day{};  // local day of the slot
  absl::Time window_start{};
  absl::Time window_end{};
  routing::GeoPoint point{};
  std::string address{};
  std::string postal_code{};
  std::string commune_insee{};
  std::string commune_name{};
  std::string customer_user_id{};  // who ordered; empty for jobs older than the column
  std::string customer_name{};
  std::string customer_phone{};
  std::vector<HandOverLine> lines{};
};

enum class StopStatus { kPlanned, kPickedUp, kDelivered, kFailed, kCancelled };

const char* StopStatusName(StopStatus status);  // "planned", "picked_up", ...

struct StopRecord {
  std::string id{};
  std::string round_id{};
  int position = 0;  // 1-based
  absl::Time eta{};
  StopStatus status = StopStatus::kPlanned;
  std::string reason{};
  Job job{};
};

struct RoundRecord {
  std::string id{};
  absl::CivilDay day{};
  std::string depot_shop_id{};
  std::string depot_name{};
  routing::GeoPoint depot{};
  std::string courier_user_id{};
  absl::Time departure{};
  absl::Time return_time{};
  int64_t distance_metres = 0;
  std::vector<StopRecord> stops{};  // by position
};

// A round to store: stops name jobs by order id, in driving order.
struct NewRound {
  std::string courier_user_id{};
  absl::Time departure{};
  absl::Time return_time{};
  int64_t distance_metres = 0;
  std::vector<std::pair<std::string, absl::Time>> stops{};  // (order id, eta)
};

// What delivery holds on one person, for "export my data".
struct PersonalData {
  std::vector<Job> deliveries{};      // as a customer, newest first
  std::vector<RoundRecord> rounds{};  // as a courier, newest first; stops not loaded
};

class RoundRepository {
 public:
  virtual ~RoundRepository() = default;

  // Jobs of the shop on that local day still to plan (status pending), by window start.
  virtual absl::StatusOr<std::vector<Job>> JobsToPlan(const std::string& shop_id,
                                                      absl::CivilDay day, Deadline deadline) = 0;
  // Rounds of the depot shop on that day that no courier has started (every stop still
  // planned or cancelled), with their stops: a new planning of the day replaces them.
  virtual absl::StatusOr<std::vector<RoundRecord>> UnstartedRounds(const std::string& shop_id,
                                                                   absl::CivilDay day,
                                                                   Deadline deadline) = 0;
  // Removes the `replaced` rounds (their planned jobs go back to pending), then stores the
  // new rounds and moves their jobs to `planned`, all or nothing. Aborted when a replaced
  // round was started or replaced meanwhile, or a job is no longer pending (cancelled, or
  // planned by a concurrent request): plan again.
  virtual absl::StatusOr<std::vector<RoundRecord>> SaveRounds(
      const std::string& depot_shop_id, absl::CivilDay day, routing::GeoPoint depot,
      const std::string& planned_by, const std::vector<std::string>& replaced,
      const std::vector<NewRound>& rounds, Deadline deadline) = 0;
  // NotFound when there is no such round.
  virtual absl::StatusOr<RoundRecord> GetRound(const std::string& round_id, Deadline deadline) = 0;
  virtual absl::StatusOr<std::vector<RoundRecord>> RoundsOfCourier(
      const std::string& courier_user_id, absl::CivilDay day, Deadline deadline) = 0;
  // The stop and its round's courier. NotFound when there is no such stop.
  virtual absl::StatusOr<std::pair<StopRecord, std::string>> GetStop(const std::string& stop_id,
                                                                     Deadline deadline) = 0;
  // At most 1000 deliveries and 1000 rounds.
  virtual absl::StatusOr<PersonalData> PersonalDataOf(const std::string& user_id,
                                                      Deadline deadline) = 0;
  // Removes the customer's name, phone and street address from their jobs; the jobs stay
  // (commune, window, status) for the records. Idempotent.
  virtual absl::Status AnonymiseCustomer(const std::string& user_id, Deadline deadline) = 0;
  // Moves the stop (and its job) from `from` to `to` with `reason`, and records `events` in
  // the outbox, in one transaction. Aborted when the stop is no longer in `from`.
  virtual absl::StatusOr<StopRecord> TransitionStop(const std::string& stop_id, StopStatus from,
                                                    StopStatus to, const std::string& reason,
                                                    const std::vector<common::OutboxEvent>& events,
                                                    Deadline deadline) = 0;
};

}  // namespace comptoir::delivery
