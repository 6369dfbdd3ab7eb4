#include "upstream.h"

#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/channel_arguments.h>
#include <grpcpp/support/client_callback.h>

#include <utility>

#include "absl/strings/numbers.h"

namespace comptoir::gateway {

struct UpstreamClient::PendingCall {
  grpc::ClientContext context;
  grpc::ByteBuffer request;
  grpc::ByteBuffer response;
  grpc::Status status;
  std::unique_ptr<grpc::GenericClientAsyncResponseReader> reader;
  Done done;
  // What a repeat needs (Call with `idempotent`): the same call on a new context.
  grpc::GenericStub* stub = nullptr;
  std::string grpc_path;
  std::chrono::system_clock::time_point deadline;
  Metadata metadata;  // request id included; kept only when the call may be repeated
  bool may_repeat = false;
};

UpstreamClient::UpstreamClient(const std::vector<std::string>& addresses, Options options)
    : options_(options) {
  for (const std::string& address : addresses) {
    if (upstreams_.count(address) != 0) continue;
    grpc::ChannelArguments args;
    // Notice dead connections between requests instead of on the next call.
    args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 30000);
    args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 10000);
    // Fail fast while a backend is down (503 at once) and reconnect soon after it returns.
    args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 2000);
    // A dns:/// target resolving to several replicas (a headless Service) is spread over all
    // of them instead of pinned to the first.
    args.SetLoadBalancingPolicyName("round_robin");
    // Exports (products, directory, road sheets) can pass gRPC's 4 MiB default; the services
    // take and give up to 16 MiB.
    args.SetMaxReceiveMessageSize(16 * 1024 * 1024);
    args.SetMaxSendMessageSize(16 * 1024 * 1024);
    // gRPC's own retries are off: even unused (no retry policy is configured) their
    // bookkeeping costs each call 10 to 30 us here. A call that may be repeated is
    // repeated once by Finish instead (see Call).
    args.SetInt(GRPC_ARG_ENABLE_RETRIES, 0);
    if (!options_.tls_server_name.empty()) args.SetSslTargetNameOverride(options_.tls_server_name);
    auto channel = grpc::CreateCustomChannel(
        address,
        options_.credentials != nullptr ? options_.credentials : grpc::InsecureChannelCredentials(),
        args);
    auto stub = std::make_unique<grpc::GenericStub>(channel);
    upstreams_.emplace(address, Upstream{std::move(channel), std::move(stub)});
  }
  completions_ = std::thread([this] { Poll(); });
}

void UpstreamClient::Poll() {
  void* tag = nullptr;
  bool ok = false;
  while (queue_.Next(&tag, &ok)) {
    auto* call = static_cast<PendingCall*>(tag);
    Finish(call, call->status);
  }
}

UpstreamClient::~UpstreamClient() { Shutdown(); }

std::vector<std::string> UpstreamClient::addresses() const {
  std::vector<std::string> out;
  for (const auto& entry : upstreams_) out.push_back(entry.first);
  return out;
}

void UpstreamClient::Call(const std::string& address, const std::string& grpc_path,
                          std::string request, const std::string& request_id,
                          std::chrono::milliseconds timeout, Done done, const Metadata& metadata,
                          bool idempotent) {
  auto it = upstreams_.find(address);
  if (it == upstreams_.end()) {
    done(grpc::Status(grpc::StatusCode::UNAVAILABLE, "no channel to " + address), {}, 0);
    return;
  }
  auto call = std::make_shared<PendingCall>();
  call->done = std::move(done);
  call->stub = it->second.stub.get();
  call->grpc_path = grpc_path;
  call->deadline =
      std::chrono::system_clock::now() + (timeout.count() > 0 ? timeout : options_.timeout);
  call->may_repeat = idempotent;
  if (!request_id.empty()) call->context.AddMetadata("x-request-id", request_id);
  for (const auto& [key, value] : metadata) call->context.AddMetadata(key, value);
  if (idempotent) {
    call->metadata = metadata;
    if (!request_id.empty()) call->metadata.emplace_back("x-request-id", request_id);
  }
  grpc::Slice slice(std::move(request));
  call->request = grpc::ByteBuffer(&slice, 1);
  Start(std::move(call));
}

void UpstreamClient::Start(std::shared_ptr<PendingCall> call) {
  bool accepted = false;
  {
    absl::MutexLock lock(&mu_);
    if (!shut_down_) accepted = in_flight_.emplace(call.get(), call).second;
  }
  if (!accepted) {
    call->done(grpc::Status(grpc::StatusCode::UNAVAILABLE, "gateway shutting down"), {}, 0);
    return;
  }
  PendingCall* raw = call.get();  // kept alive by in_flight_ until Finish
  raw->context.set_deadline(raw->deadline);
  raw->reader = raw->stub->PrepareUnaryCall(&raw->context, raw->grpc_path, raw->request, &queue_);
  raw->reader->StartCall();
  raw->reader->Finish(&raw->response, &raw->status, raw);
}

bool UpstreamClient::Repeat(PendingCall* call, const grpc::Status& status) {
  if (!call->may_repeat || status.error_code() != grpc::StatusCode::UNAVAILABLE ||
      std::chrono::system_clock::now() >= call->deadline) {
    return false;
  }
  auto again = std::make_shared<PendingCall>();
  again->request = call->request;  // shares the bytes
  again->done = std::move(call->done);
  again->stub = call->stub;
  again->grpc_path = std::move(call->grpc_path);
  again->deadline = call->deadline;
  for (const auto& [key, value] : call->metadata) again->context.AddMetadata(key, value);
  Start(std::move(again));
  return true;
}

void UpstreamClient::Finish(PendingCall* raw, const grpc::Status& status) {
  std::shared_ptr<PendingCall> call;
  {
    absl::MutexLock lock(&mu_);
    call = in_flight_.at(raw);
  }
  // Started before this one is erased, so Shutdown's wait covers the repeat too.
  if (Repeat(raw, status)) {
    absl::MutexLock lock(&mu_);
    in_flight_.erase(raw);
    return;
  }
  std::string bytes;
  if (status.ok()) {
    std::vector<grpc::Slice> slices;
    if (call->response.Dump(&slices).ok()) {
      bytes.reserve(call->response.Length());
      for (const grpc::Slice& s : slices) {
        bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
      }
    }
  }
  int64_t retry_after = 0;
  if (!status.ok()) {
    const auto& trailers = call->context.GetServerTrailingMetadata();
    if (auto it = trailers.find("retry-after"); it != trailers.end()) {
      const std::string value(it->second.data(), it->second.size());
      if (!absl::SimpleAtoi(value, &retry_after) || retry_after < 0 || retry_after > 86400) {
        retry_after = 0;
      }
    }
  }
  call->done(status, std::move(bytes), retry_after);
  // Erased only after the callback so Shutdown's wait covers it.
  absl::MutexLock lock(&mu_);
  in_flight_.erase(raw);
}

// One server-streaming call over the generic stub. gRPC's generic API is bidirectional: the
// single request goes as the last write, then responses are read one at a time.
class UpstreamClient::StreamCall final
    : public UpstreamClient::Stream,
      public grpc::ClientBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
 public:
  StreamCall(UpstreamClient* owner, StreamHandlers handlers)
      : owner_(owner), handlers_(std::move(handlers)) {}

  void Cancel() override { context_.TryCancel(); }

  void Begin(grpc::GenericStub& stub, const std::string& grpc_path, std::string request) {
    grpc::Slice slice(std::move(request));
    request_ = grpc::ByteBuffer(&slice, 1);
    stub.PrepareBidiStreamingCall(&context_, grpc_path, grpc::StubOptions(), this);
    StartWriteLast(&request_, grpc::WriteOptions());
    StartRead(&response_);
    StartCall();
  }

  grpc::ClientContext& context() { return context_; }

  void OnReadInitialMetadataDone(bool ok) override {
    if (ok && handlers_.on_headers) handlers_.on_headers();
  }
  void OnWriteDone(bool) override {}
  void OnReadDone(bool ok) override {
    if (!ok) return;  // the stream ended: OnDone follows
    std::string bytes;
    std::vector<grpc::Slice> slices;
    if (response_.Dump(&slices).ok()) {
      bytes.reserve(response_.Length());
      for (const grpc::Slice& s : slices) {
        bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
      }
    }
    handlers_.on_message(std::move(bytes));
    StartRead(&response_);
  }
  void OnDone(const grpc::Status& status) override {
    handlers_.on_done(status);
    owner_->StreamEnded(this);  // may destroy this object: nothing after it
  }

 private:
  UpstreamClient* owner_;
  StreamHandlers handlers_;
  grpc::ClientContext context_;
  grpc::ByteBuffer request_;
  grpc::ByteBuffer response_;
};

std::shared_ptr<UpstreamClient::Stream> UpstreamClient::StartStream(
    const std::string& address, const std::string& grpc_path, std::string request,
    const std::string& request_id, const Metadata& metadata, StreamHandlers handlers) {
  auto it = upstreams_.find(address);
  if (it == upstreams_.end()) {
    handlers.on_done(grpc::Status(grpc::StatusCode::UNAVAILABLE, "no channel to " + address));
    return nullptr;
  }
  auto call = std::make_shared<StreamCall>(this, std::move(handlers));
  if (!request_id.empty()) call->context().AddMetadata("x-request-id", request_id);
  for (const auto& [key, value] : metadata) call->context().AddMetadata(key, value);
  bool accepted = false;
  {
    absl::MutexLock lock(&mu_);
    if (!shut_down_) accepted = streams_.emplace(call.get(), call).second;
  }
  if (!accepted) {
    call->OnDone(grpc::Status(grpc::StatusCode::UNAVAILABLE, "gateway shutting down"));
    return nullptr;
  }
  call->Begin(*it->second.stub, grpc_path, std::move(request));
  return call;
}

void UpstreamClient::StreamEnded(StreamCall* call) {
  absl::MutexLock lock(&mu_);
  streams_.erase(call);
}

void UpstreamClient::Shutdown() {
  std::vector<std::shared_ptr<PendingCall>> calls;
  std::vector<std::shared_ptr<StreamCall>> streams;
  {
    absl::MutexLock lock(&mu_);
    shut_down_ = true;
    for (const auto& entry : in_flight_) calls.push_back(entry.second);
    for (const auto& entry : streams_) streams.push_back(entry.second);
  }
  // Outside the lock: gRPC may run a completion inline, and Finish takes the lock.
  for (const auto& call : calls) call->context.TryCancel();
  for (const auto& stream : streams) stream->Cancel();
  calls.clear();
  streams.clear();
  {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(
        +[](UpstreamClient* self) ABSL_EXCLUSIVE_LOCKS_REQUIRED(self->mu_) {
          return self->in_flight_.empty() && self->streams_.empty();
        },
        this));
  }
  // No call is in flight and none can start: the queue drains and its thread ends.
  std::call_once(queue_shut_down_, [this] {
    queue_.Shutdown();
    completions_.join();
  });
}

}  // namespace comptoir::gateway
