// comptoir-shops: the shops service. Composition root only: configuration -> pools ->
// repository -> service -> gRPC server.
//
//   comptoir-shops           serve (GRPC_LISTEN, METRICS_LISTEN, PG_URL, REDIS_URL,
//                            AUTH_PUBLIC_KEYS, AUTH_ISSUER, AUTH_AUDIENCE, ...) and relay the
//                            outbox to the Redis stream `events:shops`
//   comptoir-shops migrate   apply this service's schema migrations and exit
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include <cstdio>
#include <cstring>
#include <string>

#include "account_directory.h"
#include "cached_shops_repository.h"
#include "comptoir/common/auth.h"
#include "comptoir/common/config.h"
#include "comptoir/common/grpc_channel.h"
#include "comptoir/common/grpc_server.h"
#include "comptoir/common/log.h"
#include "comptoir/common/outbox.h"
#include "comptoir/common/pg_pool.h"
#include "comptoir/common/redis_pool.h"
#include "comptoir/common/service_main.h"
#include "membership_sync.h"
#include "pg_shops_repository.h"
#include "shops_grpc.h"
#include "shops_service.h"

namespace {

using namespace comptoir;  // NOLINT: composition root

int Serve(common::EnvConfig& env, const std::string& pg_url) {
  common::GrpcServerOptions server_options =
      common::GrpcServerOptionsFromEnv(env, "shops", "127.0.0.1:50052", "127.0.0.1:9102");
  common::PgPoolOptions pg_options =
      common::PgPoolOptionsFromEnv(env, pg_url, shops::PgShopsRepository::Statements());
  common::RedisPoolOptions redis_options = common::RedisPoolOptionsFromEnv(env);
  const auto cache_ttl = std::chrono::duration_cast<std::chrono::seconds>(
      env.Duration("SHOP_CACHE_TTL", std::chrono::minutes(5)));
  const common::TokenVerifier verifier = common::TokenVerifier::FromEnv(env);
  // Where accounts listens for internal calls; empty disables the membership sync (tokens
  // then never carry new shops: fine for a shops-only test stack, not for a real one).
  const std::string accounts_address = env.String("ACCOUNTS_GRPC", "");
  const std::string internal_credential = env.String("INTERNAL_CREDENTIAL", "");
  if (!accounts_address.empty() && internal_credential.empty()) {
    env.AddError("INTERNAL_CREDENTIAL is required with ACCOUNTS_GRPC");
  }
  const std::shared_ptr<grpc::ChannelCredentials> peer_credentials =
      common::ClientChannelCredentialsFromEnv(env);
  env.ExitIfInvalid("comptoir-shops");

  const std::string pg_read_url = env.String("PG_READ_URL", "");
  common::PgPool pg(pg_options);
  std::unique_ptr<common::PgPool> pg_read = common::MakeReadPool(pg_read_url, pg_options);
  common::RedisPool redis(redis_options);
  shops::PgShopsRepository pg_repository(pg, pg_read.get());
  shops::CachedShopsRepository repository(pg_repository, redis, cache_ttl);
  // One channel to accounts for the membership sync and the e-mail look-ups of new staff.
  std::shared_ptr<grpc::Channel> accounts_channel =
      accounts_address.empty() ? nullptr : grpc::CreateChannel(accounts_address, peer_credentials);
  // Adding staff by e-mail asks accounts; without ACCOUNTS_GRPC it answers Unavailable.
  std::unique_ptr<shops::GrpcAccountDirectory> account_directory;
  if (accounts_channel) {
    account_directory = std::make_unique<shops::GrpcAccountDirectory>(
        accounts::v1::AccountsInternal::NewStub(accounts_channel), internal_credential);
  }
  shops::ShopsService service(repository, account_directory.get());
  // Every replica runs a relay: they share the work (SKIP LOCKED), and one left alone suffices.
  common::OutboxRelayOptions relay_options;
  relay_options.schema = "shops";
  relay_options.stream = "events:shops";
  common::OutboxRelay relay(pg, redis, relay_options);
  std::unique_ptr<shops::MembershipSync> membership_sync;
  if (!accounts_address.empty()) {
    shops::MembershipSyncOptions sync_options;
    sync_options.internal_credential = internal_credential;
    membership_sync = std::make_unique<shops::MembershipSync>(
        pg, accounts::v1::AccountsInternal::NewStub(accounts_channel), sync_options);
  } else {
    LOG_WARN("ACCOUNTS_GRPC not set: new shop memberships are not sent to accounts");
  }

  server_options.readiness = common::DatabaseReadiness(pg);
  common::GrpcServer server(server_options);
  shops::ShopsGrpc grpc_service(service, server, verifier);
  server.AddService(&grpc_service);
  relay.Start();
  if (membership_sync) membership_sync->Start();
  const int exit_code = common::ServeUntilTerminated(server);
  if (membership_sync) membership_sync->Stop();
  relay.Stop();
  return exit_code;
}

}  // namespace

int main(int argc, char** argv) {
  return comptoir::common::RunServiceMain(
      argc, argv, {.name = "shops", .migrations = comptoir::shops::Migrations, .serve = Serve});
}
