#include "round_planner.h"

#include <algorithm>

#include "comptoir/common/status.h"

namespace comptoir::delivery {

absl::StatusOr<RoundPlan> RoundPlanner::Plan(const PlanRequest& request) const {
  common::Violations v;
  if (request.jobs.size() > 1000) v.Add("jobs", "at most 1000 jobs a plan");
  if (request.vehicles.size() > 100) v.Add("vehicles", "at most 100 vehicles a plan");
  if (request.day_end <= request.day_start) v.Add("day_end", "must be after day_start");
  for (size_t i = 0; i < request.jobs.size() && i < 1000; ++i) {
    const DeliveryJob& j = request.jobs[i];
    if (j.window_end < j.window_start) {
      v.Add("jobs[" + std::to_string(i) + "].window_end", "must not be before window_start");
    }
    if (j.load < 0) v.Add("jobs[" + std::to_string(i) + "].load", "must be >= 0");
  }
  for (size_t i = 0; i < request.vehicles.size() && i < 100; ++i) {
    if (request.vehicles[i].capacity < 1) {
      v.Add("vehicles[" + std::to_string(i) + "].capacity", "must be >= 1");
    }
  }
  RETURN_IF_ERROR(v.ToStatus());

  // Seconds since the start of the day: the solver's time unit.
  auto seconds = [&](absl::Time t) { return absl::ToDoubleSeconds(t - request.day_start); };
  std::vector<routing::GeoPoint> points{request.depot};
  routing::Problem problem;
  problem.nodes.push_back({.ready = 0, .due = seconds(request.day_end)});
  for (const DeliveryJob& j : request.jobs) {
    points.push_back(j.point);
    problem.nodes.push_back({.demand = j.load,
                             .ready = seconds(j.window_start),
                             .due = seconds(j.window_end),
                             .service = absl::ToDoubleSeconds(j.service)});
  }
  absl::StatusOr<routing::TravelMatrix> matrix = travel_.Matrix(points);
  if (!matrix.ok()) return matrix.status();
  problem.matrix = &*matrix;
  int64_t largest = 0;
  for (const CourierVehicle& c : request.vehicles) {
    problem.vehicles.push_back({.capacity = c.capacity});
    largest = std::max(largest, c.capacity);
  }
  RETURN_IF_ERROR(routing::ValidateProblem(problem));
  const routing::Solution solution = routing::Solve(problem, request.options);

  RoundPlan plan;
  plan.distance_metres = solution.distance;
  for (size_t r = 0; r < solution.routes.size(); ++r) {
    if (solution.routes[r].empty()) continue;
    const routing::RouteTiming timing = routing::TimeRoute(problem, solution.routes[r]);
    PlannedRound round{.courier_id = request.vehicles[r].courier_id,
                       .departure = request.day_start + absl::Seconds(timing.departure),
                       .return_time = request.day_start + absl::Seconds(timing.return_time),
                       .distance_metres = timing.distance};
    for (const routing::StopTiming& st : timing.stops) {
      round.stops.push_back({.job_id = request.jobs[static_cast<size_t>(st.node - 1)].id,
                             .eta = request.day_start + absl::Seconds(st.arrival),
                             .service_start = request.day_start + absl::Seconds(st.start)});
    }
    plan.rounds.push_back(std::move(round));
  }
  for (int node : solution.unassigned) {
    const DeliveryJob& job = request.jobs[static_cast<size_t>(node - 1)];
    const routing::Node& n = problem.nodes[static_cast<size_t>(node)];
    std::string reason;
    if (request.vehicles.empty()) {
      reason = "Aucun véhicule disponible ce jour-là.";
    } else if (job.load > largest) {
      reason = "Trop volumineuse pour les véhicules disponibles.";
    } else if (matrix->Duration(0, node) > n.due || std::max(matrix->Duration(0, node), n.ready) +
                                                            n.service + matrix->Duration(node, 0) >
                                                        problem.nodes[0].due) {
      reason = "Créneau impossible à tenir depuis le dépôt dans la journée.";
    } else {
      reason = "Plus de place dans les tournées de ce jour : ajoutez un véhicule.";
    }
    plan.unassigned.push_back({.job_id = job.id, .reason = std::move(reason)});
  }
  return plan;
}

}  // namespace comptoir::delivery
