// The shops transport on a real gRPC server over loopback, with the domain over a fake
// repository: status mapping with field details, health that follows readiness, shutdown.
#include "shops_grpc.h"

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "comptoir/common/status.h"
#include "fake_shops_repository.h"
#include "grpc/health/v1/health.grpc.pb.h"

namespace comptoir::shops {
namespace {

class ShopsGrpcTest : public ::testing::Test {
 protected:
  void SetUp() override {
    common::GrpcServerOptions options;
    options.service_name = "shops-test";
    options.grpc_listen = "127.0.0.1:0";
    options.workers = 2;
    options.readiness_interval = std::chrono::milliseconds(20);
    options.readiness = [this] { return ready_.load(); };
    server_ = std::make_unique<common::GrpcServer>(options);
    grpc_ = std::make_unique<ShopsGrpc>(service_, *server_);
    server_->AddService(grpc_.get());
    ASSERT_TRUE(server_->Start().ok());
    channel_ = grpc::CreateChannel("127.0.0.1:" + std::to_string(server_->port()),
                                   grpc::InsecureChannelCredentials());
    stub_ = v1::ShopService::NewStub(channel_);
  }

  void TearDown() override { server_->Shutdown(); }

  std::unique_ptr<grpc::ClientContext> Context() {
    auto context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    return context;
  }

  std::string HealthOf(const std::string& service) {
    auto health = grpc::health::v1::Health::NewStub(channel_);
    grpc::health::v1::HealthCheckRequest request;
    request.set_service(service);
    grpc::health::v1::HealthCheckResponse response;
    grpc::Status status = health->Check(Context().get(), request, &response);
    if (!status.ok()) return "error";
    return grpc::health::v1::HealthCheckResponse::ServingStatus_Name(response.status());
  }

  std::atomic<bool> ready_{true};
  FakeShopsRepository repository_;
  ShopsService service_{repository_};
  std::unique_ptr<common::GrpcServer> server_;
  std::unique_ptr<ShopsGrpc> grpc_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::ShopService::Stub> stub_;
};

TEST_F(ShopsGrpcTest, CreateThenGetReturnsTheSameShop) {
  v1::CreateShopRequest create;
  create.mutable_shop()->set_name("Fromagerie Gaugry");
  create.mutable_shop()->set_commune_insee("21231");
  create.mutable_shop()->set_category("fromagerie");
  create.mutable_shop()->set_status("active");  // output only: ignored
  v1::Shop created;
  ASSERT_TRUE(stub_->CreateShop(Context().get(), create, &created).ok());
  EXPECT_EQ(created.status(), "pending");
  EXPECT_EQ(created.commune_name(), "Dijon");
  EXPECT_GT(created.create_time().seconds(), 0);

  v1::GetShopRequest get;
  get.set_shop(created.slug());
  v1::Shop fetched;
  ASSERT_TRUE(stub_->GetShop(Context().get(), get, &fetched).ok());
  EXPECT_EQ(fetched.id(), created.id());
}

TEST_F(ShopsGrpcTest, InvalidRequestCarriesFieldViolationsToTheCaller) {
  v1::CreateShopRequest create;
  create.mutable_shop()->set_commune_insee("99999");
  v1::Shop created;
  grpc::Status status = stub_->CreateShop(Context().get(), create, &created);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  std::vector<common::FieldViolation> fields =
      common::FieldViolationsOf(common::FromGrpcStatus(status));
  std::vector<std::string> names;
  for (const auto& f : fields) names.push_back(f.field);
  EXPECT_EQ(names, (std::vector<std::string>{"shop.name", "shop.commune_insee", "shop.category"}));
}

TEST_F(ShopsGrpcTest, UnknownShopIsNotFound) {
  v1::GetShopRequest get;
  get.set_shop("00000000-0000-4000-8000-999999999999");
  v1::Shop fetched;
  EXPECT_EQ(stub_->GetShop(Context().get(), get, &fetched).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(ShopsGrpcTest, HealthFollowsReadiness) {
  EXPECT_EQ(HealthOf(""), "SERVING");
  ready_ = false;
  std::string seen;
  for (int i = 0; i < 250 && seen != "NOT_SERVING"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    seen = HealthOf("");
  }
  EXPECT_EQ(seen, "NOT_SERVING");
  ready_ = true;
  for (int i = 0; i < 250 && seen != "SERVING"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    seen = HealthOf("");
  }
  EXPECT_EQ(seen, "SERVING");
}

TEST_F(ShopsGrpcTest, ShutdownAnnouncesNotServingAndStops) {
  server_->Shutdown();
  v1::GetShopRequest get;
  get.set_shop("anything");
  v1::Shop fetched;
  auto context = Context();
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(500));
  EXPECT_EQ(stub_->GetShop(context.get(), get, &fetched).error_code(),
            grpc::StatusCode::UNAVAILABLE);
}

}  // namespace
}  // namespace comptoir::shops
