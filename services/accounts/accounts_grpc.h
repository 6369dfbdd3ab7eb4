// gRPC transport of the accounts service: proto <-> domain, the caller from the bearer token,
// the hand-off to the worker pool, and status mapping (with "retry-after" trailing metadata
// on rate-limited logins). No business rule lives here. Thread-safe.
#pragma once

#include <string>

#include "accounts_service.h"
#include "comptoir/accounts/v1/accounts.grpc.pb.h"
#include "comptoir/accounts/v1/accounts_internal.grpc.pb.h"
#include "comptoir/common/auth.h"
#include "comptoir/common/grpc_server.h"

namespace comptoir::accounts {

// Metadata the gateway sets with the HTTP client's address (used for login rate limits).
inline constexpr char kClientAddressHeader[] = "x-client-address";

class AccountsGrpc final : public v1::AccountService::CallbackService {
 public:
  AccountsGrpc(AccountsService& service, const common::TokenVerifier& verifier,
               common::GrpcServer& server)
      : service_(service), verifier_(verifier), server_(server) {}

  grpc::ServerUnaryReactor* CreateAccount(grpc::CallbackServerContext* context,
                                          const v1::CreateAccountRequest* request,
                                          v1::Account* response) override;
  grpc::ServerUnaryReactor* CreateSession(grpc::CallbackServerContext* context,
                                          const v1::CreateSessionRequest* request,
                                          v1::Session* response) override;
  grpc::ServerUnaryReactor* RefreshSession(grpc::CallbackServerContext* context,
                                           const v1::RefreshSessionRequest* request,
                                           v1::Session* response) override;
  grpc::ServerUnaryReactor* DeleteSession(grpc::CallbackServerContext* context,
                                          const v1::DeleteSessionRequest* request,
                                          google::protobuf::Empty* response) override;
  grpc::ServerUnaryReactor* GetMe(grpc::CallbackServerContext* context,
                                  const v1::GetMeRequest* request, v1::Account* response) override;
  grpc::ServerUnaryReactor* ChangePassword(grpc::CallbackServerContext* context,
                                           const v1::ChangePasswordRequest* request,
                                           google::protobuf::Empty* response) override;
  grpc::ServerUnaryReactor* ExportMyData(grpc::CallbackServerContext* context,
                                         const v1::ExportMyDataRequest* request,
                                         v1::ExportMyDataResponse* response) override;
  grpc::ServerUnaryReactor* DeleteMe(grpc::CallbackServerContext* context,
                                     const v1::DeleteMeRequest* request,
                                     google::protobuf::Empty* response) override;
  grpc::ServerUnaryReactor* GrantCourier(grpc::CallbackServerContext* context,
                                         const v1::GrantCourierRequest* request,
                                         v1::Account* response) override;

 private:
  AccountsService& service_;
  const common::TokenVerifier& verifier_;
  common::GrpcServer& server_;
};

class PartnersGrpc final : public v1::PartnerService::CallbackService {
 public:
  PartnersGrpc(AccountsService& service, const common::TokenVerifier& verifier,
               common::GrpcServer& server)
      : service_(service), verifier_(verifier), server_(server) {}

  grpc::ServerUnaryReactor* CreatePartner(grpc::CallbackServerContext* context,
                                          const v1::CreatePartnerRequest* request,
                                          v1::Partner* response) override;
  grpc::ServerUnaryReactor* ListPartners(grpc::CallbackServerContext* context,
                                         const v1::ListPartnersRequest* request,
                                         v1::ListPartnersResponse* response) override;
  grpc::ServerUnaryReactor* CreatePartnerKey(grpc::CallbackServerContext* context,
                                             const v1::CreatePartnerKeyRequest* request,
                                             v1::PartnerKey* response) override;
  grpc::ServerUnaryReactor* ListPartnerKeys(grpc::CallbackServerContext* context,
                                            const v1::ListPartnerKeysRequest* request,
                                            v1::ListPartnerKeysResponse* response) override;
  grpc::ServerUnaryReactor* DeletePartnerKey(grpc::CallbackServerContext* context,
                                             const v1::DeletePartnerKeyRequest* request,
                                             google::protobuf::Empty* response) override;

 private:
  AccountsService& service_;
  const common::TokenVerifier& verifier_;
  common::GrpcServer& server_;
};

// Internal: requires the internal service credential on every call.
class AccountsInternalGrpc final : public v1::AccountsInternal::CallbackService {
 public:
  AccountsInternalGrpc(AccountsService& service, std::string internal_credential,
                       common::GrpcServer& server)
      : service_(service), internal_credential_(std::move(internal_credential)), server_(server) {}

  grpc::ServerUnaryReactor* AddShopMembership(grpc::CallbackServerContext* context,
                                              const v1::AddShopMembershipRequest* request,
                                              google::protobuf::Empty* response) override;
  grpc::ServerUnaryReactor* RemoveShopMembership(grpc::CallbackServerContext* context,
                                                 const v1::RemoveShopMembershipRequest* request,
                                                 google::protobuf::Empty* response) override;
  grpc::ServerUnaryReactor* CheckPartnerKey(grpc::CallbackServerContext* context,
                                            const v1::CheckPartnerKeyRequest* request,
                                            v1::CheckPartnerKeyResponse* response) override;
  grpc::ServerUnaryReactor* LookupAccountByEmail(
      grpc::CallbackServerContext* context, const v1::LookupAccountByEmailRequest* request,
      v1::LookupAccountByEmailResponse* response) override;
  grpc::ServerUnaryReactor* CheckRoles(grpc::CallbackServerContext* context,
                                       const v1::CheckRolesRequest* request,
                                       v1::CheckRolesResponse* response) override;

 private:
  AccountsService& service_;
  const std::string internal_credential_;
  common::GrpcServer& server_;
};

void ToProto(const Account& account, v1::Account* out);

}  // namespace comptoir::accounts
