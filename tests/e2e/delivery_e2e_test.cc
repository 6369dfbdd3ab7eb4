// Delivery end to end over real HTTP: a fresh database and a private Redis, the real
// comptoir-delivery and comptoir-gateway binaries on free ports, shop and order events added
// to the streams as the shops and orders services would, then requests as clients send them:
// a shopkeeper sets zones and slots, a resident gets a quote, the shop plans the day's rounds,
// each courier reads only their own round and its road sheet, and completing a stop publishes
// its StopEvent on `events:delivery`.
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <pqxx/pqxx>
#include <string>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "comptoir/common/auth.h"
#include "comptoir/common/redis_pool.h"
#include "comptoir/common/status.h"
#include "comptoir/delivery/v1/delivery.pb.h"
#include "comptoir/delivery/v1/events.pb.h"
#include "comptoir/orders/v1/events.pb.h"
#include "comptoir/shops/v1/events.pb.h"
#include "e2e_stack.h"
#include "google/protobuf/util/time_util.h"
#include "http_client.h"
#include "process.h"
#include "scratch_database.h"
#include "scratch_redis.h"
#include "status_testing.h"

namespace comptoir::testing {
namespace {

using google::protobuf::util::JsonStringToMessage;
using google::protobuf::util::TimeUtil;
namespace v1 = comptoir::delivery::v1;

constexpr char kShop[] = "5a0f3c2e-8d1b-4c6a-9e7f-00000000d001";
constexpr char kKeeper[] = "7c2f3c2e-8d1b-4c6a-9e7f-00000000d0aa";
constexpr char kCourierA[] = "7c2f3c2e-8d1b-4c6a-9e7f-00000000d0ca";
constexpr char kCourierB[] = "7c2f3c2e-8d1b-4c6a-9e7f-00000000d0cb";
constexpr char kInternal[] = "e2e-internal-credential";

absl::TimeZone Paris() {
  absl::TimeZone zone;
  EXPECT_TRUE(absl::LoadTimeZone("Europe/Paris", &zone));
  return zone;
}

// Tomorrow in Paris: a day whose slots are still open whatever the hour of the run.
absl::CivilDay Tomorrow() { return absl::ToCivilDay(absl::Now(), Paris()) + 1; }
std::string TomorrowText() {
  const absl::CivilDay d = Tomorrow();
  return absl::StrFormat("%04d-%02d-%02d", d.year(), d.month(), d.day());
}

class Stack {
 public:
  static Stack& Get() {
    static Stack* stack = new Stack();
    return *stack;
  }
  int http_port() const { return http_port_; }
  const std::string& admin_url() const { return db_->admin_url(); }
  common::RedisPool& redis() { return *redis_; }
  std::string Token(const std::string& user, std::vector<std::string> roles,
                    std::vector<std::string> shops) const {
    common::TokenClaims claims;
    claims.subject = user;
    claims.roles = std::move(roles);
    claims.shop_ids = std::move(shops);
    claims.issuer = "comptoir-accounts";
    claims.audience = "comptoir";
    claims.issued_at = absl::Now();
    claims.not_before = absl::Now() - absl::Minutes(1);
    claims.expires_at = absl::Now() + absl::Minutes(10);
    claims.token_id = "e2e";
    return common::TokenSigner(key_).Sign(claims);
  }
  // Adds an event to a stream as the owner's outbox relay would.
  void Publish(const std::string& stream, const std::string& id, const std::string& type,
               const std::string& aggregate, const std::string& payload) {
    absl::StatusOr<common::RedisReply> added = redis_->Command(
        {"XADD", stream, "*", "id", id, "type", type, "aggregate", aggregate, "payload", payload});
    EXPECT_TRUE(added.ok()) << added.status();
  }
  std::string error;

 private:
  Stack() : key_(common::GenerateSigningKey("e2e")) {
    if (absl::Status started = Start(); !started.ok()) error = started.ToString();
  }

  absl::Status Start() {
    ASSIGN_OR_RETURN(db_, ScratchDatabase::Create());
    // A private Redis: the streams this test feeds are not shared with other tests.
    ASSIGN_OR_RETURN(redis_server_, ScratchRedis::Create());
    common::RedisPoolOptions redis_options;
    redis_options.url = redis_server_->url();
    redis_ = std::make_unique<common::RedisPool>(redis_options);
    std::map<std::string, std::string> env = {{"PG_URL", db_->RoleUrl("delivery")},
                                              {"REDIS_URL", redis_server_->url()},
                                              {"AUTH_PUBLIC_KEYS", common::FormatPublicKey(key_)},
                                              {"INTERNAL_CREDENTIAL", kInternal}};
    RETURN_IF_ERROR(RunToCompletion(BinaryPath("comptoir-delivery"), {"migrate"}, env));
    ASSIGN_OR_RETURN(StartedService delivery, StartService(BinaryPath("comptoir-delivery"), env));
    delivery_ = std::move(delivery.process);
    ASSIGN_OR_RETURN(StartedGateway gateway,
                     StartGateway("comptoir.delivery.v1.DeliveryService=" + delivery.address(),
                                  {{"AUTH_PUBLIC_KEYS", common::FormatPublicKey(key_)},
                                   {"REDIS_URL", redis_server_->url()},
                                   {"MICRO_CACHE_TTL", "0"},
                                   {"SHARED_CACHE_TTL", "0"}}));
    gateway_ = std::move(gateway.process);
    http_port_ = gateway.http_port;
    return absl::OkStatus();
  }

  common::SigningKey key_;
  std::unique_ptr<ScratchDatabase> db_;
  std::unique_ptr<ScratchRedis> redis_server_;
  std::unique_ptr<common::RedisPool> redis_;
  std::unique_ptr<ChildProcess> delivery_;
  std::unique_ptr<ChildProcess> gateway_;
  int http_port_ = 0;
};

class DeliveryEndToEnd : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(Stack::Get().error, "") << "stack failed to start"; }

  HttpResponse Call(const std::string& method, const std::string& target,
                    const std::string& body = "", const std::string& token = "") {
    std::map<std::string, std::string> headers;
    if (!token.empty()) headers["authorization"] = "Bearer " + token;
    return HttpRequest(Stack::Get().http_port(), method, target, body, headers);
  }
  std::string Keeper() { return Stack::Get().Token(kKeeper, {"resident"}, {kShop}); }
  std::string Courier(const char* id) {
    return Stack::Get().Token(id, {"resident", "courier"}, {});
  }

  // Waits (at most 15 s) until `ready` holds: events are consumed asynchronously.
  template <typename F>
  bool Eventually(F ready) {
    for (int i = 0; i < 150; ++i) {
      if (ready()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }

  int64_t Count(const std::string& sql) {
    pqxx::connection conn(Stack::Get().admin_url());
    pqxx::work tx(conn);
    return tx.exec1(sql)[0].as<int64_t>();
  }

  void PublishShop() {
    shops::v1::ShopEvent event;
    event.set_kind(shops::v1::ShopEvent::APPROVED);
    shops::v1::ShopSnapshot* shop = event.mutable_shop();
    shop->set_id(kShop);
    shop->set_name("Épicerie du Mâconnais");
    shop->set_status("active");
    shop->set_commune_insee("71270");
    shop->set_latitude(46.3265);
    shop->set_longitude(4.8083);
    shop->set_version(1);
    Stack::Get().Publish("events:shops", "e5000000-0000-4000-8000-00000000d001",
                         "comptoir.shops.v1.ShopEvent", kShop, event.SerializeAsString());
  }

  void PublishAcceptedOrder(int i, const std::string& commune) {
    orders::v1::OrderEvent event;
    event.set_kind(orders::v1::OrderEvent::ACCEPTED);
    orders::v1::OrderSnapshot* order = event.mutable_order();
    order->set_id(absl::StrFormat("0dd00000-0000-4000-8000-0000000d%04d", i));
    order->set_number(absl::StrFormat("CPT-2026-%06d", i));
    order->set_shop_id(kShop);
    order->set_customer_name("Client " + std::to_string(i));
    order->set_customer_phone("0385000000");
    order->set_status("accepted");
    order->set_fulfilment("delivery");
    const absl::Time start = absl::FromCivil(absl::CivilMinute(Tomorrow()) + 9 * 60, Paris());
    *order->mutable_slot_start() = TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(start));
    *order->mutable_slot_end() =
        TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(start + absl::Hours(2)));
    order->set_delivery_address(absl::StrCat(i, " grande rue"));
    order->set_delivery_commune_insee(commune);
    order->set_version(2);
    orders::v1::OrderLineSnapshot* line = order->add_lines();
    line->set_name("Mâcon blanc");
    line->set_quantity(2);
    line->set_sale_unit("bouteille 75 cl");
    Stack::Get().Publish("events:orders",
                         absl::StrFormat("e0000000-0000-4000-8000-0000000d%04d", i),
                         "comptoir.orders.v1.OrderEvent", order->id(), event.SerializeAsString());
  }
};

TEST_F(DeliveryEndToEnd, ZonesAndQuoteThenPlannedRoundsCourierSheetsAndStopEvents) {
  PublishShop();
  // The shop is known once the quote stops answering 404.
  ASSERT_TRUE(Eventually([&] {
    return Call("POST", "/v1/delivery-quotes",
                absl::StrCat(R"({"shop":")", kShop, R"(","communeInsee":"71105"})"))
               .status == 200;
  }));

  // Zones: shop members write, others are turned away, anyone reads.
  const std::string zones = R"({"zones":[
      {"name":"Mâcon et alentours","radiusKm":12,"feeCents":"350","minimumOrderCents":"1500",
       "freeDeliveryThresholdCents":"5000"},
      {"name":"Communes choisies","communes":["71106"],"feeCents":"900"}]})";
  const std::string zones_path = absl::StrCat("/v1/shops/", kShop, "/delivery-zones");
  EXPECT_EQ(Call("PUT", zones_path, zones).status, 401);
  EXPECT_EQ(Call("PUT", zones_path, zones, Courier(kCourierA)).status, 403);
  HttpResponse bad = Call("PUT", zones_path, R"({"zones":[{"name":"","radiusKm":500}]})", Keeper());
  EXPECT_EQ(bad.status, 400) << bad.body;
  EXPECT_TRUE(absl::StrContains(bad.body, "zones[0].radius_km")) << bad.body;
  HttpResponse put = Call("PUT", zones_path, zones, Keeper());
  ASSERT_EQ(put.status, 200) << put.body;
  HttpResponse got = Call("GET", zones_path);
  ASSERT_EQ(got.status, 200) << got.body;
  v1::DeliveryZones read;
  ASSERT_TRUE(JsonStringToMessage(got.body, &read).ok()) << got.body;
  ASSERT_EQ(read.zones_size(), 2);
  EXPECT_EQ(read.zones(1).communes(0), "71106");

  // Delivery slots every day 09:00-11:00, 5 orders, until 18:00 the day before.
  std::string templates = R"({"slotTemplates":[)";
  for (int d = 1; d <= 7; ++d) {
    absl::StrAppend(&templates, d > 1 ? "," : "", R"({"kind":"SLOT_KIND_DELIVERY","weekday":)", d,
                    R"(,"startMinute":540,"endMinute":660,"capacity":5,"cutoffDaysBefore":1,)",
                    R"("cutoffMinute":1080})");
  }
  templates += "]}";
  ASSERT_EQ(
      Call("PUT", absl::StrCat("/v1/shops/", kShop, "/slot-templates"), templates, Keeper()).status,
      200);

  HttpResponse quoted = Call(
      "POST", "/v1/delivery-quotes",
      absl::StrCat(R"({"shop":")", kShop, R"(","communeInsee":"71105","basketCents":"2000"})"));
  ASSERT_EQ(quoted.status, 200) << quoted.body;
  v1::DeliveryQuote quote;
  ASSERT_TRUE(JsonStringToMessage(quoted.body, &quote).ok()) << quoted.body;
  EXPECT_TRUE(quote.deliverable()) << quote.refusal();
  EXPECT_EQ(quote.fee_cents(), 350);
  EXPECT_EQ(quote.free_delivery_threshold_cents(), 5000);
  EXPECT_FALSE(quote.next_slots().empty());
  quoted = Call(
      "POST", "/v1/delivery-quotes",
      absl::StrCat(R"({"shop":")", kShop, R"(","communeInsee":"58145","basketCents":"9000"})"));
  ASSERT_TRUE(JsonStringToMessage(quoted.body, &quote).ok()) << quoted.body;
  EXPECT_FALSE(quote.deliverable());
  EXPECT_EQ(quote.refusal(), "Cette boutique ne livre pas à Lormes.");

  // Accepted delivery orders become jobs; the shop plans tomorrow's rounds with two couriers.
  const std::vector<std::string> communes = {"71105", "71497", "71235", "71556"};
  for (size_t i = 0; i < communes.size(); ++i)
    PublishAcceptedOrder(static_cast<int>(i + 1), communes[i]);
  ASSERT_TRUE(Eventually([&] { return Count("SELECT count(*) FROM delivery.jobs") == 4; }));
  const std::string plan = absl::StrCat(R"({"date":")", TomorrowText(), R"(","depotShop":")", kShop,
                                        R"(","couriers":[{"courierUserId":")", kCourierA,
                                        R"(","capacity":2},{"courierUserId":")", kCourierB,
                                        R"(","capacity":2}],"timeBudgetMs":300})");
  EXPECT_EQ(Call("POST", "/v1/rounds:plan", plan, Courier(kCourierA)).status, 403);
  HttpResponse planned = Call("POST", "/v1/rounds:plan", plan, Keeper());
  ASSERT_EQ(planned.status, 200) << planned.body;
  v1::PlanRoundsResponse rounds;
  ASSERT_TRUE(JsonStringToMessage(planned.body, &rounds).ok()) << planned.body;
  ASSERT_EQ(rounds.rounds_size(), 2) << planned.body;
  EXPECT_EQ(rounds.unassigned_size(), 0);
  const v1::Round& a =
      rounds.rounds(0).courier_user_id() == kCourierA ? rounds.rounds(0) : rounds.rounds(1);
  const v1::Round& b = &a == &rounds.rounds(0) ? rounds.rounds(1) : rounds.rounds(0);

  // Each courier reads only their own round.
  HttpResponse mine =
      Call("GET", "/v1/couriers/me/rounds?date=" + TomorrowText(), "", Courier(kCourierA));
  ASSERT_EQ(mine.status, 200) << mine.body;
  v1::ListRoundsResponse my_rounds;
  ASSERT_TRUE(JsonStringToMessage(mine.body, &my_rounds).ok()) << mine.body;
  ASSERT_EQ(my_rounds.rounds_size(), 1);
  EXPECT_EQ(my_rounds.rounds(0).id(), a.id());
  EXPECT_EQ(Call("GET", "/v1/rounds/" + a.id(), "", Courier(kCourierA)).status, 200);
  EXPECT_EQ(Call("GET", "/v1/rounds/" + b.id(), "", Courier(kCourierA)).status, 404);
  EXPECT_EQ(Call("GET", "/v1/couriers/me/rounds", "", Keeper()).status, 403);

  // The road sheet lists the stops in driving order.
  HttpResponse sheet =
      Call("GET", "/v1/rounds/" + a.id() + "/sheet?format=csv", "", Courier(kCourierA));
  ASSERT_EQ(sheet.status, 200) << sheet.body;
  v1::RoadSheet road_sheet;
  ASSERT_TRUE(JsonStringToMessage(sheet.body, &road_sheet).ok());
  const std::vector<std::string> lines =
      absl::StrSplit(road_sheet.content(), "\r\n", absl::SkipEmpty());
  ASSERT_EQ(lines.size(), static_cast<size_t>(a.stops_size() + 1));
  for (int i = 0; i < a.stops_size(); ++i) {
    EXPECT_TRUE(absl::StartsWith(lines[i + 1], absl::StrCat(i + 1, ";"))) << lines[i + 1];
    EXPECT_TRUE(absl::StrContains(lines[i + 1], a.stops(i).order_number())) << lines[i + 1];
  }

  // Completing a stop: B may not, A does, and the event reaches `events:delivery`.
  const v1::Stop& stop = a.stops(0);
  EXPECT_EQ(Call("POST", "/v1/stops/" + stop.id() + ":complete", "{}", Courier(kCourierB)).status,
            404);
  HttpResponse done =
      Call("POST", "/v1/stops/" + stop.id() + ":complete", "{}", Courier(kCourierA));
  ASSERT_EQ(done.status, 200) << done.body;
  v1::Stop completed;
  ASSERT_TRUE(JsonStringToMessage(done.body, &completed).ok());
  EXPECT_EQ(completed.status(), v1::STOP_STATUS_DELIVERED);
  v1::StopEvent event;
  ASSERT_TRUE(Eventually([&] {
    absl::StatusOr<common::RedisReply> range =
        Stack::Get().redis().Command({"XRANGE", "events:delivery", "-", "+"});
    if (!range.ok() || range->elements.size() < 2) return false;
    const common::RedisReply& fields = range->elements.back().elements[1];
    for (size_t i = 0; i + 1 < fields.elements.size(); i += 2) {
      if (fields.elements[i].str == "payload") event.ParseFromString(fields.elements[i + 1].str);
    }
    return true;
  }));
  EXPECT_EQ(event.kind(), v1::StopEvent::DELIVERED);
  EXPECT_EQ(event.order_id(), stop.order_id());
  EXPECT_EQ(event.courier_user_id(), kCourierA);
}

TEST_F(DeliveryEndToEnd, ShopMembersCloseDaysToSlotsAndEveryoneSeesTheClosures) {
  const std::string path = absl::StrCat("/v1/shops/", kShop, "/slot-closures");
  const std::string first = absl::FormatCivilTime(Tomorrow() + 20);
  const std::string body = absl::StrCat(R"({"firstDate":")", first, R"(","lastDate":")",
                                        absl::FormatCivilTime(Tomorrow() + 22),
                                        R"(","reason":"Congés","delivery":true})");
  EXPECT_EQ(Call("POST", path, body, Courier(kCourierA)).status, 403);
  HttpResponse bad = Call("POST", path, R"({"firstDate":"2026-13-01","delivery":true})", Keeper());
  EXPECT_EQ(bad.status, 400) << bad.body;
  EXPECT_NE(bad.body.find("closure.first_date"), std::string::npos) << bad.body;
  HttpResponse created = Call("POST", path, body, Keeper());
  ASSERT_EQ(created.status, 200) << created.body;
  v1::CreateSlotClosureResponse closure;
  ASSERT_TRUE(JsonStringToMessage(created.body, &closure).ok()) << created.body;
  EXPECT_EQ(closure.closure().first_date(), first);

  HttpResponse listed = Call("GET", path, "");
  ASSERT_EQ(listed.status, 200) << listed.body;
  v1::ListSlotClosuresResponse closures;
  ASSERT_TRUE(JsonStringToMessage(listed.body, &closures).ok()) << listed.body;
  ASSERT_EQ(closures.closures_size(), 1);
  EXPECT_EQ(closures.closures(0).reason(), "Congés");

  const std::string one = absl::StrCat(path, "/", closure.closure().id());
  EXPECT_EQ(Call("DELETE", one, "", Courier(kCourierA)).status, 403);
  ASSERT_EQ(Call("DELETE", one, "", Keeper()).status, 200);
  EXPECT_EQ(Call("DELETE", one, "", Keeper()).status, 404);
}

}  // namespace
}  // namespace comptoir::testing
