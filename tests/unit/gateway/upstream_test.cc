// Unary calls to the services: a read whose call fails UNAVAILABLE (the connection closed
// under it, a service restarting) is made once more within its deadline, with the same
// bytes and metadata; a write is never repeated, and a read only once.
#include "upstream.h"

#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>
#include <gtest/gtest.h>

#include <future>
#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"

namespace comptoir::gateway {
namespace {

// Answers every call with its own request bytes, after failing the first `failures` calls
// with UNAVAILABLE. Records what each call carried.
class FlakyEcho final : public grpc::CallbackGenericService {
 public:
  explicit FlakyEcho(int failures) : failures_(failures) {}

  struct Seen {
    std::string request_id;
    std::string authorization;
  };
  std::vector<Seen> seen() {
    absl::MutexLock lock(&mu_);
    return seen_;
  }

  grpc::ServerGenericBidiReactor* CreateReactor(
      grpc::GenericCallbackServerContext* context) override {
    bool fail = false;
    {
      absl::MutexLock lock(&mu_);
      Seen seen;
      const auto& metadata = context->client_metadata();
      if (auto it = metadata.find("x-request-id"); it != metadata.end()) {
        seen.request_id.assign(it->second.data(), it->second.size());
      }
      if (auto it = metadata.find("authorization"); it != metadata.end()) {
        seen.authorization.assign(it->second.data(), it->second.size());
      }
      seen_.push_back(seen);
      fail = static_cast<int>(seen_.size()) <= failures_;
    }
    return new Reactor(fail);
  }

 private:
  class Reactor final : public grpc::ServerGenericBidiReactor {
   public:
    explicit Reactor(bool fail) : fail_(fail) { StartRead(&request_); }
    void OnReadDone(bool ok) override {
      if (!ok) return Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "no request"));
      if (fail_) return Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE, "restarting"));
      StartWriteAndFinish(&request_, grpc::WriteOptions(), grpc::Status::OK);
    }
    void OnDone() override { delete this; }

   private:
    const bool fail_;
    grpc::ByteBuffer request_;
  };

  const int failures_;
  absl::Mutex mu_;
  std::vector<Seen> seen_ ABSL_GUARDED_BY(mu_);
};

struct Outcome {
  grpc::Status status;
  std::string response;
};

class UpstreamRepeatTest : public ::testing::Test {
 protected:
  void Serve(int failures) {
    service_ = std::make_unique<FlakyEcho>(failures);
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterCallbackGenericService(service_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    address_ = "127.0.0.1:" + std::to_string(port);
    client_ = std::make_unique<UpstreamClient>(std::vector<std::string>{address_},
                                               UpstreamClient::Options{});
  }
  void TearDown() override {
    if (client_) client_->Shutdown();
    if (server_) server_->Shutdown();
  }

  Outcome Call(bool idempotent) {
    std::promise<Outcome> done;
    client_->Call(
        address_, "/comptoir.test.Echo/Get", "the request bytes", "rid-1", std::chrono::seconds(5),
        [&done](const grpc::Status& status, std::string response, int64_t) {
          done.set_value({status, std::move(response)});
        },
        {{"authorization", "Bearer t"}}, idempotent);
    return done.get_future().get();
  }

  std::unique_ptr<FlakyEcho> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<UpstreamClient> client_;
  std::string address_;
};

TEST_F(UpstreamRepeatTest, AReadThatFindsTheServiceUnavailableIsMadeOnceMore) {
  Serve(/*failures=*/1);
  const Outcome outcome = Call(/*idempotent=*/true);
  ASSERT_TRUE(outcome.status.ok()) << outcome.status.error_message();
  EXPECT_EQ(outcome.response, "the request bytes");
  const auto seen = service_->seen();
  ASSERT_EQ(seen.size(), 2u);
  for (const auto& call : seen) {
    EXPECT_EQ(call.request_id, "rid-1");
    EXPECT_EQ(call.authorization, "Bearer t");
  }
}

TEST_F(UpstreamRepeatTest, AReadIsRepeatedOnlyOnce) {
  Serve(/*failures=*/2);
  const Outcome outcome = Call(/*idempotent=*/true);
  EXPECT_EQ(outcome.status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(service_->seen().size(), 2u);
}

TEST_F(UpstreamRepeatTest, AWriteIsNeverRepeated) {
  Serve(/*failures=*/1);
  const Outcome outcome = Call(/*idempotent=*/false);
  EXPECT_EQ(outcome.status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(service_->seen().size(), 1u);
}

TEST_F(UpstreamRepeatTest, AfterShutdownCallsAreRefusedAtOnce) {
  Serve(/*failures=*/0);
  EXPECT_TRUE(Call(/*idempotent=*/true).status.ok());
  client_->Shutdown();
  const Outcome outcome = Call(/*idempotent=*/true);
  EXPECT_EQ(outcome.status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(service_->seen().size(), 1u);
}

}  // namespace
}  // namespace comptoir::gateway
