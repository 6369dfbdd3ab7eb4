// grpc_load: closed-loop unary gRPC load on one channel, the direct-call baseline for the
// gateway benchmark (the same RPC the gateway would make for an HTTP route), reporting
// throughput and latency percentiles in http_load's format.
//
//   grpc_load --target 127.0.0.1:50052 --method comptoir.shops.v1.ShopService/GetShop
//             --request '{"shop":"fromagerie-gaugry"}' --concurrency 1 --seconds 5
//             [--metadata key=value ...] [--paired-http-port 8080 --paired-http-path /v1/...]
//             [--paired-target 127.0.0.1:50099]
//
// With --paired-http-*, at concurrency 1, each round makes the gRPC call and the same read
// through the gateway over HTTP (one keep-alive connection), alternating which goes first,
// and reports both latencies and their paired difference: both sides then see the same
// moment of the service and of the machine, which a shared machine's drift between two
// separate runs would not give. With --paired-target instead, the other call of each round
// is the same RPC sent to another address (a gRPC proxy in front of the same service).
//
// The request is JSON (protobuf JSON mapping) of the method's input type, from the
// descriptors linked in; calls go through the generic stub as the gateway's do, on a channel
// set up as the gateway's (gRPC's transparent retries off), each caller waiting on a
// completion queue of its own: the direct side pays no hand-off between threads, so that it
// is the fastest way to make the call, not a slower baseline.
#include <arpa/inet.h>
#include <google/protobuf/descriptor.h>
#include <google/protobuf/util/json_util.h>
#include <grpcpp/completion_queue.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/channel_arguments.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "google/protobuf/dynamic_message.h"

namespace {

using Clock = std::chrono::steady_clock;

double Percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  return sorted[static_cast<size_t>(p * static_cast<double>(sorted.size() - 1))];
}

// A blocking HTTP/1.1 client on one keep-alive connection to 127.0.0.1: enough for GETs
// answered with a Content-Length (the gateway's uncached JSON answers).
class HttpClient {
 public:
  explicit HttpClient(int port) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const int one = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
      close(fd_);
      fd_ = -1;
    }
  }
  ~HttpClient() {
    if (fd_ >= 0) close(fd_);
  }
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  bool connected() const { return fd_ >= 0; }

  // The status of a GET of `path`, its body read whole; 0 when the connection failed.
  int Get(const std::string& path) {
    const std::string request = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    if (send(fd_, request.data(), request.size(), MSG_NOSIGNAL) !=
        static_cast<ssize_t>(request.size())) {
      return 0;
    }
    size_t header_end;
    while ((header_end = buffer_.find("\r\n\r\n")) == std::string::npos) {
      if (!Fill()) return 0;
    }
    std::string head = buffer_.substr(0, header_end);
    std::transform(head.begin(), head.end(), head.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    const size_t length_at = head.find("\r\ncontent-length:");
    if (head.size() < 12 || length_at == std::string::npos) return 0;
    const size_t total = header_end + 4 + std::strtoul(head.c_str() + length_at + 17, nullptr, 10);
    while (buffer_.size() < total) {
      if (!Fill()) return 0;
    }
    const int status = std::atoi(head.c_str() + 9);
    buffer_.erase(0, total);
    return status;
  }

 private:
  bool Fill() {
    char chunk[65536];
    const ssize_t n = recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    buffer_.append(chunk, static_cast<size_t>(n));
    return true;
  }

  int fd_ = -1;
  std::string buffer_;
};

}  // namespace

int main(int argc, char** argv) {
  std::string target = "127.0.0.1:50052";
  std::string method;
  std::string request_json = "{}";
  int concurrency = 1;
  double seconds = 5;
  std::vector<std::pair<std::string, std::string>> metadata;
  int paired_port = 0;
  std::string paired_path;
  std::string paired_target;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", arg.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (arg == "--target") {
      target = value();
    } else if (arg == "--method") {
      method = value();
    } else if (arg == "--request") {
      request_json = value();
    } else if (arg == "--concurrency") {
      concurrency = std::atoi(value().c_str());
    } else if (arg == "--seconds") {
      seconds = std::atof(value().c_str());
    } else if (arg == "--paired-http-port") {
      paired_port = std::atoi(value().c_str());
    } else if (arg == "--paired-http-path") {
      paired_path = value();
    } else if (arg == "--paired-target") {
      paired_target = value();
    } else if (arg == "--metadata") {
      // What the gateway sends with each call (request id, trace context, client address),
      // so that the services' work per call is the same on both sides of the comparison.
      const std::string pair = value();
      const size_t eq = pair.find('=');
      if (eq == std::string::npos || eq == 0) {
        std::fprintf(stderr, "--metadata takes key=value\n");
        return 2;
      }
      metadata.emplace_back(pair.substr(0, eq), pair.substr(eq + 1));
    } else {
      std::fprintf(stderr,
                   "usage: %s --target HOST:PORT --method pkg.Service/Method [--request JSON] "
                   "[--concurrency N] [--seconds S] [--metadata key=value ...] "
                   "[--paired-http-port P --paired-http-path PATH | --paired-target HOST:PORT]\n",
                   argv[0]);
      return 2;
    }
  }
  const size_t slash = method.find('/');
  if (slash == std::string::npos || concurrency <= 0 || concurrency > 1024 || seconds <= 0) {
    std::fprintf(stderr, "need --method pkg.Service/Method, --concurrency 1-1024, --seconds > 0\n");
    return 2;
  }
  const auto* pool = google::protobuf::DescriptorPool::generated_pool();
  const auto* service = pool->FindServiceByName(method.substr(0, slash));
  const auto* rpc =
      service == nullptr ? nullptr : service->FindMethodByName(method.substr(slash + 1));
  if (rpc == nullptr) {
    std::fprintf(stderr, "unknown method %s\n", method.c_str());
    return 2;
  }
  google::protobuf::DynamicMessageFactory factory;
  std::unique_ptr<google::protobuf::Message> request(
      factory.GetPrototype(rpc->input_type())->New());
  if (!google::protobuf::util::JsonStringToMessage(request_json, request.get()).ok()) {
    std::fprintf(stderr, "--request is not a %s in JSON\n", rpc->input_type()->full_name().c_str());
    return 2;
  }
  const std::string bytes = request->SerializeAsString();
  const std::string path = "/" + method;

  auto channel_to = [](const std::string& address) {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_ENABLE_RETRIES, 0);  // as the gateway's channels
    return grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args);
  };
  grpc::GenericStub stub(channel_to(target));
  std::mutex mu;
  std::vector<double> latencies;
  long errors = 0;
  std::string first_error;
  const auto start = Clock::now();
  const auto end = start + std::chrono::duration<double>(seconds);
  auto call_on = [&](grpc::GenericStub& on, std::string* error) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    for (const auto& [key, value] : metadata) context.AddMetadata(key, value);
    grpc::Slice slice(bytes);
    grpc::ByteBuffer in(&slice, 1);
    grpc::ByteBuffer out;
    // The calling thread's own queue: it polls while it waits, as a blocking call does.
    thread_local grpc::CompletionQueue queue;
    grpc::Status status;
    auto reader = on.PrepareUnaryCall(&context, path, in, &queue);
    reader->StartCall();
    reader->Finish(&out, &status, &status);
    void* tag = nullptr;
    bool ok = false;
    if (!queue.Next(&tag, &ok) || tag != &status || !ok) {
      *error = "the completion queue failed";
      return false;
    }
    if (!status.ok()) *error = status.error_message();
    return status.ok();
  };
  auto call = [&](std::string* error) { return call_on(stub, error); };
  auto millis_since = [](Clock::time_point t0) {
    return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
  };

  const bool paired_http = paired_port > 0 || !paired_path.empty();
  if (paired_http || !paired_target.empty()) {
    if (concurrency != 1 || (paired_http && !paired_target.empty()) ||
        (paired_http && (paired_port <= 0 || paired_path.empty()))) {
      std::fprintf(stderr,
                   "paired runs need --concurrency 1 and either --paired-http-port with "
                   "--paired-http-path, or --paired-target\n");
      return 2;
    }
    // The other call of each round: true when it succeeded; false with `*failed` when the
    // HTTP connection broke (the run cannot go on).
    std::function<bool(bool*)> other;
    std::string other_name, difference_name;
    std::unique_ptr<HttpClient> http;
    std::unique_ptr<grpc::GenericStub> proxied;
    if (paired_http) {
      http = std::make_unique<HttpClient>(paired_port);
      if (!http->connected()) {
        std::fprintf(stderr, "cannot connect to 127.0.0.1:%d\n", paired_port);
        return 1;
      }
      other = [&](bool* failed) {
        const int status = http->Get(paired_path);
        *failed = status == 0;
        return status == 200;
      };
      other_name = "http GET via the gateway";
      difference_name = "gateway - direct";
    } else {
      proxied = std::make_unique<grpc::GenericStub>(channel_to(paired_target));
      other = [&](bool*) { return call_on(*proxied, &first_error); };
      other_name = "grpc via " + paired_target;
      difference_name = "via " + paired_target + " - direct";
    }
    std::vector<double> direct, via, differences;
    for (long round = 0; Clock::now() < end; ++round) {
      double direct_ms = 0, via_ms = 0;
      bool other_ok = true, failed = false;
      for (int leg = 0; leg < 2; ++leg) {
        const auto t0 = Clock::now();
        if ((leg == 0) == (round % 2 == 0)) {
          if (!call(&first_error)) ++errors;
          direct_ms = millis_since(t0);
        } else {
          other_ok = other(&failed);
          via_ms = millis_since(t0);
        }
      }
      if (failed) {
        std::fprintf(stderr, "the HTTP connection failed\n");
        return 1;
      }
      if (!other_ok) ++errors;
      direct.push_back(direct_ms);
      via.push_back(via_ms);
      differences.push_back(via_ms - direct_ms);
    }
    for (auto* v : {&direct, &via, &differences}) std::sort(v->begin(), v->end());
    const double n = static_cast<double>(direct.size());
    std::printf("paired: %.0f rounds of one gRPC call and one %s, the order alternating\n", n,
                paired_http ? "HTTP GET" : "through the other address");
    std::printf("  %-46s p50 %7.3f ms  p99 %7.3f ms\n", ("grpc " + method).c_str(),
                Percentile(direct, 0.5), Percentile(direct, 0.99));
    std::printf("  %-46s p50 %7.3f ms  p99 %7.3f ms\n", other_name.c_str(), Percentile(via, 0.5),
                Percentile(via, 0.99));
    const double extra_us = (Percentile(via, 0.5) - Percentile(direct, 0.5)) * 1000;
    std::printf(
        "  %s: p50 %+.0f us (%.2fx), median of the pairs' differences %+.0f us"
        "  errors %ld\n",
        difference_name.c_str(), extra_us, Percentile(via, 0.5) / Percentile(direct, 0.5),
        Percentile(differences, 0.5) * 1000, errors);
    if (!first_error.empty()) std::printf("  first error: %.200s\n", first_error.c_str());
    return errors == 0 ? 0 : 1;
  }

  std::vector<std::thread> threads;
  for (int c = 0; c < concurrency; ++c) {
    threads.emplace_back([&] {
      std::vector<double> local;
      long local_errors = 0;
      std::string local_error;
      while (Clock::now() < end) {
        std::string error;
        const auto t0 = Clock::now();
        const bool ok = call(&error);
        local.push_back(millis_since(t0));
        if (!ok && local_errors++ == 0) local_error = error;
      }
      std::lock_guard<std::mutex> lock(mu);
      latencies.insert(latencies.end(), local.begin(), local.end());
      errors += local_errors;
      if (first_error.empty()) first_error = local_error;
    });
  }
  for (auto& t : threads) t.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  std::sort(latencies.begin(), latencies.end());
  std::printf("%-48s %10.0f req/s  p50 %7.3f ms  p99 %7.3f ms  errors %ld\n",
              ("grpc " + method).c_str(), static_cast<double>(latencies.size()) / elapsed,
              Percentile(latencies, 0.5), Percentile(latencies, 0.99), errors);
  if (!first_error.empty()) std::printf("  first error: %.200s\n", first_error.c_str());
  return errors == 0 ? 0 : 1;
}
