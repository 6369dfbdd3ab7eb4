// Calls to the services behind the gateway: one gRPC channel per upstream address, created
// once, and asynchronous calls on raw bytes, so no gateway thread waits for a reply. Every
// call has a deadline and carries the request id.
// Unary calls complete on a completion queue of the client's own, polled by one thread: a
// reply wakes that thread alone (gRPC's callback API polls with two threads, and a reply
// woke both). Server streams use the callback API.
// Thread-safe: Call may be used from any thread. Completion callbacks run on the client's
// thread (unary calls) or gRPC's (streams) and must not block: short work, such as
// rendering a reply, is fine on the former; the latter only hand the result over.
#pragma once

#include <grpcpp/channel.h>
#include <grpcpp/completion_queue.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/security/credentials.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"

namespace comptoir::gateway {

class UpstreamClient {
 public:
  struct Options {
    std::chrono::milliseconds timeout{5000};  // default deadline of a call
    // Channel credentials (common::ClientChannelCredentials: TLS when GRPC_TLS_CA_FILE is
    // set); null means plaintext.
    std::shared_ptr<grpc::ChannelCredentials> credentials = nullptr;
    std::string tls_server_name{};  // non-empty: the name TLS verifies instead of the host
  };
  // gRPC metadata sent with a call: lower-case keys, values without CR/LF.
  using Metadata = std::vector<std::pair<std::string, std::string>>;
  // Called once per call, with the response bytes when the status is OK.
  // `retry_after_seconds`: the upstream's `retry-after` trailer on a failed call (e.g. a
  // login limit), 0 when absent.
  using Done = std::function<void(const grpc::Status& status, std::string response,
                                  int64_t retry_after_seconds)>;

  UpstreamClient(const std::vector<std::string>& addresses, Options options);
  ~UpstreamClient();  // Shutdown()
  UpstreamClient(const UpstreamClient&) = delete;
  UpstreamClient& operator=(const UpstreamClient&) = delete;

  // Starts a unary call of `grpc_path` ("/pkg.Service/Method") on `address`, one of the
  // constructor's. `timeout` zero means the default. After Shutdown, or for an unknown
  // address, `done` runs at once with UNAVAILABLE.
  // The request id goes as x-request-id; `metadata` adds other pairs (e.g. "authorization").
  // An `idempotent` call (a read) that fails UNAVAILABLE, e.g. its connection closed by a
  // restarting service, is made once more within the same deadline.
  void Call(const std::string& address, const std::string& grpc_path, std::string request,
            const std::string& request_id, std::chrono::milliseconds timeout, Done done,
            const Metadata& metadata = {}, bool idempotent = false);

  // A server-streaming call in progress; Cancel ends it (on_done then runs with CANCELLED).
  class Stream {
   public:
    virtual ~Stream() = default;
    virtual void Cancel() = 0;
  };
  // Callbacks of a server-streaming call, all on gRPC threads and never concurrently:
  // on_headers once when the service answered (initial metadata) and before any message,
  // on_message per response message (the next is read only after it returns), then on_done
  // exactly once (also after Cancel or Shutdown).
  struct StreamHandlers {
    std::function<void()> on_headers;
    std::function<void(std::string message)> on_message;
    std::function<void(const grpc::Status& status)> on_done;
  };
  // Starts a server-streaming call with no deadline (it lives as long as the client
  // listens). For an unknown address or after Shutdown, on_done runs at once with
  // UNAVAILABLE and the result is null.
  std::shared_ptr<Stream> StartStream(const std::string& address, const std::string& grpc_path,
                                      std::string request, const std::string& request_id,
                                      const Metadata& metadata, StreamHandlers handlers);

  // Refuses new calls, cancels those in flight (streams included) and returns once all their
  // callbacks ran.
  void Shutdown();

  std::vector<std::string> addresses() const;
  std::chrono::milliseconds default_timeout() const { return options_.timeout; }

 private:
  struct Upstream {
    std::shared_ptr<grpc::Channel> channel;
    std::unique_ptr<grpc::GenericStub> stub;
  };
  struct PendingCall;
  class StreamCall;

  void Start(std::shared_ptr<PendingCall> call);
  void Poll();  // the completion thread's loop
  void Finish(PendingCall* call, const grpc::Status& status);
  bool Repeat(PendingCall* call, const grpc::Status& status);  // true: started again
  void StreamEnded(StreamCall* call);

  const Options options_;
  std::map<std::string, Upstream> upstreams_;  // fixed after construction
  mutable absl::Mutex mu_;
  bool shut_down_ ABSL_GUARDED_BY(mu_) = false;
  // Shared so Shutdown can cancel a call outside the lock while it completes concurrently.
  absl::flat_hash_map<PendingCall*, std::shared_ptr<PendingCall>> in_flight_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<StreamCall*, std::shared_ptr<StreamCall>> streams_ ABSL_GUARDED_BY(mu_);
  // Unary calls complete on a queue of their own, polled by one thread.
  grpc::CompletionQueue queue_;
  std::thread completions_;
  std::once_flag queue_shut_down_;
};

}  // namespace comptoir::gateway
