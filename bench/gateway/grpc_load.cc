// grpc_load: closed-loop unary gRPC load on one channel, the direct-call baseline for the
// gateway benchmark (the same RPC the gateway would make for an HTTP route), reporting
// throughput and latency percentiles in http_load's format.
//
//   grpc_load --target 127.0.0.1:50052 --method comptoir.shops.v1.ShopService/GetShop
//             --request '{"shop":"fromagerie-gaugry"}' --concurrency 1 --seconds 5
//
// The request is JSON (protobuf JSON mapping) of the method's input type, from the
// descriptors linked in; calls go through the generic stub as the gateway's do.
#include <google/protobuf/descriptor.h>
#include <google/protobuf/util/json_util.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/byte_buffer.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <future>
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

}  // namespace

int main(int argc, char** argv) {
  std::string target = "127.0.0.1:50052";
  std::string method;
  std::string request_json = "{}";
  int concurrency = 1;
  double seconds = 5;
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
    } else {
      std::fprintf(stderr,
                   "usage: %s --target HOST:PORT --method pkg.Service/Method [--request JSON] "
                   "[--concurrency N] [--seconds S]\n",
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

  auto channel = grpc::CreateChannel(target, grpc::InsecureChannelCredentials());
  grpc::GenericStub stub(channel);
  std::mutex mu;
  std::vector<double> latencies;
  long errors = 0;
  std::string first_error;
  const auto start = Clock::now();
  const auto end = start + std::chrono::duration<double>(seconds);
  std::vector<std::thread> threads;
  for (int c = 0; c < concurrency; ++c) {
    threads.emplace_back([&] {
      std::vector<double> local;
      long local_errors = 0;
      std::string local_error;
      while (Clock::now() < end) {
        grpc::ClientContext context;
        context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
        grpc::Slice slice(bytes);
        grpc::ByteBuffer in(&slice, 1);
        grpc::ByteBuffer out;
        std::promise<grpc::Status> done;
        const auto t0 = Clock::now();
        stub.UnaryCall(&context, path, grpc::StubOptions(), &in, &out,
                       [&done](grpc::Status status) { done.set_value(std::move(status)); });
        grpc::Status status = done.get_future().get();
        local.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
        if (!status.ok() && local_errors++ == 0) local_error = status.error_message();
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
