#pragma once

// Plans a day's delivery rounds for one depot: turns delivery jobs (a point, a slot window,
// a load) and couriers' vehicles into ordered stops with ETAs, through the VRPTW solver and a
// TravelModel (great-circle estimate today, a road router later). Jobs no round can serve are
// returned with the reason, in French, for the shop. Stateless; thread-safe.
//
//   RoundPlanner planner(travel_model);
//   ASSIGN_OR_RETURN(RoundPlan plan, planner.Plan(request));

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "routing/travel_model.h"
#include "routing/vrptw.h"

namespace comptoir::delivery {

struct DeliveryJob {
  std::string id{};           // the job's id (one per order delivered)
  routing::GeoPoint point{};  // the commune's point until addresses are geocoded
  absl::Time window_start{};  // the booked slot
  absl::Time window_end{};
  int64_t load = 1;  // orders, or grams, as the vehicles' capacity counts
  absl::Duration service = absl::Minutes(5);
};

struct CourierVehicle {
  std::string courier_id{};
  int64_t capacity = 0;
};

struct PlanRequest {
  routing::GeoPoint depot{};
  absl::Time day_start{};                  // vehicles leave the depot at or after
  absl::Time day_end{};                    // and are back by
  std::vector<DeliveryJob> jobs{};         // at most 1,000
  std::vector<CourierVehicle> vehicles{};  // at most 100
  routing::Options options{};              // time budget and seed
};

struct PlannedStop {
  std::string job_id{};
  absl::Time eta{};  // arrival
  absl::Time service_start{};
};

struct PlannedRound {
  std::string courier_id{};
  absl::Time departure{};
  absl::Time return_time{};
  double distance_metres = 0;
  std::vector<PlannedStop> stops{};  // in driving order
};

struct UnassignedJob {
  std::string job_id{};
  std::string reason{};  // French, for the shop
};

struct RoundPlan {
  std::vector<PlannedRound> rounds{};  // one per vehicle used
  std::vector<UnassignedJob> unassigned{};
  double distance_metres = 0;
};

class RoundPlanner {
 public:
  explicit RoundPlanner(const routing::TravelModel& travel) : travel_(travel) {}
  // InvalidArgument on a request out of bounds; Unavailable when the travel model fails.
  absl::StatusOr<RoundPlan> Plan(const PlanRequest& request) const;

 private:
  const routing::TravelModel& travel_;
};

}  // namespace comptoir::delivery
