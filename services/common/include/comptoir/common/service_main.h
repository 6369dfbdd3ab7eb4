// The entry point every service binary shares: logging set-up, the signal mask, the `PG_URL`
// every subcommand needs, and the dispatch between serving, `migrate` and the service's own
// subcommands. A service's main.cc keeps only its composition root:
//
//   int main(int argc, char** argv) {
//     return comptoir::common::RunServiceMain(argc, argv, {
//         .name = "shops", .migrations = shops::Migrations, .serve = Serve});
//   }
//
// Not thread-safe: call it once, from main.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "comptoir/common/config.h"
#include "comptoir/common/embedded_file.h"
#include "comptoir/common/pg_pool.h"
#include "comptoir/common/redis_pool.h"

namespace comptoir::common {

class GrpcServer;

struct ServiceMain {
  // "shops": the log's service name, the schema the migrations apply to, and the binary's
  // name in messages (comptoir-shops).
  std::string name{};
  std::function<std::vector<EmbeddedFile>()> migrations{};
  // Serves until SIGTERM/SIGINT; returns the exit code.
  std::function<int(EnvConfig& env, const std::string& pg_url)> serve{};
  // Further subcommands (argv[1]), e.g. "ensure-admin"; they get argc/argv as main does.
  std::map<std::string,
           std::function<int(EnvConfig& env, const std::string& pg_url, int argc, char** argv)>>
      commands{};
  // Subcommands that need neither the database nor the environment, e.g. "keygen".
  std::map<std::string, std::function<int(int argc, char** argv)>> offline_commands{};
};

int RunServiceMain(int argc, char** argv, const ServiceMain& service);

// The pools every service opens, read the same way: PG_POOL_SIZE (1..256, default 8) with the
// service's own statements, and REDIS_URL (default redis://127.0.0.1:6379/0).
PgPoolOptions PgPoolOptionsFromEnv(EnvConfig& env, const std::string& pg_url,
                                   std::vector<PreparedStatement> statements);
RedisPoolOptions RedisPoolOptionsFromEnv(EnvConfig& env);

// A readiness probe for GrpcServerOptions: the database answers within a second.
std::function<bool()> DatabaseReadiness(PgPool& pg);

// Starts `server`, waits for SIGTERM/SIGINT and shuts it down gracefully: the exit code for
// main (1 when it could not start, logged).
int ServeUntilTerminated(GrpcServer& server);

}  // namespace comptoir::common
