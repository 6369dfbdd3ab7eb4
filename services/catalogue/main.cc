// comptoir-catalogue: the catalogue service. Composition root only: configuration -> pools ->
// repository -> service -> gRPC server, plus the consumer of the shops' events that keeps
// the catalogue's copy of shop profiles.
//
//   comptoir-catalogue           serve (GRPC_LISTEN, METRICS_LISTEN, PG_URL, REDIS_URL,
//                                AUTH_PUBLIC_KEYS, INTERNAL_CREDENTIAL, ...)
//   comptoir-catalogue migrate   apply this service's schema migrations and exit
#include <cstdio>
#include <cstring>
#include <string>

#include "catalogue_grpc.h"
#include "catalogue_service.h"
#include "comptoir/common/auth.h"
#include "comptoir/common/config.h"
#include "comptoir/common/event_consumer.h"
#include "comptoir/common/grpc_server.h"
#include "comptoir/common/log.h"
#include "comptoir/common/pg_pool.h"
#include "comptoir/common/redis_pool.h"
#include "comptoir/common/service_main.h"
#include "pg_catalogue_repository.h"
#include "shop_events.h"

namespace {

using namespace comptoir;  // NOLINT: composition root

int Serve(common::EnvConfig& env, const std::string& pg_url) {
  common::GrpcServerOptions server_options =
      common::GrpcServerOptionsFromEnv(env, "catalogue", "127.0.0.1:50053", "127.0.0.1:9103");
  common::PgPoolOptions pg_options;
  pg_options.url = pg_url;
  pg_options.size = static_cast<std::size_t>(env.Int("PG_POOL_SIZE", 8, 1, 256));
  pg_options.statements = catalogue::PgCatalogueRepository::Statements();
  common::RedisPoolOptions redis_options;
  redis_options.url = env.String("REDIS_URL", "redis://127.0.0.1:6379/0");
  const common::TokenVerifier verifier = common::TokenVerifier::FromEnv(env);
  const std::string internal_credential = env.Required("INTERNAL_CREDENTIAL");
  env.ExitIfInvalid("comptoir-catalogue");

  common::PgPool pg(pg_options);
  common::RedisPool redis(redis_options);
  std::unique_ptr<common::PgPool> pg_read =
      common::MakeReadPool(env.String("PG_READ_URL", ""), pg_options);
  catalogue::PgCatalogueRepository repository(pg, pg_read.get());
  catalogue::CatalogueService service(repository);

  // Shops' events feed the projection that decides which products are public.
  common::EventConsumerOptions consumer_options;
  consumer_options.stream = "events:shops";
  consumer_options.group = "catalogue";
  consumer_options.schema = "catalogue";
  common::EventConsumer shop_events(pg, redis, consumer_options, catalogue::HandleShopEvent);

  server_options.readiness = [&pg] {
    return pg.Ping(common::DeadlineIn(std::chrono::milliseconds(1000)));
  };
  common::GrpcServer server(server_options);
  catalogue::CatalogueGrpc catalogue_grpc(service, verifier, server);
  catalogue::StockInternalGrpc stock_grpc(service, internal_credential, server);
  server.AddService(&catalogue_grpc);
  server.AddService(&stock_grpc);
  shop_events.Start();
  const int exit_code = common::ServeUntilTerminated(server);
  shop_events.Stop();
  return exit_code;
}

}  // namespace

int main(int argc, char** argv) {
  return comptoir::common::RunServiceMain(
      argc, argv,
      {.name = "catalogue", .migrations = comptoir::catalogue::Migrations, .serve = Serve});
}
