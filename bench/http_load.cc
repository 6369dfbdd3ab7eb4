// http_load: closed-loop HTTP/1.1 load on keep-alive connections, reporting throughput and
// latency percentiles for each target next to a baseline target measured in the same run
// (the machine is shared and noisy: only ratios within one run mean something).
//
//   http_load --port 8080 --connections 16 --seconds 5 --baseline /healthz /v1/shops/SLUG ...
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
      boost::asio::io_context io;
      boost::beast::tcp_stream stream(io);
      boost::beast::error_code ec;
      stream.connect(boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"),
                                                    static_cast<unsigned short>(port)),
                     ec);
      boost::beast::flat_buffer buffer;
      while (!ec && Clock::now() < end) {
        http::request<http::empty_body> request(http::verb::get, target, 11);
        request.set(http::field::host, "127.0.0.1");
        request.keep_alive(true);
        auto t0 = Clock::now();
        http::write(stream, request, ec);
        if (ec) break;
        http::response<http::string_body> response;
        http::read(stream, buffer, response, ec);
        if (ec) break;
        local.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
        int status = static_cast<int>(response.result_int());
        if (status >= 300 && status != 304) {
          if (errors++ == 0) first_error = std::to_string(status) + " " + response.body();
        }
      }
      if (ec && ec != http::error::end_of_stream) {
        ++errors;
        if (first_error.empty()) first_error = ec.message();
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

double Percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  size_t i = static_cast<size_t>(p * static_cast<double>(sorted.size() - 1));
  return sorted[i];
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
    else if (!arg.empty() && arg[0] == '/')
      targets.push_back(arg);
    else {
      std::fprintf(stderr,
                   "usage: %s [--port P] [--connections N] [--seconds S] [--baseline PATH] "
                   "PATH...\n",
                   argv[0]);
      return 2;
    }
  }
  if (port <= 0 || connections <= 0 || connections > 1024 || seconds <= 0 || seconds > 600) {
    std::fprintf(stderr, "bad --port, --connections (1-1024) or --seconds (0-600]\n");
    return 2;
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
