// gRPC transport of the shops service: proto <-> domain, the hand-off to the worker pool, and
// status mapping. No business rule lives here. Thread-safe.
#pragma once

#include "comptoir/common/grpc_server.h"
#include "comptoir/shops/v1/shops.grpc.pb.h"
#include "shops_service.h"

namespace comptoir::shops {

class ShopsGrpc final : public v1::ShopService::CallbackService {
 public:
  ShopsGrpc(ShopsService& service, common::GrpcServer& server)
      : service_(service), server_(server) {}

  grpc::ServerUnaryReactor* CreateShop(grpc::CallbackServerContext* context,
                                       const v1::CreateShopRequest* request,
                                       v1::Shop* response) override;
  grpc::ServerUnaryReactor* GetShop(grpc::CallbackServerContext* context,
                                    const v1::GetShopRequest* request, v1::Shop* response) override;
  grpc::ServerUnaryReactor* ListShops(grpc::CallbackServerContext* context,
                                      const v1::ListShopsRequest* request,
                                      v1::ListShopsResponse* response) override;

 private:
  ShopsService& service_;
  common::GrpcServer& server_;
};

}  // namespace comptoir::shops
