// comptoir-delivery: the delivery service. Composition root only: configuration -> pool ->
// repository -> service -> gRPC server.
//
//   comptoir-delivery           serve (GRPC_LISTEN, METRICS_LISTEN, PG_URL, REDIS_URL,
//                               AUTH_PUBLIC_KEYS, INTERNAL_CREDENTIAL, ACCOUNTS_GRPC,
//                               ROAD_DETOUR_PERCENT, ROAD_SPEED_KMH, ...)
// Besides the gRPC server it runs the consumers of `events:shops` (depot points, hours) and
// `events:orders` (delivery jobs), and the relay of its outbox to `events:delivery`.
//   comptoir-delivery migrate   apply this service's schema migrations and exit
#include <grpcpp/create_channel.h>

#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

#include "account_data.h"
#include "comptoir/common/auth.h"
#include "comptoir/common/config.h"
#include "comptoir/common/deadline.h"
#include "comptoir/common/event_consumer.h"
#include "comptoir/common/grpc_channel.h"
#include "comptoir/common/grpc_server.h"
#include "comptoir/common/log.h"
#include "comptoir/common/outbox.h"
#include "comptoir/common/pg_pool.h"
#include "comptoir/common/redis_pool.h"
#include "comptoir/common/service_main.h"
#include "courier_directory.h"
#include "delivery_grpc.h"
#include "geo.h"
#include "order_events.h"
#include "pg_round_repository.h"
#include "pg_slot_repository.h"
#include "pg_zone_repository.h"
#include "round_service.h"
#include "shop_events.h"
#include "slot_service.h"
#include "zone_service.h"

namespace {

using namespace comptoir;  // NOLINT: composition root

int Serve(common::EnvConfig& env, const std::string& pg_url) {
  common::GrpcServerOptions server_options =
      common::GrpcServerOptionsFromEnv(env, "delivery", "127.0.0.1:50055", "127.0.0.1:9105");
  common::PgPoolOptions pg_options =
      common::PgPoolOptionsFromEnv(env, pg_url, delivery::PgSlotRepository::Statements());
  for (auto* statements :
       {&delivery::PgZoneRepository::Statements, &delivery::PgRoundRepository::Statements,
        &delivery::PgCommuneDirectory::Statements}) {
    for (common::PreparedStatement& s : (*statements)()) pg_options.statements.push_back(s);
  }
  common::RedisPoolOptions redis_options = common::RedisPoolOptionsFromEnv(env);
  // Great-circle distance times a detour factor, at an average speed: rural roads by default.
  const delivery::routing::HaversineTravelModel travel(
      {.detour_factor = env.Int("ROAD_DETOUR_PERCENT", 130, 100, 300) / 100.0,
       .average_speed_kmh = static_cast<double>(env.Int("ROAD_SPEED_KMH", 50, 5, 130))});
  const common::TokenVerifier verifier = common::TokenVerifier::FromEnv(env);
  const std::string internal_credential = env.Required("INTERNAL_CREDENTIAL");
  // Accounts answers which users are couriers (AccountsInternal/CheckRoles).
  const std::string accounts_address = env.String("ACCOUNTS_GRPC", "");
  const std::shared_ptr<grpc::ChannelCredentials> peer_credentials =
      common::ClientChannelCredentialsFromEnv(env);
  env.ExitIfInvalid("comptoir-delivery");

  // Slots are local times of Europe/Paris: without tzdata they would silently be UTC.
  absl::StatusOr<delivery::SlotCalendar> calendar = delivery::SlotCalendar::ForParis();
  if (!calendar.ok()) {
    LOG_ERROR("cannot start", {{"error", std::string(calendar.status().message())}});
    return 1;
  }
  common::PgPool pg(pg_options);
  common::RedisPool redis(redis_options);
  delivery::PgSlotRepository repository(pg);
  delivery::PgZoneRepository zone_repository(pg);
  delivery::SlotService slots(
      repository, *calendar, [] { return absl::Now(); }, &zone_repository);
  delivery::PgCommuneDirectory communes(pg);
  delivery::ZoneService zones(zone_repository, communes, slots);
  delivery::PgRoundRepository round_repository(pg);
  std::unique_ptr<delivery::GrpcCourierDirectory> couriers;
  if (accounts_address.empty()) {
    LOG_WARN("ACCOUNTS_GRPC not set: the couriers of a planning are not checked against accounts");
  } else {
    couriers = std::make_unique<delivery::GrpcCourierDirectory>(
        accounts::v1::AccountsInternal::NewStub(
            grpc::CreateChannel(accounts_address, peer_credentials)),
        internal_credential);
  }
  delivery::RoundService rounds(
      round_repository, zone_repository, travel, calendar->zone(), [] { return absl::Now(); },
      couriers.get());

  delivery::CommuneCentreGeocoder geocoder(communes);
  const delivery::OrderEventHandler order_handler(geocoder, calendar->zone());
  common::EventConsumerOptions shop_options;
  shop_options.stream = "events:shops";
  shop_options.group = "delivery";
  shop_options.schema = "delivery";
  common::EventConsumer shop_events(pg, redis, shop_options, delivery::HandleShopEvent);
  common::EventConsumerOptions order_options = shop_options;
  order_options.stream = "events:orders";
  common::EventConsumer order_events(
      pg, redis, order_options, [&order_handler](const common::StreamEvent& e, pqxx::work& tx) {
        return order_handler.Handle(e, tx);
      });
  common::OutboxRelayOptions relay_options;
  relay_options.schema = "delivery";
  relay_options.stream = "events:delivery";
  common::OutboxRelay relay(pg, redis, relay_options);

  server_options.readiness = common::DatabaseReadiness(pg);
  common::GrpcServer server(server_options);
  delivery::DeliveryGrpc public_grpc(slots, zones, rounds, verifier, server);
  delivery::DeliveryInternalGrpc internal_grpc(slots, internal_credential, server);
  server.AddService(&public_grpc);
  server.AddService(&internal_grpc);
  // Accounts calls it for "export my data" and "erase my account" (ACCOUNT_DATA_PEERS).
  delivery::DeliveryAccountData account_data(rounds);
  common::AccountDataGrpc account_data_grpc("delivery", account_data, internal_credential, server);
  server.AddService(&account_data_grpc);
  shop_events.Start();
  order_events.Start();
  relay.Start();
  const int exit_code = common::ServeUntilTerminated(server);
  relay.Stop();
  order_events.Stop();
  shop_events.Stop();
  return exit_code;
}

}  // namespace

int main(int argc, char** argv) {
  return comptoir::common::RunServiceMain(
      argc, argv,
      {.name = "delivery", .migrations = comptoir::delivery::Migrations, .serve = Serve});
}
