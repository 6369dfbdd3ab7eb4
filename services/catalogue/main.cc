// comptoir-catalogue: the catalogue service. Composition root only: configuration -> pools ->
// repository -> service -> gRPC server, plus the consumer of the shops' events that keeps
// the catalogue's copy of shop profiles.
//
//   comptoir-catalogue           serve (GRPC_LISTEN, METRICS_LISTEN, PG_URL, REDIS_URL,
//                                AUTH_PUBLIC_KEYS, INTERNAL_CREDENTIAL, ...)
//   comptoir-catalogue migrate   apply this service's schema migrations and exit
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>

#include "absl/strings/ascii.h"
#include "cached_catalogue_repository.h"
#include "catalogue_grpc.h"
#include "catalogue_service.h"
#include "comptoir/common/auth.h"
#include "comptoir/common/config.h"
#include "comptoir/common/event_consumer.h"
#include "comptoir/common/grpc_server.h"
#include "comptoir/common/log.h"
#include "comptoir/common/opening_hours.h"
#include "comptoir/common/pg_pool.h"
#include "comptoir/common/redis_pool.h"
#include "comptoir/common/service_main.h"
#include "pg_catalogue_repository.h"
#include "product_import.h"
#include "shop_events.h"

namespace {

using namespace comptoir;  // NOLINT: composition root

int Serve(common::EnvConfig& env, const std::string& pg_url) {
  common::GrpcServerOptions server_options =
      common::GrpcServerOptionsFromEnv(env, "catalogue", "127.0.0.1:50053", "127.0.0.1:9103");
  common::PgPoolOptions pg_options =
      common::PgPoolOptionsFromEnv(env, pg_url, catalogue::PgCatalogueRepository::Statements());
  common::RedisPoolOptions redis_options = common::RedisPoolOptionsFromEnv(env);
  const common::TokenVerifier verifier = common::TokenVerifier::FromEnv(env);
  const std::string internal_credential = env.Required("INTERNAL_CREDENTIAL");
  env.ExitIfInvalid("comptoir-catalogue");

  common::PgPool pg(pg_options);
  common::RedisPool redis(redis_options);
  std::unique_ptr<common::PgPool> pg_read =
      common::MakeReadPool(env.String("PG_READ_URL", ""), pg_options);
  // "Open now" evaluates the shops' hours with the rules the shops service applies.
  catalogue::PgCatalogueRepository storage(
      pg, pg_read.get(), [](const std::string& bytes, absl::Time at) {
        const std::optional<common::OpeningHours> hours = common::OpeningHoursFromBytes(bytes);
        return hours.has_value() && common::IsOpenAt(*hours, at, common::ParisTimeZone());
      });
  catalogue::CatalogueCacheOptions cache_options;
  cache_options.product_ttl = std::chrono::seconds(env.Int("CACHE_PRODUCT_TTL_S", 300, 1, 86400));
  cache_options.search_ttl = std::chrono::seconds(env.Int("CACHE_SEARCH_TTL_S", 30, 1, 3600));
  catalogue::CachedCatalogueRepository repository(storage, redis, cache_options);
  catalogue::CatalogueService service(repository);
  catalogue::ProductImports imports(repository);
  catalogue::ImportWorker import_worker(imports);
  imports.SetWaker([&import_worker] { import_worker.Wake(); });

  // Shops' events feed the projection that decides which products are public.
  common::EventConsumerOptions consumer_options;
  consumer_options.stream = "events:shops";
  consumer_options.group = "catalogue";
  consumer_options.schema = "catalogue";
  // The projection changed in the consumer's transaction: drop what showed the old shop.
  consumer_options.after_commit = [&repository](const common::StreamEvent& event) {
    if (std::optional<std::string> shop = catalogue::ShopOfEvent(event)) {
      repository.InvalidateShop(*shop);
    }
  };
  common::EventConsumer shop_events(pg, redis, consumer_options, catalogue::HandleShopEvent);

  server_options.readiness = common::DatabaseReadiness(pg);
  common::GrpcServer server(server_options);
  catalogue::CatalogueGrpc catalogue_grpc(service, imports, verifier, server);
  catalogue::StockInternalGrpc stock_grpc(service, internal_credential, server);
  server.AddService(&catalogue_grpc);
  server.AddService(&stock_grpc);
  shop_events.Start();
  import_worker.Start();
  const int exit_code = common::ServeUntilTerminated(server);
  import_worker.Stop();
  shop_events.Stop();
  return exit_code;
}

}  // namespace

int main(int argc, char** argv) {
  return comptoir::common::RunServiceMain(
      argc, argv,
      {.name = "catalogue", .migrations = comptoir::catalogue::Migrations, .serve = Serve});
}
