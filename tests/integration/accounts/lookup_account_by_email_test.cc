// AccountsInternal/LookupAccountByEmail on a real gRPC server and PostgreSQL: the shops
// service finds the account of a new staff member by e-mail address, case-insensitively;
// nobody without the internal credential can, and erased accounts are not found. Also
// AccountsInternal/CheckRoles, which the delivery service asks who of a planning's couriers
// really are couriers.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "accounts_grpc.h"
#include "accounts_service.h"
#include "comptoir/common/migrations.h"
#include "comptoir/common/pg_pool.h"
#include "password_hasher.h"
#include "pg_accounts_repository.h"
#include "scratch_database.h"
#include "status_testing.h"

namespace comptoir::accounts {
namespace {

using comptoir::testing::ScratchDatabase;

constexpr char kInternal[] = "internal-credential-for-this-test";

class NoLimit : public LoginLimiter {
 public:
  absl::StatusOr<std::optional<absl::Duration>> Hit(const std::string&) override {
    return std::optional<absl::Duration>();
  }
};

class LookupAccountByEmailTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(db_, ScratchDatabase::Create({.roles = {"accounts"}}));
    ASSERT_OK_AND_ASSIGN(
        pool_, db_->MigratedPool("accounts", Migrations(), PgAccountsRepository::Statements(), 2));
    repository_ = std::make_unique<PgAccountsRepository>(*pool_);
    service_ =
        std::make_unique<AccountsService>(*repository_, hasher_, limiter_, peers_,
                                          common::TokenSigner(common::GenerateSigningKey("test")));

    common::GrpcServerOptions options;
    options.service_name = "accounts-test";
    options.grpc_listen = "127.0.0.1:0";
    options.workers = 2;
    server_ = std::make_unique<common::GrpcServer>(options);
    internal_ = std::make_unique<AccountsInternalGrpc>(*service_, kInternal, *server_);
    server_->AddService(internal_.get());
    ASSERT_OK(server_->Start());
    stub_ = v1::AccountsInternal::NewStub(grpc::CreateChannel(
        "127.0.0.1:" + std::to_string(server_->port()), grpc::InsecureChannelCredentials()));
  }

  void TearDown() override {
    if (server_) server_->Shutdown();
  }

  std::string Insert(const std::string& email) {
    absl::StatusOr<Account> account = repository_->InsertAccount(
        {.email = email, .display_name = "Camille", .password_hash = "h", .roles = {"resident"}},
        common::DeadlineIn(std::chrono::seconds(10)));
    EXPECT_OK(account.status());
    return account.ok() ? account->id : "";
  }

  grpc::Status Lookup(const std::string& email, const std::string& credential,
                      v1::LookupAccountByEmailResponse* response) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    if (!credential.empty()) context.AddMetadata(common::kInternalCredentialHeader, credential);
    v1::LookupAccountByEmailRequest request;
    request.set_email(email);
    return stub_->LookupAccountByEmail(&context, request, response);
  }

  std::unique_ptr<ScratchDatabase> db_;
  std::unique_ptr<common::PgPool> pool_;
  std::unique_ptr<PgAccountsRepository> repository_;
  Argon2idHasher hasher_;
  NoLimit limiter_;
  NoAccountDataPeers peers_;
  std::unique_ptr<AccountsService> service_;
  std::unique_ptr<common::GrpcServer> server_;
  std::unique_ptr<AccountsInternalGrpc> internal_;
  std::unique_ptr<v1::AccountsInternal::Stub> stub_;
};

TEST_F(LookupAccountByEmailTest, FindsTheAccountIgnoringCaseAndSpaces) {
  const std::string id = Insert("camille@example.fr");
  v1::LookupAccountByEmailResponse response;
  grpc::Status status = Lookup("  Camille@Example.FR ", kInternal, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.user_id(), id);
}

TEST_F(LookupAccountByEmailTest, UnknownOrErasedAddressIsNotFound) {
  const std::string id = Insert("camille@example.fr");
  v1::LookupAccountByEmailResponse response;
  EXPECT_EQ(Lookup("dominique@example.fr", kInternal, &response).error_code(),
            grpc::StatusCode::NOT_FOUND);
  ASSERT_OK(repository_->EraseAccount(id, common::DeadlineIn(std::chrono::seconds(10))));
  EXPECT_EQ(Lookup("camille@example.fr", kInternal, &response).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(LookupAccountByEmailTest, MalformedAddressIsInvalidArgument) {
  v1::LookupAccountByEmailResponse response;
  EXPECT_EQ(Lookup("not an address", kInternal, &response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(LookupAccountByEmailTest, RequiresTheInternalCredential) {
  Insert("camille@example.fr");
  v1::LookupAccountByEmailResponse response;
  EXPECT_EQ(Lookup("camille@example.fr", "", &response).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Lookup("camille@example.fr", "guess", &response).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_TRUE(response.user_id().empty());
}

TEST_F(LookupAccountByEmailTest, CheckRolesNamesOnlyLiveHoldersAndNeedsTheCredential) {
  const std::string courier = Insert("livreur@example.fr");
  const std::string resident = Insert("camille@example.fr");
  const std::string erased = Insert("ancien@example.fr");
  const auto soon = [] { return common::DeadlineIn(std::chrono::seconds(10)); };
  ASSERT_OK(repository_->AddRole(courier, "courier", soon()));
  ASSERT_OK(repository_->AddRole(erased, "courier", soon()));
  ASSERT_OK(repository_->EraseAccount(erased, soon()));
  v1::CheckRolesRequest request;
  for (const std::string& id : {resident, courier, erased}) request.add_user_ids(id);
  request.set_role("courier");
  v1::CheckRolesResponse response;
  {
    grpc::ClientContext context;
    EXPECT_EQ(stub_->CheckRoles(&context, request, &response).error_code(),
              grpc::StatusCode::PERMISSION_DENIED);
  }
  grpc::ClientContext context;
  context.AddMetadata(common::kInternalCredentialHeader, kInternal);
  const grpc::Status status = stub_->CheckRoles(&context, request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(response.holders_size(), 1);
  EXPECT_EQ(response.holders(0), courier);
}

}  // namespace
}  // namespace comptoir::accounts
