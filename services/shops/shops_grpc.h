// gRPC transport of the shops service: proto <-> domain, the caller's identity from its
// token, the hand-off to the worker pool, and status mapping. No business rule lives here.
// Thread-safe.
#pragma once

#include "comptoir/common/auth.h"
#include "comptoir/common/grpc_server.h"
#include "comptoir/shops/v1/shops.grpc.pb.h"
#include "shops_service.h"

namespace comptoir::shops {

class ShopsGrpc final : public v1::ShopService::CallbackService {
 public:
  ShopsGrpc(ShopsService& service, common::GrpcServer& server,
            const common::TokenVerifier& verifier)
      : service_(service), server_(server), verifier_(verifier) {}

  grpc::ServerUnaryReactor* CreateShop(grpc::CallbackServerContext* context,
                                       const v1::CreateShopRequest* request,
                                       v1::Shop* response) override;
  grpc::ServerUnaryReactor* GetShop(grpc::CallbackServerContext* context,
                                    const v1::GetShopRequest* request, v1::Shop* response) override;
  grpc::ServerUnaryReactor* ListShops(grpc::CallbackServerContext* context,
                                      const v1::ListShopsRequest* request,
                                      v1::ListShopsResponse* response) override;
  grpc::ServerUnaryReactor* UpdateShop(grpc::CallbackServerContext* context,
                                       const v1::UpdateShopRequest* request,
                                       v1::Shop* response) override;
  grpc::ServerUnaryReactor* ExportShops(grpc::CallbackServerContext* context,
                                        const v1::ExportShopsRequest* request,
                                        v1::ExportShopsResponse* response) override;
  grpc::ServerUnaryReactor* ListCommunes(grpc::CallbackServerContext* context,
                                         const v1::ListCommunesRequest* request,
                                         v1::ListCommunesResponse* response) override;
  grpc::ServerUnaryReactor* SetOpeningHours(grpc::CallbackServerContext* context,
                                            const v1::SetOpeningHoursRequest* request,
                                            v1::Shop* response) override;
  grpc::ServerUnaryReactor* ApproveShop(grpc::CallbackServerContext* context,
                                        const v1::ApproveShopRequest* request,
                                        v1::Shop* response) override;
  grpc::ServerUnaryReactor* SuspendShop(grpc::CallbackServerContext* context,
                                        const v1::SuspendShopRequest* request,
                                        v1::Shop* response) override;
  grpc::ServerUnaryReactor* AddShopMember(grpc::CallbackServerContext* context,
                                          const v1::AddShopMemberRequest* request,
                                          v1::ShopMember* response) override;
  grpc::ServerUnaryReactor* RemoveShopMember(grpc::CallbackServerContext* context,
                                             const v1::RemoveShopMemberRequest* request,
                                             google::protobuf::Empty* response) override;
  grpc::ServerUnaryReactor* ListShopMembers(grpc::CallbackServerContext* context,
                                            const v1::ListShopMembersRequest* request,
                                            v1::ListShopMembersResponse* response) override;
  grpc::ServerUnaryReactor* CloseShop(grpc::CallbackServerContext* context,
                                      const v1::CloseShopRequest* request,
                                      v1::Shop* response) override;

 private:
  ShopsService& service_;
  common::GrpcServer& server_;
  const common::TokenVerifier& verifier_;
};

}  // namespace comptoir::shops
