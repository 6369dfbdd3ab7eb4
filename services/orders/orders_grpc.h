// gRPC transport of orders: proto <-> domain, caller identity, the hand-off to the worker pool
// and status mapping for the public OrderService (including the shop's live inbox, a server
// stream fed by the `events:orders` Redis stream) and AccountDataInternal (internal
// credential). No business rule lives here. Thread-safe.
#pragma once

#include <atomic>
#include <string>

#include "comptoir/common/account_data_grpc.h"
#include "comptoir/common/auth.h"
#include "comptoir/common/grpc_server.h"
#include "comptoir/common/redis_pool.h"
#include "comptoir/orders/v1/orders.grpc.pb.h"
#include "orders_service.h"

namespace comptoir::orders {

inline constexpr char kIdempotencyKeyHeader[] = "idempotency-key";

struct WatchOptions {
  std::string stream = "events:orders";
  int max_watchers = 64;  // concurrent inbox streams of this replica; more are refused
  std::chrono::milliseconds block{1000};       // one XREAD wait; bounds cancellation latency
  std::chrono::milliseconds keepalive{15000};  // silence before an empty message
};

class OrdersGrpc final : public v1::OrderService::CallbackService {
 public:
  // `watch_redis` serves the blocking reads of inbox streams: one connection per watcher, with
  // a command timeout longer than WatchOptions::block.
  OrdersGrpc(OrdersService& service, const common::TokenVerifier& verifier,
             common::GrpcServer& server, common::RedisPool& watch_redis, WatchOptions watch);

  grpc::ServerUnaryReactor* GetCart(grpc::CallbackServerContext* context,
                                    const v1::GetCartRequest* request, v1::Cart* response) override;
  grpc::ServerUnaryReactor* SetCartItem(grpc::CallbackServerContext* context,
                                        const v1::SetCartItemRequest* request,
                                        v1::Cart* response) override;
  grpc::ServerUnaryReactor* RemoveCartItem(grpc::CallbackServerContext* context,
                                           const v1::RemoveCartItemRequest* request,
                                           v1::Cart* response) override;
  grpc::ServerUnaryReactor* CreateCheckout(grpc::CallbackServerContext* context,
                                           const v1::CreateCheckoutRequest* request,
                                           v1::Checkout* response) override;
  grpc::ServerUnaryReactor* ListOrders(grpc::CallbackServerContext* context,
                                       const v1::ListOrdersRequest* request,
                                       v1::ListOrdersResponse* response) override;
  grpc::ServerUnaryReactor* GetOrder(grpc::CallbackServerContext* context,
                                     const v1::GetOrderRequest* request,
                                     v1::Order* response) override;
  grpc::ServerUnaryReactor* CancelOrder(grpc::CallbackServerContext* context,
                                        const v1::CancelOrderRequest* request,
                                        v1::Order* response) override;
  grpc::ServerUnaryReactor* AcceptOrder(grpc::CallbackServerContext* context,
                                        const v1::AcceptOrderRequest* request,
                                        v1::Order* response) override;
  grpc::ServerUnaryReactor* RejectOrder(grpc::CallbackServerContext* context,
                                        const v1::RejectOrderRequest* request,
                                        v1::Order* response) override;
  grpc::ServerUnaryReactor* MarkOrderReady(grpc::CallbackServerContext* context,
                                           const v1::MarkOrderReadyRequest* request,
                                           v1::Order* response) override;
  grpc::ServerUnaryReactor* CollectOrder(grpc::CallbackServerContext* context,
                                         const v1::CollectOrderRequest* request,
                                         v1::Order* response) override;
  grpc::ServerUnaryReactor* ListShopOrders(grpc::CallbackServerContext* context,
                                           const v1::ListShopOrdersRequest* request,
                                           v1::ListShopOrdersResponse* response) override;
  grpc::ServerWriteReactor<v1::ShopOrderEvent>* WatchShopOrders(
      grpc::CallbackServerContext* context, const v1::WatchShopOrdersRequest* request) override;
  grpc::ServerUnaryReactor* GetOrderStats(grpc::CallbackServerContext* context,
                                          const v1::GetOrderStatsRequest* request,
                                          v1::OrderStats* response) override;

 private:
  grpc::ServerUnaryReactor* Change(grpc::CallbackServerContext* context, const std::string& order,
                                   OrderStatus to, const std::string& reason, v1::Order* response);

  OrdersService& service_;
  const common::TokenVerifier& verifier_;
  common::GrpcServer& server_;
  common::RedisPool& watch_redis_;
  const WatchOptions watch_;
  std::atomic<int> watchers_{0};
};

// The resident's orders for "export my data" (as the public Order JSON, snake_case), and
// their anonymisation for "erase my account"; served by common::AccountDataGrpc.
class OrdersAccountData final : public common::AccountDataSource {
 public:
  explicit OrdersAccountData(OrdersService& service) : service_(service) {}

  absl::StatusOr<google::protobuf::Struct> ExportAccountData(const std::string& user_id,
                                                             common::Deadline deadline) override;
  absl::Status EraseAccountData(const std::string& user_id, common::Deadline deadline) override;

 private:
  OrdersService& service_;
};

}  // namespace comptoir::orders
