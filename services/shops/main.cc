// comptoir-shops: the shops service. Composition root only: configuration -> pools ->
// repository -> service -> gRPC server.
//
//   comptoir-shops           serve (GRPC_LISTEN, METRICS_LISTEN, PG_URL, REDIS_URL, ...)
//   comptoir-shops migrate   apply this service's schema migrations and exit
#include <cstdio>
#include <cstring>
#include <string>

#include "cached_shops_repository.h"
#include "comptoir/common/config.h"
#include "comptoir/common/grpc_server.h"
#include "comptoir/common/log.h"
#include "comptoir/common/migrations.h"
#include "comptoir/common/pg_pool.h"
#include "comptoir/common/redis_pool.h"
#include "pg_shops_repository.h"
#include "shops_grpc.h"
#include "shops_service.h"

namespace {

using namespace comptoir;  // NOLINT: composition root

int Migrate(const std::string& pg_url) {
  absl::StatusOr<int> applied = common::ApplyMigrations(pg_url, "shops", shops::Migrations());
  if (!applied.ok()) {
    LOG_ERROR("migrations failed", {{"error", std::string(applied.status().message())}});
    return 1;
  }
  LOG_INFO("migrations applied", {{"applied", std::to_string(*applied)}});
  return 0;
}

int Serve(common::EnvConfig& env, const std::string& pg_url) {
  common::GrpcServerOptions server_options =
      common::GrpcServerOptionsFromEnv(env, "shops", "127.0.0.1:50052", "127.0.0.1:9102");
  common::PgPoolOptions pg_options;
  pg_options.url = pg_url;
  pg_options.size = static_cast<std::size_t>(env.Int("PG_POOL_SIZE", 8, 1, 256));
  pg_options.statements = shops::PgShopsRepository::Statements();
  common::RedisPoolOptions redis_options;
  redis_options.url = env.String("REDIS_URL", "redis://127.0.0.1:6379/0");
  const auto cache_ttl = std::chrono::duration_cast<std::chrono::seconds>(
      env.Duration("SHOP_CACHE_TTL", std::chrono::minutes(5)));
  env.ExitIfInvalid("comptoir-shops");

  common::PgPool pg(pg_options);
  common::RedisPool redis(redis_options);
  shops::PgShopsRepository pg_repository(pg);
  shops::CachedShopsRepository repository(pg_repository, redis, cache_ttl);
  shops::ShopsService service(repository);

  server_options.readiness = [&pg] {
    return pg.Ping(common::DeadlineIn(std::chrono::milliseconds(1000)));
  };
  common::GrpcServer server(server_options);
  shops::ShopsGrpc grpc_service(service, server);
  server.AddService(&grpc_service);
  if (absl::Status started = server.Start(); !started.ok()) {
    LOG_ERROR("cannot start", {{"error", std::string(started.message())}});
    return 1;
  }
  server.WaitForTermination();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  comptoir::common::BlockTerminationSignals();
  comptoir::common::SetLogService("shops");
  comptoir::common::EnvConfig env;
  comptoir::common::SetLogLevel(env.String("LOG_LEVEL", "info"));
  const std::string pg_url = env.Required("PG_URL");
  if (argc > 1 && std::strcmp(argv[1], "migrate") == 0) {
    env.ExitIfInvalid("comptoir-shops migrate");
    return Migrate(pg_url);
  }
  if (argc > 1) {
    std::fprintf(stderr, "usage: %s [migrate]\n", argv[0]);
    return 2;
  }
  return Serve(env, pg_url);
}
