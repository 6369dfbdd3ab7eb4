#include "orders_service.h"

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "comptoir/common/crypto.h"
#include "comptoir/common/ids.h"
#include "comptoir/common/log.h"
#include "comptoir/common/opening_hours.h"
#include "comptoir/common/status.h"
#include "comptoir/common/utf8.h"

namespace comptoir::orders {
namespace {

using common::Caller;
using common::Deadline;

constexpr int kMaxPageSize = 100;
constexpr int kDefaultPageSize = 20;
constexpr int kExportLimit = 1000;
constexpr int kDefaultFigureDays = 30;
constexpr int kMaxFigureDays = 366;

std::string PageToken(const Order& last) {
  return common::Base64UrlEncode(absl::StrCat(absl::ToUnixMicros(last.create_time), "|", last.id));
}

absl::Status ParsePageToken(const std::string& token, OrderQuery& query) {
  if (token.empty()) return absl::OkStatus();
  absl::StatusOr<std::string> raw = common::Base64UrlDecode(token);
  std::vector<std::string> parts;
  if (raw.ok()) parts = absl::StrSplit(*raw, '|');
  int64_t micros = 0;
  if (parts.size() != 2 || !absl::SimpleAtoi(parts[0], &micros) ||
      !common::LooksLikeUuid(parts[1])) {
    return common::InvalidField("page_token", "is not a token from a previous page");
  }
  query.after_time = absl::FromUnixMicros(micros);
  query.after_id = parts[1];
  return absl::OkStatus();
}

absl::StatusOr<int> PageSize(int requested) {
  if (requested < 0 || requested > kMaxPageSize) {
    return common::InvalidField("page_size", "must be between 1 and 100 (0 means 20)");
  }
  return requested == 0 ? kDefaultPageSize : requested;
}

OrderPage Page(std::vector<Order> orders, int limit) {
  OrderPage page;
  if (static_cast<int>(orders.size()) > limit) {
    orders.resize(limit);
    page.next_page_token = PageToken(orders.back());
  }
  page.orders = std::move(orders);
  return page;
}

bool IsStaffOf(const Caller& caller, const std::string& shop_id) {
  return caller.MemberOf(shop_id) || caller.HasRole(common::kRoleAdmin);
}

}  // namespace

OrdersService::OrdersService(OrdersRepository& repository, CartStore& carts, Catalogue& catalogue,
                             Delivery& delivery, PaymentProvider& payment,
                             OrdersServiceOptions options)
    : repository_(repository),
      carts_(carts),
      catalogue_(catalogue),
      delivery_(delivery),
      payment_(payment),
      options_(options) {}

Deadline OrdersService::PeerDeadline(Deadline deadline) const {
  return std::min(deadline, common::DeadlineIn(options_.peer_timeout));
}

// ---------------------------------------------------------------------------------- carts

absl::StatusOr<CartView> OrdersService::BuildCart(const std::string& user_id, Deadline deadline) {
  ASSIGN_OR_RETURN(std::vector<CartItem> items, carts_.Get(user_id));
  CartView view;
  std::map<std::string, std::size_t> shop_index;
  for (const CartItem& item : items) {
    CartLineView line;
    line.item = item;
    absl::StatusOr<ProductFacts> product =
        catalogue_.GetProduct(item.product_id, PeerDeadline(deadline));
    if (product.ok()) {
      line.product = *product;
      line.line_total_cents = product->price_cents * item.quantity;
      if (product->stock_tracked && product->stock <= 0) {
        line.problem = "out_of_stock";
      } else if (product->stock_tracked && product->stock < item.quantity) {
        line.problem = "insufficient_stock";
        line.stock_available = product->stock;
      }
    } else {
      line.problem = product.status().code() == absl::StatusCode::kNotFound
                         ? "unavailable"
                         : "catalogue_unreachable";
    }
    auto [it, added] = shop_index.emplace(item.shop_id, view.shops.size());
    if (added) {
      CartShopView fresh;
      fresh.shop_id = item.shop_id;
      view.shops.push_back(std::move(fresh));
    }
    CartShopView& shop = view.shops[it->second];
    if (shop.shop_name.empty()) shop.shop_name = line.product.shop_name;
    if (line.problem.empty()) {
      shop.subtotal_cents += line.line_total_cents;
    } else {
      view.has_problems = true;
    }
    shop.lines.push_back(std::move(line));
    ++view.line_count;
  }
  for (const CartShopView& shop : view.shops) view.total_cents += shop.subtotal_cents;
  ASSIGN_OR_RETURN(view.expire_time, carts_.ExpireTime(user_id));
  return view;
}

absl::StatusOr<CartView> OrdersService::GetCart(const Caller& caller, Deadline deadline) {
  RETURN_IF_ERROR(common::RequireAuthenticated(caller));
  return BuildCart(caller.user_id, deadline);
}

absl::StatusOr<CartView> OrdersService::SetCartItem(const Caller& caller,
                                                    const std::string& product_id, int32_t quantity,
                                                    Deadline deadline) {
  RETURN_IF_ERROR(common::RequireAuthenticated(caller));
  common::Violations v;
  if (!common::LooksLikeUuid(product_id)) v.Add("product", "must be a UUID");
  if (quantity < 1 || quantity > kMaxLineQuantity) {
    v.Add("quantity", "must be between 1 and 999");
  }
  RETURN_IF_ERROR(v.ToStatus());
  ASSIGN_OR_RETURN(ProductFacts product, catalogue_.GetProduct(absl::AsciiStrToLower(product_id),
                                                               PeerDeadline(deadline)));
  RETURN_IF_ERROR(carts_.Put(caller.user_id, {.product_id = product.id,
                                              .shop_id = product.shop_id,
                                              .quantity = quantity,
                                              .add_time = absl::Now()}));
  return BuildCart(caller.user_id, deadline);
}

absl::StatusOr<CartView> OrdersService::RemoveCartItem(const Caller& caller,
                                                       const std::string& product_id,
                                                       Deadline deadline) {
  RETURN_IF_ERROR(common::RequireAuthenticated(caller));
  if (!common::LooksLikeUuid(product_id)) return common::InvalidField("product", "must be a UUID");
  RETURN_IF_ERROR(carts_.Remove(caller.user_id, {absl::AsciiStrToLower(product_id)}));
  return BuildCart(caller.user_id, deadline);
}

// --------------------------------------------------------------------------------- orders

absl::StatusOr<Order> OrdersService::GetOrder(const Caller& caller, const std::string& order_id,
                                              Deadline deadline) {
  RETURN_IF_ERROR(common::RequireAuthenticated(caller));
  if (!common::LooksLikeUuid(order_id)) return absl::NotFoundError("no such order");
  ASSIGN_OR_RETURN(Order order, repository_.GetOrder(absl::AsciiStrToLower(order_id), deadline));
  // Someone else's order does not exist, as far as the caller can tell.
  if (order.customer_user_id != caller.user_id && !IsStaffOf(caller, order.shop_id)) {
    return absl::NotFoundError("no such order");
  }
  return order;
}

absl::StatusOr<OrderPage> OrdersService::ListMyOrders(const Caller& caller, int page_size,
                                                      const std::string& page_token,
                                                      Deadline deadline) {
  RETURN_IF_ERROR(common::RequireAuthenticated(caller));
  ASSIGN_OR_RETURN(int limit, PageSize(page_size));
  OrderQuery query;
  query.customer_user_id = caller.user_id;
  query.limit = limit;
  RETURN_IF_ERROR(ParsePageToken(page_token, query));
  ASSIGN_OR_RETURN(std::vector<Order> orders, repository_.ListOrders(query, deadline));
  return Page(std::move(orders), limit);
}

absl::StatusOr<OrderPage> OrdersService::ListShopOrders(const Caller& caller,
                                                        const ShopOrdersQuery& q,
                                                        Deadline deadline) {
  RETURN_IF_ERROR(common::RequireAuthenticated(caller));
  if (!common::LooksLikeUuid(q.shop_id)) return common::InvalidField("shop", "must be a UUID");
  RETURN_IF_ERROR(common::RequireShopMember(caller, absl::AsciiStrToLower(q.shop_id)));
  ASSIGN_OR_RETURN(int limit, PageSize(q.page_size));
  OrderQuery query;
  query.shop_id = absl::AsciiStrToLower(q.shop_id);
  query.from = q.from;
  query.to = q.to;
  query.limit = limit;
  for (absl::string_view s : absl::StrSplit(q.statuses, ',', absl::SkipWhitespace())) {
    const std::string name(s.data(), s.size());
    if (!ParseStatus(name).has_value()) {
      return common::InvalidField("status", absl::StrCat("unknown status \"", name, "\""));
    }
    query.statuses.push_back(name);
  }
  RETURN_IF_ERROR(ParsePageToken(q.page_token, query));
  ASSIGN_OR_RETURN(std::vector<Order> orders, repository_.ListOrders(query, deadline));
  return Page(std::move(orders), limit);
}

absl::StatusOr<Order> OrdersService::ChangeStatus(const Caller& caller, const std::string& order_id,
                                                  OrderStatus to, const std::string& reason,
                                                  Deadline deadline) {
  RETURN_IF_ERROR(common::RequireAuthenticated(caller));
  if (!common::LooksLikeUuid(order_id)) return absl::NotFoundError("no such order");
  const int reason_length = common::PrintableLength(reason);
  if (reason_length < 0 || reason_length > 500) {
    return common::InvalidField("reason", "at most 500 characters, on one line");
  }
  if (to == OrderStatus::kRejected && reason_length == 0) {
    return common::InvalidField("reason", "say why the order is rejected (shown to the customer)");
  }
  const Actor actor = to == OrderStatus::kCancelled ? Actor::kResident : Actor::kShop;
  ASSIGN_OR_RETURN(
      Order order,
      repository_.ChangeOrder(
          absl::AsciiStrToLower(order_id),
          [&](Order& o) -> absl::StatusOr<Transition> {
            const bool is_customer = o.customer_user_id == caller.user_id;
            const bool is_staff = IsStaffOf(caller, o.shop_id);
            if (!is_customer && !is_staff) return absl::NotFoundError("no such order");
            if (actor == Actor::kResident && !is_customer) {
              return absl::PermissionDeniedError("only the customer may cancel an order");
            }
            if (actor == Actor::kShop && !is_staff) {
              return absl::PermissionDeniedError("only the shop may do this");
            }
            RETURN_IF_ERROR(CheckTransition(o.status, to, actor, o.fulfilment));
            return ApplyTransition(o, to, actor, caller.user_id, reason);
          },
          deadline));
  if (absl::Status settled = SettleGoods(order, deadline); !settled.ok()) {
    LOG_WARN("stock or slot work deferred to the reconciler",
             {{"order", order.id}, {"error", std::string(settled.message())}});
  } else {
    order.held_goods_action.clear();
  }
  return order;
}

absl::Status OrdersService::HandleStop(const std::string& order_id, StopOutcome outcome,
                                       const std::string& courier_user_id,
                                       const std::string& reason, Deadline deadline) {
  if (!common::LooksLikeUuid(order_id)) return absl::InvalidArgumentError("bad order id");
  const OrderStatus to = outcome == StopOutcome::kPickedUp    ? OrderStatus::kOutForDelivery
                         : outcome == StopOutcome::kDelivered ? OrderStatus::kDelivered
                                                              : OrderStatus::kDeliveryFailed;
  absl::StatusOr<Order> order = repository_.ChangeOrder(
      absl::AsciiStrToLower(order_id),
      [&](Order& o) -> absl::StatusOr<Transition> {
        RETURN_IF_ERROR(CheckTransition(o.status, to, Actor::kSystem, o.fulfilment));
        return ApplyTransition(o, to, Actor::kSystem, courier_user_id, reason);
      },
      deadline);
  if (order.status().code() == absl::StatusCode::kFailedPrecondition ||
      order.status().code() == absl::StatusCode::kNotFound) {
    // A replayed or stale event: the order moved on already (or is not ours).
    LOG_INFO("delivery event ignored",
             {{"order", order_id}, {"reason", std::string(order.status().message())}});
    return absl::OkStatus();
  }
  if (!order.ok()) return order.status();
  if (absl::Status settled = SettleGoods(*order, deadline); !settled.ok()) {
    LOG_WARN("stock work deferred to the reconciler", {{"order", order->id}});
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<Order>> OrdersService::ExportAccountData(const std::string& user_id,
                                                                    Deadline deadline) {
  if (!common::LooksLikeUuid(user_id)) return common::InvalidField("user_id", "must be a UUID");
  return repository_.OrdersOfCustomer(absl::AsciiStrToLower(user_id), kExportLimit, deadline);
}

absl::Status OrdersService::EraseAccountData(const std::string& user_id, Deadline deadline) {
  if (!common::LooksLikeUuid(user_id)) return common::InvalidField("user_id", "must be a UUID");
  RETURN_IF_ERROR(repository_.AnonymiseCustomer(absl::AsciiStrToLower(user_id), deadline));
  ASSIGN_OR_RETURN(std::vector<CartItem> items, carts_.Get(absl::AsciiStrToLower(user_id)));
  std::vector<std::string> products;
  for (const CartItem& item : items) products.push_back(item.product_id);
  return carts_.Remove(absl::AsciiStrToLower(user_id), products);
}

absl::StatusOr<OrderFigures> OrdersService::RegionalFigures(const common::Caller& caller, int days,
                                                            Deadline deadline) {
  RETURN_IF_ERROR(common::RequireRole(caller, common::kRoleAdmin));
  if (days == 0) days = kDefaultFigureDays;
  if (days < 1 || days > kMaxFigureDays) {
    return common::InvalidField("days", absl::StrCat("must be 1 to ", kMaxFigureDays));
  }
  const absl::CivilDay today = absl::ToCivilDay(absl::Now(), common::ParisTimeZone());
  const absl::CivilDay first_day = today - (days - 1);
  ASSIGN_OR_RETURN(OrderFigures figures, repository_.FiguresSince(first_day, deadline));
  figures.days = EveryDay(figures.days, first_day, today);
  return figures;
}

}  // namespace comptoir::orders
