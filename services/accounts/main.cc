// comptoir-accounts: the accounts service. Composition root only: configuration -> pools ->
// repository -> service -> gRPC server.
//
//   comptoir-accounts                serve (GRPC_LISTEN, PG_URL, AUTH_SIGNING_KEYS, ...)
//   comptoir-accounts migrate        apply this service's schema migrations and exit
//   comptoir-accounts ensure-admin   make COMPTOIR_ADMIN_EMAIL a region admin (creating the
//                                    account with COMPTOIR_ADMIN_PASSWORD, or a generated
//                                    password printed once on stdout)
//   comptoir-accounts keygen [kid]   print a new Ed25519 key pair as AUTH_SIGNING_KEYS= and
//                                    AUTH_PUBLIC_KEYS= lines (no other variable needed)
#include <sodium.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "accounts_grpc.h"
#include "accounts_service.h"
#include "comptoir/common/auth.h"
#include "comptoir/common/config.h"
#include "comptoir/common/crypto.h"
#include "comptoir/common/grpc_channel.h"
#include "comptoir/common/grpc_server.h"
#include "comptoir/common/log.h"
#include "comptoir/common/pg_pool.h"
#include "comptoir/common/redis_pool.h"
#include "comptoir/common/service_main.h"
#include "grpc_account_data_peers.h"
#include "login_limiter.h"
#include "password_hasher.h"
#include "pg_accounts_repository.h"

namespace {

using namespace comptoir;  // NOLINT: composition root

int Keygen(int argc, char** argv) {
  std::string kid =
      argc > 2 ? argv[2]
               : absl::StrCat("k", absl::FormatTime("%Y%m%d", absl::Now(), absl::UTCTimeZone()),
                              "-", common::RandomHex(2));
  common::SigningKey key = common::GenerateSigningKey(kid);
  std::printf("AUTH_SIGNING_KEYS=%s\nAUTH_PUBLIC_KEYS=%s\n", common::FormatSigningKey(key).c_str(),
              common::FormatPublicKey(key).c_str());
  return 0;
}

accounts::Argon2idOptions HasherOptions(common::EnvConfig& env) {
  accounts::Argon2idOptions options;
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  options.max_concurrent =
      static_cast<std::size_t>(env.Int("PASSWORD_HASH_CONCURRENCY", cores, 1, 64));
  return options;
}

// A password people can type: 20 characters of base64url (120 bits).
std::string GeneratePassword() {
  std::string raw(15, '\0');
  randombytes_buf(raw.data(), raw.size());
  return common::Base64UrlEncode(raw);
}

int EnsureAdmin(common::EnvConfig& env, const std::string& pg_url) {
  const std::string email = env.Required("COMPTOIR_ADMIN_EMAIL");
  std::string password = env.String("COMPTOIR_ADMIN_PASSWORD", "");
  accounts::Argon2idOptions hasher_options = HasherOptions(env);
  env.ExitIfInvalid("comptoir-accounts ensure-admin");
  const bool generated = password.empty();
  if (generated) password = GeneratePassword();

  common::PgPool pg(
      {.url = pg_url, .size = 1, .statements = accounts::PgAccountsRepository::Statements()});
  common::RedisPool redis({});
  accounts::PgAccountsRepository repository(pg);
  accounts::Argon2idHasher hasher(hasher_options);
  accounts::RedisLoginLimiter limiter(redis, {});
  accounts::NoAccountDataPeers peers;
  // ensure-admin signs nothing: a throwaway key satisfies the service.
  accounts::AccountsService service(repository, hasher, limiter, peers,
                                    common::TokenSigner(common::GenerateSigningKey("unused")));
  absl::StatusOr<accounts::EnsureAdminResult> result =
      service.EnsureAdmin(email, password, common::DeadlineIn(std::chrono::seconds(30)));
  if (!result.ok()) {
    LOG_ERROR("ensure-admin failed", {{"error", std::string(result.status().message())}});
    return 1;
  }
  if (result->created) {
    LOG_INFO("region admin created", {{"account_id", result->account.id}});
    if (generated) {
      // Printed once, on stdout only (never in the logs): whoever runs the script keeps it.
      std::printf("Region admin %s created; generated password (shown once): %s\n",
                  result->account.email.c_str(), password.c_str());
    }
  } else {
    LOG_INFO("region admin already exists; role ensured", {{"account_id", result->account.id}});
  }
  return 0;
}

int Serve(common::EnvConfig& env, const std::string& pg_url) {
  common::GrpcServerOptions server_options =
      common::GrpcServerOptionsFromEnv(env, "accounts", "127.0.0.1:50051", "127.0.0.1:9101");
  common::PgPoolOptions pg_options =
      common::PgPoolOptionsFromEnv(env, pg_url, accounts::PgAccountsRepository::Statements());
  common::RedisPoolOptions redis_options = common::RedisPoolOptionsFromEnv(env);

  // Signing: the first key of AUTH_SIGNING_KEYS signs; every signing key's public half is
  // accepted, plus AUTH_PUBLIC_KEYS (keys retired from signing whose tokens still live).
  std::vector<common::SigningKey> signing_keys;
  if (std::string text = env.Required("AUTH_SIGNING_KEYS"); !text.empty()) {
    absl::StatusOr<std::vector<common::SigningKey>> parsed = common::ParseSigningKeys(text);
    if (parsed.ok()) {
      signing_keys = std::move(*parsed);
    } else {
      env.AddError(std::string(parsed.status().message()));
    }
  }
  common::TokenVerifierOptions verifier_options;
  verifier_options.issuer = env.String("AUTH_ISSUER", verifier_options.issuer);
  verifier_options.audience = env.String("AUTH_AUDIENCE", verifier_options.audience);
  if (std::string text = env.String("AUTH_PUBLIC_KEYS", ""); !text.empty()) {
    absl::StatusOr<std::map<std::string, std::string>> parsed = common::ParsePublicKeys(text);
    if (parsed.ok()) {
      verifier_options.public_keys = std::move(*parsed);
    } else {
      env.AddError(std::string(parsed.status().message()));
    }
  }
  for (const common::SigningKey& key : signing_keys) {
    verifier_options.public_keys[key.key_id] = key.public_key;
  }
  const std::string internal_credential = env.Required("INTERNAL_CREDENTIAL");
  accounts::LoginLimits limits;
  limits.per_account = env.Int("LOGIN_LIMIT_PER_ACCOUNT", limits.per_account, 1, 1000000);
  limits.per_address = env.Int("LOGIN_LIMIT_PER_ADDRESS", limits.per_address, 1, 1000000);
  limits.window = absl::FromChrono(env.Duration("LOGIN_LIMIT_WINDOW", std::chrono::minutes(5)));
  accounts::Argon2idOptions hasher_options = HasherOptions(env);
  const std::string peers_text = env.String("ACCOUNT_DATA_PEERS", "");
  const std::shared_ptr<grpc::ChannelCredentials> peer_credentials =
      common::ClientChannelCredentialsFromEnv(env);
  env.ExitIfInvalid("comptoir-accounts");

  absl::StatusOr<std::unique_ptr<accounts::GrpcAccountDataPeers>> peers =
      accounts::GrpcAccountDataPeers::Create(peers_text, internal_credential, peer_credentials);
  if (!peers.ok()) {
    std::fprintf(stderr, "comptoir-accounts: %s\n", std::string(peers.status().message()).c_str());
    return 2;
  }

  common::PgPool pg(pg_options);
  common::RedisPool redis(redis_options);
  accounts::PgAccountsRepository repository(pg);
  accounts::Argon2idHasher hasher(hasher_options);
  accounts::RedisLoginLimiter limiter(redis, limits);
  accounts::AccountsServiceOptions service_options;
  service_options.issuer = verifier_options.issuer;
  service_options.audience = verifier_options.audience;
  accounts::AccountsService service(repository, hasher, limiter, **peers,
                                    common::TokenSigner(signing_keys.front()), service_options);
  const common::TokenVerifier verifier(verifier_options);

  server_options.readiness = common::DatabaseReadiness(pg);
  common::GrpcServer server(server_options);
  accounts::AccountsGrpc accounts_grpc(service, verifier, server);
  accounts::PartnersGrpc partners_grpc(service, verifier, server);
  accounts::AccountsInternalGrpc internal_grpc(service, internal_credential, server);
  server.AddService(&accounts_grpc);
  server.AddService(&partners_grpc);
  server.AddService(&internal_grpc);
  LOG_INFO("signing access tokens", {{"kid", signing_keys.front().key_id}});
  return common::ServeUntilTerminated(server);
}

}  // namespace

int main(int argc, char** argv) {
  return comptoir::common::RunServiceMain(
      argc, argv,
      {.name = "accounts",
       .migrations = comptoir::accounts::Migrations,
       .serve = Serve,
       .commands = {{"ensure-admin", [](comptoir::common::EnvConfig& env, const std::string& pg_url,
                                        int, char**) { return EnsureAdmin(env, pg_url); }}},
       .offline_commands = {{"keygen", Keygen}}});
}
