// Memberships reach accounts: the owner of a new shop is sent to AccountsInternal (a fake
// server here) with the internal credential, once, and again after accounts was down.
#include "membership_sync.h"

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <vector>

#include "comptoir/common/migrations.h"
#include "pg_shops_repository.h"
#include "scratch_database.h"
#include "shops_service.h"
#include "status_testing.h"

namespace comptoir::shops {
namespace {

using comptoir::testing::ScratchDatabase;
using comptoir::testing::StatusIs;

class FakeAccounts final : public accounts::v1::AccountsInternal::Service {
 public:
  grpc::Status AddShopMembership(grpc::ServerContext* context,
                                 const accounts::v1::AddShopMembershipRequest* request,
                                 google::protobuf::Empty*) override {
    if (down) return grpc::Status(grpc::StatusCode::UNAVAILABLE, "down");
    auto credential = context->client_metadata().find("x-comptoir-internal");
    if (credential == context->client_metadata().end() || credential->second != "secret") {
      return grpc::Status(grpc::StatusCode::PERMISSION_DENIED, "no credential");
    }
    std::lock_guard<std::mutex> lock(mu);
    calls.push_back(request->user_id() + "/" + request->shop_id() + "/" + request->role());
    return grpc::Status::OK;
  }
  grpc::Status RemoveShopMembership(grpc::ServerContext*,
                                    const accounts::v1::RemoveShopMembershipRequest* request,
                                    google::protobuf::Empty*) override {
    if (down) return grpc::Status(grpc::StatusCode::UNAVAILABLE, "down");
    std::lock_guard<std::mutex> lock(mu);
    calls.push_back("remove " + request->user_id() + "/" + request->shop_id());
    return grpc::Status::OK;
  }
  std::atomic<bool> down{false};
  std::mutex mu;
  std::vector<std::string> calls;
};

class MembershipSyncTest : public ::testing::Test {
 protected:
  void SetUp() override {
    comptoir::testing::ScratchDatabaseOptions db_options;
    db_options.roles = {"shops"};
    ASSERT_OK_AND_ASSIGN(db_, ScratchDatabase::Create(db_options));
    ASSERT_OK_AND_ASSIGN(
        pool_, db_->MigratedPool("shops", Migrations(), PgShopsRepository::Statements(), 8));
    repository_ = std::make_unique<PgShopsRepository>(*pool_);

    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(&accounts_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(port, 0);
    MembershipSyncOptions sync_options;
    sync_options.internal_credential = "secret";
    sync_ = std::make_unique<MembershipSync>(
        *pool_,
        accounts::v1::AccountsInternal::NewStub(grpc::CreateChannel(
            "127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials())),
        sync_options);
  }

  void TearDown() override {
    sync_.reset();
    server_->Shutdown();
  }

  std::string CreateShop() {
    ShopsService service(*repository_);
    Caller owner;
    owner.user_id = kOwner;
    NewShop shop;
    shop.name = "Chez Paul";
    shop.commune_insee = "21231";
    shop.category = "epicerie";
    shop.siret = "73282932000074";
    absl::StatusOr<Shop> created =
        service.CreateShop(shop, owner, common::DeadlineIn(std::chrono::seconds(10)));
    EXPECT_OK(created.status());
    return created.ok() ? created->id : "";
  }

  static constexpr char kOwner[] = "11111111-1111-4111-8111-111111111111";
  FakeAccounts accounts_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<ScratchDatabase> db_;
  std::unique_ptr<common::PgPool> pool_;
  std::unique_ptr<PgShopsRepository> repository_;
  std::unique_ptr<MembershipSync> sync_;
};

TEST_F(MembershipSyncTest, NewOwnerIsSentToAccountsExactlyOnce) {
  const std::string shop_id = CreateShop();

  ASSERT_OK_AND_ASSIGN(int first, sync_->SyncOnce());
  ASSERT_OK_AND_ASSIGN(int second, sync_->SyncOnce());

  EXPECT_EQ(first, 1);
  EXPECT_EQ(second, 0);
  std::lock_guard<std::mutex> lock(accounts_.mu);
  EXPECT_EQ(accounts_.calls,
            std::vector<std::string>{std::string(kOwner) + "/" + shop_id + "/owner"});
}

TEST_F(MembershipSyncTest, MembershipWaitsWhileAccountsIsDownAndGoesOutAfter) {
  CreateShop();
  accounts_.down = true;

  EXPECT_THAT(sync_->SyncOnce(), StatusIs(absl::StatusCode::kUnavailable));
  accounts_.down = false;
  ASSERT_OK_AND_ASSIGN(int synced, sync_->SyncOnce());

  EXPECT_EQ(synced, 1);
  std::lock_guard<std::mutex> lock(accounts_.mu);
  EXPECT_EQ(accounts_.calls.size(), 1u);
}

TEST_F(MembershipSyncTest, AddedThenRemovedStaffReachesAccountsBothTimes) {
  const std::string shop_id = CreateShop();
  Caller owner;
  owner.user_id = kOwner;
  ShopsService service(*repository_);
  const auto deadline = common::DeadlineIn(std::chrono::seconds(10));
  const std::string staff = "22222222-2222-4222-8222-222222222222";
  ASSERT_OK(service.AddMember(shop_id, staff, "staff", owner, deadline).status());
  ASSERT_OK_AND_ASSIGN(int added, sync_->SyncOnce());
  ASSERT_OK(service.RemoveMember(shop_id, staff, owner, deadline));
  ASSERT_OK_AND_ASSIGN(int removed, sync_->SyncOnce());

  EXPECT_EQ(added, 2);  // the owner and the staff member
  EXPECT_EQ(removed, 1);
  std::lock_guard<std::mutex> lock(accounts_.mu);
  ASSERT_EQ(accounts_.calls.size(), 3u);
  EXPECT_EQ(accounts_.calls[2], "remove " + staff + "/" + shop_id);
  ASSERT_OK_AND_ASSIGN(std::vector<Member> members, repository_->ListMembers(shop_id, deadline));
  EXPECT_EQ(members.size(), 1u);
}

}  // namespace
}  // namespace comptoir::shops
