// comptoir-delivery: the delivery service. Composition root only: configuration -> pool ->
// repository -> service -> gRPC server.
//
//   comptoir-delivery           serve (GRPC_LISTEN, METRICS_LISTEN, PG_URL, AUTH_PUBLIC_KEYS,
//                               INTERNAL_CREDENTIAL, ...)
//   comptoir-delivery migrate   apply this service's schema migrations and exit
#include <cstdio>
#include <cstring>
#include <string>

#include "comptoir/common/auth.h"
#include "comptoir/common/config.h"
#include "comptoir/common/deadline.h"
#include "comptoir/common/grpc_server.h"
#include "comptoir/common/log.h"
#include "comptoir/common/pg_pool.h"
#include "comptoir/common/service_main.h"
#include "delivery_grpc.h"
#include "pg_slot_repository.h"
#include "slot_service.h"

namespace {

using namespace comptoir;  // NOLINT: composition root

int Serve(common::EnvConfig& env, const std::string& pg_url) {
  common::GrpcServerOptions server_options =
      common::GrpcServerOptionsFromEnv(env, "delivery", "127.0.0.1:50055", "127.0.0.1:9105");
  common::PgPoolOptions pg_options;
  pg_options.url = pg_url;
  pg_options.size = static_cast<std::size_t>(env.Int("PG_POOL_SIZE", 8, 1, 256));
  pg_options.statements = delivery::PgSlotRepository::Statements();
  const common::TokenVerifier verifier = common::TokenVerifier::FromEnv(env);
  const std::string internal_credential = env.Required("INTERNAL_CREDENTIAL");
  env.ExitIfInvalid("comptoir-delivery");

  // Slots are local times of Europe/Paris: without tzdata they would silently be UTC.
  absl::StatusOr<delivery::SlotCalendar> calendar = delivery::SlotCalendar::ForParis();
  if (!calendar.ok()) {
    LOG_ERROR("cannot start", {{"error", std::string(calendar.status().message())}});
    return 1;
  }
  common::PgPool pg(pg_options);
  delivery::PgSlotRepository repository(pg);
  delivery::SlotService slots(repository, *calendar);

  server_options.readiness = [&pg] {
    return pg.Ping(common::DeadlineIn(std::chrono::milliseconds(1000)));
  };
  common::GrpcServer server(server_options);
  delivery::DeliveryGrpc public_grpc(slots, verifier, server);
  delivery::DeliveryInternalGrpc internal_grpc(slots, internal_credential, server);
  server.AddService(&public_grpc);
  server.AddService(&internal_grpc);
  return common::ServeUntilTerminated(server);
}

}  // namespace

int main(int argc, char** argv) {
  return comptoir::common::RunServiceMain(
      argc, argv,
      {.name = "delivery", .migrations = comptoir::delivery::Migrations, .serve = Serve});
}
