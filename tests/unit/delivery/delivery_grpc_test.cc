// The delivery transport on a real gRPC server over loopback, with the domain over a fake
// repository: tokens for shop members, the internal credential for booking, status mapping.
#include "delivery_grpc.h"

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "absl/time/clock.h"
#include "comptoir/common/auth.h"
#include "fake_round_repository.h"
#include "fake_slot_repository.h"
#include "fake_zone_repository.h"

namespace comptoir::delivery {
namespace {

constexpr char kShop[] = "6a4d1c70-0000-4000-8000-000000000001";
constexpr char kCredential[] = "internal-test-credential";

class DeliveryGrpcTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto calendar = SlotCalendar::ForParis();
    ASSERT_TRUE(calendar.ok());
    slots_ = std::make_unique<SlotService>(repository_, *calendar);
    common::GrpcServerOptions options;
    options.service_name = "delivery-test";
    options.grpc_listen = "127.0.0.1:0";
    options.workers = 2;
    server_ = std::make_unique<common::GrpcServer>(options);
    common::TokenVerifierOptions verifier_options;
    verifier_options.public_keys = {{key_.key_id, key_.public_key}};
    verifier_ = std::make_unique<common::TokenVerifier>(verifier_options);
    zones_ = std::make_unique<ZoneService>(zone_repository_, communes_, *slots_);
    rounds_ = std::make_unique<RoundService>(round_repository_, zone_repository_, travel_,
                                             calendar->zone());
    public_ = std::make_unique<DeliveryGrpc>(*slots_, *zones_, *rounds_, *verifier_, *server_);
    internal_ = std::make_unique<DeliveryInternalGrpc>(*slots_, kCredential, *server_);
    server_->AddService(public_.get());
    server_->AddService(internal_.get());
    ASSERT_TRUE(server_->Start().ok());
    auto channel = grpc::CreateChannel("127.0.0.1:" + std::to_string(server_->port()),
                                       grpc::InsecureChannelCredentials());
    stub_ = v1::DeliveryService::NewStub(channel);
    internal_stub_ = v1::DeliveryInternal::NewStub(channel);
  }
  void TearDown() override { server_->Shutdown(); }

  std::unique_ptr<grpc::ClientContext> Context() {
    auto context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    return context;
  }
  std::unique_ptr<grpc::ClientContext> AsMemberOf(const std::string& shop) {
    common::TokenClaims claims;
    claims.subject = "0a000000-0000-4000-8000-000000000001";
    claims.roles = {"resident"};
    claims.shop_ids = {shop};
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
  // Every evening 20:00-22:00, orders until midnight the same day.
  static v1::PutSlotTemplatesRequest EveryEvening() {
    v1::PutSlotTemplatesRequest request;
    request.set_shop(kShop);
    for (int day = 1; day <= 7; ++day) {
      v1::SlotTemplate* t = request.add_slot_templates();
      t->set_kind(v1::SLOT_KIND_DELIVERY);
      t->set_weekday(day);
      t->set_start_minute(20 * 60);
      t->set_end_minute(22 * 60);
      t->set_capacity(4);
    }
    return request;
  }

  void PutEveryEvening() {
    v1::SlotTemplates stored;
    ASSERT_TRUE(stub_->PutSlotTemplates(AsMemberOf(kShop).get(), EveryEvening(), &stored).ok());
  }
  static v1::ListSlotsRequest NextThreeDays() {
    v1::ListSlotsRequest list;
    list.set_shop(kShop);
    list.set_days(3);
    return list;
  }

  const common::SigningKey key_ = common::GenerateSigningKey("test-key");
  FakeSlotRepository repository_;
  std::unique_ptr<SlotService> slots_;
  FakeZoneRepository zone_repository_;
  FakeCommuneDirectory communes_{{}};
  FakeRoundRepository round_repository_;
  const routing::HaversineTravelModel travel_{{}};
  std::unique_ptr<ZoneService> zones_;
  std::unique_ptr<RoundService> rounds_;
  std::unique_ptr<common::TokenVerifier> verifier_;
  std::unique_ptr<common::GrpcServer> server_;
  std::unique_ptr<DeliveryGrpc> public_;
  std::unique_ptr<DeliveryInternalGrpc> internal_;
  std::unique_ptr<v1::DeliveryService::Stub> stub_;
  std::unique_ptr<v1::DeliveryInternal::Stub> internal_stub_;
};

TEST_F(DeliveryGrpcTest, ShopMembersSetTemplatesAndOthersAreTurnedAway) {
  v1::SlotTemplates stored;
  EXPECT_EQ(stub_->PutSlotTemplates(Context().get(), EveryEvening(), &stored).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(stub_
                ->PutSlotTemplates(AsMemberOf("6a4d1c70-0000-4000-8000-000000000002").get(),
                                   EveryEvening(), &stored)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  v1::PutSlotTemplatesRequest bad = EveryEvening();
  bad.mutable_slot_templates(0)->set_kind(v1::SLOT_KIND_UNSPECIFIED);
  EXPECT_EQ(stub_->PutSlotTemplates(AsMemberOf(kShop).get(), bad, &stored).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  ASSERT_TRUE(stub_->PutSlotTemplates(AsMemberOf(kShop).get(), EveryEvening(), &stored).ok());
  EXPECT_EQ(stored.slot_templates_size(), 7);
  EXPECT_FALSE(stored.slot_templates(0).id().empty());
}

TEST_F(DeliveryGrpcTest, BookingNeedsTheInternalCredentialAndShowsInPlacesLeft) {
  ASSERT_NO_FATAL_FAILURE(PutEveryEvening());
  const v1::ListSlotsRequest list = NextThreeDays();
  v1::ListSlotsResponse slots;
  ASSERT_TRUE(stub_->ListSlots(Context().get(), list, &slots).ok());
  ASSERT_GE(slots.slots_size(), 2);
  EXPECT_EQ(slots.slots(0).remaining(), 4);

  v1::BookSlotRequest book;
  book.set_order_id("0dd00000-0000-4000-8000-000000000001");
  book.set_shop_id(kShop);
  book.set_slot_id(slots.slots(0).id());
  v1::BookSlotResponse booked;
  EXPECT_EQ(internal_stub_->BookSlot(Context().get(), book, &booked).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  auto internal = Context();
  internal->AddMetadata(common::kInternalCredentialHeader, kCredential);
  ASSERT_TRUE(internal_stub_->BookSlot(internal.get(), book, &booked).ok());
  EXPECT_EQ(booked.slot().id(), slots.slots(0).id());
  EXPECT_EQ(booked.slot().start_time().seconds(), slots.slots(0).start_time().seconds());

  v1::ListSlotsResponse after;
  ASSERT_TRUE(stub_->ListSlots(Context().get(), list, &after).ok());
  EXPECT_EQ(after.slots(0).remaining(), 3);
}

TEST_F(DeliveryGrpcTest, ClosuresOverGrpcReportHeldBookingsAndReadDatesStrictly) {
  ASSERT_NO_FATAL_FAILURE(PutEveryEvening());
  const v1::ListSlotsRequest list = NextThreeDays();
  v1::ListSlotsResponse slots;
  ASSERT_TRUE(stub_->ListSlots(Context().get(), list, &slots).ok());
  ASSERT_GE(slots.slots_size(), 2);
  const v1::Slot first = slots.slots(0);
  v1::BookSlotRequest book;
  book.set_order_id("0dd00000-0000-4000-8000-000000000001");
  book.set_shop_id(kShop);
  book.set_slot_id(first.id());
  v1::BookSlotResponse booked;
  auto internal = Context();
  internal->AddMetadata(common::kInternalCredentialHeader, kCredential);
  ASSERT_TRUE(internal_stub_->BookSlot(internal.get(), book, &booked).ok());

  v1::CreateSlotClosureRequest create;
  create.set_shop(kShop);
  create.mutable_closure()->set_first_date("31/12/2026");
  create.mutable_closure()->set_delivery(true);
  v1::CreateSlotClosureResponse created;
  EXPECT_EQ(stub_->CreateSlotClosure(AsMemberOf(kShop).get(), create, &created).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  create.mutable_closure()->set_first_date(first.date());
  create.mutable_closure()->set_reason("Foire aux vins");
  EXPECT_EQ(stub_->CreateSlotClosure(Context().get(), create, &created).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  ASSERT_TRUE(stub_->CreateSlotClosure(AsMemberOf(kShop).get(), create, &created).ok());
  EXPECT_EQ(created.closure().last_date(), first.date());  // one day when no last date
  ASSERT_EQ(created.affected_bookings_size(), 1);
  EXPECT_EQ(created.affected_bookings(0).order_id(), book.order_id());
  EXPECT_EQ(created.affected_bookings(0).slot_id(), first.id());
  EXPECT_EQ(created.affected_bookings(0).kind(), v1::SLOT_KIND_DELIVERY);

  v1::ListSlotsResponse after;
  ASSERT_TRUE(stub_->ListSlots(Context().get(), list, &after).ok());
  for (const v1::Slot& slot : after.slots()) EXPECT_NE(slot.date(), first.date());
  v1::ListSlotClosuresRequest closures_request;
  closures_request.set_shop(kShop);
  v1::ListSlotClosuresResponse closures;
  ASSERT_TRUE(stub_->ListSlotClosures(Context().get(), closures_request, &closures).ok());
  ASSERT_EQ(closures.closures_size(), 1);
  EXPECT_EQ(closures.closures(0).reason(), "Foire aux vins");

  v1::DeleteSlotClosureRequest remove;
  remove.set_shop(kShop);
  remove.set_closure(created.closure().id());
  google::protobuf::Empty empty;
  ASSERT_TRUE(stub_->DeleteSlotClosure(AsMemberOf(kShop).get(), remove, &empty).ok());
  EXPECT_EQ(stub_->DeleteSlotClosure(AsMemberOf(kShop).get(), remove, &empty).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

}  // namespace
}  // namespace comptoir::delivery
