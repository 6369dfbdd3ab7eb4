#include "gateway.h"

#include <boost/asio/post.hpp>
#include <memory>
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
  std::string path;                 // without the query: what logs and problems show
  std::string route = "unmatched";  // metrics label
  std::string allow;                // Allow header of a 405
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

HttpResponse Gateway::ProblemResponse(int http_status, absl::StatusCode code, std::string detail,
                                      unsigned http_version, std::string_view request_id) {
  HttpResponse res{static_cast<http::status>(http_status), http_version};
  res.set(http::field::content_type, kProblemContentType);
  res.set("X-Request-Id", request_id);
  res.body() = RenderProblem(MakeProblem(http_status, code, std::move(detail), "", request_id));
  res.prepare_payload();
  return res;
}

void Gateway::Handle(HttpRequest request, Responder done) {
  auto ex = std::make_shared<Exchange>();
  ex->request_id = RequestIdFor(request["X-Request-Id"]);
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
  const Route& route = *match.route;
  ex->route = route.name;
  if (!route.body.empty() && !ex->request.body().empty()) {
    auto content_type = ex->request[http::field::content_type];
    if (!content_type.empty() && !IsJsonContentType(content_type)) {
      return FinishProblem(ex, absl::InvalidArgumentError("send the body as application/json"),
                           415);
    }
  }
  auto params = ParseQuery(query);
  if (!params.ok()) return FinishProblem(ex, params.status(), 400);
  auto request = BuildRequest(route, match.captures, *params, ex->request.body());
  if (!request.ok()) return FinishProblem(ex, request.status(), 400);
  std::string bytes;
  if (!(*request)->SerializeToString(&bytes)) {
    return FinishProblem(ex, absl::InvalidArgumentError("request cannot be encoded"), 400);
  }
  ex->request.body().clear();  // not needed any more; frees memory while waiting

  upstreams_.Call(route.upstream, route.grpc_path, std::move(bytes), ex->request_id,
                  std::chrono::milliseconds(0),
                  [this, ex, &route](const grpc::Status& status, std::string response) mutable {
                    // On a gRPC thread: hand over at once, do the JSON work on the executor.
                    boost::asio::post(executor_, [this, ex = std::move(ex), &route, status,
                                                  response = std::move(response)]() mutable {
                      if (!status.ok()) {
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
                      FinishJson(ex, 200, std::move(*json));
                    });
                  });
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
  res.set("X-Content-Type-Options", "nosniff");
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
                              {"status", std::to_string(status)},
                              {"bytes", std::to_string(bytes)},
                              {"duration_ms", std::to_string(seconds * 1000.0)}});
  }
  Responder done = std::move(ex->done);
  done(std::move(res));
}

}  // namespace comptoir::gateway
