// The gateway's Prometheus metrics, rendered in text format on GET /metrics. Label values
// are bounded: routes are template names (never raw paths), statuses are HTTP codes.
// Thread-safe: prometheus-cpp families and metrics lock internally; the look-up memo below
// has its own mutex.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <memory>
#include <string>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"

namespace comptoir::gateway {

class GatewayMetrics {
 public:
  GatewayMetrics();

  void ObserveRequest(std::string_view route, std::string_view method, int status, double seconds);
  // An upstream call that ended in an error, by gRPC method and code name.
  void ObserveUpstreamError(std::string_view grpc_path, std::string_view code);

  // A rate-limit outcome other than allowed: "refused" (429) or "unavailable" (no answer).
  void ObserveRateLimit(std::string_view route, std::string_view outcome);

  // A micro-cache look-up: "hit" or "miss".
  void ObserveCache(std::string_view route, std::string_view outcome);

  std::string Render() const;

 private:
  // prometheus-cpp's Family::Add builds a label map and hashes it on every call; the
  // request path observes three metrics per request, so their addresses (stable for the
  // registry's life) are remembered by label values. Bounded like the labels themselves.
  struct RequestMetrics {
    prometheus::Counter* count;
    prometheus::Histogram* latency;
  };
  RequestMetrics& RequestMetricsFor(std::string_view route, std::string_view method, int status);
  prometheus::Counter& CacheCounterFor(std::string_view route, std::string_view outcome);

  absl::Mutex memo_mu_;
  absl::flat_hash_map<std::string, RequestMetrics> request_memo_ ABSL_GUARDED_BY(memo_mu_);
  absl::flat_hash_map<std::string, prometheus::Counter*> cache_memo_ ABSL_GUARDED_BY(memo_mu_);

  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Histogram>& latency_;
  prometheus::Family<prometheus::Counter>& upstream_errors_;
  prometheus::Family<prometheus::Counter>& rate_limits_;
  prometheus::Family<prometheus::Counter>& cache_;
};

}  // namespace comptoir::gateway
