// The gateway's request handling, apart from sockets: routes API requests to upstream
// RPCs (transcoding JSON <-> protobuf), answers /healthz, /readyz and /metrics, serves static
// files, and writes the access log and request metrics. The HTTP server feeds it parsed
// requests; tests can call Handle directly.
// Thread-safe: Handle may be called from any thread. `done` is called exactly once, on an
// executor thread (never on a gRPC thread). The Gateway and what it references must outlive
// every request: stop the server, then UpstreamClient::Shutdown, then the executor.
#pragma once

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "comptoir/common/auth.h"
#include "metrics.h"
#include "micro_cache.h"
#include "partner_keys.h"
#include "rate_limiter.h"
#include "route_table.h"
#include "shared_response_cache.h"
#include "static_files.h"
#include "transcoder.h"  // JsonDeeperThan, kMaxJsonDepth
#include "upstream.h"
#include "upstream_health.h"

namespace comptoir::gateway {

using HttpRequest = boost::beast::http::request<boost::beast::http::string_body>;
using HttpResponse = boost::beast::http::response<boost::beast::http::string_body>;
using Responder = std::function<void(HttpResponse)>;

// A response sent in pieces (Server-Sent Events), opened by a StreamOpener. Thread-safe:
// Send and End may be called from any thread; pieces go out in call order. After the client
// left, both do nothing.
class ResponseStream {
 public:
  virtual ~ResponseStream() = default;
  virtual void Send(std::string bytes) = 0;
  // Ends the response; the connection closes once the queued pieces are written.
  virtual void End() = 0;
};
// Writes `head` (status and headers; chunked, no body) and returns the stream for the rest.
// `on_gone` runs once, on any thread, if the client disconnects (or cannot keep up, or the
// server stops) before End: stop producing then.
using StreamOpener = std::function<std::shared_ptr<ResponseStream>(HttpResponse head,
                                                                   std::function<void()> on_gone)>;

// Server-Sent Events for server-streaming routes.
struct StreamOptions {
  std::chrono::milliseconds heartbeat{15000};  // a comment line after this much silence
  // The head waits this long for the service to accept the call (so that a refusal still
  // gets its own HTTP status), then goes anyway.
  std::chrono::milliseconds head_wait{1000};
  size_t max_streams = 1000;  // concurrent streams; more are 503
};

// What a request counts against (see ClassifyRoute).
enum class RouteClass { kRead, kWrite, kLogin };

// Who may call how often. Callers are accounts (verified bearer token), partner keys
// (X-Api-Key) or, for anonymous calls, client addresses.
struct ProtectionOptions {
  RateLimiter* limiter = nullptr;                   // no rate limits when null
  const common::TokenVerifier* verifier = nullptr;  // tokens left to the services when null
  // Checks X-Api-Key on partner routes (see IsPartnerRoute). Null: keys are ignored and
  // such callers count as anonymous (counting unchecked keys apart would let a client pick a
  // fresh budget per request).
  PartnerKeyChecker* partner_keys = nullptr;
  // Services whose GET routes are partner routes: public catalogue and shop reads.
  std::vector<std::string> partner_services = {"comptoir.shops.v1.ShopService",
                                               "comptoir.catalogue.v1.CatalogueService"};
  // Origins of our own web front besides the request's Host (behind a proxy that rewrites
  // it): requests from them are not cross-origin.
  std::vector<std::string> own_origins;
  RateLimit anonymous_reads{300, std::chrono::seconds(60)};
  RateLimit account_reads{600, std::chrono::seconds(60)};
  // A partner key's budget by its rate tier (accounts.proto: basic 60, high 600 a minute);
  // partner_reads for a tier not listed.
  std::map<std::string, RateLimit> partner_tiers = {
      {"basic", RateLimit{60, std::chrono::seconds(60)}},
      {"high", RateLimit{600, std::chrono::seconds(60)}}};
  RateLimit partner_reads{60, std::chrono::seconds(60)};
  RateLimit writes{120, std::chrono::seconds(60)};
  RateLimit logins{10, std::chrono::seconds(60)};  // per client address
};

// Partner routes accept X-Api-Key and answer cross-origin browsers (CORS) for the key's
// allowed origins: the GET routes of `partner_services`. Without a key, a cross-origin
// browser request to one of them is 401; other routes never send CORS headers.
bool IsPartnerRoute(const Route& route, const std::vector<std::string>& partner_services);

// Whether an Origin header names another site than the one serving `host` (the request's
// Host header) and `own_origins`. Compares scheme-less host[:port], case-insensitively.
bool IsCrossOrigin(std::string_view origin, std::string_view host,
                   const std::vector<std::string>& own_origins);

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
  // `open_stream` serves server-streaming routes as Server-Sent Events (406 without it).
  void Handle(HttpRequest request, Responder done, StreamOpener open_stream);
  // Goes on after asynchronous steps on `executor` (the connection's strand) instead of
  // the gateway's own: the answer is then made on the thread that writes it.
  void Handle(HttpRequest request, Responder done, StreamOpener open_stream,
              boost::asio::any_io_executor executor);
  void SetStreamOptions(StreamOptions options);
  size_t open_streams() const { return open_streams_.load(); }

  // The OpenAPI document served at /openapi.json (404 until set). Call before serving.
  void SetApiDocument(std::string json);
  // Token checks and rate limits for API routes. Call before serving.
  void SetProtection(ProtectionOptions options);
  // Caches public API reads (null: none). Call before serving.
  void SetMicroCache(MicroCache* cache);
  // The cache shared with other replicas, asked on a micro-cache miss (null: none). Call
  // before serving.
  void SetSharedCache(SharedResponseCache* cache) { shared_cache_ = cache; }
  // Whether each answer writes its access-log line (an info line: off when LOG_LEVEL is
  // above info, which also spares building it). Call before serving.
  void SetAccessLog(bool enabled) { access_log_ = enabled; }

  // A problem+json response, for errors found before a request reaches Handle (431, 413).
  static HttpResponse ProblemResponse(int http_status, absl::StatusCode code, std::string detail,
                                      unsigned http_version, std::string_view request_id);

 private:
  struct Exchange;  // one request in flight

  void HandleApi(std::shared_ptr<Exchange> ex, std::string_view path, std::string_view query);
  // Identity and rate limit of an API request, then Forward (maybe from another thread).
  void Admit(std::shared_ptr<Exchange> ex);
  // After the partner key check (on the executor).
  void AdmitPartner(std::shared_ptr<Exchange> ex, absl::StatusOr<PartnerKeyInfo> key);
  // Rate limit of an identified caller, then Forward.
  void Limit(std::shared_ptr<Exchange> ex, const std::string& caller,
             std::optional<RateLimit> partner_limit);
  // OPTIONS with Origin and Access-Control-Request-Method on an API path.
  void HandlePreflight(std::shared_ptr<Exchange> ex, std::string_view path);
  void Forward(std::shared_ptr<Exchange> ex);
  // Server-streaming routes (event_stream.cc).
  struct StreamBridge;
  void ForwardStream(std::shared_ptr<Exchange> ex, std::string request_bytes,
                     UpstreamClient::Metadata metadata);
  // The headers every answer carries (request id, security, rate limits, CORS).
  void Decorate(const Exchange& ex, HttpResponse* res) const;
  // Request metrics and access log line of an answer.
  void Record(const Exchange& ex, int status, size_t bytes) const;
  // The two halves of Record: the metrics (returns the request's duration in seconds), and
  // the access log line when enabled.
  double Observe(const Exchange& ex, int status) const;
  void LogAccess(const Exchange& ex, int status, size_t bytes, double seconds) const;
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
  SharedResponseCache* shared_cache_ = nullptr;
  bool access_log_ = true;
  StreamOptions stream_options_;
  std::atomic<size_t> open_streams_{0};
  std::string api_document_;
  std::string api_document_etag_;
};

// The traceparent to pass on: the caller's when it is a valid W3C trace context (version 00
// format), otherwise a fresh sampled one, so every service logs a trace id.
std::string TraceparentFor(std::string_view header_value);

// X-Content-Type-Options, Referrer-Policy, X-Frame-Options (not under /embed/) and, for
// HTML, a Content-Security-Policy.
void SetSecurityHeaders(std::string_view path, HttpResponse* res);

// A strong entity tag for a body: "\"<16 hex digits>\"", XXH3 (64 bits) of the bytes: the
// same in every replica, and about a microsecond for a 12 KB answer.
std::string StrongEtag(std::string_view body);

// Whether an If-None-Match header value matches `etag` ("*", or one of a comma-separated
// list; weak tags compare by their opaque part, as RFC 9110 asks for GET).
bool IfNoneMatchHits(std::string_view if_none_match, std::string_view etag);

// The id to use for a request: the caller's X-Request-Id when it is 1-64 characters of
// [A-Za-z0-9._-] (safe to log and echo), otherwise a fresh one.
std::string RequestIdFor(std::string_view header_value);

}  // namespace comptoir::gateway
