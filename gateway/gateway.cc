#include "gateway.h"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <memory>
#include <optional>
#include <utility>

#include "comptoir/common/log.h"
#include "comptoir/common/status.h"
#include "problem.h"
#include "text.h"
#include "transcoder.h"

namespace comptoir::gateway {
namespace http = boost::beast::http;

namespace {

// HTTP methods outside this set are counted as OTHER so a client cannot grow the metrics.
std::string_view MethodLabel(http::verb verb) {
  switch (verb) {
    case http::verb::get:
    case http::verb::head:
    case http::verb::post:
    case http::verb::put:
    case http::verb::patch:
    case http::verb::delete_:
    case http::verb::options:
      return http::to_string(verb);
    default:
      return "OTHER";
  }
}

bool IsJsonContentType(std::string_view value) {
  std::string type = text::ToLower(text::Strip(value.substr(0, value.find(';'))));
  return type == "application/json" || text::EndsWith(type, "+json");
}

}  // namespace

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
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
};

std::string RequestIdFor(std::string_view header_value) {
  bool sane = !header_value.empty() && header_value.size() <= 64;
  for (char c : header_value) {
    if (!text::IsAlnum(c) && c != '-' && c != '_' && c != '.') {
      sane = false;
      break;
    }
  }
  return sane ? std::string(header_value) : common::NewRequestId();
}

Gateway::Gateway(const RouteTable& routes, UpstreamClient& upstreams, const UpstreamHealth* health,
                 GatewayMetrics& metrics, const StaticFiles* static_files,
                 boost::asio::any_io_executor executor)
    : routes_(routes),
      upstreams_(upstreams),
      health_(health),
      metrics_(metrics),
      static_files_(static_files),
      executor_(std::move(executor)) {}

void SetSecurityHeaders(std::string_view path, HttpResponse* res) {
  res->set("X-Content-Type-Options", "nosniff");
  res->set("Referrer-Policy", "strict-origin-when-cross-origin");
  // /embed/ serves the script partner sites include in their pages; everything else is ours
  // alone and must not be framed (clickjacking).
  const bool embeddable = text::StartsWith(path, "/embed/");
  if (!embeddable) res->set("X-Frame-Options", "DENY");
  if (text::StartsWith((*res)[http::field::content_type], "text/html")) {
    // Scripts only from our origin; the pages' own <style> blocks are allowed.
    res->set("Content-Security-Policy",
             text::Cat("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                       "img-src 'self' data:; object-src 'none'; base-uri 'self'; form-action "
                       "'self'",
                       embeddable ? "" : "; frame-ancestors 'none'"));
  }
}

HttpResponse Gateway::ProblemResponse(int http_status, absl::StatusCode code, std::string detail,
                                      unsigned http_version, std::string_view request_id) {
  HttpResponse res{static_cast<http::status>(http_status), http_version};
  res.set(http::field::content_type, kProblemContentType);
  res.set("X-Request-Id", request_id);
  SetSecurityHeaders("", &res);
  res.body() = RenderProblem(MakeProblem(http_status, code, std::move(detail), "", request_id));
  res.prepare_payload();
  return res;
}

std::string TraceparentFor(std::string_view header_value) {
  // version "00" - trace-id (32 hex, not all zero) - parent-id (16 hex, not all zero) - flags
  auto hex = [](std::string_view s) {
    return std::all_of(s.begin(), s.end(),
                       [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
  };
  auto zero = [](std::string_view s) { return s.find_first_not_of('0') == std::string_view::npos; };
  std::string_view v = text::Strip(header_value);
  if (v.size() == 55 && v[2] == '-' && v[35] == '-' && v[52] == '-' && hex(v.substr(0, 2)) &&
      v.substr(0, 2) != "ff" && hex(v.substr(3, 32)) && hex(v.substr(36, 16)) &&
      hex(v.substr(53, 2)) && !zero(v.substr(3, 32)) && !zero(v.substr(36, 16))) {
    return std::string(v);
  }
  return text::Cat("00-", common::NewRequestId(), "-", common::NewRequestId().substr(0, 16), "-01");
}

bool JsonDeeperThan(std::string_view body, int limit) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < body.size(); ++i) {
    const char c = body[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > limit) return true;
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return false;
}

std::string StrongEtag(std::string_view body) {
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : body) {
    h ^= c;
    h *= 1099511628211ull;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (int shift = 60; shift >= 0; shift -= 4) out += kHex[(h >> shift) & 0xf];
  out += '"';
  return out;
}

bool IfNoneMatchHits(std::string_view if_none_match, std::string_view etag) {
  for (std::string_view candidate : text::Split(if_none_match, ',')) {
    candidate = text::Strip(candidate);
    if (candidate == "*") return true;
    if (text::StartsWith(candidate, "W/")) candidate.remove_prefix(2);
    if (candidate == etag) return true;
  }
  return false;
}

void Gateway::SetApiDocument(std::string json) {
  api_document_etag_ = StrongEtag(json);
  api_document_ = std::move(json);
}

void Gateway::HandleApiDocument(std::shared_ptr<Exchange> ex) {
  ex->route = "/openapi.json";
  const http::verb verb = ex->request.method();
  if (verb != http::verb::get && verb != http::verb::head) {
    ex->allow = "GET, HEAD";
    return FinishProblem(ex, absl::UnimplementedError("use GET"), 405);
  }
  if (api_document_.empty()) {
    return FinishProblem(ex, absl::NotFoundError("no API document"), 404);
  }
  // The document changes only with a new gateway build: short freshness, cheap revalidation.
  if (IfNoneMatchHits(ex->request[http::field::if_none_match], api_document_etag_)) {
    HttpResponse res{http::status::not_modified, ex->request.version()};
    res.set(http::field::etag, api_document_etag_);
    res.set(http::field::cache_control, "public, max-age=300");
    return Finish(std::move(ex), std::move(res));
  }
  HttpResponse res{http::status::ok, ex->request.version()};
  res.set(http::field::content_type, "application/json");
  res.set(http::field::etag, api_document_etag_);
  res.set(http::field::cache_control, "public, max-age=300");
  res.body() = api_document_;
  Finish(std::move(ex), std::move(res));
}

void Gateway::Handle(HttpRequest request, Responder done) {
  auto ex = std::make_shared<Exchange>();
  ex->request_id = RequestIdFor(request["X-Request-Id"]);
  ex->traceparent = TraceparentFor(request["traceparent"]);
  ex->request = std::move(request);
  ex->done = std::move(done);
  std::string_view target = ex->request.target();
  size_t q = target.find('?');
  std::string_view path = target.substr(0, q);
  std::string_view query = q == std::string_view::npos ? "" : target.substr(q + 1);
  // Logged and echoed in problems: bounded, and without the query (it may hold secrets).
  ex->path = std::string(path.substr(0, 1024));
  const http::verb verb = ex->request.method();

  if (path == "/healthz" || path == "/readyz" || path == "/metrics") {
    ex->route = ex->path;
    if (verb != http::verb::get && verb != http::verb::head) {
      ex->allow = "GET, HEAD";
      FinishProblem(ex, absl::UnimplementedError("use GET"), 405);
      return;
    }
    if (path == "/healthz") return FinishJson(ex, 200, R"({"status":"ok"})");
    if (path == "/metrics") {
      HttpResponse res{http::status::ok, ex->request.version()};
      res.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
      res.body() = metrics_.Render();
      return Finish(ex, std::move(res));
    }
    auto not_ready = health_ == nullptr ? decltype(health_->NotReady()){} : health_->NotReady();
    if (not_ready.empty()) return FinishJson(ex, 200, R"({"status":"ready"})");
    std::string body = R"({"status":"not ready","upstreams":[)";
    for (size_t i = 0; i < not_ready.size(); ++i) {
      text::Append(&body, i ? "," : "", "{\"address\":", common::JsonQuote(not_ready[i].first),
                   ",\"reason\":", common::JsonQuote(not_ready[i].second), "}");
    }
    body += "]}";
    return FinishJson(ex, 503, std::move(body));
  }
  if (path == "/openapi.json") return HandleApiDocument(std::move(ex));
  if (path == "/v1" || text::StartsWith(path, "/v1/") || text::StartsWith(path, "/v1:")) {
    return HandleApi(std::move(ex), path, query);
  }
  HandleStatic(std::move(ex), path);
}

void Gateway::HandleApi(std::shared_ptr<Exchange> ex, std::string_view path,
                        std::string_view query) {
  RouteMatch match = routes_.Find(ex->request.method_string(), path);
  if (match.kind == RouteMatch::Kind::kNotFound) {
    return FinishProblem(ex, absl::NotFoundError(text::Cat("no API route for ", path)), 404);
  }
  if (match.kind == RouteMatch::Kind::kMethodNotAllowed) {
    ex->route = "method_not_allowed";
    ex->allow = text::Join(match.allow, ", ");
    return FinishProblem(ex,
                         absl::UnimplementedError(
                             text::Cat(path, " accepts ", text::Join(match.allow, ", "), " only")),
                         405);
  }
  ex->route = match.route->name;
  ex->match = std::move(match);
  ex->query = std::string(query);
  Admit(std::move(ex), path);
}

RouteClass ClassifyRoute(std::string_view method, std::string_view path) {
  if (method == "POST" && (path == "/v1/sessions" || path == "/v1/accounts" ||
                           text::StartsWith(path, "/v1/sessions:"))) {
    return RouteClass::kLogin;
  }
  return method == "GET" || method == "HEAD" ? RouteClass::kRead : RouteClass::kWrite;
}

void Gateway::SetProtection(ProtectionOptions options) { protection_ = std::move(options); }

void Gateway::Admit(std::shared_ptr<Exchange> ex, std::string_view path) {
  // Identity first: an invalid token is refused before it costs a rate-limit round trip.
  std::string caller;
  auto authorization = ex->request[http::field::authorization];
  std::string_view auth(authorization.data(), authorization.size());
  auto api_key = ex->request["X-Api-Key"];
  if (!auth.empty()) {
    if (!text::StartsWith(text::ToLower(auth.substr(0, 7)), "bearer ")) {
      return FinishProblem(ex, absl::UnauthenticatedError("use Authorization: Bearer <token>"),
                           401);
    }
    std::string_view token = text::Strip(auth.substr(7));
    if (protection_.verifier != nullptr) {
      auto verified = protection_.verifier->Verify(token);
      if (!verified.ok()) {
        return FinishProblem(ex, absl::UnauthenticatedError("invalid or expired access token"),
                             401);
      }
      caller = text::Cat("account:", verified->user_id);
    } else {
      caller = text::Cat("token:", StrongEtag(token));  // unverified: never trust its subject
    }
  } else if (!api_key.empty() && protection_.partner_key_valid) {
    const std::string_view key(api_key.data(), api_key.size());
    if (!protection_.partner_key_valid(key)) {
      return FinishProblem(ex, absl::UnauthenticatedError("unknown partner key"), 401);
    }
    caller = text::Cat("partner:", StrongEtag(key));  // hashed: no secret in Redis keys
  } else {
    // Without a way to check partner keys, a key is ignored: counting unchecked keys apart
    // would let a client pick a fresh budget per request.
    caller = text::Cat("address:", std::string_view(ex->request["X-Client-Address"]));
  }
  if (protection_.limiter == nullptr) return Forward(std::move(ex));

  const RouteClass route_class = ClassifyRoute(ex->request.method_string(), path);
  RateLimit limit;
  std::string key;
  switch (route_class) {
    case RouteClass::kLogin:  // by address: one address trying many accounts is the attack
      limit = protection_.logins;
      key = text::Cat("rl:login:address:", std::string_view(ex->request["X-Client-Address"]));
      break;
    case RouteClass::kWrite:
      limit = protection_.writes;
      key = text::Cat("rl:write:", caller);
      break;
    case RouteClass::kRead:
      limit = text::StartsWith(caller, "partner:")   ? protection_.partner_reads
              : text::StartsWith(caller, "address:") ? protection_.anonymous_reads
                                                     : protection_.account_reads;
      key = text::Cat("rl:read:", caller);
      break;
  }
  protection_.limiter->Check(
      std::move(key), limit,
      [this, ex = std::move(ex), route_class](absl::StatusOr<RateDecision> decision) mutable {
        boost::asio::post(executor_, [this, ex = std::move(ex), route_class,
                                      decision = std::move(decision)]() mutable {
          if (!decision.ok()) {
            metrics_.ObserveRateLimit(ex->route, "unavailable");
            // Documented choice: logins and sign-ups fail closed (a Redis outage must not
            // open the door to password guessing); reads and other writes fail open (the
            // services validate and bound their own work).
            if (route_class == RouteClass::kLogin) {
              ex->retry_after_seconds = 5;
              return FinishProblem(
                  ex, absl::UnavailableError("sign-in is briefly unavailable; retry shortly"), 503);
            }
            return Forward(std::move(ex));
          }
          ex->rate = *decision;
          if (!decision->allowed) {
            metrics_.ObserveRateLimit(ex->route, "refused");
            ex->retry_after_seconds = (decision->retry_after.count() + 999) / 1000;
            return FinishProblem(ex, absl::ResourceExhaustedError("too many requests; retry later"),
                                 429);
          }
          Forward(std::move(ex));
        });
      });
}

void Gateway::SetMicroCache(MicroCache* cache) { micro_cache_ = cache; }

void Gateway::Forward(std::shared_ptr<Exchange> ex) {
  const Route& route = *ex->match.route;
  const std::string_view query = ex->query;
  // Public reads: no personal data can be in an answer given without a token.
  ex->public_read =
      ex->request.method() == http::verb::get && ex->request[http::field::authorization].empty();
  if (ex->public_read && micro_cache_ != nullptr) {
    ex->cache_key = MicroCache::Key("GET", ex->request.target());
    if (auto hit = micro_cache_->Get(ex->cache_key)) {
      metrics_.ObserveCache(ex->route, "hit");
      return FinishBody(std::move(ex), *hit);
    }
    metrics_.ObserveCache(ex->route, "miss");
  }
  if (!route.body.empty() && !ex->request.body().empty()) {
    auto content_type = ex->request[http::field::content_type];
    if (!content_type.empty() && !IsJsonContentType(content_type)) {
      return FinishProblem(ex, absl::InvalidArgumentError("send the body as application/json"),
                           415);
    }
  }
  // The protobuf JSON parser recurses per level: bound it before parsing.
  if (JsonDeeperThan(ex->request.body(), kMaxJsonDepth)) {
    return FinishProblem(
        ex, absl::InvalidArgumentError(text::Cat("JSON nested deeper than ", kMaxJsonDepth)), 400);
  }
  auto params = ParseQuery(query);
  if (!params.ok()) return FinishProblem(ex, params.status(), 400);
  auto request = BuildRequest(route, ex->match.captures, *params, ex->request.body());
  if (!request.ok()) return FinishProblem(ex, request.status(), 400);
  std::string bytes;
  if (!(*request)->SerializeToString(&bytes)) {
    return FinishProblem(ex, absl::InvalidArgumentError("request cannot be encoded"), 400);
  }
  ex->request.body().clear();  // not needed any more; frees memory while waiting

  // Services verify the bearer token themselves, and rate-limit logins by client address.
  std::vector<std::pair<std::string, std::string>> metadata;
  auto forward = [&](const char* header, const char* key) {
    auto field = ex->request[header];
    std::string_view value(field.data(), field.size());
    const bool printable =
        std::all_of(value.begin(), value.end(), [](char c) { return c >= 0x20 && c < 0x7f; });
    if (!value.empty() && printable) metadata.emplace_back(key, std::string(value));
  };
  forward("Authorization", "authorization");
  forward("X-Client-Address", "x-client-address");
  forward("If-Match", "if-match");
  metadata.emplace_back("traceparent", ex->traceparent);

  upstreams_.Call(
      route.upstream, route.grpc_path, std::move(bytes), ex->request_id,
      std::chrono::milliseconds(0),
      [this, ex, &route](const grpc::Status& status, std::string response,
                         int64_t retry_after) mutable {
        // On a gRPC thread: hand over at once, do the JSON work on the executor.
        boost::asio::post(executor_, [this, ex = std::move(ex), &route, status, retry_after,
                                      response = std::move(response)]() mutable {
          if (!status.ok()) {
            // A service's own limit (e.g. logins per account) says when to come back.
            if (retry_after > 0) ex->retry_after_seconds = retry_after;
            absl::Status st = common::FromGrpcStatus(status);
            metrics_.ObserveUpstreamError(route.grpc_path, common::CodeName(st.code()));
            if (st.code() == absl::StatusCode::kUnavailable) {
              // The transport's text ("failed to connect to all addresses ...") is
              // internal.
              st = absl::UnavailableError("the service is unavailable; retry shortly");
            } else if (st.code() == absl::StatusCode::kDeadlineExceeded) {
              st = absl::DeadlineExceededError("the service did not answer in time");
            }
            return FinishProblem(ex, st, HttpStatusFromCode(st.code()));
          }
          auto json = RenderResponse(route, response);
          if (!json.ok()) {
            metrics_.ObserveUpstreamError(route.grpc_path, "INTERNAL");
            return FinishProblem(ex, json.status(), 500);
          }
          if (ex->request.method() != http::verb::get) {
            return FinishJson(ex, 200, std::move(*json));
          }
          CachedBody body = MakeCachedBody(std::move(*json));
          if (!ex->cache_key.empty()) micro_cache_->Put(ex->cache_key, body);
          FinishBody(std::move(ex), body);
        });
      },
      metadata);
}

void Gateway::HandleStatic(std::shared_ptr<Exchange> ex, std::string_view path) {
  ex->route = "static";
  const http::verb verb = ex->request.method();
  if (verb != http::verb::get && verb != http::verb::head) {
    ex->allow = "GET, HEAD";
    return FinishProblem(ex, absl::UnimplementedError("static files accept GET and HEAD only"),
                         405);
  }
  std::optional<StaticFile> file;
  if (static_files_ != nullptr) file = static_files_->Load(path);
  if (!file) return FinishProblem(ex, absl::NotFoundError(text::Cat("no file ", path)), 404);
  HttpResponse res{http::status::ok, ex->request.version()};
  res.set(http::field::content_type, file->content_type);
  res.set(http::field::cache_control, file->cache_control);
  res.body() = std::move(file->content);
  Finish(std::move(ex), std::move(res));
}

void Gateway::FinishBody(std::shared_ptr<Exchange> ex, const CachedBody& body) {
  // Public answers may be kept briefly by browsers and shared caches too; personal ones
  // only revalidated.
  const char* cache_control = ex->public_read ? "public, max-age=5" : "private, no-cache";
  const bool gzip = !body.gzipped.empty() && AcceptsGzip(ex->request[http::field::accept_encoding]);
  // A strong tag names one representation: the gzipped one gets its own.
  const std::string etag =
      gzip ? text::Cat(std::string_view(body.etag).substr(0, body.etag.size() - 1), "-gz\"")
           : body.etag;
  const auto if_none_match = ex->request[http::field::if_none_match];
  if (IfNoneMatchHits(if_none_match, etag) || IfNoneMatchHits(if_none_match, body.etag)) {
    HttpResponse res{http::status::not_modified, ex->request.version()};
    res.set(http::field::etag, etag);
    res.set(http::field::cache_control, cache_control);
    res.set(http::field::vary, "Accept-Encoding");
    return Finish(std::move(ex), std::move(res));
  }
  HttpResponse res{http::status::ok, ex->request.version()};
  res.set(http::field::content_type, "application/json");
  res.set(http::field::etag, etag);
  res.set(http::field::cache_control, cache_control);
  res.set(http::field::vary, "Accept-Encoding");
  if (gzip) {
    res.set(http::field::content_encoding, "gzip");
    res.body() = body.gzipped;
  } else {
    res.body() = body.body;
  }
  Finish(std::move(ex), std::move(res));
}

void Gateway::FinishJson(std::shared_ptr<Exchange> ex, int http_status, std::string body) {
  HttpResponse res{static_cast<http::status>(http_status), ex->request.version()};
  res.set(http::field::content_type, "application/json");
  // Personal data may be in API answers: no shared caches until the micro-cache decides.
  res.set(http::field::cache_control, "no-store");
  res.body() = std::move(body);
  Finish(std::move(ex), std::move(res));
}

void Gateway::FinishProblem(std::shared_ptr<Exchange> ex, const absl::Status& status,
                            int http_status) {
  Problem p = ProblemFromStatus(status, ex->path, ex->request_id);
  p.status = http_status;
  HttpResponse res{static_cast<http::status>(http_status), ex->request.version()};
  res.set(http::field::content_type, kProblemContentType);
  res.set(http::field::cache_control, "no-store");
  if (!ex->allow.empty()) res.set(http::field::allow, ex->allow);
  res.body() = RenderProblem(p);
  Finish(std::move(ex), std::move(res));
}

void Gateway::Finish(std::shared_ptr<Exchange> ex, HttpResponse res) {
  res.set("X-Request-Id", ex->request_id);
  SetSecurityHeaders(ex->path, &res);
  if (ex->rate) {
    res.set("RateLimit-Limit", std::to_string(ex->rate->limit));
    res.set("RateLimit-Remaining", std::to_string(ex->rate->remaining));
    res.set("RateLimit-Reset", std::to_string((ex->rate->reset.count() + 999) / 1000));
  }
  if (ex->retry_after_seconds > 0) {
    res.set(http::field::retry_after, std::to_string(ex->retry_after_seconds));
  }
  res.prepare_payload();
  const size_t bytes = res.body().size();
  if (ex->request.method() == http::verb::head) {
    res.body().clear();
    res.content_length(bytes);  // HEAD announces the length it would have sent
  }
  const auto elapsed = std::chrono::steady_clock::now() - ex->start;
  const double seconds = std::chrono::duration<double>(elapsed).count();
  const int status = res.result_int();
  const std::string_view method = MethodLabel(ex->request.method());
  metrics_.ObserveRequest(ex->route, method, status, seconds);
  {
    common::ScopedRequestId rid(ex->request_id);
    LOG_INFO("http request", {{"method", std::string(method)},
                              {"path", ex->path},
                              {"route", ex->route},
                              {"trace_id", ex->traceparent.substr(3, 32)},
                              {"status", std::to_string(status)},
                              {"bytes", std::to_string(bytes)},
                              {"duration_ms", std::to_string(seconds * 1000.0)}});
  }
  Responder done = std::move(ex->done);
  done(std::move(res));
}

}  // namespace comptoir::gateway
