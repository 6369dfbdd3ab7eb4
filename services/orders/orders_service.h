// The orders domain: carts, the checkout saga (record PENDING, reserve stock, book slots,
// mark PLACED; compensate in reverse on failure), order transitions with who may do what,
// lists with visibility rules, delivery events and the reconciler that finishes the work a
// crash left. No gRPC, no SQL: peers and storage are interfaces. Thread-safe.
//
//   OrdersService service(repository, carts, catalogue, delivery, payment, {});
//   ASSIGN_OR_RETURN(CheckoutRecord checkout, service.Checkout(caller, request, deadline));
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "cart_store.h"
#include "comptoir/common/auth.h"
#include "comptoir/common/deadline.h"
#include "order.h"
#include "orders_repository.h"
#include "peers.h"

namespace comptoir::orders {

struct CartLineView {
  CartItem item;
  ProductFacts product;  // empty name when unavailable
  std::string problem;   // "", "unavailable", "out_of_stock", "insufficient_stock", ...
  int64_t stock_available = 0;
  int64_t line_total_cents = 0;
};

struct CartShopView {
  std::string shop_id;
  std::string shop_name;
  std::vector<CartLineView> lines;
  int64_t subtotal_cents = 0;
};

struct CartView {
  std::vector<CartShopView> shops;
  int64_t total_cents = 0;
  int line_count = 0;
  bool has_problems = false;
  absl::Time expire_time = absl::InfinitePast();
};

struct FulfilmentChoice {
  std::string shop_id{};
  std::string kind{};  // "pickup" or "delivery"
  std::string slot_id{};
  std::string delivery_address{};
  std::string delivery_commune_insee{};
  std::string delivery_postal_code{};
};

struct CheckoutRequest {
  std::string idempotency_key{};
  std::vector<StockRequestLine> lines{};  // empty: the cart
  std::vector<FulfilmentChoice> fulfilments{};
  std::string customer_name{};
  std::string customer_phone{};
  std::string payment_method{};
};

struct OrderPage {
  std::vector<Order> orders{};
  std::string next_page_token{};
};

struct ShopOrdersQuery {
  std::string shop_id{};
  std::string statuses{};  // "placed,accepted"
  absl::Time from = absl::InfinitePast();
  absl::Time to = absl::InfiniteFuture();
  int page_size = 0;
  std::string page_token{};
};

// What a delivery stop event says happened to an order.
enum class StopOutcome { kPickedUp, kDelivered, kFailed };

struct OrdersServiceOptions {
  // How long a running checkout owns its saga; after that a replay or the reconciler takes
  // over. Longer than the peers' timeouts times the steps of a large checkout.
  absl::Duration checkout_claim = absl::Seconds(30);
  // Deadline of each call to catalogue or delivery.
  std::chrono::milliseconds peer_timeout{3000};
  // Owed stock/slot work is retried by the reconciler once it is this old.
  absl::Duration goods_retry_after = absl::Seconds(5);
};

class OrdersService {
 public:
  OrdersService(OrdersRepository& repository, CartStore& carts, Catalogue& catalogue,
                Delivery& delivery, PaymentProvider& payment, OrdersServiceOptions options);

  absl::StatusOr<CartView> GetCart(const common::Caller& caller, common::Deadline deadline);
  absl::StatusOr<CartView> SetCartItem(const common::Caller& caller, const std::string& product_id,
                                       int32_t quantity, common::Deadline deadline);
  absl::StatusOr<CartView> RemoveCartItem(const common::Caller& caller,
                                          const std::string& product_id, common::Deadline deadline);

  // The checkout saga; see OrderService.CreateCheckout in orders.proto for the contract.
  absl::StatusOr<CheckoutRecord> Checkout(const common::Caller& caller,
                                          const CheckoutRequest& request,
                                          common::Deadline deadline);

  absl::StatusOr<Order> GetOrder(const common::Caller& caller, const std::string& order_id,
                                 common::Deadline deadline);
  absl::StatusOr<OrderPage> ListMyOrders(const common::Caller& caller, int page_size,
                                         const std::string& page_token, common::Deadline deadline);
  absl::StatusOr<OrderPage> ListShopOrders(const common::Caller& caller,
                                           const ShopOrdersQuery& query, common::Deadline deadline);
  // Cancel (the resident), accept / reject / ready / collect (shop members).
  absl::StatusOr<Order> ChangeStatus(const common::Caller& caller, const std::string& order_id,
                                     OrderStatus to, const std::string& reason,
                                     common::Deadline deadline);

  // A delivery stop event. Idempotent: an order already moved is left as it is (OK).
  absl::Status HandleStop(const std::string& order_id, StopOutcome outcome,
                          const std::string& courier_user_id, const std::string& reason,
                          common::Deadline deadline);

  // One reconciler pass: undoes checkouts left pending past their claim (a crash), and
  // finishes stock/slot work still owed. Returns how many checkouts and orders it handled.
  absl::StatusOr<int> ReconcileOnce(common::Deadline deadline);

  // Personal data: the resident's orders for "export my data"; erase anonymises them and
  // forgets the cart. Idempotent.
  absl::StatusOr<std::vector<Order>> ExportAccountData(const std::string& user_id,
                                                       common::Deadline deadline);
  absl::Status EraseAccountData(const std::string& user_id, common::Deadline deadline);

  // Orders per day over the last `days` Paris calendar days (today included; 0 means 30,
  // at most 366) and per department of the selling shop. Region admins only.
  absl::StatusOr<OrderFigures> RegionalFigures(const common::Caller& caller, int days,
                                               common::Deadline deadline);

 private:
  absl::StatusOr<CartView> BuildCart(const std::string& user_id, common::Deadline deadline);
  absl::StatusOr<std::vector<Order>> PriceOrders(const common::Caller& caller,
                                                 const CheckoutRequest& request,
                                                 const std::vector<StockRequestLine>& lines,
                                                 common::Deadline deadline);
  absl::StatusOr<CheckoutRecord> Replay(const CheckoutRecord& existing, const std::string& hash,
                                        common::Deadline deadline);
  absl::StatusOr<CheckoutRecord> RunSaga(const CheckoutRecord& checkout, common::Deadline deadline);
  // Records the checkout failed (owing the release of what it held), then gives back stock
  // and slots. Returns `failure` (what the resident hears, also on replays).
  absl::Status Undo(const CheckoutRecord& checkout, const absl::Status& failure,
                    common::Deadline deadline);
  // Releases or commits what the order holds at catalogue and delivery, as it owes.
  absl::Status SettleGoods(const Order& order, common::Deadline deadline);
  common::Deadline PeerDeadline(common::Deadline deadline) const;

  OrdersRepository& repository_;
  CartStore& carts_;
  Catalogue& catalogue_;
  Delivery& delivery_;
  PaymentProvider& payment_;
  const OrdersServiceOptions options_;
};

// The result a stored checkout answers: itself when placed, its recorded error when failed.
absl::StatusOr<CheckoutRecord> CheckoutOutcome(CheckoutRecord checkout);

}  // namespace comptoir::orders
