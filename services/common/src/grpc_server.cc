#include "comptoir/common/grpc_server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/support/server_interceptor.h>
#include <prometheus/counter.h>
#include <prometheus/exposer.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <pthread.h>
#include <signal.h>

#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "comptoir/common/config.h"
#include "comptoir/common/grpc_channel.h"

namespace comptoir::common {

struct CallMetrics {
  prometheus::Family<prometheus::Counter>& handled;
  prometheus::Family<prometheus::Histogram>& latency;
};

namespace {

using grpc::experimental::InterceptionHookPoints;

constexpr char kRequestIdKey[] = "x-request-id";
constexpr char kTraceparentKey[] = "traceparent";

// The trace id of the caller's W3C trace context (the gateway passes on the browser's or
// its own), for the call's log lines; empty without a valid one.
std::string TraceIdIn(const std::multimap<grpc::string_ref, grpc::string_ref>& metadata) {
  auto it = metadata.find(kTraceparentKey);
  if (it == metadata.end()) return {};
  return std::string(TraceIdOf(std::string_view(it->second.data(), it->second.size())));
}

// A request id from a caller is kept only when it is short and printable, so it can go
// into logs and headers as it is.
bool SaneRequestId(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') {
      return false;
    }
  }
  return true;
}

// Per call: makes sure the call has a request id (adding one to the received metadata when
// the caller sent none, so the handler reads the same id), and at the end writes the access
// log line and the metrics.
class CallInterceptor : public grpc::experimental::Interceptor {
 public:
  CallInterceptor(grpc::experimental::ServerRpcInfo* info, CallMetrics* metrics)
      : method_(info->method()), metrics_(metrics), start_(std::chrono::steady_clock::now()) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_INITIAL_METADATA)) {
      auto* md = methods->GetRecvInitialMetadata();
      auto it = md->find(kRequestIdKey);
      if (it != md->end() &&
          SaneRequestId(std::string_view(it->second.data(), it->second.size()))) {
        request_id_.assign(it->second.data(), it->second.size());
      } else {
        if (it != md->end()) md->erase(it);
        request_id_ = NewRequestId();
        md->emplace(grpc::string_ref(kRequestIdKey), grpc::string_ref(request_id_));
      }
      trace_id_ = TraceIdIn(*md);
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
      Finish(methods->GetSendStatus());
    }
    methods->Proceed();
  }

 private:
  void Finish(const grpc::Status& status) {
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    std::string code(CodeName(static_cast<absl::StatusCode>(status.error_code())));
    metrics_->handled.Add({{"grpc_method", method_}, {"grpc_code", code}}).Increment();
    metrics_->latency
        .Add({{"grpc_method", method_}},
             prometheus::Histogram::BucketBoundaries{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                                     0.25, 0.5, 1, 2.5, 5, 10})
        .Observe(seconds);
    // Health probes arrive every few seconds from every checker: counted, not logged.
    if (method_.rfind("/grpc.health.v1.", 0) == 0) return;
    ScopedRequestId scope(request_id_, trace_id_);
    Log(status.ok() ? LogLevel::kInfo : LogLevel::kWarn, "rpc",
        {{"method", method_},
         {"code", code},
         {"duration_ms", absl::StrCat(static_cast<int64_t>(seconds * 1e6) / 1e3)}});
  }

  std::string method_;
  CallMetrics* metrics_;
  std::chrono::steady_clock::time_point start_;
  std::string request_id_;
  std::string trace_id_;
};

class CallInterceptorFactory : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit CallInterceptorFactory(CallMetrics* metrics) : metrics_(metrics) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    return new CallInterceptor(info, metrics_);
  }

 private:
  CallMetrics* metrics_;
};

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> TlsCredentials(
    const GrpcServerOptions& options) {
  if (options.tls_cert_file.empty() || options.tls_key_file.empty()) {
    return absl::FailedPreconditionError("GRPC_TLS_CERT_FILE and GRPC_TLS_KEY_FILE go together");
  }
  grpc::SslServerCredentialsOptions ssl;
  ASSIGN_OR_RETURN(std::string cert, ReadPemFile(options.tls_cert_file));
  ASSIGN_OR_RETURN(std::string key, ReadPemFile(options.tls_key_file));
  ssl.pem_key_cert_pairs.push_back({key, cert});
  if (!options.tls_client_ca_file.empty()) {
    ASSIGN_OR_RETURN(ssl.pem_root_certs, ReadPemFile(options.tls_client_ca_file));
    ssl.client_certificate_request = GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
  }
  return grpc::SslServerCredentials(ssl);
}

}  // namespace

GrpcServerOptions GrpcServerOptionsFromEnv(EnvConfig& env, std::string service_name,
                                           const std::string& default_grpc_listen,
                                           const std::string& default_metrics_listen) {
  GrpcServerOptions options;
  options.service_name = std::move(service_name);
  options.grpc_listen = env.HostPort("GRPC_LISTEN", default_grpc_listen);
  options.metrics_listen = env.String("METRICS_LISTEN", default_metrics_listen);
  options.workers = static_cast<std::size_t>(env.Int("WORKERS", 8, 1, 256));
  options.max_queue = static_cast<std::size_t>(env.Int("MAX_QUEUE", 1024, 1, 1 << 20));
  options.max_call_time = env.Duration("MAX_CALL_TIME", options.max_call_time);
  options.drain = env.Duration("SHUTDOWN_DRAIN", options.drain);
  options.shutdown_grace = env.Duration("SHUTDOWN_GRACE", options.shutdown_grace);
  options.tls_cert_file = env.String("GRPC_TLS_CERT_FILE", "");
  options.tls_key_file = env.String("GRPC_TLS_KEY_FILE", "");
  options.tls_client_ca_file = env.String("GRPC_TLS_CLIENT_CA_FILE", "");
  return options;
}

void BlockTerminationSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

GrpcServer::GrpcServer(GrpcServerOptions options)
    : options_(std::move(options)),
      registry_(std::make_shared<prometheus::Registry>()),
      call_metrics_(
          new CallMetrics{prometheus::BuildCounter()
                              .Name("grpc_server_handled_total")
                              .Help("RPCs completed on the server, by method and status code.")
                              .Register(*registry_),
                          prometheus::BuildHistogram()
                              .Name("grpc_server_handling_seconds")
                              .Help("Time from receiving an RPC to sending its status.")
                              .Register(*registry_)}),
      workers_(std::make_unique<WorkerPool>(options_.workers, options_.max_queue)) {}

GrpcServer::~GrpcServer() { Shutdown(); }

void GrpcServer::AddService(grpc::Service* service) { services_.push_back(service); }

absl::Status GrpcServer::Start() {
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  std::shared_ptr<grpc::ServerCredentials> credentials = grpc::InsecureServerCredentials();
  if (!options_.tls_cert_file.empty() || !options_.tls_key_file.empty()) {
    absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> tls = TlsCredentials(options_);
    if (!tls.ok()) return tls.status();
    credentials = *tls;
  }
  grpc::ServerBuilder builder;
  builder.AddListeningPort(options_.grpc_listen, credentials, &port_);
  builder.SetMaxReceiveMessageSize(16 * 1024 * 1024);
  // Connections are recycled every few minutes so clients re-resolve `dns:///` targets and
  // spread over replicas added since they connected.
  builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_MS, 5 * 60 * 1000);
  builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_GRACE_MS, 30 * 1000);
  for (grpc::Service* service : services_) builder.RegisterService(service);
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> creators;
  creators.push_back(std::make_unique<CallInterceptorFactory>(call_metrics_.get()));
  builder.experimental().SetInterceptorCreators(std::move(creators));
  server_ = builder.BuildAndStart();
  if (server_ == nullptr || port_ == 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen for gRPC on ", options_.grpc_listen));
  }

  if (!options_.metrics_listen.empty()) {
    try {
      exposer_ = std::make_unique<prometheus::Exposer>(options_.metrics_listen);
      exposer_->RegisterCollectable(registry_);
    } catch (const std::exception& e) {
      return absl::UnavailableError(
          absl::StrCat("cannot serve metrics on ", options_.metrics_listen, ": ", e.what()));
    }
  }

  bool ready = !options_.readiness || options_.readiness();
  SetHealth(ready);
  readiness_thread_ = std::thread([this] { ReadinessLoop(); });
  LOG_INFO("listening",
           {{"grpc", absl::StrCat(options_.grpc_listen.substr(0, options_.grpc_listen.rfind(':')),
                                  ":", port_)},
            {"metrics", options_.metrics_listen},
            {"ready", ready ? "true" : "false"}});
  return absl::OkStatus();
}

void GrpcServer::ReadinessLoop() {
  bool last = true;
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    cv_.wait_for(lock, options_.readiness_interval);
    if (stopping_ || !options_.readiness) continue;
    lock.unlock();
    bool ready = options_.readiness();
    lock.lock();
    if (stopping_) break;
    SetHealth(ready);
    if (ready != last) {
      LOG_WARN(ready ? "ready again" : "not ready: dependency check failed");
      last = ready;
    }
  }
}

void GrpcServer::SetHealth(bool ready) {
  grpc::HealthCheckServiceInterface* health = server_->GetHealthCheckService();
  health->SetServingStatus(ready);  // "" and every service: readiness
  // The liveness name answers SERVING whatever the dependencies do: a database outage must
  // make a replica unready, not get it restarted.
  health->SetServingStatus(kLivenessHealthName, true);
}

std::shared_ptr<grpc::Channel> GrpcServer::InProcessChannel() {
  return server_->InProcessChannel(grpc::ChannelArguments());
}

void GrpcServer::WaitForTermination() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  int signal_number = 0;
  sigwait(&set, &signal_number);
  LOG_INFO("shutting down", {{"signal", strsignal(signal_number)}});
  Shutdown();
}

void GrpcServer::Shutdown() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (readiness_thread_.joinable()) readiness_thread_.join();
  if (server_ != nullptr) {
    server_->GetHealthCheckService()->SetServingStatus(false);
    if (options_.drain.count() > 0) std::this_thread::sleep_for(options_.drain);
    server_->Shutdown(std::chrono::system_clock::now() + options_.shutdown_grace);
  }
  workers_->Shutdown();
  if (server_ != nullptr) server_->Wait();
  exposer_.reset();
  LOG_INFO("stopped");
}

std::string RequestIdOf(const grpc::CallbackServerContext& context) {
  const auto& md = context.client_metadata();
  auto it = md.find(kRequestIdKey);
  if (it != md.end()) {
    std::string_view id(it->second.data(), it->second.size());
    if (SaneRequestId(id)) return std::string(id);
  }
  return NewRequestId();
}

std::chrono::steady_clock::time_point CallDeadline(const grpc::CallbackServerContext& context,
                                                   std::chrono::milliseconds max_call_time) {
  auto now_system = std::chrono::system_clock::now();
  auto now_steady = std::chrono::steady_clock::now();
  auto cap = now_steady + max_call_time;
  auto remaining = context.deadline() - now_system;
  if (remaining > max_call_time) return cap;
  return now_steady + std::chrono::duration_cast<std::chrono::steady_clock::duration>(remaining);
}

grpc::ServerUnaryReactor* Offload(
    GrpcServer& server, grpc::CallbackServerContext* context,
    std::function<absl::Status(std::chrono::steady_clock::time_point deadline)> fn) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  auto deadline = CallDeadline(*context, server.options().max_call_time);
  bool queued = server.workers().TrySubmit([reactor, context, deadline, fn = std::move(fn),
                                            id = RequestIdOf(*context),
                                            trace_id = TraceIdIn(context->client_metadata())] {
    ScopedRequestId scope(id, trace_id);
    if (context->IsCancelled()) {
      reactor->Finish(grpc::Status(grpc::StatusCode::CANCELLED, "the caller gave up"));
      return;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      reactor->Finish(grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED,
                                   "deadline passed while the call waited for a worker"));
      return;
    }
    reactor->Finish(ToGrpcStatus(fn(deadline)));
  });
  if (!queued) {
    reactor->Finish(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                                 "server busy: too many calls in progress, retry shortly"));
  }
  return reactor;
}

}  // namespace comptoir::common
