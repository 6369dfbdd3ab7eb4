// Zones, jobs and rounds on real PostgreSQL and Redis: zones round-trip and quotes resolve
// communes, departments and radii against geo.communes with the shop's point from its events;
// accepted delivery orders (inserted as events) become jobs once, cancelled ones cancel them;
// a planned round's stops come back in order; completing a stop writes its StopEvent in the
// same transaction, and the relay publishes it on `events:delivery`.

#include <gtest/gtest.h>

#include <set>

#include "absl/strings/str_cat.h"
#include "comptoir/common/deadline.h"
#include "comptoir/common/migrations.h"
#include "comptoir/common/outbox.h"
#include "comptoir/common/pg_pool.h"
#include "comptoir/common/redis_pool.h"
#include "comptoir/delivery/v1/events.pb.h"
#include "comptoir/orders/v1/events.pb.h"
#include "comptoir/shops/v1/events.pb.h"
#include "geo.h"
#include "google/protobuf/util/time_util.h"
#include "order_events.h"
#include "pg_round_repository.h"
#include "pg_slot_repository.h"
#include "pg_zone_repository.h"
#include "round_service.h"
#include "scratch_database.h"
#include "scratch_redis.h"
#include "shop_events.h"
#include "status_testing.h"
#include "zone_service.h"

namespace comptoir::delivery {
namespace {

using comptoir::testing::ScratchDatabase;
using comptoir::testing::ScratchRedis;
using comptoir::testing::StatusIs;
using google::protobuf::util::TimeUtil;

constexpr char kShop[] = "6a4d1c70-0000-4000-8000-0000000000a1";
constexpr char kCourier[] = "c0000000-0000-4000-8000-00000000000a";
constexpr char kCourierB[] = "c0000000-0000-4000-8000-00000000000b";
constexpr char kCustomer[] = "0b000000-0000-4000-8000-000000000001";

Deadline Soon() { return common::DeadlineIn(std::chrono::seconds(30)); }

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

std::string OrderId(int i) { return absl::StrCat("0dd00000-0000-4000-8000-", 100000000000 + i); }

common::StreamEvent ShopEventOf(int64_t version, const std::string& status) {
  shops::v1::ShopEvent event;
  event.set_kind(shops::v1::ShopEvent::UPDATED);
  shops::v1::ShopSnapshot* shop = event.mutable_shop();
  shop->set_id(kShop);
  shop->set_name("Épicerie de Mâcon");
  shop->set_status(status);
  shop->set_commune_insee("71270");
  shop->set_latitude(46.3265);
  shop->set_longitude(4.8083);
  shop->set_preparation_minutes(30);
  shop->set_version(version);
  return {.entry_id = "",
          .id = absl::StrCat("e5000000-0000-4000-8000-", 100000000000 + version),
          .type = kShopEventType,
          .aggregate = kShop,
          .payload = event.SerializeAsString()};
}

common::StreamEvent OrderEventOf(int i, orders::v1::OrderEvent::Kind kind, int64_t version,
                                 const std::string& commune = "71105") {
  orders::v1::OrderEvent event;
  event.set_kind(kind);
  orders::v1::OrderSnapshot* order = event.mutable_order();
  order->set_id(OrderId(i));
  order->set_number(absl::StrCat("CPT-2026-", 100000 + i));
  order->set_shop_id(kShop);
  order->set_customer_user_id(kCustomer);
  order->set_customer_name("Camille Martin");
  order->set_customer_phone("+33612345678");
  order->set_fulfilment("delivery");
  *order->mutable_slot_start() = TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(At(9)));
  *order->mutable_slot_end() = TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(At(11)));
  order->set_delivery_address(absl::StrCat(i, " rue de la Mairie"));
  order->set_delivery_commune_insee(commune);
  order->set_delivery_postal_code("71000");
  order->set_version(version);
  orders::v1::OrderLineSnapshot* line = order->add_lines();
  line->set_name("Bleu de Bresse");
  line->set_quantity(1);
  line->set_sale_unit("pièce");
  return {.entry_id = "",
          .id = absl::StrCat("e0000000-0000-4000-8000-", 100000000000 + i * 100 + version),
          .type = kOrderEventType,
          .aggregate = OrderId(i),
          .payload = event.SerializeAsString()};
}

class RoundsStorageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(db_, ScratchDatabase::Create({.roles = {"delivery"}}));
    std::vector<common::PreparedStatement> statements = PgSlotRepository::Statements();
    for (auto& s : PgZoneRepository::Statements()) statements.push_back(s);
    for (auto& s : PgRoundRepository::Statements()) statements.push_back(s);
    for (auto& s : PgCommuneDirectory::Statements()) statements.push_back(s);
    ASSERT_OK_AND_ASSIGN(pool_, db_->MigratedPool("delivery", Migrations(), std::move(statements)));
    slot_repository_ = std::make_unique<PgSlotRepository>(*pool_);
    zone_repository_ = std::make_unique<PgZoneRepository>(*pool_);
    round_repository_ = std::make_unique<PgRoundRepository>(*pool_);
    communes_ = std::make_unique<PgCommuneDirectory>(*pool_);
    geocoder_ = std::make_unique<CommuneCentreGeocoder>(*communes_);
    order_handler_ = std::make_unique<OrderEventHandler>(*geocoder_, Paris());
    ASSERT_OK_AND_ASSIGN(SlotCalendar calendar, SlotCalendar::ForParis());
    slots_ = std::make_unique<SlotService>(*slot_repository_, calendar);
    zones_ = std::make_unique<ZoneService>(*zone_repository_, *communes_, *slots_);
    rounds_ = std::make_unique<RoundService>(*round_repository_, *zone_repository_, travel_,
                                             Paris(), [] { return At(6); });
  }

  absl::Status Apply(const common::StreamEvent& event) {
    return pool_->RunStatus(Soon(), [&](pqxx::work& tx) {
      if (event.type == kShopEventType) return HandleShopEvent(event, tx);
      return order_handler_->Handle(event, tx);
    });
  }

  std::unique_ptr<ScratchDatabase> db_;
  std::unique_ptr<common::PgPool> pool_;
  // Built in SetUp, once the pool exists.
  std::unique_ptr<PgSlotRepository> slot_repository_;
  std::unique_ptr<PgZoneRepository> zone_repository_;
  std::unique_ptr<PgRoundRepository> round_repository_;
  std::unique_ptr<PgCommuneDirectory> communes_;
  std::unique_ptr<CommuneCentreGeocoder> geocoder_;
  std::unique_ptr<OrderEventHandler> order_handler_;
  const routing::HaversineTravelModel travel_{{.detour_factor = 1.3, .average_speed_kmh = 50}};
  std::unique_ptr<SlotService> slots_;
  std::unique_ptr<ZoneService> zones_;
  std::unique_ptr<RoundService> rounds_;
};

TEST_F(RoundsStorageTest, ZonesRoundTripAndQuotesResolveCommunesDepartmentsAndRadius) {
  ASSERT_OK(Apply(ShopEventOf(2, "active")));
  ASSERT_OK(Apply(ShopEventOf(1, "suspended")));  // older: ignored
  ASSERT_OK_AND_ASSIGN(
      auto stored,
      zones_->ReplaceZones(Member(), kShop,
                           {{.name = "Autour de Mâcon", .radius_km = 15, .fee_cents = 300},
                            {.name = "Saône-et-Loire",
                             .departments = {"71"},
                             .fee_cents = 800,
                             .minimum_order_cents = 2500},
                            {.name = "Lormes", .communes = {"58145"}, .fee_cents = 1500}},
                           Soon()));
  ASSERT_EQ(stored.size(), 3u);
  ASSERT_OK_AND_ASSIGN(auto listed, zones_->ListZones(kShop, Soon()));
  ASSERT_EQ(listed.size(), 3u);
  EXPECT_EQ(listed[1].departments, std::vector<std::string>{"71"});
  EXPECT_EQ(listed[2].communes, std::vector<std::string>{"58145"});

  // No delivery slots yet: a covered commune is refused for want of slots, not of zones.
  ASSERT_OK_AND_ASSIGN(Quote quote, zones_->QuoteDelivery(kShop, "71105", 1000, Soon()));
  EXPECT_FALSE(quote.decision.deliverable);
  EXPECT_NE(quote.decision.refusal.find("créneau"), std::string::npos) << quote.decision.refusal;
  std::vector<SlotTemplate> templates;
  for (int d = 1; d <= 7; ++d) {
    templates.push_back({.kind = SlotKind::kDelivery,
                         .weekday = d,
                         .start_minute = 540,
                         .end_minute = 660,
                         .capacity = 5,
                         .cutoff_minute = 0});
  }
  ASSERT_OK(slots_->ReplaceTemplates(Member(), kShop, templates, Soon()).status());
  // Charnay-lès-Mâcon (71105), 3 km away: the radius zone.
  ASSERT_OK_AND_ASSIGN(quote, zones_->QuoteDelivery(kShop, "71105", 1000, Soon()));
  ASSERT_TRUE(quote.decision.deliverable) << quote.decision.refusal;
  EXPECT_EQ(quote.decision.fee_cents, 300);
  EXPECT_FALSE(quote.next_slots.empty());
  // Le Creusot (71153): only the department zone, with its minimum.
  ASSERT_OK_AND_ASSIGN(quote, zones_->QuoteDelivery(kShop, "71153", 1000, Soon()));
  EXPECT_FALSE(quote.decision.deliverable);
  EXPECT_EQ(quote.decision.refusal,
            "Commande minimum de 25,00\u00a0€ pour une livraison au Creusot.");
  ASSERT_OK_AND_ASSIGN(quote, zones_->QuoteDelivery(kShop, "21231", 9000, Soon()));
  EXPECT_FALSE(quote.decision.deliverable);
  EXPECT_EQ(quote.decision.refusal.rfind("Cette boutique ne livre pas ", 0), 0u);
  EXPECT_THAT(zones_->QuoteDelivery(kShop, "99999", 9000, Soon()).status(),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(RoundsStorageTest, AcceptedDeliveryOrdersBecomeJobsOnceAndCancellationsCancelThem) {
  ASSERT_OK(Apply(OrderEventOf(1, orders::v1::OrderEvent::ACCEPTED, 3)));
  ASSERT_OK(Apply(OrderEventOf(1, orders::v1::OrderEvent::ACCEPTED, 3)));  // replay
  ASSERT_OK(Apply(OrderEventOf(1, orders::v1::OrderEvent::READY, 4)));
  ASSERT_OK(Apply(OrderEventOf(2, orders::v1::OrderEvent::ACCEPTED, 3)));
  ASSERT_OK(Apply(OrderEventOf(2, orders::v1::OrderEvent::CANCELLED, 4)));
  ASSERT_OK(Apply(OrderEventOf(2, orders::v1::OrderEvent::ACCEPTED, 3)));  // late, older
  common::StreamEvent pickup = OrderEventOf(3, orders::v1::OrderEvent::ACCEPTED, 3);
  {
    orders::v1::OrderEvent e;
    ASSERT_TRUE(e.ParseFromString(pickup.payload));
    e.mutable_order()->set_fulfilment("pickup");
    pickup.payload = e.SerializeAsString();
  }
  ASSERT_OK(Apply(pickup));
  EXPECT_THAT(Apply(OrderEventOf(4, orders::v1::OrderEvent::ACCEPTED, 3, "99999")),
              StatusIs(absl::StatusCode::kInvalidArgument));

  ASSERT_OK_AND_ASSIGN(auto jobs,
                       round_repository_->JobsToPlan(kShop, absl::CivilDay(2026, 6, 12), Soon()));
  ASSERT_EQ(jobs.size(), 1u);
  const Job& job = jobs[0];
  EXPECT_EQ(job.order_id, OrderId(1));
  EXPECT_EQ(job.commune_name, "Charnay-lès-Mâcon");
  EXPECT_NEAR(job.point.latitude, 46.3, 0.1);
  EXPECT_EQ(job.window_start, At(9));
  ASSERT_EQ(job.lines.size(), 1u);
  EXPECT_EQ(job.lines[0].name, "Bleu de Bresse");
}

TEST_F(RoundsStorageTest, PlannedRoundListsStopsInOrderAndCompletingAStopPublishesItsEvent) {
  ASSERT_OK(Apply(ShopEventOf(1, "active")));
  const std::vector<std::string> communes = {"71105", "71150", "71169", "71074", "71235"};
  for (size_t i = 0; i < communes.size(); ++i) {
    ASSERT_OK(Apply(
        OrderEventOf(static_cast<int>(i + 10), orders::v1::OrderEvent::ACCEPTED, 3, communes[i])));
  }
  ASSERT_OK_AND_ASSIGN(RoundsPlanned planned,
                       rounds_->Plan(Member(),
                                     {.date = "2026-06-12",
                                      .depot_shop = kShop,
                                      .couriers = {{.courier_id = kCourier, .capacity = 10}},
                                      .time_budget_ms = 300},
                                     Soon()));
  ASSERT_EQ(planned.rounds.size(), 1u)
      << (planned.unassigned.empty() ? "" : planned.unassigned[0].reason);
  const RoundRecord& round = planned.rounds[0];
  ASSERT_EQ(round.stops.size(), communes.size());
  EXPECT_EQ(round.depot_name, "Épicerie de Mâcon");
  ASSERT_OK_AND_ASSIGN(RoundRecord read, round_repository_->GetRound(round.id, Soon()));
  for (size_t i = 0; i < read.stops.size(); ++i) {
    EXPECT_EQ(read.stops[i].position, static_cast<int>(i + 1));
    EXPECT_EQ(read.stops[i].job.order_id, round.stops[i].job.order_id);
    if (i > 0) {
      EXPECT_GE(read.stops[i].eta, read.stops[i - 1].eta);
    }
    EXPECT_LE(read.stops[i].eta, read.stops[i].job.window_end);
  }
  const common::Caller courier{
      .user_id = kCourier, .roles = {common::kRoleCourier}, .shop_ids = {}};
  ASSERT_OK_AND_ASSIGN(auto mine, rounds_->MyRounds(courier, "2026-06-12", Soon()));
  ASSERT_EQ(mine.size(), 1u);

  ASSERT_OK_AND_ASSIGN(StopRecord done, rounds_->UpdateStop(courier, read.stops[0].id,
                                                            StopAction::kComplete, "", Soon()));
  EXPECT_EQ(done.status, StopStatus::kDelivered);
  ASSERT_OK(rounds_->UpdateStop(courier, read.stops[0].id, StopAction::kComplete, "", Soon())
                .status());  // a retry writes nothing

  // A cancelled order's planned stop is cancelled and cannot be delivered.
  ASSERT_OK(Apply(OrderEventOf(11, orders::v1::OrderEvent::CANCELLED, 5)));
  ASSERT_OK_AND_ASSIGN(read, round_repository_->GetRound(round.id, Soon()));
  for (const StopRecord& s : read.stops) {
    if (s.job.order_id != OrderId(11)) continue;
    EXPECT_EQ(s.status, StopStatus::kCancelled);
    EXPECT_THAT(rounds_->UpdateStop(courier, s.id, StopAction::kComplete, "", Soon()).status(),
                StatusIs(absl::StatusCode::kFailedPrecondition));
  }

  ASSERT_OK_AND_ASSIGN(auto redis_server, ScratchRedis::Create());
  common::RedisPoolOptions redis_options;
  redis_options.url = redis_server->url();
  common::RedisPool redis(redis_options);
  common::OutboxRelayOptions relay_options;
  relay_options.schema = "delivery";
  relay_options.stream = "events:delivery";
  common::OutboxRelay relay(*pool_, redis, relay_options);
  ASSERT_OK_AND_ASSIGN(int published, relay.PublishOnce());
  EXPECT_EQ(published, 2);  // PICKED_UP then DELIVERED
  ASSERT_OK_AND_ASSIGN(common::RedisReply range,
                       redis.Command({"XRANGE", "events:delivery", "-", "+"}));
  ASSERT_EQ(range.elements.size(), 2u);
  std::map<std::string, std::string> fields;
  const common::RedisReply& f = range.elements[1].elements[1];
  for (size_t i = 0; i + 1 < f.elements.size(); i += 2)
    fields[f.elements[i].str] = f.elements[i + 1].str;
  EXPECT_EQ(fields["type"], "comptoir.delivery.v1.StopEvent");
  EXPECT_EQ(fields["aggregate"], read.stops[0].job.order_id);
  v1::StopEvent event;
  ASSERT_TRUE(event.ParseFromString(fields["payload"]));
  EXPECT_EQ(event.kind(), v1::StopEvent::DELIVERED);
  EXPECT_EQ(event.stop_id(), read.stops[0].id);
  EXPECT_EQ(event.round_id(), round.id);
  EXPECT_EQ(event.courier_user_id(), kCourier);
}

TEST_F(RoundsStorageTest, ReplanningReplacesRoundsNotStartedAndKeepsStartedOnes) {
  ASSERT_OK(Apply(ShopEventOf(1, "active")));
  const std::vector<std::string> communes = {"71105", "71150", "71169", "71074"};
  for (size_t i = 0; i < communes.size(); ++i) {
    ASSERT_OK(Apply(
        OrderEventOf(static_cast<int>(i + 20), orders::v1::OrderEvent::ACCEPTED, 3, communes[i])));
  }
  const PlanRoundsInput input{.date = "2026-06-12",
                              .depot_shop = kShop,
                              .couriers = {{.courier_id = kCourier, .capacity = 2},
                                           {.courier_id = kCourierB, .capacity = 2}},
                              .time_budget_ms = 200};
  ASSERT_OK_AND_ASSIGN(RoundsPlanned first, rounds_->Plan(Member(), input, Soon()));
  ASSERT_EQ(first.rounds.size(), 2u);
  const RoundRecord& started = first.rounds[0];
  const common::Caller driver{
      .user_id = started.courier_user_id, .roles = {common::kRoleCourier}, .shop_ids = {}};
  ASSERT_OK(
      rounds_->UpdateStop(driver, started.stops[0].id, StopAction::kPickUp, "", Soon()).status());

  ASSERT_OK_AND_ASSIGN(RoundsPlanned second, rounds_->Plan(Member(), input, Soon()));
  EXPECT_EQ(second.replaced_round_ids, std::vector<std::string>{first.rounds[1].id});
  EXPECT_THAT(round_repository_->GetRound(first.rounds[1].id, Soon()).status(),
              StatusIs(absl::StatusCode::kNotFound));
  ASSERT_OK_AND_ASSIGN(RoundRecord kept, round_repository_->GetRound(started.id, Soon()));
  ASSERT_EQ(kept.stops.size(), started.stops.size());
  EXPECT_EQ(kept.stops[0].status, StopStatus::kPickedUp);
  // The replaced round's jobs are planned again, and only them.
  std::set<std::string> expected, replanned;
  for (const StopRecord& stop : first.rounds[1].stops) expected.insert(stop.job.order_id);
  for (const RoundRecord& round : second.rounds) {
    for (const StopRecord& stop : round.stops) replanned.insert(stop.job.order_id);
  }
  for (const UnplannedJob& u : second.unassigned) replanned.insert(u.order_id);
  EXPECT_EQ(replanned, expected);
  // Nothing is left pending or twice in a live stop.
  ASSERT_OK_AND_ASSIGN(auto pending,
                       round_repository_->JobsToPlan(kShop, absl::CivilDay(2026, 6, 12), Soon()));
  EXPECT_EQ(pending.size(), second.unassigned.size());
}

TEST_F(RoundsStorageTest, AccountDataExportsAndErasesTheCustomersDeliveries) {
  ASSERT_OK(Apply(ShopEventOf(1, "active")));
  ASSERT_OK(Apply(OrderEventOf(30, orders::v1::OrderEvent::ACCEPTED, 3)));
  ASSERT_OK_AND_ASSIGN(PersonalData data, rounds_->ExportAccountData(kCustomer, Soon()));
  ASSERT_EQ(data.deliveries.size(), 1u);
  EXPECT_EQ(data.deliveries[0].customer_name, "Camille Martin");
  EXPECT_EQ(data.deliveries[0].address, "30 rue de la Mairie");
  ASSERT_EQ(data.deliveries[0].lines.size(), 1u);
  ASSERT_OK(rounds_->EraseAccountData(kCustomer, Soon()));
  ASSERT_OK(rounds_->EraseAccountData(kCustomer, Soon()));
  ASSERT_OK_AND_ASSIGN(data, rounds_->ExportAccountData(kCustomer, Soon()));
  ASSERT_EQ(data.deliveries.size(), 1u);
  EXPECT_EQ(data.deliveries[0].customer_name, "Compte supprimé");
  EXPECT_EQ(data.deliveries[0].customer_phone, "");
  EXPECT_EQ(data.deliveries[0].address, "");
  // The job stays plannable (commune point and window are kept).
  ASSERT_OK_AND_ASSIGN(auto pending,
                       round_repository_->JobsToPlan(kShop, absl::CivilDay(2026, 6, 12), Soon()));
  EXPECT_EQ(pending.size(), 1u);
}

}  // namespace
}  // namespace comptoir::delivery
