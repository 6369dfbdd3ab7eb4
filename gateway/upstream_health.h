// Readiness of the upstreams: every ~2 s each channel is asked grpc.health.v1 Check (the
// server-wide status, service ""), and the answers are cached so /readyz costs nothing and
// never waits on a backend. Thread-safe: NotReady may be called from any thread.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "upstream.h"

namespace comptoir::gateway {

class UpstreamHealth {
 public:
  UpstreamHealth(UpstreamClient& client, boost::asio::any_io_executor executor,
                 std::chrono::milliseconds interval = std::chrono::seconds(2));
  UpstreamHealth(const UpstreamHealth&) = delete;
  UpstreamHealth& operator=(const UpstreamHealth&) = delete;

  // Checks at once, then every interval, until Stop.
  void Start();
  // Stops the timer; checks already sent still complete (UpstreamClient::Shutdown waits).
  void Stop();

  // Each upstream not known to be SERVING, with why; empty when all are ready. Before the
  // first answer an upstream counts as not ready.
  std::vector<std::pair<std::string, std::string>> NotReady() const;

  // True when `response` (a serialized grpc.health.v1.HealthCheckResponse) says SERVING.
  static bool IsServing(const std::string& response);

 private:
  void Tick();

  UpstreamClient& client_;
  boost::asio::strand<boost::asio::any_io_executor> strand_;
  boost::asio::steady_timer timer_;  // used on strand_ only
  const std::chrono::milliseconds interval_;
  bool stopped_ = false;  // used on strand_ only
  mutable absl::Mutex mu_;
  std::map<std::string, std::string> not_ready_ ABSL_GUARDED_BY(mu_);  // address -> why
};

}  // namespace comptoir::gateway
