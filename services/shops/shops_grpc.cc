#include "shops_grpc.h"

#include "shop_proto.h"

namespace comptoir::shops {

using common::Deadline;

grpc::ServerUnaryReactor* ShopsGrpc::CreateShop(grpc::CallbackServerContext* context,
                                                const v1::CreateShopRequest* request,
                                                v1::Shop* response) {
  return common::Offload(server_, context, [this, request, response](Deadline deadline) {
    NewShop shop{request->shop().name(), request->shop().commune_insee(),
                 request->shop().category()};
    ASSIGN_OR_RETURN(Shop created, service_.CreateShop(shop, deadline));
    ToProto(created, response);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* ShopsGrpc::GetShop(grpc::CallbackServerContext* context,
                                             const v1::GetShopRequest* request,
                                             v1::Shop* response) {
  return common::Offload(server_, context, [this, request, response](Deadline deadline) {
    ASSIGN_OR_RETURN(Shop shop, service_.GetShop(request->shop(), deadline));
    ToProto(shop, response);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* ShopsGrpc::ListShops(grpc::CallbackServerContext* context,
                                               const v1::ListShopsRequest* request,
                                               v1::ListShopsResponse* response) {
  return common::Offload(server_, context, [this, request, response](Deadline deadline) {
    ListShopsParams params{request->commune(), request->category(), request->page_size(),
                           request->page_token()};
    ASSIGN_OR_RETURN(ListShopsResult result, service_.ListShops(params, deadline));
    for (const Shop& shop : result.shops) ToProto(shop, response->add_shops());
    response->set_next_page_token(result.next_page_token);
    return absl::OkStatus();
  });
}

}  // namespace comptoir::shops
