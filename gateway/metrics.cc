#include "metrics.h"

#include <prometheus/text_serializer.h>

namespace comptoir::gateway {

GatewayMetrics::GatewayMetrics()
    : registry_(std::make_shared<prometheus::Registry>()),
      requests_(prometheus::BuildCounter()
                    .Name("comptoir_gateway_http_requests_total")
                    .Help("HTTP requests answered, by route, method and status")
                    .Register(*registry_)),
      latency_(prometheus::BuildHistogram()
                   .Name("comptoir_gateway_http_request_duration_seconds")
                   .Help("Time from request read to response written, by route and method")
                   .Register(*registry_)),
      upstream_errors_(prometheus::BuildCounter()
                           .Name("comptoir_gateway_upstream_errors_total")
                           .Help("Upstream gRPC calls that ended in an error, by method and code")
                           .Register(*registry_)),
      rate_limits_(prometheus::BuildCounter()
                       .Name("comptoir_gateway_rate_limit_total")
                       .Help("Requests refused by a rate limit, or let through unchecked because "
                             "the limiter did not answer, by route and outcome")
                       .Register(*registry_)),
      cache_(prometheus::BuildCounter()
                 .Name("comptoir_gateway_micro_cache_total")
                 .Help("Micro-cache look-ups of public API reads, by route and outcome")
                 .Register(*registry_)) {}

namespace {

std::string MemoKey(std::string_view a, std::string_view b, std::string_view c = "") {
  std::string key;
  key.reserve(a.size() + b.size() + c.size() + 2);
  key.append(a).push_back('\0');
  key.append(b).push_back('\0');
  key.append(c);
  return key;
}

}  // namespace

prometheus::Counter& GatewayMetrics::CacheCounterFor(std::string_view route,
                                                     std::string_view outcome) {
  std::string key = MemoKey(route, outcome);
  absl::MutexLock lock(&memo_mu_);
  auto [it, inserted] = cache_memo_.try_emplace(std::move(key), nullptr);
  if (inserted) {
    it->second = &cache_.Add({{"route", std::string(route)}, {"outcome", std::string(outcome)}});
  }
  return *it->second;
}

GatewayMetrics::RequestMetrics& GatewayMetrics::RequestMetricsFor(std::string_view route,
                                                                  std::string_view method,
                                                                  int status) {
  // From 0.5 ms (micro-cache hits) to 10 s (past every deadline).
  static const prometheus::Histogram::BucketBoundaries kBuckets = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  const std::string status_text = std::to_string(status);
  std::string key = MemoKey(route, method, status_text);
  absl::MutexLock lock(&memo_mu_);
  auto [it, inserted] = request_memo_.try_emplace(std::move(key), RequestMetrics{});
  if (inserted) {
    it->second.count = &requests_.Add(
        {{"route", std::string(route)}, {"method", std::string(method)}, {"status", status_text}});
    it->second.latency =
        &latency_.Add({{"route", std::string(route)}, {"method", std::string(method)}}, kBuckets);
  }
  return it->second;
}

void GatewayMetrics::ObserveCache(std::string_view route, std::string_view outcome) {
  CacheCounterFor(route, outcome).Increment();
}

void GatewayMetrics::ObserveRateLimit(std::string_view route, std::string_view outcome) {
  rate_limits_.Add({{"route", std::string(route)}, {"outcome", std::string(outcome)}}).Increment();
}

void GatewayMetrics::ObserveRequest(std::string_view route, std::string_view method, int status,
                                    double seconds) {
  RequestMetrics& m = RequestMetricsFor(route, method, status);
  m.count->Increment();
  m.latency->Observe(seconds);
}

void GatewayMetrics::ObserveUpstreamError(std::string_view grpc_path, std::string_view code) {
  upstream_errors_.Add({{"method", std::string(grpc_path)}, {"code", std::string(code)}})
      .Increment();
}

std::string GatewayMetrics::Render() const {
  return prometheus::TextSerializer().Serialize(registry_->Collect());
}

}  // namespace comptoir::gateway
