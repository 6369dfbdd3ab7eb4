// RoundService over in-memory repositories: who may plan and read rounds, a courier sees only
// their own rounds, stop updates follow the rules, are idempotent and write one StopEvent per
// change (with the pick-up first when a stop is delivered straight away), and road sheets
// list the stops in order.

#include "round_service.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "comptoir/delivery/v1/events.pb.h"
#include "fake_round_repository.h"
#include "fake_zone_repository.h"
#include "road_sheet.h"
#include "status_testing.h"

namespace comptoir::delivery {
namespace {

using ::comptoir::testing::HasFieldViolation;
using ::comptoir::testing::StatusIs;

constexpr char kShop[] = "6a4d1c70-0000-4000-8000-000000000001";
constexpr char kOtherShop[] = "6a4d1c70-0000-4000-8000-000000000002";
constexpr char kCourierA[] = "c0000000-0000-4000-8000-00000000000a";
constexpr char kCourierB[] = "c0000000-0000-4000-8000-00000000000b";

Deadline Soon() { return std::chrono::steady_clock::now() + std::chrono::seconds(10); }

absl::TimeZone Paris() {
  absl::TimeZone zone;
  EXPECT_TRUE(absl::LoadTimeZone("Europe/Paris", &zone));
  return zone;
}

absl::Time At(int hour) {
  return absl::FromCivil(absl::CivilMinute(2026, 6, 12, hour, 0), Paris());
}

common::Caller Member() {
  return {.user_id = "0a000000-0000-4000-8000-000000000001",
          .roles = {common::kRoleResident},
          .shop_ids = {kShop}};
}
common::Caller Courier(const char* id) {
  return {.user_id = id, .roles = {common::kRoleResident, common::kRoleCourier}, .shop_ids = {}};
}

// Villages of Saône-et-Loire around Mâcon.
const std::vector<routing::GeoPoint> kVillages = {{46.4192, 4.7539}, {46.3814, 4.6786},
                                                  {46.2839, 4.6497}, {46.4553, 4.8686},
                                                  {46.3506, 4.7278}, {46.2447, 4.7506}};

class RoundServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    shops_.PutShop({.id = kShop,
                    .name = "Épicerie du Bourg",
                    .status = "active",
                    .point = routing::GeoPoint{46.3265, 4.8083}});
    for (size_t i = 0; i < kVillages.size(); ++i) {
      repository_.AddJob(
          {.order_id = absl::StrCat("0dd00000-0000-4000-8000-00000000000", i),
           .order_number = absl::StrCat("CPT-2026-00000", i),
           .shop_id = kShop,
           .day = absl::CivilDay(2026, 6, 12),
           .window_start = At(i % 2 == 0 ? 9 : 14),
           .window_end = At(i % 2 == 0 ? 11 : 16),
           .point = kVillages[i],
           .address = "1 place de l'Église",
           .commune_name = "Village",
           .customer_name = "Client",
           .lines = {{.name = "Comté 18 mois", .quantity = 2, .sale_unit = "250 g"}}});
    }
  }

  PlanRoundsInput Input() {
    return {.date = "2026-06-12",
            .depot_shop = kShop,
            .couriers = {{.courier_id = kCourierA, .capacity = 3},
                         {.courier_id = kCourierB, .capacity = 3}},
            .time_budget_ms = 200};
  }

  FakeZoneRepository shops_;
  FakeRoundRepository repository_;
  const routing::HaversineTravelModel travel_{{.detour_factor = 1.3, .average_speed_kmh = 50}};
  RoundService service_{repository_, shops_, travel_, Paris(), [] { return At(7); }};
};

TEST_F(RoundServiceTest, PlanServesEveryJobOnceWithinWindowsAndCapacities) {
  ASSERT_OK_AND_ASSIGN(RoundsPlanned planned, service_.Plan(Member(), Input(), Soon()));
  EXPECT_TRUE(planned.unassigned.empty());
  std::set<std::string> seen;
  for (const RoundRecord& round : planned.rounds) {
    EXPECT_LE(round.stops.size(), 3u);
    for (const StopRecord& stop : round.stops) {
      EXPECT_TRUE(seen.insert(stop.job.order_id).second);
      EXPECT_LE(stop.eta, stop.job.window_end);
    }
  }
  EXPECT_EQ(seen.size(), kVillages.size());
  // Planning again replaces the rounds not started: every job still served exactly once.
  ASSERT_OK_AND_ASSIGN(RoundsPlanned again, service_.Plan(Member(), Input(), Soon()));
  EXPECT_EQ(again.replaced_round_ids.size(), planned.rounds.size());
  std::set<std::string> replanned;
  for (const RoundRecord& round : again.rounds) {
    for (const StopRecord& stop : round.stops) {
      EXPECT_TRUE(replanned.insert(stop.job.order_id).second);
    }
  }
  EXPECT_EQ(replanned, seen);
  for (const std::string& id : again.replaced_round_ids) {
    EXPECT_THAT(service_.GetRound(Member(), id, Soon()).status(),
                StatusIs(absl::StatusCode::kNotFound));
  }
}

TEST_F(RoundServiceTest, ReplanningKeepsStartedRoundsAndTheirJobsAndReplacesTheOthers) {
  ASSERT_OK_AND_ASSIGN(RoundsPlanned planned, service_.Plan(Member(), Input(), Soon()));
  ASSERT_EQ(planned.rounds.size(), 2u);
  const RoundRecord& started = planned.rounds[0];
  ASSERT_OK(service_
                .UpdateStop(Courier(started.courier_user_id.c_str()), started.stops[0].id,
                            StopAction::kPickUp, "", Soon())
                .status());
  std::set<std::string> kept_jobs;
  for (const StopRecord& stop : started.stops) kept_jobs.insert(stop.job.order_id);
  // A job arrives after the first planning.
  repository_.AddJob({.order_id = "0dd00000-0000-4000-8000-000000000099",
                      .order_number = "CPT-2026-000099",
                      .shop_id = kShop,
                      .day = absl::CivilDay(2026, 6, 12),
                      .window_start = At(14),
                      .window_end = At(16),
                      .point = kVillages[0]});
  ASSERT_OK_AND_ASSIGN(RoundsPlanned again, service_.Plan(Member(), Input(), Soon()));
  EXPECT_THAT(again.replaced_round_ids, ::testing::ElementsAre(planned.rounds[1].id));
  size_t stops = 0;
  for (const RoundRecord& round : again.rounds) {
    for (const StopRecord& stop : round.stops) {
      EXPECT_EQ(kept_jobs.count(stop.job.order_id), 0u) << "a started round's job moved";
      ++stops;
    }
  }
  EXPECT_EQ(stops + again.unassigned.size(), kVillages.size() + 1 - kept_jobs.size());
  ASSERT_OK_AND_ASSIGN(RoundRecord still, service_.GetRound(Member(), started.id, Soon()));
  EXPECT_EQ(still.stops.size(), started.stops.size());
}

TEST_F(RoundServiceTest, AccountDataExportsACustomersDeliveriesAndErasureRemovesTheirIdentity) {
  const std::string customer = "0b000000-0000-4000-8000-000000000001";
  repository_.AddJob({.order_id = "0dd00000-0000-4000-8000-000000000077",
                      .order_number = "CPT-2026-000077",
                      .shop_id = kShop,
                      .day = absl::CivilDay(2026, 6, 13),
                      .address = "3 rue des Tilleuls",
                      .customer_user_id = customer,
                      .customer_name = "Camille Martin",
                      .customer_phone = "0601020304"});
  ASSERT_OK_AND_ASSIGN(PersonalData data, service_.ExportAccountData(customer, Soon()));
  ASSERT_EQ(data.deliveries.size(), 1u);
  EXPECT_EQ(data.deliveries[0].customer_phone, "0601020304");
  ASSERT_OK(service_.EraseAccountData(customer, Soon()));
  ASSERT_OK(service_.EraseAccountData(customer, Soon()));  // idempotent
  ASSERT_OK_AND_ASSIGN(data, service_.ExportAccountData(customer, Soon()));
  ASSERT_EQ(data.deliveries.size(), 1u);
  EXPECT_EQ(data.deliveries[0].customer_phone, "");
  EXPECT_EQ(data.deliveries[0].address, "");
  EXPECT_NE(data.deliveries[0].customer_name, "Camille Martin");
  EXPECT_THAT(service_.ExportAccountData("nope", Soon()).status(), HasFieldViolation("user_id"));
  // A courier's rounds are part of their export.
  ASSERT_OK(service_.Plan(Member(), Input(), Soon()).status());
  ASSERT_OK_AND_ASSIGN(data, service_.ExportAccountData(kCourierA, Soon()));
  EXPECT_EQ(data.rounds.size(), 1u);
}

TEST_F(RoundServiceTest, OnlyDepotMembersAndAdminsPlanAndInputIsValidated) {
  common::Caller stranger = Member();
  stranger.shop_ids = {kOtherShop};
  EXPECT_THAT(service_.Plan(stranger, Input(), Soon()).status(),
              StatusIs(absl::StatusCode::kPermissionDenied));
  PlanRoundsInput bad = Input();
  bad.date = "12/06/2026";
  bad.couriers.push_back({.courier_id = kCourierA, .capacity = 0});
  bad.time_budget_ms = 60000;
  const absl::Status status = service_.Plan(Member(), bad, Soon()).status();
  EXPECT_THAT(status, HasFieldViolation("date"));
  EXPECT_THAT(status, HasFieldViolation("couriers[2].capacity"));
  EXPECT_THAT(status, HasFieldViolation("couriers[2].courier_user_id"));
  EXPECT_THAT(status, HasFieldViolation("time_budget_ms"));
}

// Accounts as the planning sees it: who holds the courier role, or unreachable.
class FakeCourierDirectory final : public CourierDirectory {
 public:
  absl::StatusOr<std::vector<std::string>> Couriers(const std::vector<std::string>& ids,
                                                    common::Deadline) override {
    if (unreachable) return absl::UnavailableError("accounts could not be reached");
    std::vector<std::string> out;
    for (const std::string& id : ids) {
      if (couriers.count(id) > 0) out.push_back(id);
    }
    return out;
  }
  std::set<std::string> couriers;
  bool unreachable = false;
};

TEST_F(RoundServiceTest, PlanningAssignsOnlyCourierAccountsAndACourierCannotPlan) {
  FakeCourierDirectory directory;
  directory.couriers = {kCourierA};
  RoundService checked(
      repository_, shops_, travel_, Paris(), [] { return At(7); }, &directory);
  // kCourierB is a resident account: named, and nothing is planned.
  const absl::Status status = checked.Plan(Member(), Input(), Soon()).status();
  EXPECT_THAT(status, HasFieldViolation("couriers[1].courier_user_id"));
  EXPECT_THAT(status, ::testing::Not(HasFieldViolation("couriers[0].courier_user_id")));
  directory.unreachable = true;
  EXPECT_THAT(checked.Plan(Member(), Input(), Soon()).status(),
              StatusIs(absl::StatusCode::kUnavailable));
  // A courier (not a member of the depot shop) cannot plan, even with real couriers.
  directory.unreachable = false;
  directory.couriers = {kCourierA, kCourierB};
  EXPECT_THAT(checked.Plan(Courier(kCourierA), Input(), Soon()).status(),
              StatusIs(absl::StatusCode::kPermissionDenied));
  ASSERT_OK_AND_ASSIGN(RoundsPlanned planned, checked.Plan(Member(), Input(), Soon()));
  EXPECT_FALSE(planned.rounds.empty());
}

TEST_F(RoundServiceTest, ACourierSeesOnlyTheirOwnRounds) {
  ASSERT_OK_AND_ASSIGN(RoundsPlanned planned, service_.Plan(Member(), Input(), Soon()));
  ASSERT_EQ(planned.rounds.size(), 2u);
  const RoundRecord& a =
      planned.rounds[0].courier_user_id == kCourierA ? planned.rounds[0] : planned.rounds[1];
  const RoundRecord& b = &a == &planned.rounds[0] ? planned.rounds[1] : planned.rounds[0];
  ASSERT_OK_AND_ASSIGN(auto mine, service_.MyRounds(Courier(kCourierA), "2026-06-12", Soon()));
  ASSERT_EQ(mine.size(), 1u);
  EXPECT_EQ(mine[0].id, a.id);
  EXPECT_OK(service_.GetRound(Courier(kCourierA), a.id, Soon()).status());
  EXPECT_THAT(service_.GetRound(Courier(kCourierA), b.id, Soon()).status(),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_OK(service_.GetRound(Member(), b.id, Soon()).status());
  EXPECT_THAT(service_.MyRounds(Member(), "", Soon()).status(),
              StatusIs(absl::StatusCode::kPermissionDenied));
  // Another courier cannot mark a stop of A's round either.
  EXPECT_THAT(
      service_.UpdateStop(Courier(kCourierB), a.stops[0].id, StopAction::kComplete, "", Soon())
          .status(),
      StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(RoundServiceTest, StopUpdatesAreIdempotentAndWriteOneEventPerChange) {
  ASSERT_OK_AND_ASSIGN(RoundsPlanned planned, service_.Plan(Member(), Input(), Soon()));
  const RoundRecord& round = planned.rounds[0];
  const common::Caller courier = Courier(round.courier_user_id.c_str());
  const std::string first = round.stops[0].id;
  const std::string second = round.stops[1].id;

  ASSERT_OK_AND_ASSIGN(StopRecord s,
                       service_.UpdateStop(courier, first, StopAction::kPickUp, "", Soon()));
  EXPECT_EQ(s.status, StopStatus::kPickedUp);
  ASSERT_OK(service_.UpdateStop(courier, first, StopAction::kPickUp, "", Soon()).status());
  ASSERT_OK_AND_ASSIGN(s, service_.UpdateStop(courier, first, StopAction::kComplete, "", Soon()));
  EXPECT_EQ(s.status, StopStatus::kDelivered);
  ASSERT_OK(service_.UpdateStop(courier, first, StopAction::kComplete, "", Soon()).status());
  EXPECT_THAT(service_.UpdateStop(courier, first, StopAction::kFail, "Absent", Soon()).status(),
              StatusIs(absl::StatusCode::kFailedPrecondition));

  EXPECT_THAT(service_.UpdateStop(courier, second, StopAction::kFail, "", Soon()).status(),
              HasFieldViolation("reason"));
  ASSERT_OK_AND_ASSIGN(s,
                       service_.UpdateStop(courier, second, StopAction::kFail, "Absent", Soon()));
  EXPECT_EQ(s.reason, "Absent");

  const std::vector<common::OutboxEvent> events = repository_.events();
  ASSERT_EQ(events.size(), 3u);
  std::vector<v1::StopEvent::Kind> kinds;
  for (const common::OutboxEvent& e : events) {
    EXPECT_EQ(e.type, "comptoir.delivery.v1.StopEvent");
    v1::StopEvent event;
    ASSERT_TRUE(event.ParseFromString(e.payload));
    EXPECT_EQ(e.aggregate, event.order_id());
    EXPECT_EQ(event.courier_user_id(), round.courier_user_id);
    kinds.push_back(event.kind());
  }
  EXPECT_THAT(kinds, ::testing::ElementsAre(v1::StopEvent::PICKED_UP, v1::StopEvent::DELIVERED,
                                            v1::StopEvent::FAILED));
}

TEST_F(RoundServiceTest, DeliveredWithoutPickUpStillTellsOrdersItLeftTheShop) {
  ASSERT_OK_AND_ASSIGN(RoundsPlanned planned, service_.Plan(Member(), Input(), Soon()));
  const RoundRecord& round = planned.rounds[0];
  ASSERT_OK(service_
                .UpdateStop(Courier(round.courier_user_id.c_str()), round.stops[0].id,
                            StopAction::kComplete, "", Soon())
                .status());
  const auto events = repository_.events();
  ASSERT_EQ(events.size(), 2u);
  v1::StopEvent first, second;
  ASSERT_TRUE(first.ParseFromString(events[0].payload));
  ASSERT_TRUE(second.ParseFromString(events[1].payload));
  EXPECT_EQ(first.kind(), v1::StopEvent::PICKED_UP);
  EXPECT_EQ(second.kind(), v1::StopEvent::DELIVERED);
}

TEST(NextStopStatusTest, CancelledStopsAreNeverDelivered) {
  EXPECT_THAT(NextStopStatus(StopStatus::kCancelled, StopAction::kComplete).status(),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  ASSERT_OK_AND_ASSIGN(std::optional<StopStatus> next,
                       NextStopStatus(StopStatus::kPickedUp, StopAction::kFail));
  EXPECT_EQ(next, StopStatus::kFailed);
  ASSERT_OK_AND_ASSIGN(next, NextStopStatus(StopStatus::kDelivered, StopAction::kComplete));
  EXPECT_FALSE(next.has_value());
}

TEST_F(RoundServiceTest, RoadSheetListsStopsInOrderAsHtmlAndCsv) {
  ASSERT_OK_AND_ASSIGN(RoundsPlanned planned, service_.Plan(Member(), Input(), Soon()));
  const RoundRecord& round = planned.rounds[0];
  ASSERT_OK_AND_ASSIGN(RoadSheetDocument csv,
                       service_.RoadSheet(Member(), round.id, "csv", Soon()));
  EXPECT_EQ(csv.content_type, "text/csv; charset=utf-8");
  const std::vector<std::string> lines = absl::StrSplit(csv.content, "\r\n", absl::SkipEmpty());
  ASSERT_EQ(lines.size(), round.stops.size() + 1);
  for (size_t i = 0; i < round.stops.size(); ++i) {
    EXPECT_TRUE(absl::StartsWith(lines[i + 1], absl::StrCat(i + 1, ";")));
    EXPECT_TRUE(absl::StrContains(lines[i + 1], round.stops[i].job.order_number));
    EXPECT_TRUE(absl::StrContains(lines[i + 1], "2 × Comté 18 mois (250 g)"));
  }
  ASSERT_OK_AND_ASSIGN(RoadSheetDocument html, service_.RoadSheet(Member(), round.id, "", Soon()));
  EXPECT_TRUE(absl::StrContains(html.content, "<html lang=\"fr\">"));
  EXPECT_TRUE(absl::StrContains(html.content, "Épicerie") ||
              absl::StrContains(html.content, "dépôt"));
  EXPECT_TRUE(absl::StrContains(html.content, "1 place de l&#39;Église"));
  EXPECT_THAT(service_.RoadSheet(Member(), round.id, "pdf", Soon()).status(),
              HasFieldViolation("format"));
}

TEST(RoadSheetTest, CsvDefusesFormulasAndQuotesSeparators) {
  RoundRecord round{.day = absl::CivilDay(2026, 6, 12)};
  round.stops.push_back({.position = 1,
                         .job = {.order_number = "CPT-2026-000001",
                                 .address = "=HYPERLINK(\"x\");2",
                                 .customer_name = "Dupont; Jean"}});
  const std::string csv = RoadSheetCsv(round, absl::UTCTimeZone());
  EXPECT_TRUE(absl::StrContains(csv, "\"'=HYPERLINK(\"\"x\"\");2\""));
  EXPECT_TRUE(absl::StrContains(csv, "\"Dupont; Jean\""));
}

}  // namespace
}  // namespace comptoir::delivery
