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
#include "comptoir/common/auth.h"
#include "metrics.h"
#include "micro_cache.h"
#include "rate_limiter.h"
#include "route_table.h"
#include "static_files.h"
#include "upstream.h"
#include "upstream_health.h"

namespace comptoir::gateway {

using HttpRequest = boost::beast::http::request<boost::beast::http::string_body>;
using HttpResponse = boost::beast::http::response<boost::beast::http::string_body>;
using Responder = std::function<void(HttpResponse)>;

// What a request counts against (see ClassifyRoute).
enum class RouteClass { kRead, kWrite, kLogin };

// Who may call how often. Callers are accounts (verified bearer token), partner keys
// (X-Api-Key) or, for anonymous calls, client addresses.
struct ProtectionOptions {
  RateLimiter* limiter = nullptr;                   // no rate limits when null
  const common::TokenVerifier* verifier = nullptr;  // tokens left to the services when null
  // Whether an X-Api-Key is a live partner key (401 otherwise). Null until the accounts
  // service offers a look-up: keys are then ignored and such callers count as anonymous.
  std::function<bool(std::string_view)> partner_key_valid;
  RateLimit anonymous_reads{300, std::chrono::seconds(60)};
  RateLimit account_reads{600, std::chrono::seconds(60)};
  RateLimit partner_reads{3000, std::chrono::seconds(60)};
  RateLimit writes{120, std::chrono::seconds(60)};
  RateLimit logins{10, std::chrono::seconds(60)};  // per client address
};

// kLogin for sign-in and sign-up (POST /v1/sessions, /v1/sessions:*, /v1/accounts);
// kRead for GET and HEAD; kWrite otherwise.
RouteClass ClassifyRoute(std::string_view method, std::string_view path);

class Gateway {
 public:
  // `health` and `static_files` may be null (readiness then follows nothing; no web files).
  Gateway(const RouteTable& routes, UpstreamClient& upstreams, const UpstreamHealth* health,
          GatewayMetrics& metrics, const StaticFiles* static_files,
          boost::asio::any_io_executor executor);
  Gateway(const Gateway&) = delete;
  Gateway& operator=(const Gateway&) = delete;

  void Handle(HttpRequest request, Responder done);

  // The OpenAPI document served at /openapi.json (404 until set). Call before serving.
  void SetApiDocument(std::string json);
  // Token checks and rate limits for API routes. Call before serving.
  void SetProtection(ProtectionOptions options);
  // Caches public API reads (null: none). Call before serving.
  void SetMicroCache(MicroCache* cache);

  // A problem+json response, for errors found before a request reaches Handle (431, 413).
  static HttpResponse ProblemResponse(int http_status, absl::StatusCode code, std::string detail,
                                      unsigned http_version, std::string_view request_id);

 private:
  struct Exchange;  // one request in flight

  void HandleApi(std::shared_ptr<Exchange> ex, std::string_view path, std::string_view query);
  // Identity and rate limit of an API request, then Forward (maybe from another thread).
  void Admit(std::shared_ptr<Exchange> ex, std::string_view path);
  void Forward(std::shared_ptr<Exchange> ex);
  void HandleStatic(std::shared_ptr<Exchange> ex, std::string_view path);
  void HandleApiDocument(std::shared_ptr<Exchange> ex);
  void Finish(std::shared_ptr<Exchange> ex, HttpResponse response);
  void FinishProblem(std::shared_ptr<Exchange> ex, const absl::Status& status, int http_status);
  void FinishJson(std::shared_ptr<Exchange> ex, int http_status, std::string body);
  // A 200 (or 304) JSON answer of a GET, with ETag, Cache-Control and gzip when accepted.
  void FinishBody(std::shared_ptr<Exchange> ex, const CachedBody& body);

  const RouteTable& routes_;
  UpstreamClient& upstreams_;
  const UpstreamHealth* health_;
  GatewayMetrics& metrics_;
  const StaticFiles* static_files_;
  boost::asio::any_io_executor executor_;
  ProtectionOptions protection_;
  MicroCache* micro_cache_ = nullptr;
  std::string api_document_;
  std::string api_document_etag_;
};

// Requests whose JSON nests deeper are refused (400) before parsing.
inline constexpr int kMaxJsonDepth = 32;

// The traceparent to pass on: the caller's when it is a valid W3C trace context (version 00
// format), otherwise a fresh sampled one, so every service logs a trace id.
std::string TraceparentFor(std::string_view header_value);

// Whether `body` has more than `limit` nested objects/arrays (strings are skipped).
bool JsonDeeperThan(std::string_view body, int limit);

// X-Content-Type-Options, Referrer-Policy, X-Frame-Options (not under /embed/) and, for
// HTML, a Content-Security-Policy.
void SetSecurityHeaders(std::string_view path, HttpResponse* res);

// A strong entity tag for a body: "\"<16 hex digits>\"" (FNV-1a 64 of the bytes).
std::string StrongEtag(std::string_view body);

// Whether an If-None-Match header value matches `etag` ("*", or one of a comma-separated
// list; weak tags compare by their opaque part, as RFC 9110 asks for GET).
bool IfNoneMatchHits(std::string_view if_none_match, std::string_view etag);

// The id to use for a request: the caller's X-Request-Id when it is 1-64 characters of
// [A-Za-z0-9._-] (safe to log and echo), otherwise a fresh one.
std::string RequestIdFor(std::string_view header_value);

}  // namespace comptoir::gateway
