// Server-Sent Events through the real HTTP server and gateway, from a test-only streaming
// service: its .proto is built in memory (a descriptor pool over the linked one, so it can
// carry a google.api.http annotation) and served by a generic callback gRPC service, so the
// gateway's streaming path is exercised without depending on any real service.
#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "gateway.h"
#include "google/api/annotations.pb.h"
#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/descriptor_database.h"
#include "google/protobuf/dynamic_message.h"
#include "http_server.h"
#include "transcoder.h"

namespace comptoir::gateway {
namespace {

namespace net = boost::asio;
using google::protobuf::FieldDescriptorProto;
using google::protobuf::FileDescriptorProto;
using google::protobuf::Message;

constexpr char kWatchPath[] = "/comptoir.test.v1.TickService/WatchTicks";

// comptoir/test/v1/ticks.proto, in code:
//   service TickService {
//     rpc WatchTicks(WatchTicksRequest) returns (stream Tick) {
//       option (google.api.http) = { get: "/v1/rooms/{room}/ticks:watch" };
//     }
//   }
//   message WatchTicksRequest { string room = 1; string after_event_id = 2; int32 count = 3; }
//   message Tick { string event_id = 1; int64 n = 2; }
FileDescriptorProto TicksProto() {
  FileDescriptorProto file;
  file.set_name("comptoir/test/v1/ticks.proto");
  file.set_package("comptoir.test.v1");
  file.set_syntax("proto3");
  file.add_dependency("google/api/annotations.proto");
  auto field = [](google::protobuf::DescriptorProto* m, const char* name, int number,
                  FieldDescriptorProto::Type type) {
    auto* f = m->add_field();
    f->set_name(name);
    f->set_number(number);
    f->set_type(type);
    f->set_label(FieldDescriptorProto::LABEL_OPTIONAL);
  };
  auto* request = file.add_message_type();
  request->set_name("WatchTicksRequest");
  field(request, "room", 1, FieldDescriptorProto::TYPE_STRING);
  field(request, "after_event_id", 2, FieldDescriptorProto::TYPE_STRING);
  field(request, "count", 3, FieldDescriptorProto::TYPE_INT32);
  auto* tick = file.add_message_type();
  tick->set_name("Tick");
  field(tick, "event_id", 1, FieldDescriptorProto::TYPE_STRING);
  field(tick, "n", 2, FieldDescriptorProto::TYPE_INT64);
  auto* service = file.add_service();
  service->set_name("TickService");
  auto* method = service->add_method();
  method->set_name("WatchTicks");
  method->set_input_type(".comptoir.test.v1.WatchTicksRequest");
  method->set_output_type(".comptoir.test.v1.Tick");
  method->set_server_streaming(true);
  method->mutable_options()
      ->MutableExtension(google::api::http)
      ->set_get("/v1/rooms/{room}/ticks:watch");
  return file;
}

// The linked descriptors plus ticks.proto, loaded on demand.
class TestPool {
 public:
  TestPool()
      : linked_(*google::protobuf::DescriptorPool::generated_pool()),
        merged_(&linked_, &extra_),
        pool_(&merged_) {
    extra_.Add(TicksProto());
  }
  const google::protobuf::DescriptorPool& pool() const { return pool_; }

 private:
  google::protobuf::DescriptorPoolDatabase linked_;
  google::protobuf::SimpleDescriptorDatabase extra_;
  google::protobuf::MergedDescriptorDatabase merged_;
  google::protobuf::DescriptorPool pool_;
};

std::string ToBytes(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  std::string out;
  if (!buffer.Dump(&slices).ok()) return out;
  for (const auto& s : slices) out.append(reinterpret_cast<const char*>(s.begin()), s.size());
  return out;
}

// Streams `count` ticks numbered after `after_event_id`; room "denied" is refused, room
// "endless" stays open after its ticks until the caller cancels.
class TickService final : public grpc::CallbackGenericService {
 public:
  explicit TickService(const google::protobuf::DescriptorPool& pool) : pool_(pool) {}

  grpc::ServerGenericBidiReactor* CreateReactor(grpc::GenericCallbackServerContext* ctx) override {
    return new Reactor(this, ctx);
  }

  std::atomic<int> cancelled{0};
  std::atomic<int> calls{0};
  std::mutex mu;
  std::string last_after;  // guarded by mu

 private:
  class Reactor : public grpc::ServerGenericBidiReactor {
   public:
    Reactor(TickService* service, grpc::GenericCallbackServerContext* ctx)
        : service_(service), ctx_(ctx) {
      if (ctx->method() != kWatchPath) {
        FinishOnce(grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "no such method"));
        return;
      }
      ++service_->calls;
      StartRead(&in_);
    }
    void OnReadDone(bool ok) override {
      if (!ok) return;
      const auto* type =
          service_->pool_.FindMessageTypeByName("comptoir.test.v1.WatchTicksRequest");
      std::unique_ptr<Message> request = NewMessage(type);
      request->ParseFromString(ToBytes(in_));
      const auto* r = request->GetReflection();
      const std::string room = r->GetString(*request, type->FindFieldByName("room"));
      const std::string after = r->GetString(*request, type->FindFieldByName("after_event_id"));
      count_ = r->GetInt32(*request, type->FindFieldByName("count"));
      endless_ = room == "endless";
      {
        std::lock_guard<std::mutex> lock(service_->mu);
        service_->last_after = after;
      }
      if (room == "denied") {
        return FinishOnce(grpc::Status(grpc::StatusCode::PERMISSION_DENIED, "not your room"));
      }
      next_ = after.empty() ? 1 : std::stoll(after) + 1;
      WriteNext();
    }
    void OnWriteDone(bool ok) override {
      if (!ok) return FinishOnce(grpc::Status::CANCELLED);
      WriteNext();
    }
    void OnCancel() override {
      ++service_->cancelled;
      FinishOnce(grpc::Status::CANCELLED);
    }
    void OnDone() override { delete this; }

   private:
    void WriteNext() {
      if (count_-- <= 0) {
        if (!endless_) FinishOnce(grpc::Status::OK);
        return;
      }
      const auto* type = service_->pool_.FindMessageTypeByName("comptoir.test.v1.Tick");
      std::unique_ptr<Message> tick = NewMessage(type);
      tick->GetReflection()->SetString(tick.get(), type->FindFieldByName("event_id"),
                                       std::to_string(next_));
      tick->GetReflection()->SetInt64(tick.get(), type->FindFieldByName("n"), next_);
      ++next_;
      grpc::Slice slice(tick->SerializeAsString());
      out_ = grpc::ByteBuffer(&slice, 1);
      StartWrite(&out_);
    }
    void FinishOnce(const grpc::Status& status) {
      std::lock_guard<std::mutex> lock(mu_);
      if (finished_) return;
      finished_ = true;
      Finish(status);
    }

    TickService* service_;
    grpc::GenericCallbackServerContext* ctx_;
    grpc::ByteBuffer in_;
    grpc::ByteBuffer out_;
    int count_ = 0;
    int64_t next_ = 1;
    bool endless_ = false;
    std::mutex mu_;
    bool finished_ = false;
  };

  const google::protobuf::DescriptorPool& pool_;
};

// A raw HTTP/1.1 client: sends one request and reads what comes, as it comes.
class RawClient {
 public:
  explicit RawClient(unsigned short port) : socket_(ioc_) {
    socket_.connect({net::ip::make_address("127.0.0.1"), port});
    timeval tv{0, 200 * 1000};  // reads wake up to check the deadline
    setsockopt(socket_.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  void Send(const std::string& request) { net::write(socket_, net::buffer(request)); }
  // Reads until `needle` has arrived or `timeout` passed; all read so far.
  const std::string& ReadUntil(const std::string& needle,
                               std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    char buf[4096];
    while (received_.find(needle) == std::string::npos &&
           std::chrono::steady_clock::now() < deadline) {
      ssize_t n = ::recv(socket_.native_handle(), buf, sizeof buf, 0);
      if (n > 0) received_.append(buf, static_cast<size_t>(n));
      if (n == 0) break;  // closed
    }
    return received_;
  }
  void Close() {
    boost::system::error_code ignored;
    socket_.shutdown(net::ip::tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
  }

 private:
  net::io_context ioc_;
  net::ip::tcp::socket socket_;
  std::string received_;
};

class EventStreamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    service_ = std::make_unique<TickService>(pool_.pool());
    grpc::ServerBuilder builder;
    int grpc_port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &grpc_port);
    builder.RegisterCallbackGenericService(service_.get());
    grpc_server_ = builder.BuildAndStart();
    ASSERT_NE(grpc_port, 0);
    const std::string address = "127.0.0.1:" + std::to_string(grpc_port);
    auto routes = RouteTable::Build({{"comptoir.test.v1.TickService", address}}, pool_.pool());
    ASSERT_TRUE(routes.ok()) << routes.status();
    routes_ = std::make_unique<RouteTable>(std::move(*routes));
    client_ = std::make_unique<UpstreamClient>(
        std::vector<std::string>{address},
        UpstreamClient::Options{.timeout = std::chrono::milliseconds(2000)});
    gateway_ = std::make_unique<Gateway>(*routes_, *client_, nullptr, metrics_, nullptr,
                                         ioc_.get_executor());
    gateway_->SetStreamOptions({.heartbeat = std::chrono::milliseconds(100),
                                .head_wait = std::chrono::milliseconds(300),
                                .max_streams = 2});
    server_ = std::make_unique<HttpServer>(
        ioc_, [this](HttpRequest req, Responder done, StreamOpener open_stream,
                     boost::asio::any_io_executor connection) {
          gateway_->Handle(std::move(req), std::move(done), std::move(open_stream),
                           std::move(connection));
        });
    ASSERT_TRUE(server_->Listen("127.0.0.1:0").ok());
    server_->Start();
    for (int i = 0; i < 2; ++i) threads_.emplace_back([this] { ioc_.run(); });
  }

  void TearDown() override {
    if (server_) server_->Stop();
    if (client_) client_->Shutdown();
    ioc_.stop();
    for (auto& t : threads_) t.join();
    server_.reset();
    if (grpc_server_) grpc_server_->Shutdown(std::chrono::system_clock::now());
  }

  static std::string Get(const std::string& target, const std::string& extra_headers = "") {
    return "GET " + target + " HTTP/1.1\r\nHost: localhost\r\nAccept: text/event-stream\r\n" +
           extra_headers + "\r\n";
  }

  // Polls `condition` for up to 5 s.
  template <typename F>
  static bool Eventually(F condition) {
    for (int i = 0; i < 500; ++i) {
      if (condition()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return condition();
  }

  TestPool pool_;
  std::unique_ptr<TickService> service_;
  std::unique_ptr<grpc::Server> grpc_server_;
  net::io_context ioc_;
  std::unique_ptr<RouteTable> routes_;
  std::unique_ptr<UpstreamClient> client_;
  GatewayMetrics metrics_;
  std::unique_ptr<Gateway> gateway_;
  std::unique_ptr<HttpServer> server_;
  std::vector<std::thread> threads_;
};

TEST_F(EventStreamTest, EachMessageIsAnEventWithItsResumeId) {
  RawClient client(server_->port());
  client.Send(Get("/v1/rooms/r1/ticks:watch?count=3"));
  const std::string& got = client.ReadUntil("\r\n0\r\n\r\n");  // the last chunk: stream ended
  EXPECT_NE(got.find("HTTP/1.1 200"), std::string::npos) << got;
  EXPECT_NE(got.find("Content-Type: text/event-stream"), std::string::npos) << got;
  EXPECT_NE(got.find("Transfer-Encoding: chunked"), std::string::npos) << got;
  EXPECT_NE(got.find("id: 1\ndata: {\"eventId\":\"1\",\"n\":\"1\"}\n\n"), std::string::npos) << got;
  EXPECT_NE(got.find("id: 3\ndata: {\"eventId\":\"3\",\"n\":\"3\"}\n\n"), std::string::npos) << got;
  EXPECT_LT(got.find("id: 1\n"), got.find("id: 2\n"));
  EXPECT_LT(got.find("id: 2\n"), got.find("id: 3\n"));
  EXPECT_TRUE(Eventually([&] { return gateway_->open_streams() == 0; }));
}

TEST_F(EventStreamTest, LastEventIdResumesAfterThatEvent) {
  RawClient client(server_->port());
  client.Send(Get("/v1/rooms/r1/ticks:watch?count=2", "Last-Event-ID: 5\r\n"));
  const std::string& got = client.ReadUntil("\r\n0\r\n\r\n");
  EXPECT_EQ(got.find("id: 5\n"), std::string::npos) << got;
  EXPECT_NE(got.find("id: 6\n"), std::string::npos) << got;
  EXPECT_NE(got.find("id: 7\n"), std::string::npos) << got;
  std::lock_guard<std::mutex> lock(service_->mu);
  EXPECT_EQ(service_->last_after, "5");
}

TEST_F(EventStreamTest, RefusalBeforeTheFirstEventKeepsItsHttpStatus) {
  RawClient client(server_->port());
  client.Send(Get("/v1/rooms/denied/ticks:watch"));
  const std::string& got = client.ReadUntil("}");
  EXPECT_NE(got.find("HTTP/1.1 403"), std::string::npos) << got;
  EXPECT_NE(got.find("application/problem+json"), std::string::npos) << got;
}

TEST_F(EventStreamTest, IdleStreamsGetHeartbeatsAndHangingUpCancelsTheCall) {
  RawClient client(server_->port());
  client.Send(Get("/v1/rooms/endless/ticks:watch?count=1"));
  const std::string& got = client.ReadUntil(": heartbeat\n\n");
  EXPECT_NE(got.find("id: 1\n"), std::string::npos) << got;
  EXPECT_NE(got.find(": heartbeat\n\n"), std::string::npos) << got;
  EXPECT_EQ(gateway_->open_streams(), 1u);
  client.Close();
  EXPECT_TRUE(Eventually([&] { return service_->cancelled.load() == 1; }));
  EXPECT_TRUE(Eventually([&] { return gateway_->open_streams() == 0; }));
}

TEST_F(EventStreamTest, ConcurrentStreamsAreBounded) {
  RawClient first(server_->port());
  first.Send(Get("/v1/rooms/endless/ticks:watch?count=1"));
  first.ReadUntil("id: 1\n");
  RawClient second(server_->port());
  second.Send(Get("/v1/rooms/endless/ticks:watch?count=1"));
  second.ReadUntil("id: 1\n");
  RawClient third(server_->port());
  third.Send(Get("/v1/rooms/endless/ticks:watch?count=1"));
  const std::string& got = third.ReadUntil("}");
  EXPECT_NE(got.find("HTTP/1.1 503"), std::string::npos) << got;
  EXPECT_NE(got.find("Retry-After: 10"), std::string::npos) << got;
}

TEST_F(EventStreamTest, StreamingRoutesAreRefusedWithoutAStreamingConnection) {
  std::promise<HttpResponse> answer;
  HttpRequest req{boost::beast::http::verb::get, "/v1/rooms/r1/ticks:watch", 11};
  gateway_->Handle(std::move(req),
                   [&answer](HttpResponse res) { answer.set_value(std::move(res)); });
  EXPECT_EQ(answer.get_future().get().result_int(), 406);
}

}  // namespace
}  // namespace comptoir::gateway
