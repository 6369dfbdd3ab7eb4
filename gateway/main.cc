// comptoir-gateway: the HTTP entry point. Composition root only: configuration, routes from
// the linked descriptors, upstream channels, the HTTP server, signals and orderly shutdown.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "comptoir/common/auth.h"
#include "comptoir/common/config.h"
#include "comptoir/common/grpc_channel.h"
#include "comptoir/common/log.h"
#include "comptoir/common/redis_pool.h"
#include "comptoir/common/worker_pool.h"
#include "gateway.h"
#include "http_server.h"
#include "leased_rate_limiter.h"
#include "metrics.h"
#include "openapi.h"
#include "partner_keys.h"
#include "rate_limiter.h"
#include "route_table.h"
#include "static_files.h"
#include "text.h"
#include "upstream.h"
#include "upstream_health.h"

namespace gw = comptoir::gateway;
using comptoir::common::EnvConfig;

int main() {
  // Debian's Abseil is built without NDEBUG, so every absl::Mutex (gRPC's locks too) would
  // keep a global lock-order graph: a debugging aid, paid on each lock in production.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  comptoir::common::SetLogService("gateway");
  EnvConfig env;
  const std::string listen = env.HostPort("HTTP_LISTEN", "127.0.0.1:8080");
  const std::string upstreams_text = env.Required("UPSTREAMS");
  const std::string web_root = env.String("WEB_ROOT", "./web");
  const auto timeout = env.Duration("UPSTREAM_TIMEOUT", std::chrono::seconds(5));
  const auto shutdown_grace = env.Duration("SHUTDOWN_GRACE", std::chrono::seconds(10));
  const int threads = static_cast<int>(env.Int("HTTP_THREADS", 2, 1, 64));
  const std::string log_level = env.String("LOG_LEVEL", "info");
  const std::string redis_url = env.String("REDIS_URL", "redis://127.0.0.1:6379/0");
  const bool rate_limits = env.Bool("RATE_LIMITS", true);
  const auto micro_cache_ttl = env.Duration("MICRO_CACHE_TTL", std::chrono::seconds(2));
  const int64_t micro_cache_mib = env.Int("MICRO_CACHE_MIB", 64, 0, 65536);
  // Rendered public answers shared with the other replicas through Redis (0: off).
  const auto shared_cache_ttl = env.Duration("SHARED_CACHE_TTL", std::chrono::seconds(2));
  const auto env_heartbeat = env.Duration("SSE_HEARTBEAT", std::chrono::seconds(15));
  const int64_t max_streams = env.Int("SSE_MAX_STREAMS", 1000, 1, 1000000);
  auto per_minute = [&env](const char* name, int64_t fallback) {
    return gw::RateLimit{env.Int(name, fallback, 1, 100000000), std::chrono::seconds(60)};
  };
  gw::ProtectionOptions protection;
  protection.anonymous_reads = per_minute("RATE_LIMIT_ANONYMOUS_READS", 300);
  protection.account_reads = per_minute("RATE_LIMIT_ACCOUNT_READS", 600);
  protection.partner_reads = per_minute("RATE_LIMIT_PARTNER_READS", 60);
  protection.partner_tiers["basic"] = per_minute("RATE_LIMIT_PARTNER_BASIC", 60);
  protection.partner_tiers["high"] = per_minute("RATE_LIMIT_PARTNER_HIGH", 600);
  // Partner keys are checked with accounts over its internal service: without the internal
  // credential they cannot be, and are ignored (partner routes then refuse other sites).
  const std::string internal_credential = env.String("INTERNAL_CREDENTIAL", "");
  const std::string partner_keys_upstream = env.String("PARTNER_KEYS_UPSTREAM", "");
  const auto partner_key_ttl = env.Duration("PARTNER_KEY_CACHE_TTL", std::chrono::seconds(30));
  for (std::string_view origin : gw::text::Split(env.String("OWN_ORIGINS", ""), ',')) {
    origin = gw::text::Strip(origin);
    if (!origin.empty()) protection.own_origins.emplace_back(origin);
  }
  const comptoir::common::GrpcClientTlsOptions tls =
      comptoir::common::GrpcClientTlsOptionsFromEnv(env);
  protection.writes = per_minute("RATE_LIMIT_WRITES", 120);
  protection.logins = per_minute("RATE_LIMIT_LOGINS", 10);
  // Without AUTH_PUBLIC_KEYS the gateway cannot check tokens; the services still do.
  std::optional<comptoir::common::TokenVerifier> verifier;
  const char* auth_keys = std::getenv("AUTH_PUBLIC_KEYS");
  if (auth_keys != nullptr && *auth_keys != '\0') {
    verifier.emplace(comptoir::common::TokenVerifier::FromEnv(env));
  }
  env.ExitIfInvalid("comptoir-gateway");
  if (!comptoir::common::SetLogLevel(log_level)) {
    std::cerr << "comptoir-gateway: LOG_LEVEL must be debug, info, warn or error\n";
    return 2;
  }

  auto upstreams = gw::ParseUpstreams(upstreams_text);
  if (!upstreams.ok()) {
    std::cerr << "comptoir-gateway: " << upstreams.status().message() << "\n";
    return 2;
  }
  auto routes = gw::RouteTable::Build(*upstreams);
  if (!routes.ok()) {
    std::cerr << "comptoir-gateway: " << routes.status().message() << "\n";
    return 2;
  }
  for (const gw::Route& r : routes->routes()) {
    LOG_DEBUG("route", {{"route", r.name}, {"rpc", r.grpc_path}, {"upstream", r.upstream}});
  }

  std::vector<std::string> addresses;
  for (const auto& entry : *upstreams) addresses.push_back(entry.second);
  // Accounts answers partner key checks; by default at the address of its public service.
  std::string accounts_address = partner_keys_upstream;
  if (accounts_address.empty()) {
    auto accounts = upstreams->find("comptoir.accounts.v1.AccountService");
    if (accounts != upstreams->end()) accounts_address = accounts->second;
  }
  if (!accounts_address.empty()) addresses.push_back(accounts_address);
  // One io_context per HTTP thread, each run by its thread alone (concurrency hint 1): a
  // connection lives on one of them, so its reads, writes and answer complete on the thread
  // that started them, without waking another or sharing a queue. The first also runs the
  // acceptor, signals and health checks.
  std::vector<std::unique_ptr<boost::asio::io_context>> contexts;
  std::vector<boost::asio::io_context*> context_pointers;
  std::vector<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>>
      keep_running;
  for (int i = 0; i < threads; ++i) {
    contexts.push_back(std::make_unique<boost::asio::io_context>(1));
    context_pointers.push_back(contexts.back().get());
    keep_running.push_back(boost::asio::make_work_guard(*contexts.back()));
  }
  boost::asio::io_context& ioc = *contexts.front();
  auto credentials = comptoir::common::ClientChannelCredentials(tls);
  if (!credentials.ok()) {
    std::cerr << "comptoir-gateway: " << credentials.status().message() << "\n";
    return 2;
  }
  gw::UpstreamClient client(
      addresses,
      {.timeout = timeout, .credentials = *credentials, .tls_server_name = tls.server_name});
  gw::UpstreamHealth health(client, ioc.get_executor());
  gw::GatewayMetrics metrics;
  gw::StaticFiles static_files(web_root);
  gw::Gateway gateway(*routes, client, &health, metrics, &static_files, ioc.get_executor());
  gw::HttpServer server(context_pointers, [&gateway](gw::HttpRequest req, gw::Responder done,
                                                     gw::StreamOpener open_stream,
                                                     boost::asio::any_io_executor connection) {
    gateway.Handle(std::move(req), std::move(done), std::move(open_stream), std::move(connection));
  });
  if (auto st = server.Listen(listen); !st.ok()) {
    std::cerr << "comptoir-gateway: " << st.message() << "\n";
    return 1;
  }
  comptoir::common::RedisPool redis({.url = redis_url, .size = 4});
  comptoir::common::WorkerPool redis_workers(4, 4096);
  gw::RedisRateLimiter redis_limiter(redis, redis_workers);
  // Budgets are leased from Redis in batches of 2 % of a limit and spent locally: a hot
  // caller costs a round trip per batch, not per request (leased_rate_limiter.h).
  gw::LeasedRateLimiter limiter(redis_limiter, {});
  if (rate_limits) protection.limiter = &limiter;
  if (verifier) protection.verifier = &*verifier;
  gw::AccountsPartnerKeys partner_keys(client, {.accounts_address = accounts_address,
                                                .internal_credential = internal_credential,
                                                .ttl = partner_key_ttl});
  if (!internal_credential.empty() && !accounts_address.empty()) {
    protection.partner_keys = &partner_keys;
  } else {
    LOG_WARN("partner keys are not checked (set INTERNAL_CREDENTIAL and an accounts upstream)");
  }
  gateway.SetProtection(protection);
  gateway.SetAccessLog(log_level == "debug" || log_level == "info");
  gw::MicroCache micro_cache(
      {.ttl = micro_cache_ttl, .max_bytes = static_cast<size_t>(micro_cache_mib) << 20});
  // MICRO_CACHE_TTL=0 or MICRO_CACHE_MIB=0 turns it off (benchmarks compare both).
  if (micro_cache_ttl.count() > 0 && micro_cache_mib > 0) gateway.SetMicroCache(&micro_cache);
  gw::RedisResponseCache shared_cache(redis, redis_workers, {.ttl = shared_cache_ttl});
  if (shared_cache_ttl.count() > 0) gateway.SetSharedCache(&shared_cache);
  gateway.SetStreamOptions({.heartbeat = env_heartbeat,
                            .head_wait = std::chrono::milliseconds(1000),
                            .max_streams = static_cast<size_t>(max_streams)});
  gateway.SetApiDocument(gw::GenerateOpenApi(*routes, gw::ProtoComments::Embedded()));
  server.Start();
  health.Start();

  // The first signal starts a graceful stop on a thread of its own (it blocks while
  // draining); the io threads keep serving in-flight requests meanwhile.
  std::thread stopper;
  boost::asio::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int signal) {
    if (ec) return;
    LOG_INFO("stopping", {{"signal", std::to_string(signal)}});
    stopper = std::thread([&] {
      server.Stop();
      if (!server.WaitDrained(shutdown_grace)) {
        LOG_WARN("requests still in flight at the deadline",
                 {{"in_flight", std::to_string(server.in_flight())}});
      }
      health.Stop();
      client.Shutdown();
      redis_workers.Shutdown();
      for (auto& context : contexts) context->stop();
    });
  });

  LOG_INFO("listening", {{"address", listen},
                         {"port", std::to_string(server.port())},
                         {"routes", std::to_string(routes->routes().size())}});
  std::vector<std::thread> pool;
  for (int i = 1; i < threads; ++i) pool.emplace_back([&contexts, i] { contexts[i]->run(); });
  ioc.run();
  for (auto& t : pool) t.join();
  if (stopper.joinable()) stopper.join();
  LOG_INFO("stopped");
  return 0;
}
