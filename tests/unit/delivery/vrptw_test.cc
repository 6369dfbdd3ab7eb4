// The round planner's guarantees: every stop served once or reported unassigned, windows and
// capacities respected, optimal on instances small enough to enumerate, reproducible by seed.

#include "routing/vrptw.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "routing/travel_model.h"
#include "status_testing.h"

namespace comptoir::delivery::routing {
namespace {

using ::comptoir::testing::IsOk;
using ::comptoir::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

// Options that end the search by iterations, so results do not depend on machine speed.
Options Reproducible(uint64_t seed = 1, int64_t iterations = 3000) {
  return {.seed = seed, .time_budget = absl::Seconds(60), .max_iterations = iterations};
}

std::vector<PlanePoint> RandomPoints(int n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> coord(0, 100);
  std::vector<PlanePoint> points;
  for (int i = 0; i < n; ++i) points.push_back({coord(rng), coord(rng)});
  return points;
}

// Shortest feasible solution with at most two routes, by enumerating every order of the
// customers and every cut into two routes.
double BruteForceTwoRoutes(const Problem& problem) {
  std::vector<int> order(problem.nodes.size() - 1);
  std::iota(order.begin(), order.end(), 1);
  double best = std::numeric_limits<double>::infinity();
  do {
    for (size_t cut = 0; cut <= order.size(); ++cut) {
      Solution candidate;
      candidate.routes = {std::vector<int>(order.begin(), order.begin() + cut),
                          std::vector<int>(order.begin() + cut, order.end())};
      for (const auto& route : candidate.routes) {
        candidate.distance += TimeRoute(problem, route).distance;
      }
      if (candidate.distance < best && CheckSolution(problem, candidate).ok()) {
        best = candidate.distance;
      }
    }
  } while (std::next_permutation(order.begin(), order.end()));
  return best;
}

TEST(HaversineTest, OneDegreeOfLatitudeIsAbout111Kilometres) {
  EXPECT_NEAR(HaversineMetres({46.0, 4.8}, {47.0, 4.8}), 111195.0, 1.0);
  EXPECT_DOUBLE_EQ(HaversineMetres({46.3, 4.8}, {46.3, 4.8}), 0.0);
}

TEST(HaversineTest, RoadDistanceAppliesDetourAndSpeed) {
  HaversineTravelModel model({.detour_factor = 1.3, .average_speed_kmh = 36});
  auto matrix = model.Matrix({{46.0, 4.8}, {47.0, 4.8}});
  ASSERT_OK(matrix.status());
  EXPECT_NEAR(matrix->Distance(0, 1), 111195.0 * 1.3, 2.0);
  EXPECT_NEAR(matrix->Duration(1, 0), 111195.0 * 1.3 / 10.0, 1.0);  // 36 km/h = 10 m/s
}

TEST(HaversineTest, RejectsCoordinatesOutOfRange) {
  HaversineTravelModel model({});
  EXPECT_THAT(model.Matrix({{95.0, 0.0}}), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(ValidateProblemTest, RejectsMatrixOfWrongSizeAndInvertedWindow) {
  TravelMatrix matrix(2);
  Problem problem{.nodes = {{}, {}, {}}, .matrix = &matrix, .vehicles = {{}}};
  EXPECT_THAT(ValidateProblem(problem), StatusIs(absl::StatusCode::kInvalidArgument));
  problem.nodes.pop_back();
  EXPECT_OK(ValidateProblem(problem));
  problem.nodes[1] = {.ready = 10, .due = 5};
  EXPECT_THAT(ValidateProblem(problem), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(VrptwTest, FindsTheOptimalTourOfPointsOnACircle) {
  std::vector<PlanePoint> points;
  constexpr int kPoints = 24;
  // Shuffled so the input order is not the answer.
  std::vector<int> angles(kPoints);
  std::iota(angles.begin(), angles.end(), 0);
  std::shuffle(angles.begin(), angles.end(), std::mt19937_64(3));
  for (int a : angles) {
    points.push_back(
        {100 * std::cos(2 * M_PI * a / kPoints), 100 * std::sin(2 * M_PI * a / kPoints)});
  }
  const TravelMatrix matrix = EuclideanMatrix(points, false);
  Problem problem{.nodes = std::vector<Node>(kPoints), .matrix = &matrix, .vehicles = {{}}};
  const Solution solution = Solve(problem, Reproducible());
  ASSERT_OK(CheckSolution(problem, solution));
  EXPECT_NEAR(solution.distance, kPoints * 2 * 100 * std::sin(M_PI / kPoints), 1e-6);
}

TEST(VrptwTest, MatchesBruteForceOptimumOnSmallInstancesWithWindowsAndCapacity) {
  for (uint64_t seed = 1; seed <= 5; ++seed) {
    SCOPED_TRACE(seed);
    const std::vector<PlanePoint> points = RandomPoints(8, seed);
    const TravelMatrix matrix = EuclideanMatrix(points, false);
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<double> open(0, 200);
    Problem problem{.matrix = &matrix, .vehicles = {{.capacity = 4}, {.capacity = 4}}};
    problem.nodes.push_back({.ready = 0, .due = 600});
    for (int i = 1; i < 8; ++i) {
      const double ready = open(rng);
      problem.nodes.push_back({.demand = 1, .ready = ready, .due = ready + 120, .service = 10});
    }
    const double optimum = BruteForceTwoRoutes(problem);
    ASSERT_TRUE(std::isfinite(optimum));
    const Solution solution = Solve(problem, Reproducible(seed));
    ASSERT_OK(CheckSolution(problem, solution));
    EXPECT_THAT(solution.unassigned, IsEmpty());
    EXPECT_NEAR(solution.distance, optimum, 1e-6);
  }
}

TEST(VrptwTest, WindowsDecideTheOrderOfStops) {
  // On a line: the far stop only accepts early, the near one only late.
  const TravelMatrix matrix = EuclideanMatrix({{0, 0}, {10, 0}, {20, 0}}, false);
  Problem problem{
      .nodes = {{.ready = 0, .due = 1000}, {.ready = 100, .due = 200}, {.ready = 0, .due = 30}},
      .matrix = &matrix,
      .vehicles = {{}}};
  const Solution solution = Solve(problem, Reproducible());
  ASSERT_OK(CheckSolution(problem, solution));
  EXPECT_THAT(solution.routes[0], ElementsAre(2, 1));
}

TEST(VrptwTest, ReportsStopsThatNoVehicleCanServe) {
  const TravelMatrix matrix = EuclideanMatrix({{0, 0}, {10, 0}, {50, 0}, {5, 0}}, false);
  Problem problem{.nodes = {{.ready = 0, .due = 200},
                            {.demand = 1, .ready = 0, .due = 100},
                            {.demand = 1, .ready = 0, .due = 20},    // 50 away, closes at 20
                            {.demand = 9, .ready = 0, .due = 100}},  // heavier than the van
                  .matrix = &matrix,
                  .vehicles = {{.capacity = 5}}};
  const Solution solution = Solve(problem, Reproducible());
  ASSERT_OK(CheckSolution(problem, solution));
  EXPECT_THAT(solution.unassigned, ElementsAre(2, 3));
  EXPECT_THAT(solution.routes[0], ElementsAre(1));
}

TEST(VrptwTest, WithoutVehiclesEveryStopIsUnassignedAtOnce) {
  const TravelMatrix matrix = EuclideanMatrix(RandomPoints(4, 2), false);
  Problem problem{.nodes = std::vector<Node>(4), .matrix = &matrix, .vehicles = {}};
  const absl::Time start = absl::Now();
  const Solution solution = Solve(problem, {.time_budget = absl::Seconds(30)});
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  ASSERT_OK(CheckSolution(problem, solution));
  EXPECT_THAT(solution.unassigned, ElementsAre(1, 2, 3));
}

TEST(VrptwTest, CapacitySplitsStopsAcrossVehiclesAndFleetLimitLeavesTheRest) {
  const TravelMatrix matrix = EuclideanMatrix(RandomPoints(7, 11), false);
  std::vector<Node> nodes(7, {.demand = 2});
  nodes[0] = {};
  Problem two_vans{
      .nodes = nodes, .matrix = &matrix, .vehicles = {{.capacity = 6}, {.capacity = 6}}};
  const Solution both = Solve(two_vans, Reproducible());
  ASSERT_OK(CheckSolution(two_vans, both));
  EXPECT_EQ(both.vehicles_used, 2);
  EXPECT_THAT(both.unassigned, IsEmpty());

  Problem one_van{.nodes = nodes, .matrix = &matrix, .vehicles = {{.capacity = 6}}};
  const Solution one = Solve(one_van, Reproducible());
  ASSERT_OK(CheckSolution(one_van, one));
  EXPECT_EQ(one.routes[0].size(), 3u);
  EXPECT_EQ(one.unassigned.size(), 3u);
}

TEST(VrptwTest, RandomInstancesAreAlwaysFeasibleAndServeEveryStopOnce) {
  for (uint64_t seed = 1; seed <= 6; ++seed) {
    SCOPED_TRACE(seed);
    const TravelMatrix matrix = EuclideanMatrix(RandomPoints(61, seed), false);
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<double> open(0, 400);
    std::uniform_int_distribution<int> demand(1, 4);
    Problem problem{.matrix = &matrix, .vehicles = std::vector<Vehicle>(6, {.capacity = 25})};
    problem.nodes.push_back({.ready = 0, .due = 700});
    for (int i = 1; i < 61; ++i) {
      const double ready = open(rng);
      problem.nodes.push_back(
          {.demand = demand(rng), .ready = ready, .due = ready + 90, .service = 5});
    }
    const Solution construction = Construct(problem);
    EXPECT_OK(CheckSolution(problem, construction));
    const Solution solution = Solve(problem, Reproducible(seed, 500));
    ASSERT_OK(CheckSolution(problem, solution));
    EXPECT_LE(solution.unassigned.size(), construction.unassigned.size());
    if (solution.unassigned.size() == construction.unassigned.size()) {
      EXPECT_LE(solution.distance, construction.distance + 1e-9);
    }
  }
}

TEST(VrptwTest, SameSeedAndIterationsGiveTheSameRounds) {
  const TravelMatrix matrix = EuclideanMatrix(RandomPoints(40, 5), false);
  Problem problem{.nodes = std::vector<Node>(40, {.demand = 1}),
                  .matrix = &matrix,
                  .vehicles = std::vector<Vehicle>(4, {.capacity = 12})};
  const Solution a = Solve(problem, Reproducible(42, 800));
  const Solution b = Solve(problem, Reproducible(42, 800));
  EXPECT_EQ(a.routes, b.routes);
  EXPECT_DOUBLE_EQ(a.distance, b.distance);
}

TEST(VrptwTest, CheckSolutionCatchesMissedWindowDuplicateAndWrongDistance) {
  const TravelMatrix matrix = EuclideanMatrix({{0, 0}, {10, 0}, {20, 0}}, false);
  Problem problem{.nodes = {{.ready = 0, .due = 1000}, {.due = 15}, {.due = 1000}},
                  .matrix = &matrix,
                  .vehicles = {{}}};
  Solution late{.routes = {{2, 1}}, .distance = 40};
  EXPECT_THAT(CheckSolution(problem, late), StatusIs(absl::StatusCode::kFailedPrecondition));
  Solution twice{.routes = {{1, 2}}, .unassigned = {2}, .distance = 40};
  EXPECT_THAT(CheckSolution(problem, twice), StatusIs(absl::StatusCode::kFailedPrecondition));
  Solution wrong{.routes = {{1, 2}}, .distance = 39};
  EXPECT_THAT(CheckSolution(problem, wrong), StatusIs(absl::StatusCode::kFailedPrecondition));
  Solution right{.routes = {{1, 2}}, .distance = 40};
  EXPECT_OK(CheckSolution(problem, right));
}

TEST(TimeRouteTest, LeavesTheDepotLateEnoughToAvoidWaiting) {
  const TravelMatrix matrix = EuclideanMatrix({{0, 0}, {10, 0}, {20, 0}}, false);
  Problem problem{.nodes = {{.ready = 0, .due = 1000},
                            {.ready = 100, .due = 200, .service = 5},
                            {.ready = 0, .due = 300}},
                  .matrix = &matrix,
                  .vehicles = {{}}};
  const RouteTiming timing = TimeRoute(problem, {1, 2});
  EXPECT_DOUBLE_EQ(timing.departure, 90);
  ASSERT_EQ(timing.stops.size(), 2u);
  EXPECT_DOUBLE_EQ(timing.stops[0].arrival, 100);
  EXPECT_DOUBLE_EQ(timing.stops[1].start, 115);
  EXPECT_DOUBLE_EQ(timing.return_time, 135);
  EXPECT_DOUBLE_EQ(timing.distance, 40);
}

}  // namespace
}  // namespace comptoir::delivery::routing
