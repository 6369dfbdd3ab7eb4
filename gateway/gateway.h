// The gateway's request handling, apart from sockets: routes API requests to upstream
// RPCs (transcoding JSON <-> protobuf), answers /healthz, /readyz and /metrics, serves static
// files, and writes the access log and request metrics. The HTTP server feeds it parsed
// requests; tests can call Handle directly.
// Thread-safe: Handle may be called from any thread. `done` is called exactly once, on an
// executor thread (never on a gRPC thread). The Gateway and what it references must outlive
// every request: stop the server, then UpstreamClient::Shutdown, then the executor.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <functional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "metrics.h"
#include "route_table.h"
#include "static_files.h"
#include "upstream.h"
#include "upstream_health.h"

namespace comptoir::gateway {

using HttpRequest = boost::beast::http::request<boost::beast::http::string_body>;
using HttpResponse = boost::beast::http::response<boost::beast::http::string_body>;
using Responder = std::function<void(HttpResponse)>;

class Gateway {
 public:
  // `health` and `static_files` may be null (readiness then follows nothing; no web files).
  Gateway(const RouteTable& routes, UpstreamClient& upstreams, const UpstreamHealth* health,
          GatewayMetrics& metrics, const StaticFiles* static_files,
          boost::asio::any_io_executor executor);
  Gateway(const Gateway&) = delete;
  Gateway& operator=(const Gateway&) = delete;

  void Handle(HttpRequest request, Responder done);

  // A problem+json response, for errors found before a request reaches Handle (431, 413).
  static HttpResponse ProblemResponse(int http_status, absl::StatusCode code, std::string detail,
                                      unsigned http_version, std::string_view request_id);

 private:
  struct Exchange;  // one request in flight

  void HandleApi(std::shared_ptr<Exchange> ex, std::string_view path, std::string_view query);
  void HandleStatic(std::shared_ptr<Exchange> ex, std::string_view path);
  void Finish(std::shared_ptr<Exchange> ex, HttpResponse response);
  void FinishProblem(std::shared_ptr<Exchange> ex, const absl::Status& status, int http_status);
  void FinishJson(std::shared_ptr<Exchange> ex, int http_status, std::string body);

  const RouteTable& routes_;
  UpstreamClient& upstreams_;
  const UpstreamHealth* health_;
  GatewayMetrics& metrics_;
  const StaticFiles* static_files_;
  boost::asio::any_io_executor executor_;
};

// The id to use for a request: the caller's X-Request-Id when it is 1-64 characters of
// [A-Za-z0-9._-] (safe to log and echo), otherwise a fresh one.
std::string RequestIdFor(std::string_view header_value);

}  // namespace comptoir::gateway
