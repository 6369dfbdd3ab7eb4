// http_load: closed-loop HTTP/1.1 load on keep-alive connections, reporting throughput and
// latency percentiles for each target next to a baseline target measured in the same run
// (the machine is shared and noisy: only ratios within one run mean something).
//
//   http_load --port 8080 --connections 16 --seconds 5 --baseline /healthz /v1/shops/SLUG ...
//
// With --versus-port, two servers (e.g. two builds of the gateway) are compared on each
// target at concurrency 1, their requests interleaved (see Versus): the way to see a change
// of a few microseconds that separate runs, minutes apart, would drown.
//
//   http_load --port 8080 --versus-port 8081 --seconds 5 /v1/shops/ID/products
//
// Every response must be 2xx or 304; anything else is counted as an error and printed.
#include <algorithm>
#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace http = boost::beast::http;
using Clock = std::chrono::steady_clock;

struct Result {
  std::string target;
  double seconds = 0;
  std::vector<double> latencies_ms;
  long errors = 0;
  std::string first_error;
};

double Percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  size_t i = static_cast<size_t>(p * static_cast<double>(sorted.size() - 1));
  return sorted[i];
}

// One keep-alive connection, GETs in turn.
class Connection {
 public:
  explicit Connection(int port) : stream_(io_) {
    stream_.connect(boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"),
                                                   static_cast<unsigned short>(port)),
                    ec_);
  }
  // The answer's status (0 when the connection failed: see error()) and its time in ms.
  int Get(const std::string& target, double* ms, std::string* body) {
    if (ec_) return 0;
    http::request<http::empty_body> request(http::verb::get, target, 11);
    request.set(http::field::host, "127.0.0.1");
    request.keep_alive(true);
    const auto t0 = Clock::now();
    http::write(stream_, request, ec_);
    if (ec_) return 0;
    http::response<http::string_body> response;
    http::read(stream_, buffer_, response, ec_);
    if (ec_) return 0;
    *ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    *body = std::move(response.body());
    return static_cast<int>(response.result_int());
  }
  bool ok() const { return !ec_; }
  // Why the connection failed; empty when it is fine or the server closed it.
  std::string error() const {
    return ec_ && ec_ != http::error::end_of_stream ? ec_.message() : "";
  }

 private:
  boost::asio::io_context io_;
  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
  boost::beast::error_code ec_;
};

bool Failed(int status) { return status == 0 || (status >= 300 && status != 304); }

Result Run(int port, const std::string& target, int connections, double seconds) {
  Result result;
  result.target = target;
  std::mutex mu;
  const auto end = Clock::now() + std::chrono::duration<double>(seconds);
  const auto start = Clock::now();
  std::vector<std::thread> threads;
  for (int c = 0; c < connections; ++c) {
    threads.emplace_back([&] {
      std::vector<double> local;
      long errors = 0;
      std::string first_error;
      Connection connection(port);
      while (connection.ok() && Clock::now() < end) {
        double ms = 0;
        std::string body;
        const int status = connection.Get(target, &ms, &body);
        if (status == 0) break;
        local.push_back(ms);
        if (Failed(status) && errors++ == 0) first_error = std::to_string(status) + " " + body;
      }
      if (!connection.error().empty()) {
        ++errors;
        if (first_error.empty()) first_error = connection.error();
      }
      std::lock_guard<std::mutex> lock(mu);
      result.latencies_ms.insert(result.latencies_ms.end(), local.begin(), local.end());
      result.errors += errors;
      if (result.first_error.empty()) result.first_error = first_error;
    });
  }
  for (auto& t : threads) t.join();
  result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  std::sort(result.latencies_ms.begin(), result.latencies_ms.end());
  return result;
}

// Two servers answering the same target, compared at concurrency 1: each round makes one GET
// to each, alternating which goes first, so that the machine's drift lands on both. Prints
// each side's p50 and the median of the rounds' differences (versus - port). Returns the
// number of errors.
long Versus(int port, int versus_port, const std::string& target, double seconds) {
  Connection a(port), b(versus_port);
  std::vector<double> la, lb, differences;
  long errors = 0;
  const auto end = Clock::now() + std::chrono::duration<double>(seconds);
  for (long round = 0; a.ok() && b.ok() && Clock::now() < end; ++round) {
    double ms_a = 0, ms_b = 0;
    std::string body;
    int status_a = 0, status_b = 0;
    if (round % 2 == 0) {
      status_a = a.Get(target, &ms_a, &body);
      status_b = b.Get(target, &ms_b, &body);
    } else {
      status_b = b.Get(target, &ms_b, &body);
      status_a = a.Get(target, &ms_a, &body);
    }
    if (Failed(status_a) || Failed(status_b)) {
      ++errors;
      continue;
    }
    la.push_back(ms_a);
    lb.push_back(ms_b);
    differences.push_back(ms_b - ms_a);
  }
  if (!a.error().empty() || !b.error().empty()) ++errors;
  for (auto* v : {&la, &lb, &differences}) std::sort(v->begin(), v->end());
  std::printf(
      "%-48s :%d p50 %7.3f ms  :%d p50 %7.3f ms  median of %zu paired differences "
      "%+.0f us  errors %ld\n",
      target.c_str(), port, Percentile(la, 0.5), versus_port, Percentile(lb, 0.5),
      differences.size(), Percentile(differences, 0.5) * 1000, errors);
  return errors;
}

void Print(const Result& r, double baseline_rps) {
  double rps = static_cast<double>(r.latencies_ms.size()) / r.seconds;
  std::printf("%-48s %10.0f req/s  p50 %7.3f ms  p99 %7.3f ms  errors %ld", r.target.c_str(), rps,
              Percentile(r.latencies_ms, 0.5), Percentile(r.latencies_ms, 0.99), r.errors);
  if (baseline_rps > 0) std::printf("  (%.2fx baseline)", rps / baseline_rps);
  std::printf("\n");
  if (!r.first_error.empty()) std::printf("  first error: %.200s\n", r.first_error.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  int port = 8080;
  int connections = 16;
  double seconds = 5;
  std::string baseline = "/healthz";
  int versus_port = 0;
  std::vector<std::string> targets;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", arg.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (arg == "--port")
      port = std::atoi(value().c_str());
    else if (arg == "--connections")
      connections = std::atoi(value().c_str());
    else if (arg == "--seconds")
      seconds = std::atof(value().c_str());
    else if (arg == "--baseline")
      baseline = value();
    else if (arg == "--versus-port")
      versus_port = std::atoi(value().c_str());
    else if (!arg.empty() && arg[0] == '/')
      targets.push_back(arg);
    else {
      std::fprintf(stderr,
                   "usage: %s [--port P] [--connections N] [--seconds S] [--baseline PATH] "
                   "[--versus-port P] PATH...\n",
                   argv[0]);
      return 2;
    }
  }
  if (port <= 0 || connections <= 0 || connections > 1024 || seconds <= 0 || seconds > 600) {
    std::fprintf(stderr, "bad --port, --connections (1-1024) or --seconds (0-600]\n");
    return 2;
  }
  if (versus_port > 0) {
    std::printf(
        "http_load: 127.0.0.1:%d versus 127.0.0.1:%d, one connection each, %.1f s per "
        "target\n",
        port, versus_port, seconds);
    long errors = 0;
    for (const std::string& target : targets) errors += Versus(port, versus_port, target, seconds);
    return errors == 0 ? 0 : 1;
  }
  std::printf("http_load: 127.0.0.1:%d, %d keep-alive connections, %.1f s per target\n", port,
              connections, seconds);
  Result base = Run(port, baseline, connections, seconds);
  double base_rps = static_cast<double>(base.latencies_ms.size()) / base.seconds;
  Print(base, 0);
  long errors = base.errors;
  for (const std::string& target : targets) {
    Result r = Run(port, target, connections, seconds);
    Print(r, base_rps);
    errors += r.errors;
  }
  return errors == 0 ? 0 : 1;
}
