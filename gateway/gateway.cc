#include "gateway.h"

#include <xxhash.h>

#include <algorithm>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <memory>
#include <optional>
#include <random>
#include <utility>

#include "comptoir/common/crypto.h"
#include "comptoir/common/log.h"
#include "comptoir/common/status.h"
#include "gateway_internal.h"
#include "preconditions.h"
#include "problem.h"
#include "text.h"
#include "transcoder.h"

namespace comptoir::gateway {
namespace http = boost::beast::http;

namespace {

// Upstream replies up to this size are rendered on the thread where they arrive (Forward).
constexpr size_t kRenderInPlaceBytes = 256 * 1024;

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

// A strong tag names one representation: the gzipped one gets its own ("...-gz").
std::string RepresentationEtag(const std::string& etag, bool gzip) {
  if (!gzip || etag.empty()) return etag;
  return text::Cat(std::string_view(etag).substr(0, etag.size() - 1), "-gz\"");
}

// 32 hex digits from a per-thread generator seeded once from the system's randomness: request
// and trace ids must be unique, not secret, and a getrandom(2) call each (three a request)
// showed in the profile of the cached path.
std::string FastRandomHex(size_t digits) {
  thread_local std::mt19937_64 generator = [] {
    const std::string seed_hex = common::RandomHex(32);
    std::seed_seq seed(seed_hex.begin(), seed_hex.end());
    return std::mt19937_64(seed);
  }();
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(digits, '0');
  uint64_t bits = 0;
  for (size_t i = 0; i < digits; ++i) {
    if (i % 16 == 0) bits = generator();
    out[i] = kHex[bits & 0xf];
    bits >>= 4;
  }
  return out;
}

}  // namespace

std::string RequestIdFor(std::string_view header_value) {
  bool sane = !header_value.empty() && header_value.size() <= 64;
  for (char c : header_value) {
    if (!text::IsAlnum(c) && c != '-' && c != '_' && c != '.') {
      sane = false;
      break;
    }
  }
  return sane ? std::string(header_value) : FastRandomHex(32);
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
  std::string_view v = text::Strip(header_value);
  if (!common::TraceIdOf(v).empty()) return std::string(v);
  return text::Cat("00-", FastRandomHex(32), "-", FastRandomHex(16), "-01");
}

std::string StrongEtag(std::string_view body) {
  const uint64_t h = XXH3_64bits(body.data(), body.size());
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(18, '"');
  for (int i = 0; i < 16; ++i) out[1 + i] = kHex[(h >> (60 - 4 * i)) & 0xf];
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
  Handle(std::move(request), std::move(done), nullptr, executor_);
}

void Gateway::Handle(HttpRequest request, Responder done, StreamOpener open_stream) {
  Handle(std::move(request), std::move(done), std::move(open_stream), executor_);
}

void Gateway::SetStreamOptions(StreamOptions options) { stream_options_ = options; }

void Gateway::Handle(HttpRequest request, Responder done, StreamOpener open_stream,
                     boost::asio::any_io_executor executor) {
  auto ex = std::make_shared<Exchange>();
  ex->executor = std::move(executor);
  ex->open_stream = std::move(open_stream);
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
  if (ex->request.method() == http::verb::options && !ex->request[http::field::origin].empty() &&
      !ex->request[http::field::access_control_request_method].empty()) {
    return HandlePreflight(std::move(ex), path);
  }
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
  Admit(std::move(ex));
}

RouteClass ClassifyRoute(std::string_view method, std::string_view path) {
  if (method == "POST" && (path == "/v1/sessions" || path == "/v1/accounts" ||
                           text::StartsWith(path, "/v1/sessions:"))) {
    return RouteClass::kLogin;
  }
  return method == "GET" || method == "HEAD" ? RouteClass::kRead : RouteClass::kWrite;
}

void Gateway::SetProtection(ProtectionOptions options) { protection_ = std::move(options); }

bool IsPartnerRoute(const Route& route, const std::vector<std::string>& partner_services) {
  if (route.http_method != "GET" || route.method == nullptr) return false;
  const std::string& service = route.method->service()->full_name();
  return std::find(partner_services.begin(), partner_services.end(), service) !=
         partner_services.end();
}

bool IsCrossOrigin(std::string_view origin, std::string_view host,
                   const std::vector<std::string>& own_origins) {
  const std::string lowered = text::ToLower(text::Strip(origin));
  for (const std::string& own : own_origins) {
    if (text::ToLower(own) == lowered) return false;
  }
  std::string_view authority = lowered;
  const size_t scheme_end = authority.find("://");
  if (scheme_end == std::string_view::npos) return true;  // "null" (sandboxed) and the like
  authority.remove_prefix(scheme_end + 3);
  return authority != text::ToLower(text::Strip(host));
}

void Gateway::HandlePreflight(std::shared_ptr<Exchange> ex, std::string_view path) {
  // The preflight carries no key: it is answered for any origin on partner routes, and the
  // real request is then checked against the key's origins (refused 403 without CORS
  // headers, so the browser hides the answer).
  ex->route = "preflight";
  auto requested = ex->request[http::field::access_control_request_method];
  RouteMatch match = routes_.Find(std::string_view(requested.data(), requested.size()), path);
  if (match.kind != RouteMatch::Kind::kFound ||
      !IsPartnerRoute(*match.route, protection_.partner_services)) {
    return FinishProblem(
        ex, absl::PermissionDeniedError("only public catalogue reads are open to other sites"),
        403);
  }
  ex->partner_route = true;
  ex->cors_origin = std::string(ex->request[http::field::origin]);
  HttpResponse res{http::status::no_content, ex->request.version()};
  res.set(http::field::access_control_allow_methods, "GET, HEAD");
  res.set(http::field::access_control_allow_headers,
          "X-Api-Key, If-None-Match, X-Request-Id, traceparent");
  res.set(http::field::access_control_max_age, "600");
  res.set(http::field::cache_control, "no-store");
  Finish(std::move(ex), std::move(res));
}

void Gateway::Admit(std::shared_ptr<Exchange> ex) {
  // Identity first: an invalid token is refused before it costs a rate-limit round trip.
  std::string caller;
  auto authorization = ex->request[http::field::authorization];
  std::string_view auth(authorization.data(), authorization.size());
  auto api_key_field = ex->request["X-Api-Key"];
  const std::string_view api_key(api_key_field.data(), api_key_field.size());
  auto origin_field = ex->request[http::field::origin];
  const std::string_view origin(origin_field.data(), origin_field.size());
  ex->partner_route = IsPartnerRoute(*ex->match.route, protection_.partner_services);
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
    return Limit(std::move(ex), caller, std::nullopt);
  }
  if (!api_key.empty() && protection_.partner_keys != nullptr) {
    if (!ex->partner_route) {
      return FinishProblem(
          ex,
          absl::PermissionDeniedError("partner keys are accepted on public catalogue reads only"),
          403);
    }
    const std::string request_id = ex->request_id;
    protection_.partner_keys->Check(
        api_key, request_id,
        [this, ex = std::move(ex)](absl::StatusOr<PartnerKeyInfo> key) mutable {
          // A cached key answers on this (I/O) thread: go on at once; from a gRPC thread,
          // hand over.
          const boost::asio::any_io_executor executor = ex->executor;
          boost::asio::dispatch(executor,
                                [this, ex = std::move(ex), key = std::move(key)]() mutable {
                                  AdmitPartner(std::move(ex), std::move(key));
                                });
        });
    return;
  }
  if (ex->partner_route && protection_.partner_keys != nullptr && !origin.empty() &&
      IsCrossOrigin(origin, std::string_view(ex->request[http::field::host]),
                    protection_.own_origins)) {
    return FinishProblem(
        ex, absl::UnauthenticatedError("other sites must send their partner key (X-Api-Key)"), 401);
  }
  Limit(std::move(ex), text::Cat("address:", std::string_view(ex->request["X-Client-Address"])),
        std::nullopt);
}

void Gateway::AdmitPartner(std::shared_ptr<Exchange> ex, absl::StatusOr<PartnerKeyInfo> key) {
  if (!key.ok()) {
    // Fail closed: a key that cannot be checked cannot be trusted with its budget.
    ex->retry_after_seconds = 5;
    return FinishProblem(
        ex, absl::UnavailableError("partner keys cannot be checked; retry shortly"), 503);
  }
  if (!key->valid) {
    metrics_.ObserveRateLimit(ex->route, "bad_partner_key");
    return FinishProblem(ex, absl::UnauthenticatedError("unknown or revoked partner key"), 401);
  }
  auto origin_field = ex->request[http::field::origin];
  const std::string_view origin(origin_field.data(), origin_field.size());
  // Without an Origin the caller is not a browser (a partner's server): the origin binding
  // protects keys seen in pages from other sites' scripts, not from servers.
  if (!origin.empty()) {
    if (!key->AllowsOrigin(origin)) {
      return FinishProblem(
          ex, absl::PermissionDeniedError("this partner key is not allowed from this site"), 403);
    }
    ex->cors_origin = std::string(origin);
  }
  auto tier = protection_.partner_tiers.find(key->rate_tier);
  const RateLimit limit =
      tier == protection_.partner_tiers.end() ? protection_.partner_reads : tier->second;
  Limit(std::move(ex), text::Cat("partner:", key->key_id), limit);
}

void Gateway::Limit(std::shared_ptr<Exchange> ex, const std::string& caller,
                    std::optional<RateLimit> partner_limit) {
  if (protection_.limiter == nullptr) return Forward(std::move(ex));
  const RouteClass route_class = ClassifyRoute(ex->request.method_string(), ex->path);
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
      limit = partner_limit                          ? *partner_limit
              : text::StartsWith(caller, "address:") ? protection_.anonymous_reads
                                                     : protection_.account_reads;
      key = text::Cat("rl:read:", caller);
      break;
  }
  protection_.limiter->Check(
      std::move(key), limit,
      [this, ex = std::move(ex), route_class](absl::StatusOr<RateDecision> decision) mutable {
        // A locally leased budget answers on this (I/O) thread: go on at once; from a
        // limiter worker, hand over.
        const boost::asio::any_io_executor executor = ex->executor;
        boost::asio::dispatch(executor, [this, ex = std::move(ex), route_class,
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
  const bool streaming = route.method->server_streaming();
  if (streaming && !ex->open_stream) {
    return FinishProblem(ex, absl::InvalidArgumentError("this route streams events over HTTP"),
                         406);
  }
  // Public reads: no personal data can be in an answer given without a token.
  ex->public_read = !streaming && ex->request.method() == http::verb::get &&
                    ex->request[http::field::authorization].empty();
  if (ex->public_read && (micro_cache_ != nullptr || shared_cache_ != nullptr) &&
      !ex->shared_cache_asked) {
    ex->cache_key = MicroCache::Key("GET", ex->request.target());
    if (micro_cache_ != nullptr) {
      if (auto hit = micro_cache_->Get(ex->cache_key)) {
        metrics_.ObserveCache(ex->route, "hit");
        return FinishBody(std::move(ex), *hit);
      }
      metrics_.ObserveCache(ex->route, "miss");
    }
    if (shared_cache_ != nullptr) {
      ex->shared_cache_asked = true;
      const std::string key = ex->cache_key;
      shared_cache_->Get(key, [this,
                               ex = std::move(ex)](std::shared_ptr<const CachedBody> hit) mutable {
        const boost::asio::any_io_executor executor = ex->executor;
        boost::asio::dispatch(executor, [this, ex = std::move(ex), hit = std::move(hit)]() mutable {
          metrics_.ObserveCache(ex->route, hit ? "shared_hit" : "shared_miss");
          if (!hit) return Forward(std::move(ex));
          if (micro_cache_ != nullptr) micro_cache_->Put(ex->cache_key, *hit);
          FinishBody(std::move(ex), *hit);
        });
      });
      return;
    }
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
  // If-Match on a write names the version read: it becomes the request's expected version
  // (the service refuses a stale one with ABORTED, answered 412).
  auto if_match = ex->request[http::field::if_match];
  if (!if_match.empty() && ex->request.method() != http::verb::get &&
      text::Strip(std::string_view(if_match)) != "*") {
    ex->if_match = true;
    auto version = VersionFromEntityTag(std::string_view(if_match));
    if (!version) {
      if (SetExpectedVersion(request->get(), route.body, 1)) {
        return FinishProblem(
            ex, absl::FailedPreconditionError("If-Match must be an ETag this API gave"), 412);
      }
    } else {
      SetExpectedVersion(request->get(), route.body, *version);
    }
  }
  auto last_event_id = ex->request["Last-Event-ID"];
  if (streaming && !last_event_id.empty() &&
      !SetResumeId(request->get(), std::string_view(last_event_id))) {
    return FinishProblem(ex, common::InvalidField("Last-Event-ID", "is not an event id"), 400);
  }
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
  // Checkout retries: the orders service keys the checkout on it.
  forward("Idempotency-Key", "idempotency-key");
  metadata.emplace_back("traceparent", ex->traceparent);
  if (streaming) return ForwardStream(std::move(ex), std::move(bytes), std::move(metadata));

  upstreams_.Call(
      route.upstream, route.grpc_path, std::move(bytes), ex->request_id,
      std::chrono::milliseconds(0),
      [this, ex, &route](const grpc::Status& status, std::string response,
                         int64_t retry_after) mutable {
        // On the upstream client's completion thread. The JSON is made and the answer
        // written from here (see Session::Respond): handing the reply to the connection's
        // thread first would cost that thread's wake-up before the client hears. A large
        // reply (an export) goes to the connection's thread instead, not to hold up the
        // replies behind it on this one.
        const bool render_here = response.size() <= kRenderInPlaceBytes;
        const boost::asio::any_io_executor executor = ex->executor;
        auto answer = [this, ex = std::move(ex), &route, status, retry_after,
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
            // A stale version under If-Match is the precondition failing.
            if (ex->if_match && st.code() == absl::StatusCode::kAborted) {
              return FinishProblem(ex, st, 412);
            }
            return FinishProblem(ex, st, HttpStatusFromCode(st.code()));
          }
          auto json = RenderResponse(route, response);
          if (!json.ok()) {
            metrics_.ObserveUpstreamError(route.grpc_path, "INTERNAL");
            return FinishProblem(ex, json.status(), 500);
          }
          // Versioned resources (products) are tagged with their version, which If-Match
          // sends back on the next write.
          std::optional<int64_t> version;
          if (route.response_body.empty() && HasVersionField(route.method->output_type())) {
            if (auto message = NewMessage(route.method->output_type());
                message != nullptr && message->ParseFromString(response)) {
              version = VersionOf(*message);
            }
          }
          if (ex->request.method() != http::verb::get) {
            HttpResponse res{http::status::ok, ex->request.version()};
            res.set(http::field::content_type, "application/json");
            res.set(http::field::cache_control, "no-store");
            if (version && *version > 0) res.set(http::field::etag, VersionEtag(*version));
            res.body() = std::move(*json);
            return Finish(std::move(ex), std::move(res));
          }
          // gzip costs more than the rest of a cached answer: only for an answer kept for
          // others, or asked for.
          const bool gzip =
              !ex->cache_key.empty() || AcceptsGzip(ex->request[http::field::accept_encoding]);
          CachedBody body = MakeCachedBody(std::move(*json), gzip);
          if (version && *version > 0) body.etag = VersionEtag(*version);
          if (!ex->cache_key.empty()) {
            if (micro_cache_ != nullptr) micro_cache_->Put(ex->cache_key, body);
            if (shared_cache_ != nullptr) {
              shared_cache_->Put(ex->cache_key, std::make_shared<const CachedBody>(body));
            }
          }
          FinishBody(std::move(ex), body);
        };
        if (render_here) return answer();
        boost::asio::post(executor, std::move(answer));
      },
      metadata, /*idempotent=*/ex->request.method() == http::verb::get ||
                    ex->request.method() == http::verb::head);
}

void Gateway::HandleStatic(std::shared_ptr<Exchange> ex, std::string_view path) {
  ex->route = "static";
  const http::verb verb = ex->request.method();
  if (verb != http::verb::get && verb != http::verb::head) {
    ex->allow = "GET, HEAD";
    return FinishProblem(ex, absl::UnimplementedError("static files accept GET and HEAD only"),
                         405);
  }
  std::shared_ptr<const StaticFile> file;
  if (static_files_ != nullptr) file = static_files_->Load(path);
  if (!file) return FinishProblem(ex, absl::NotFoundError(text::Cat("no file ", path)), 404);
  const bool gzip =
      !file->gzipped.empty() && AcceptsGzip(ex->request[http::field::accept_encoding]);
  const std::string etag = RepresentationEtag(file->etag, gzip);
  const auto if_none_match = ex->request[http::field::if_none_match];
  const bool not_modified =
      IfNoneMatchHits(if_none_match, etag) || IfNoneMatchHits(if_none_match, file->etag);
  HttpResponse res{not_modified ? http::status::not_modified : http::status::ok,
                   ex->request.version()};
  if (!not_modified) res.set(http::field::content_type, file->content_type);
  res.set(http::field::cache_control, file->cache_control);
  res.set(http::field::etag, etag);
  if (!file->gzipped.empty()) res.set(http::field::vary, "Accept-Encoding");
  if (not_modified) return Finish(std::move(ex), std::move(res));
  if (gzip) {
    res.set(http::field::content_encoding, "gzip");
    res.body() = file->gzipped;
  } else {
    res.body() = file->content;
  }
  Finish(std::move(ex), std::move(res));
}

void Gateway::FinishBody(std::shared_ptr<Exchange> ex, const CachedBody& body) {
  // Public answers may be kept briefly by browsers and shared caches too; personal ones
  // only revalidated.
  const char* cache_control = ex->public_read ? "public, max-age=5" : "private, no-cache";
  const bool gzip = !body.gzipped.empty() && AcceptsGzip(ex->request[http::field::accept_encoding]);
  const std::string etag = RepresentationEtag(body.etag, gzip);
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

void Gateway::Decorate(const Exchange& ex, HttpResponse* res) const {
  res->set("X-Request-Id", ex.request_id);
  SetSecurityHeaders(ex.path, res);
  if (ex.rate) {
    res->set("RateLimit-Limit", std::to_string(ex.rate->limit));
    res->set("RateLimit-Remaining", std::to_string(ex.rate->remaining));
    res->set("RateLimit-Reset", std::to_string((ex.rate->reset.count() + 999) / 1000));
  }
  if (ex.retry_after_seconds > 0) {
    res->set(http::field::retry_after, std::to_string(ex.retry_after_seconds));
  }
  if (ex.partner_route) {
    // The CORS headers depend on the Origin: shared caches must key on it.
    auto vary = (*res)[http::field::vary];
    res->set(http::field::vary,
             vary.empty() ? std::string("Origin") : text::Cat(std::string_view(vary), ", Origin"));
  }
  if (!ex.cors_origin.empty()) {
    res->set(http::field::access_control_allow_origin, ex.cors_origin);
    res->set(http::field::access_control_expose_headers,
             "ETag, Retry-After, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset, "
             "X-Request-Id");
  }
}

void Gateway::Record(const Exchange& ex, int status, size_t bytes) const {
  LogAccess(ex, status, bytes, Observe(ex, status));
}

double Gateway::Observe(const Exchange& ex, int status) const {
  const auto elapsed = std::chrono::steady_clock::now() - ex.start;
  const double seconds = std::chrono::duration<double>(elapsed).count();
  metrics_.ObserveRequest(ex.route, MethodLabel(ex.request.method()), status, seconds);
  return seconds;
}

void Gateway::LogAccess(const Exchange& ex, int status, size_t bytes, double seconds) const {
  if (!access_log_) return;
  const std::string_view method = MethodLabel(ex.request.method());
  // The same request_id and trace_id fields as the services' lines of the call.
  common::ScopedRequestId rid(ex.request_id, std::string(common::TraceIdOf(ex.traceparent)));
  LOG_INFO("http request", {{"method", std::string(method)},
                            {"path", ex.path},
                            {"route", ex.route},
                            {"status", std::to_string(status)},
                            {"bytes", std::to_string(bytes)},
                            {"duration_ms", std::to_string(seconds * 1000.0)}});
}

void Gateway::Finish(std::shared_ptr<Exchange> ex, HttpResponse res) {
  Decorate(*ex, &res);
  res.prepare_payload();
  const size_t bytes = res.body().size();
  if (ex->request.method() == http::verb::head) {
    res.body().clear();
    res.content_length(bytes);  // HEAD announces the length it would have sent
  }
  const int status = res.result_int();
  // Counted before the answer leaves (a client reading /metrics next sees it), logged after:
  // the log line's formatting and write(2) are not the client's wait.
  const double seconds = Observe(*ex, status);
  Responder done = std::move(ex->done);
  done(std::move(res));
  LogAccess(*ex, status, bytes, seconds);
}

}  // namespace comptoir::gateway
