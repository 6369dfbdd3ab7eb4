#include "comptoir/common/service_main.h"

#include <cstdio>
#include <string>
#include <utility>

#include "absl/synchronization/mutex.h"
#include "comptoir/common/deadline.h"
#include "comptoir/common/grpc_server.h"
#include "comptoir/common/log.h"
#include "comptoir/common/migrations.h"

namespace comptoir::common {
namespace {

int Migrate(const ServiceMain& service, const std::string& pg_url) {
  absl::StatusOr<int> applied = ApplyMigrations(pg_url, service.name, service.migrations());
  if (!applied.ok()) {
    LOG_ERROR("migrations failed", {{"error", std::string(applied.status().message())}});
    return 1;
  }
  LOG_INFO("migrations applied", {{"applied", std::to_string(*applied)}});
  return 0;
}

void PrintUsage(const char* program, const ServiceMain& service) {
  std::string commands = "migrate";
  for (const auto& [name, _] : service.commands) commands += "|" + name;
  for (const auto& [name, _] : service.offline_commands) commands += "|" + name;
  std::fprintf(stderr, "usage: %s [%s]\n", program, commands.c_str());
}

}  // namespace

int RunServiceMain(int argc, char** argv, const ServiceMain& service) {
  const std::string command = argc > 1 ? argv[1] : "";
  if (auto offline = service.offline_commands.find(command);
      offline != service.offline_commands.end()) {
    return offline->second(argc, argv);
  }
  BlockTerminationSignals();
  // Debian's Abseil is built without NDEBUG, so every absl::Mutex (gRPC's locks too) would
  // keep a global lock-order graph: a debugging aid, paid on each lock in production.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  SetLogService(service.name);
  EnvConfig env;
  SetLogLevel(env.String("LOG_LEVEL", "info"));
  const std::string program = "comptoir-" + service.name;
  const std::string pg_url = env.Required("PG_URL");
  if (command == "migrate") {
    env.ExitIfInvalid(program + " migrate");
    return Migrate(service, pg_url);
  }
  if (auto it = service.commands.find(command); it != service.commands.end()) {
    return it->second(env, pg_url, argc, argv);
  }
  if (!command.empty()) {
    PrintUsage(argv[0], service);
    return 2;
  }
  return service.serve(env, pg_url);
}

int ServeUntilTerminated(GrpcServer& server) {
  if (absl::Status started = server.Start(); !started.ok()) {
    LOG_ERROR("cannot start", {{"error", std::string(started.message())}});
    return 1;
  }
  server.WaitForTermination();
  return 0;
}

PgPoolOptions PgPoolOptionsFromEnv(EnvConfig& env, const std::string& pg_url,
                                   std::vector<PreparedStatement> statements) {
  PgPoolOptions options;
  options.url = pg_url;
  options.size = static_cast<std::size_t>(env.Int("PG_POOL_SIZE", 8, 1, 256));
  options.statements = std::move(statements);
  return options;
}

RedisPoolOptions RedisPoolOptionsFromEnv(EnvConfig& env) {
  RedisPoolOptions options;
  options.url = env.String("REDIS_URL", "redis://127.0.0.1:6379/0");
  return options;
}

std::function<bool()> DatabaseReadiness(PgPool& pg) {
  return [&pg] { return pg.Ping(DeadlineIn(std::chrono::milliseconds(1000))); };
}

}  // namespace comptoir::common
