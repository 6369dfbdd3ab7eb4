#pragma once

// Vehicle routing with capacities and hard time windows (VRPTW), as a pure library.
// Construction (Clarke-Wright savings, checked against windows and capacity), then local
// search (2-opt, Or-opt, relocate and exchange between routes) and ruin-and-recreate
// perturbation (string removals, greedy reinsertion with blinks, annealing acceptance)
// while the time/iteration budget lasts. Deterministic for a seed when the iteration
// limit, not the clock, ends the search. Stateless functions: safe to call concurrently.
//
//   Problem p{.nodes = ..., .matrix = &matrix, .vehicles = {{.capacity = 20}, ...}};
//   Solution s = Solve(p, {.seed = 7, .time_budget = absl::Seconds(2)});
//   // s.routes[v] = stops of vehicle v in visiting order; s.unassigned = stops left out.

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "routing/travel_model.h"

namespace comptoir::delivery::routing {

inline constexpr double kNoDeadline = std::numeric_limits<double>::infinity();

// One point of the problem. Node 0 is the depot: its window is the working day (vehicles
// leave at or after `ready` and must be back by `due`); its demand and service are ignored.
// Times are in the matrix's duration unit (seconds in production), from any origin.
struct Node {
  int64_t demand = 0;        // units of vehicle capacity (orders, or grams)
  double ready = 0;          // earliest start of service; arriving earlier means waiting
  double due = kNoDeadline;  // latest start of service (hard)
  double service = 0;        // time spent at the stop
};

struct Vehicle {
  int64_t capacity = std::numeric_limits<int64_t>::max();
};

struct Problem {
  std::vector<Node> nodes{};             // nodes[0] is the depot
  const TravelMatrix* matrix = nullptr;  // indexed like `nodes`; not owned
  std::vector<Vehicle> vehicles{};       // at most one route per vehicle
};

struct Options {
  uint64_t seed = 1;
  absl::Duration time_budget = absl::Seconds(1);
  // Upper bound on ruin-and-recreate iterations; with a generous time budget this makes the
  // result reproducible across machines.
  int64_t max_iterations = std::numeric_limits<int64_t>::max();
  // Added to the objective for every vehicle used: trades distance for fewer rounds.
  double vehicle_cost = 0;
};

struct Solution {
  std::vector<std::vector<int>> routes{};  // routes[v]: node indices served by vehicle v, in order
  std::vector<int> unassigned{};           // nodes no vehicle can serve within windows/capacity
  double distance = 0;                     // total distance, depot to depot
  int vehicles_used = 0;
  int64_t iterations = 0;  // ruin-and-recreate iterations performed
};

// Schedule of one route, as a courier would drive it.
struct StopTiming {
  int node = 0;
  double arrival = 0;  // at the stop
  double start = 0;    // of service: max(arrival, ready)
};
struct RouteTiming {
  std::vector<StopTiming> stops{};
  double departure = 0;  // from the depot (as late as possible without extra waiting)
  double return_time = 0;
  double distance = 0;
  int64_t load = 0;
};

// Checks the problem itself: depot present, matrix size, windows ordered, demands >= 0.
absl::Status ValidateProblem(const Problem& problem);

// Construction heuristic only (the in-run baseline of the benchmarks).
Solution Construct(const Problem& problem);

// Construction, local search and perturbation within the budget. Requires a valid problem.
Solution Solve(const Problem& problem, const Options& options);

// Independent verification: every customer exactly once (route or unassigned), capacities,
// windows and the depot's closing time respected, and `distance` consistent. OK or the first
// violation found, in words.
absl::Status CheckSolution(const Problem& problem, const Solution& solution);

// Times along one route, starting from the depot at its ready time (waiting where early).
RouteTiming TimeRoute(const Problem& problem, const std::vector<int>& route);

}  // namespace comptoir::delivery::routing
