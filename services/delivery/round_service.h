#pragma once

// Rounds, independent of transport and storage: planning a day's rounds from a depot over the
// jobs made from orders (RoundPlanner), reading a round and its road sheet, a courier's own
// rounds, and the stop updates (picked up / delivered / failed) that become StopEvents for
// the orders service. Authorization lives here. Thread-safe when its collaborators are.
//
//   ASSIGN_OR_RETURN(RoundsPlanned planned, rounds.Plan(caller, input, deadline));

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "comptoir/common/auth.h"
#include "courier_directory.h"
#include "round_planner.h"
#include "round_repository.h"
#include "zone_repository.h"

namespace comptoir::delivery {

struct PlanRoundsInput {
  std::string date{};  // "YYYY-MM-DD", local day
  std::string depot_shop{};
  std::optional<routing::GeoPoint> hub{};
  std::vector<CourierVehicle> couriers{};  // courier_id = the courier's user id
  int time_budget_ms = 0;                  // [0, 2000]; 0 = 1000
};

struct UnplannedJob {
  std::string order_id{};
  std::string order_number{};
  std::string reason{};
};

struct RoundsPlanned {
  std::vector<RoundRecord> rounds{};
  std::vector<UnplannedJob> unassigned{};
  std::vector<std::string> replaced_round_ids{};  // earlier rounds of the day, not started
};

struct RoadSheetDocument {
  std::string content_type{};
  std::string filename{};
  std::string content{};
};

enum class StopAction { kPickUp, kComplete, kFail };

// The status a stop moves to, nullopt when it is already there (a retry: nothing to do), or
// FailedPrecondition (French) when the action no longer applies.
absl::StatusOr<std::optional<StopStatus>> NextStopStatus(StopStatus current, StopAction action);

class RoundService {
 public:
  static constexpr int kMaxCouriers = 50;
  static constexpr int kMaxBudgetMs = 2000;

  // With `couriers`, a planning assigns only accounts that hold the courier role; without
  // (no accounts service configured), the ids given are trusted.
  RoundService(
      RoundRepository& rounds, ZoneRepository& shops, const routing::TravelModel& travel,
      absl::TimeZone zone, std::function<absl::Time()> now = [] { return absl::Now(); },
      CourierDirectory* couriers = nullptr)
      : rounds_(rounds),
        shops_(shops),
        planner_(travel),
        zone_(zone),
        now_(std::move(now)),
        couriers_(couriers) {}

  // Members of the depot shop and region admins; a courier who is not a member cannot plan.
  // Every courier given must be a courier account (field violations name the others).
  // Planning a day again replaces its rounds not started yet (no stop picked up, delivered or
  // failed) and keeps the started ones with their jobs.
  absl::StatusOr<RoundsPlanned> Plan(const common::Caller& caller, const PlanRoundsInput& input,
                                     Deadline deadline);
  // The round's courier, the depot shop's members, region admins.
  absl::StatusOr<RoundRecord> GetRound(const common::Caller& caller, const std::string& round_id,
                                       Deadline deadline);
  // Role courier: the caller's own rounds of the day ("" = today, local).
  absl::StatusOr<std::vector<RoundRecord>> MyRounds(const common::Caller& caller,
                                                    const std::string& date, Deadline deadline);
  // format "html" (default) or "csv"; same readers as GetRound.
  absl::StatusOr<RoadSheetDocument> RoadSheet(const common::Caller& caller,
                                              const std::string& round_id,
                                              const std::string& format, Deadline deadline);
  // The round's courier or a region admin. Idempotent; each change writes one StopEvent.
  absl::StatusOr<StopRecord> UpdateStop(const common::Caller& caller, const std::string& stop_id,
                                        StopAction action, const std::string& reason,
                                        Deadline deadline);

  // Internal (accounts, for "export my data"; the caller checked the internal credential): the
  // deliveries made to the user and the rounds they drove.
  absl::StatusOr<PersonalData> ExportAccountData(const std::string& user_id, Deadline deadline);
  // Internal (accounts, for "erase my account"): the user's name, phone and address leave
  // their delivery jobs; rounds keep the courier's id, which no longer names anyone once the
  // account is erased. Idempotent.
  absl::Status EraseAccountData(const std::string& user_id, Deadline deadline);

 private:
  absl::Status CanRead(const common::Caller& caller, const RoundRecord& round) const;

  RoundRepository& rounds_;
  ZoneRepository& shops_;
  RoundPlanner planner_;
  absl::TimeZone zone_;
  std::function<absl::Time()> now_;
  CourierDirectory* const couriers_;
};

}  // namespace comptoir::delivery
