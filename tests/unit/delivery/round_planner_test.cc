// The round planner over real commune points: every job planned once or reported with a
// reason, ETAs inside the booked windows, and couriers' capacities kept.

#include "round_planner.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "status_testing.h"

namespace comptoir::delivery {
namespace {

using ::comptoir::testing::HasFieldViolation;

absl::Time Paris(int hour, int minute = 0) {
  absl::TimeZone paris;
  EXPECT_TRUE(absl::LoadTimeZone("Europe/Paris", &paris));
  return absl::FromCivil(absl::CivilMinute(2026, 6, 12, hour, minute), paris);
}

// Depot in Mâcon; villages of Saône-et-Loire (points from geo.communes).
const routing::GeoPoint kMacon{46.3265, 4.8083};
const std::vector<routing::GeoPoint> kVillages = {
    {46.4192, 4.7539}, {46.3814, 4.6786}, {46.2839, 4.6497}, {46.4553, 4.8686},
    {46.3506, 4.7278}, {46.2447, 4.7506}, {46.5039, 4.6972}, {46.4311, 4.6183}};

PlanRequest Request() {
  PlanRequest request{
      .depot = kMacon,
      .day_start = Paris(8),
      .day_end = Paris(19),
      .vehicles = {{.courier_id = "c1", .capacity = 3}, {.courier_id = "c2", .capacity = 3}},
      .options = {.seed = 3, .time_budget = absl::Seconds(30), .max_iterations = 2000}};
  for (size_t i = 0; i < kVillages.size(); ++i) {
    const absl::Time start = i % 2 == 0 ? Paris(9) : Paris(14);
    request.jobs.push_back({.id = "job-" + std::to_string(i),
                            .point = kVillages[i],
                            .window_start = start,
                            .window_end = start + absl::Hours(2)});
  }
  return request;
}

TEST(RoundPlannerTest, EveryJobIsPlannedOnceOrExplainedAndEtasFitTheWindows) {
  const routing::HaversineTravelModel travel({.detour_factor = 1.3, .average_speed_kmh = 50});
  RoundPlanner planner(travel);
  PlanRequest request = Request();
  ASSERT_OK_AND_ASSIGN(RoundPlan plan, planner.Plan(request));
  std::set<std::string> seen;
  for (const PlannedRound& round : plan.rounds) {
    EXPECT_LE(round.stops.size(), 3u) << round.courier_id;
    EXPECT_GE(round.departure, request.day_start);
    EXPECT_LE(round.return_time, request.day_end);
    for (const PlannedStop& stop : round.stops) {
      EXPECT_TRUE(seen.insert(stop.job_id).second) << stop.job_id;
      const DeliveryJob& job = request.jobs[std::stoul(stop.job_id.substr(4))];
      EXPECT_GE(stop.service_start, job.window_start);
      EXPECT_LE(stop.service_start, job.window_end);
      EXPECT_LE(stop.eta, stop.service_start);
    }
  }
  for (const UnassignedJob& u : plan.unassigned) {
    EXPECT_TRUE(seen.insert(u.job_id).second) << u.job_id;
    EXPECT_EQ(u.reason, "Plus de place dans les tournées de ce jour : ajoutez un véhicule.");
  }
  EXPECT_EQ(seen.size(), request.jobs.size());
  // 8 jobs, 2 vans of 3: two cannot fit.
  EXPECT_EQ(plan.unassigned.size(), 2u);
}

TEST(RoundPlannerTest, ExplainsJobsNoVehicleCouldEverServe) {
  const routing::HaversineTravelModel travel({.detour_factor = 1.3, .average_speed_kmh = 50});
  RoundPlanner planner(travel);
  PlanRequest request = Request();
  request.jobs.resize(2);
  request.jobs[0].load = 10;                // bigger than any van
  request.jobs[1].point = {47.8, 5.2};      // ~170 km away...
  request.jobs[1].window_start = Paris(9);  // ...at 9:00 sharp
  request.jobs[1].window_end = Paris(9);
  ASSERT_OK_AND_ASSIGN(RoundPlan plan, planner.Plan(request));
  ASSERT_EQ(plan.unassigned.size(), 2u);
  EXPECT_EQ(plan.unassigned[0].reason, "Trop volumineuse pour les véhicules disponibles.");
  EXPECT_EQ(plan.unassigned[1].reason,
            "Créneau impossible à tenir depuis le dépôt dans la journée.");
  EXPECT_TRUE(plan.rounds.empty());
}

TEST(RoundPlannerTest, RejectsInvertedDayAndWindows) {
  const routing::HaversineTravelModel travel({});
  RoundPlanner planner(travel);
  PlanRequest request = Request();
  request.day_end = request.day_start;
  request.jobs[0].window_end = request.jobs[0].window_start - absl::Minutes(1);
  const absl::Status status = planner.Plan(request).status();
  EXPECT_THAT(status, HasFieldViolation("day_end"));
  EXPECT_THAT(status, HasFieldViolation("jobs[0].window_end"));
}

}  // namespace
}  // namespace comptoir::delivery
