// The shops transport on a real gRPC server over loopback, with the domain over a fake
// repository: status mapping with field details, health that follows readiness, shutdown.
#include "shops_grpc.h"

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "absl/time/clock.h"
#include "comptoir/common/auth.h"
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
    common::TokenVerifierOptions verifier_options;
    verifier_options.public_keys = {{key_.key_id, key_.public_key}};
    verifier_ = std::make_unique<common::TokenVerifier>(verifier_options);
    grpc_ = std::make_unique<ShopsGrpc>(service_, *server_, *verifier_);
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

  // A call made by a logged-in user, with a token signed by the key the server trusts.
  std::unique_ptr<grpc::ClientContext> AsUser(const std::string& user_id,
                                              std::vector<std::string> roles = {"resident"}) {
    common::TokenClaims claims;
    claims.subject = user_id;
    claims.roles = std::move(roles);
    claims.issuer = "comptoir-accounts";
    claims.audience = "comptoir";
    claims.issued_at = absl::Now();
    claims.not_before = absl::Now();
    claims.expires_at = absl::Now() + absl::Minutes(5);
    claims.token_id = "test";
    auto context = Context();
    context->AddMetadata("authorization", "Bearer " + common::TokenSigner(key_).Sign(claims));
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

  const common::SigningKey key_ = common::GenerateSigningKey("test-key");
  std::unique_ptr<common::TokenVerifier> verifier_;
  std::atomic<bool> ready_{true};
  FakeShopsRepository repository_;
  ShopsService service_{repository_};
  std::unique_ptr<common::GrpcServer> server_;
  std::unique_ptr<ShopsGrpc> grpc_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::ShopService::Stub> stub_;
};

constexpr char kOwnerId[] = "11111111-1111-4111-8111-111111111111";
constexpr char kAdminId[] = "44444444-4444-4444-8444-444444444444";

v1::CreateShopRequest ValidCreate() {
  v1::CreateShopRequest create;
  create.mutable_shop()->set_name("Fromagerie Gaugry");
  create.mutable_shop()->set_commune_insee("21231");
  create.mutable_shop()->set_category("fromagerie");
  create.mutable_shop()->set_siret("73282932000074");
  return create;
}

TEST_F(ShopsGrpcTest, CreateThenGetReturnsTheSameShop) {
  v1::CreateShopRequest create = ValidCreate();
  create.mutable_shop()->set_status("active");  // output only: ignored
  v1::Shop created;
  ASSERT_TRUE(stub_->CreateShop(AsUser(kOwnerId).get(), create, &created).ok());
  EXPECT_EQ(created.status(), "pending");
  EXPECT_EQ(created.commune_name(), "Dijon");
  EXPECT_GT(created.create_time().seconds(), 0);

  v1::GetShopRequest get;
  get.set_shop(created.slug());
  v1::Shop fetched;
  ASSERT_TRUE(stub_->GetShop(AsUser(kOwnerId).get(), get, &fetched).ok());
  EXPECT_EQ(fetched.id(), created.id());
  // Pending: not public yet.
  EXPECT_EQ(stub_->GetShop(Context().get(), get, &fetched).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(ShopsGrpcTest, AnonymousCreateIsUnauthenticatedAndABadTokenToo) {
  v1::Shop created;
  EXPECT_EQ(stub_->CreateShop(Context().get(), ValidCreate(), &created).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  auto forged = Context();
  forged->AddMetadata("authorization", "Bearer not.a.token");
  EXPECT_EQ(stub_->CreateShop(forged.get(), ValidCreate(), &created).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(ShopsGrpcTest, AdminApprovalMakesTheShopPublicWithLiveOpeningFields) {
  v1::CreateShopRequest create = ValidCreate();
  v1::DayHours* every_day = nullptr;
  for (int d = 1; d <= 7; ++d) {
    every_day = create.mutable_shop()->mutable_opening_hours()->add_weekly();
    every_day->set_weekday(d);
    every_day->add_ranges()->set_open("00:00");
    every_day->mutable_ranges(0)->set_close("12:00");
  }
  v1::Shop created;
  ASSERT_TRUE(stub_->CreateShop(AsUser(kOwnerId).get(), create, &created).ok());
  v1::ApproveShopRequest approve;
  approve.set_shop(created.id());
  v1::Shop approved;
  EXPECT_EQ(stub_->ApproveShop(AsUser(kOwnerId).get(), approve, &approved).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(
      stub_->ApproveShop(AsUser(kAdminId, {"resident", "admin"}).get(), approve, &approved).ok());
  EXPECT_EQ(approved.status(), "active");

  v1::GetShopRequest get;
  get.set_shop(created.slug());
  v1::Shop fetched;
  ASSERT_TRUE(stub_->GetShop(Context().get(), get, &fetched).ok());
  EXPECT_EQ(fetched.opening_hours().weekly_size(), 7);
  EXPECT_TRUE(fetched.has_next_closing_time() || fetched.has_next_opening_time());
}

TEST_F(ShopsGrpcTest, InvalidRequestCarriesFieldViolationsToTheCaller) {
  v1::CreateShopRequest create;
  create.mutable_shop()->set_commune_insee("99999");
  v1::Shop created;
  grpc::Status status = stub_->CreateShop(AsUser(kOwnerId).get(), create, &created);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  std::vector<common::FieldViolation> fields =
      common::FieldViolationsOf(common::FromGrpcStatus(status));
  std::vector<std::string> names;
  for (const auto& f : fields) names.push_back(f.field);
  EXPECT_EQ(names, (std::vector<std::string>{"shop.name", "shop.commune_insee", "shop.category",
                                             "shop.siret"}));
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
  EXPECT_EQ(HealthOf(common::kLivenessHealthName), "SERVING");  // unready is not dead
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
