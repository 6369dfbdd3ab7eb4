// Runs a service's gRPC server the same way for every service: grpc.health.v1 following a
// readiness probe (the database), server reflection, an interceptor that gives every call a
// request id, a JSON access log line and Prometheus metrics (served on a separate port), a
// bounded worker pool for handlers, and a graceful shutdown on SIGTERM/SIGINT.
//
//   BlockTerminationSignals();            // first thing in main, before any thread starts
//   GrpcServer server(options);
//   server.AddService(&shops_grpc);
//   RETURN_IF_ERROR(server.Start());
//   server.WaitForTermination();          // returns after a graceful shutdown
//
// Handlers use Offload() to run on the worker pool. Thread-safe after Start().
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "comptoir/common/log.h"
#include "comptoir/common/status.h"
#include "comptoir/common/worker_pool.h"

namespace prometheus {
class Exposer;
class Registry;
}  // namespace prometheus

namespace comptoir::common {

class EnvConfig;
struct CallMetrics;

// grpc.health.v1 service name that answers SERVING while the process runs (liveness probes);
// "" and the services' own names follow readiness (the database answers).
inline constexpr char kLivenessHealthName[] = "liveness";

struct GrpcServerOptions {
  std::string service_name;  // "shops": logs and metrics
  std::string grpc_listen = "127.0.0.1:0";
  std::string metrics_listen;  // empty: no metrics endpoint
  std::size_t workers = 8;
  std::size_t max_queue = 1024;                    // queued calls beyond the workers; more are shed
  std::chrono::milliseconds max_call_time{10000};  // handlers' deadline when the caller set none
  std::chrono::milliseconds drain{0};              // NOT_SERVING announced this long before closing
  std::chrono::milliseconds shutdown_grace{10000};  // in-flight calls get this long to finish
  std::chrono::milliseconds readiness_interval{2000};
  std::function<bool()> readiness;  // e.g. the database answers; none: always ready
  // TLS for clusters without a mesh: PEM file paths; all empty means plaintext.
  std::string tls_cert_file;
  std::string tls_key_file;
  std::string tls_client_ca_file;  // set: clients must present a certificate it signed
};

// Reads GRPC_LISTEN, METRICS_LISTEN, WORKERS, MAX_QUEUE, MAX_CALL_TIME, SHUTDOWN_DRAIN,
// SHUTDOWN_GRACE and GRPC_TLS_CERT_FILE / GRPC_TLS_KEY_FILE / GRPC_TLS_CLIENT_CA_FILE with the
// given defaults.
GrpcServerOptions GrpcServerOptionsFromEnv(EnvConfig& env, std::string service_name,
                                           const std::string& default_grpc_listen,
                                           const std::string& default_metrics_listen);

// Blocks SIGTERM and SIGINT in the calling thread and every thread it starts later, so that
// WaitForTermination can take them with sigwait.
void BlockTerminationSignals();

class GrpcServer {
 public:
  explicit GrpcServer(GrpcServerOptions options);
  ~GrpcServer();
  GrpcServer(const GrpcServer&) = delete;
  GrpcServer& operator=(const GrpcServer&) = delete;

  // Services must outlive the server. Call before Start().
  void AddService(grpc::Service* service);
  absl::Status Start();
  // The port actually bound (useful with port 0 in tests).
  int port() const { return port_; }
  WorkerPool& workers() { return *workers_; }
  prometheus::Registry& metrics() { return *registry_; }
  const GrpcServerOptions& options() const { return options_; }
  // A channel to this server that does not go through the network stack (tests).
  std::shared_ptr<grpc::Channel> InProcessChannel();

  // Waits for SIGTERM/SIGINT, then shuts down gracefully.
  void WaitForTermination();
  // NOT_SERVING, drain, stop accepting, let in-flight calls finish within the grace period,
  // then stop the workers. Idempotent.
  void Shutdown();

 private:
  void ReadinessLoop();
  void SetHealth(bool ready);

  GrpcServerOptions options_;
  std::vector<grpc::Service*> services_;
  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<CallMetrics> call_metrics_;
  std::unique_ptr<prometheus::Exposer> exposer_;
  std::unique_ptr<WorkerPool> workers_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;  // guarded by mu_
  std::thread readiness_thread_;
};

// The request id of a call: the caller's `x-request-id` when it is sane, else a new one.
std::string RequestIdOf(const grpc::CallbackServerContext& context);

// The instant a handler must be done by: the caller's deadline, capped at `max_call_time`.
std::chrono::steady_clock::time_point CallDeadline(const grpc::CallbackServerContext& context,
                                                   std::chrono::milliseconds max_call_time);

// Runs `fn` (returning absl::Status) on the server's worker pool with the call's request id,
// then finishes the call with its status mapped to gRPC. Answers RESOURCE_EXHAUSTED at once
// when the pool is saturated, and CANCELLED when the caller gave up before the work started.
//
//   grpc::ServerUnaryReactor* GetShop(grpc::CallbackServerContext* ctx, const GetShopRequest* req,
//                                     Shop* resp) override {
//     return Offload(server_, ctx, [=](auto deadline) { ... return absl::OkStatus(); });
//   }
grpc::ServerUnaryReactor* Offload(
    GrpcServer& server, grpc::CallbackServerContext* context,
    std::function<absl::Status(std::chrono::steady_clock::time_point deadline)> fn);

}  // namespace comptoir::common
