// comptoir-orders: the orders service. Composition root only: configuration -> pools ->
// repository, cart store, peers -> service -> gRPC server, plus the outbox relay of order
// events, the consumer of delivery's stop events and the reconciler.
//
//   comptoir-orders           serve (GRPC_LISTEN, METRICS_LISTEN, PG_URL, REDIS_URL,
//                             CATALOGUE_GRPC, DELIVERY_GRPC, AUTH_PUBLIC_KEYS,
//                             INTERNAL_CREDENTIAL, CHECKOUT_CLAIM, RECONCILE_INTERVAL, ...)
//   comptoir-orders migrate   apply this service's schema migrations and exit
#include <grpcpp/create_channel.h>

#include <string>

#include "comptoir/common/account_data_grpc.h"
#include "comptoir/common/auth.h"
#include "comptoir/common/config.h"
#include "comptoir/common/event_consumer.h"
#include "comptoir/common/grpc_channel.h"
#include "comptoir/common/grpc_server.h"
#include "comptoir/common/log.h"
#include "comptoir/common/outbox.h"
#include "comptoir/common/pg_pool.h"
#include "comptoir/common/redis_pool.h"
#include "comptoir/common/service_main.h"
#include "delivery_events.h"
#include "grpc_peers.h"
#include "orders_grpc.h"
#include "orders_service.h"
#include "pg_orders_repository.h"
#include "reconciler.h"

namespace {

using namespace comptoir;  // NOLINT: composition root

int Serve(common::EnvConfig& env, const std::string& pg_url) {
  common::GrpcServerOptions server_options =
      common::GrpcServerOptionsFromEnv(env, "orders", "127.0.0.1:50054", "127.0.0.1:9104");
  common::PgPoolOptions pg_options =
      common::PgPoolOptionsFromEnv(env, pg_url, orders::PgOrdersRepository::Statements());
  common::RedisPoolOptions redis_options = common::RedisPoolOptionsFromEnv(env);
  const common::TokenVerifier verifier = common::TokenVerifier::FromEnv(env);
  const std::string internal_credential = env.Required("INTERNAL_CREDENTIAL");
  const std::string catalogue_address = env.String("CATALOGUE_GRPC", "127.0.0.1:50053");
  const std::string delivery_address = env.String("DELIVERY_GRPC", "127.0.0.1:50055");
  const std::shared_ptr<grpc::ChannelCredentials> peer_credentials =
      common::ClientChannelCredentialsFromEnv(env);
  orders::OrdersServiceOptions service_options;
  service_options.checkout_claim =
      absl::FromChrono(env.Duration("CHECKOUT_CLAIM", std::chrono::milliseconds(30000)));
  service_options.peer_timeout = env.Duration("PEER_TIMEOUT", service_options.peer_timeout);
  const std::chrono::milliseconds reconcile_interval =
      env.Duration("RECONCILE_INTERVAL", std::chrono::milliseconds(2000));
  orders::WatchOptions watch_options;
  watch_options.max_watchers = static_cast<int>(env.Int("MAX_WATCHERS", 64, 1, 10000));
  env.ExitIfInvalid("comptoir-orders");

  common::PgPool pg(pg_options);
  common::RedisPool redis(redis_options);
  // Inbox streams block in XREAD: their own connections, with room for the block.
  common::RedisPoolOptions watch_redis_options = redis_options;
  watch_redis_options.size = static_cast<std::size_t>(watch_options.max_watchers);
  watch_redis_options.command_timeout = watch_options.block + std::chrono::milliseconds(2000);
  common::RedisPool watch_redis(watch_redis_options);

  orders::PgOrdersRepository repository(pg);
  orders::RedisCartStore carts(redis);
  orders::GrpcCatalogue catalogue(grpc::CreateChannel(catalogue_address, peer_credentials),
                                  internal_credential);
  orders::GrpcDelivery delivery(grpc::CreateChannel(delivery_address, peer_credentials),
                                internal_credential);
  orders::OnSitePayment payment;
  orders::OrdersService service(repository, carts, catalogue, delivery, payment, service_options);

  common::OutboxRelayOptions relay_options;
  relay_options.schema = "orders";
  relay_options.stream = "events:orders";
  relay_options.poll_interval = std::chrono::milliseconds(50);  // the shop's inbox is live
  common::OutboxRelay relay(pg, redis, relay_options);
  common::EventConsumerOptions consumer_options;
  consumer_options.stream = "events:delivery";
  consumer_options.group = "orders";
  consumer_options.schema = "orders";
  common::EventConsumer delivery_events(pg, redis, consumer_options,
                                        orders::DeliveryEventHandler(service));
  orders::Reconciler reconciler(service, reconcile_interval);

  server_options.readiness = common::DatabaseReadiness(pg);
  common::GrpcServer server(server_options);
  orders::OrdersGrpc orders_grpc(service, verifier, server, watch_redis, watch_options);
  orders::OrdersAccountData account_data(service);
  common::AccountDataGrpc account_data_grpc("orders", account_data, internal_credential, server);
  server.AddService(&orders_grpc);
  server.AddService(&account_data_grpc);
  relay.Start();
  delivery_events.Start();
  reconciler.Start();
  const int exit_code = common::ServeUntilTerminated(server);
  reconciler.Stop();
  delivery_events.Stop();
  relay.Stop();
  return exit_code;
}

}  // namespace

int main(int argc, char** argv) {
  return comptoir::common::RunServiceMain(
      argc, argv, {.name = "orders", .migrations = comptoir::orders::Migrations, .serve = Serve});
}
