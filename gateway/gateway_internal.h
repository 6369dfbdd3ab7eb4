// What the gateway keeps about one request in flight, shared by gateway.cc and
// event_stream.cc. Not thread-safe: an Exchange is used by one thread at a time, handed over
// through posts to the executor.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "gateway.h"
#include "rate_limiter.h"
#include "route_table.h"

namespace comptoir::gateway {

struct Gateway::Exchange {
  HttpRequest request;
  Responder done;
  std::string request_id;
  std::string traceparent;           // W3C trace context passed on to the services
  std::string path;                  // without the query: what logs and problems show
  std::string route = "unmatched";   // metrics label
  std::string allow;                 // Allow header of a 405
  RouteMatch match;                  // of an API request
  std::string query;                 // raw query of an API request
  std::optional<RateDecision> rate;  // RateLimit-* headers when a limit was checked
  int64_t retry_after_seconds = 0;   // Retry-After of a 429 or 503 when > 0
  bool public_read = false;          // GET without a token: shareable answer
  std::string cache_key;             // micro-cache key when the answer may be cached
  bool shared_cache_asked = false;   // the shared cache missed: go to the service
  bool partner_route = false;        // answers vary on Origin (CORS)
  std::string cors_origin;           // echoed in Access-Control-Allow-Origin when set
  bool if_match = false;             // a write with If-Match: ABORTED is 412
  StreamOpener open_stream;          // for server-streaming routes
  // Where the work after an asynchronous step (upstream call, rate limit, partner key) goes
  // on: the connection's strand, or the gateway's executor.
  boost::asio::any_io_executor executor;
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
};

}  // namespace comptoir::gateway
