#include "orders_grpc.h"

#include <google/protobuf/util/json_util.h>

#include <condition_variable>
#include <mutex>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "comptoir/common/log.h"
#include "order_proto.h"

namespace comptoir::orders {
namespace {

using common::Deadline;

void ToProto(const CartView& cart, v1::Cart* out) {
  for (const CartShopView& shop : cart.shops) {
    v1::CartShop* s = out->add_shops();
    s->set_shop_id(shop.shop_id);
    s->set_shop_name(shop.shop_name);
    s->set_subtotal_cents(shop.subtotal_cents);
    for (const CartLineView& line : shop.lines) {
      v1::CartLine* l = s->add_lines();
      l->set_product_id(line.item.product_id);
      l->set_shop_id(line.item.shop_id);
      l->set_name(line.product.name);
      l->set_sale_unit(line.product.sale_unit);
      l->set_unit_price_cents(line.product.price_cents);
      l->set_vat_rate_bp(line.product.vat_rate_bp);
      l->set_quantity(line.item.quantity);
      l->set_line_total_cents(line.line_total_cents);
      l->set_problem(line.problem);
      l->set_stock_available(line.stock_available);
      *l->mutable_add_time() = ToTimestamp(line.item.add_time);
    }
  }
  out->set_total_cents(cart.total_cents);
  out->set_line_count(cart.line_count);
  out->set_has_problems(cart.has_problems);
  if (cart.expire_time != absl::InfinitePast()) {
    *out->mutable_expire_time() = ToTimestamp(cart.expire_time);
  }
}

void ToProto(const CheckoutRecord& c, v1::Checkout* out) {
  out->set_id(c.id);
  out->set_status(c.status);
  out->set_failure_reason(c.failure_reason);
  int64_t total = 0;
  for (const Order& o : c.orders) {
    ToProto(o, out->add_orders());
    total += o.total_cents;
  }
  out->set_total_cents(total);
  *out->mutable_create_time() = ToTimestamp(c.create_time);
}

std::string Metadata(const grpc::CallbackServerContext& context, const char* key) {
  auto it = context.client_metadata().find(key);
  if (it == context.client_metadata().end()) return "";
  return std::string(it->second.data(), it->second.size());
}

// A stream refused before it started (bad caller, too many watchers).
class RefusedWriter final : public grpc::ServerWriteReactor<v1::ShopOrderEvent> {
 public:
  explicit RefusedWriter(const absl::Status& status) { Finish(common::ToGrpcStatus(status)); }
  void OnDone() override { delete this; }
};

// One shop's live inbox: a thread reads `events:orders` with blocking XREADs from the resume
// point, writes the shop's events one at a time, and sends keep-alives during silences. The
// thread ends the call; gRPC then calls OnDone, which frees the reactor.
class ShopOrdersWatch final : public grpc::ServerWriteReactor<v1::ShopOrderEvent> {
 public:
  ShopOrdersWatch(common::RedisPool& redis, const WatchOptions& options, std::string shop_id,
                  std::string after, std::atomic<int>& watchers)
      : redis_(redis),
        options_(options),
        shop_id_(std::move(shop_id)),
        last_id_(std::move(after)),
        watchers_(watchers) {
    std::thread([this] { Run(); }).detach();
  }

  void OnWriteDone(bool ok) override {
    std::lock_guard<std::mutex> lock(mu_);
    writing_ = false;
    write_ok_ = ok;
    cv_.notify_all();
  }
  void OnCancel() override {
    std::lock_guard<std::mutex> lock(mu_);
    cancelled_ = true;
    cv_.notify_all();
  }
  void OnDone() override {
    watchers_.fetch_sub(1);
    delete this;
  }

 private:
  bool Cancelled() {
    std::lock_guard<std::mutex> lock(mu_);
    return cancelled_;
  }

  // Sends one message and waits for it to leave; false when the client is gone.
  bool Write(v1::ShopOrderEvent message) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (cancelled_) return false;
      writing_ = true;
    }
    message_ = std::move(message);  // untouched by gRPC until StartWrite, then until done
    // Not under mu_: gRPC may run OnWriteDone on this very thread.
    StartWrite(&message_);
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return !writing_; });
    return write_ok_ && !cancelled_;
  }

  void Run() {
    if (last_id_.empty()) {
      // "Now": the newest entry, so nothing published between two reads is missed.
      absl::StatusOr<common::RedisReply> newest =
          redis_.Command({"XREVRANGE", options_.stream, "+", "-", "COUNT", "1"});
      last_id_ = "0-0";
      if (newest.ok() && !newest->elements.empty() && !newest->elements[0].elements.empty()) {
        last_id_ = newest->elements[0].elements[0].str;
      }
    }
    auto last_write = std::chrono::steady_clock::now();
    bool open = true;
    while (open && !Cancelled()) {
      absl::StatusOr<common::RedisReply> reply =
          redis_.Command({"XREAD", "COUNT", "100", "BLOCK", absl::StrCat(options_.block.count()),
                          "STREAMS", options_.stream, last_id_});
      if (!reply.ok()) {
        std::this_thread::sleep_for(options_.block);  // Redis away: keep the stream, retry
      } else if (!reply->is_nil()) {
        for (const common::RedisReply& stream : reply->elements) {
          if (stream.elements.size() < 2) continue;
          for (const common::RedisReply& entry : stream.elements[1].elements) {
            if (entry.elements.size() < 2 || !open) continue;
            last_id_ = entry.elements[0].str;
            const std::vector<common::RedisReply>& fields = entry.elements[1].elements;
            std::string payload;
            for (std::size_t i = 0; i + 1 < fields.size(); i += 2) {
              if (fields[i].str == "payload") payload = fields[i + 1].str;
            }
            v1::ShopOrderEvent out;
            if (!out.mutable_event()->ParseFromString(payload) ||
                out.event().order().shop_id() != shop_id_) {
              continue;
            }
            out.set_event_id(last_id_);
            open = Write(std::move(out));
            last_write = std::chrono::steady_clock::now();
          }
        }
      }
      if (open && std::chrono::steady_clock::now() - last_write >= options_.keepalive) {
        open = Write(v1::ShopOrderEvent());
        last_write = std::chrono::steady_clock::now();
      }
    }
    Finish(Cancelled() ? grpc::Status::CANCELLED : grpc::Status::OK);
    // Nothing of `this` may be touched from here: OnDone may already have freed it.
  }

  common::RedisPool& redis_;
  const WatchOptions options_;
  const std::string shop_id_;
  std::string last_id_;  // only touched by the thread
  std::atomic<int>& watchers_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool writing_ = false;        // guarded by mu_
  bool write_ok_ = true;        // guarded by mu_
  bool cancelled_ = false;      // guarded by mu_
  v1::ShopOrderEvent message_;  // the write in flight; only the thread sets it
};

bool LooksLikeStreamId(const std::string& id) {
  if (id.empty() || id.size() > 40) return false;
  int dashes = 0;
  for (char c : id) {
    if (c == '-') {
      ++dashes;
    } else if (c < '0' || c > '9') {
      return false;
    }
  }
  return dashes == 1 && id.front() != '-' && id.back() != '-';
}

}  // namespace

OrdersGrpc::OrdersGrpc(OrdersService& service, const common::TokenVerifier& verifier,
                       common::GrpcServer& server, common::RedisPool& watch_redis,
                       WatchOptions watch)
    : service_(service),
      verifier_(verifier),
      server_(server),
      watch_redis_(watch_redis),
      watch_(std::move(watch)) {}

grpc::ServerUnaryReactor* OrdersGrpc::GetCart(grpc::CallbackServerContext* context,
                                              const v1::GetCartRequest*, v1::Cart* response) {
  return common::Offload(server_, context, [=, this](Deadline deadline) {
    ASSIGN_OR_RETURN(common::Caller caller, common::CallerOf(*context, verifier_));
    ASSIGN_OR_RETURN(CartView cart, service_.GetCart(caller, deadline));
    ToProto(cart, response);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* OrdersGrpc::SetCartItem(grpc::CallbackServerContext* context,
                                                  const v1::SetCartItemRequest* request,
                                                  v1::Cart* response) {
  return common::Offload(server_, context, [=, this](Deadline deadline) {
    ASSIGN_OR_RETURN(common::Caller caller, common::CallerOf(*context, verifier_));
    ASSIGN_OR_RETURN(CartView cart, service_.SetCartItem(caller, request->product(),
                                                         request->quantity(), deadline));
    ToProto(cart, response);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* OrdersGrpc::RemoveCartItem(grpc::CallbackServerContext* context,
                                                     const v1::RemoveCartItemRequest* request,
                                                     v1::Cart* response) {
  return common::Offload(server_, context, [=, this](Deadline deadline) {
    ASSIGN_OR_RETURN(common::Caller caller, common::CallerOf(*context, verifier_));
    ASSIGN_OR_RETURN(CartView cart, service_.RemoveCartItem(caller, request->product(), deadline));
    ToProto(cart, response);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* OrdersGrpc::CreateCheckout(grpc::CallbackServerContext* context,
                                                     const v1::CreateCheckoutRequest* request,
                                                     v1::Checkout* response) {
  return common::Offload(server_, context, [=, this](Deadline deadline) {
    ASSIGN_OR_RETURN(common::Caller caller, common::CallerOf(*context, verifier_));
    CheckoutRequest r;
    // The gateway passes the Idempotency-Key header as metadata; the field is for gRPC callers.
    r.idempotency_key = Metadata(*context, kIdempotencyKeyHeader);
    if (r.idempotency_key.empty()) r.idempotency_key = request->idempotency_key();
    for (const v1::CheckoutLine& l : request->lines()) {
      r.lines.push_back({l.product_id(), l.quantity()});
    }
    for (const v1::ShopFulfilment& f : request->fulfilments()) {
      r.fulfilments.push_back({.shop_id = f.shop_id(),
                               .kind = f.kind(),
                               .slot_id = f.slot_id(),
                               .delivery_address = f.delivery_address(),
                               .delivery_commune_insee = f.delivery_commune_insee(),
                               .delivery_postal_code = f.delivery_postal_code()});
    }
    r.customer_name = request->customer_name();
    r.customer_phone = request->customer_phone();
    r.payment_method = request->payment_method();
    ASSIGN_OR_RETURN(CheckoutRecord checkout, service_.Checkout(caller, r, deadline));
    ToProto(checkout, response);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* OrdersGrpc::ListOrders(grpc::CallbackServerContext* context,
                                                 const v1::ListOrdersRequest* request,
                                                 v1::ListOrdersResponse* response) {
  return common::Offload(server_, context, [=, this](Deadline deadline) {
    ASSIGN_OR_RETURN(common::Caller caller, common::CallerOf(*context, verifier_));
    ASSIGN_OR_RETURN(OrderPage page, service_.ListMyOrders(caller, request->page_size(),
                                                           request->page_token(), deadline));
    for (const Order& o : page.orders) ToProto(o, response->add_orders());
    response->set_next_page_token(page.next_page_token);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* OrdersGrpc::GetOrder(grpc::CallbackServerContext* context,
                                               const v1::GetOrderRequest* request,
                                               v1::Order* response) {
  return common::Offload(server_, context, [=, this](Deadline deadline) {
    ASSIGN_OR_RETURN(common::Caller caller, common::CallerOf(*context, verifier_));
    ASSIGN_OR_RETURN(Order order, service_.GetOrder(caller, request->order(), deadline));
    ToProto(order, response);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* OrdersGrpc::Change(grpc::CallbackServerContext* context,
                                             const std::string& order, OrderStatus to,
                                             const std::string& reason, v1::Order* response) {
  return common::Offload(server_, context, [=, this](Deadline deadline) {
    ASSIGN_OR_RETURN(common::Caller caller, common::CallerOf(*context, verifier_));
    ASSIGN_OR_RETURN(Order changed, service_.ChangeStatus(caller, order, to, reason, deadline));
    ToProto(changed, response);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* OrdersGrpc::CancelOrder(grpc::CallbackServerContext* context,
                                                  const v1::CancelOrderRequest* request,
                                                  v1::Order* response) {
  return Change(context, request->order(), OrderStatus::kCancelled, request->reason(), response);
}

grpc::ServerUnaryReactor* OrdersGrpc::AcceptOrder(grpc::CallbackServerContext* context,
                                                  const v1::AcceptOrderRequest* request,
                                                  v1::Order* response) {
  return Change(context, request->order(), OrderStatus::kAccepted, "", response);
}

grpc::ServerUnaryReactor* OrdersGrpc::RejectOrder(grpc::CallbackServerContext* context,
                                                  const v1::RejectOrderRequest* request,
                                                  v1::Order* response) {
  return Change(context, request->order(), OrderStatus::kRejected, request->reason(), response);
}

grpc::ServerUnaryReactor* OrdersGrpc::MarkOrderReady(grpc::CallbackServerContext* context,
                                                     const v1::MarkOrderReadyRequest* request,
                                                     v1::Order* response) {
  return Change(context, request->order(), OrderStatus::kReady, "", response);
}

grpc::ServerUnaryReactor* OrdersGrpc::CollectOrder(grpc::CallbackServerContext* context,
                                                   const v1::CollectOrderRequest* request,
                                                   v1::Order* response) {
  return Change(context, request->order(), OrderStatus::kCollected, "", response);
}

grpc::ServerUnaryReactor* OrdersGrpc::ListShopOrders(grpc::CallbackServerContext* context,
                                                     const v1::ListShopOrdersRequest* request,
                                                     v1::ListShopOrdersResponse* response) {
  return common::Offload(server_, context, [=, this](Deadline deadline) {
    ASSIGN_OR_RETURN(common::Caller caller, common::CallerOf(*context, verifier_));
    ShopOrdersQuery q{.shop_id = request->shop(),
                      .statuses = request->status(),
                      .page_size = request->page_size(),
                      .page_token = request->page_token()};
    if (request->has_from()) q.from = FromTimestamp(request->from());
    if (request->has_to()) q.to = FromTimestamp(request->to());
    ASSIGN_OR_RETURN(OrderPage page, service_.ListShopOrders(caller, q, deadline));
    for (const Order& o : page.orders) ToProto(o, response->add_orders());
    response->set_next_page_token(page.next_page_token);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* OrdersGrpc::GetOrderStats(grpc::CallbackServerContext* context,
                                                    const v1::GetOrderStatsRequest* request,
                                                    v1::OrderStats* response) {
  return common::Offload(server_, context, [=, this](Deadline deadline) {
    ASSIGN_OR_RETURN(common::Caller caller, common::CallerOf(*context, verifier_));
    ASSIGN_OR_RETURN(OrderFigures figures,
                     service_.RegionalFigures(caller, request->days(), deadline));
    for (const DayFigures& d : figures.days) {
      v1::DayOrderFigures* day = response->add_days();
      day->set_date(absl::FormatCivilTime(d.day));
      day->set_orders(d.orders);
      day->set_total_cents(d.total_cents);
      day->set_cancelled_or_rejected(d.cancelled_or_rejected);
      response->set_orders(response->orders() + d.orders);
      response->set_total_cents(response->total_cents() + d.total_cents);
    }
    for (const DepartmentFigures& d : figures.departments) {
      v1::DepartmentOrderFigures* department = response->add_departments();
      department->set_department_code(d.department_code);
      department->set_orders(d.orders);
      department->set_total_cents(d.total_cents);
    }
    return absl::OkStatus();
  });
}

grpc::ServerWriteReactor<v1::ShopOrderEvent>* OrdersGrpc::WatchShopOrders(
    grpc::CallbackServerContext* context, const v1::WatchShopOrdersRequest* request) {
  absl::StatusOr<common::Caller> caller = common::CallerOf(*context, verifier_);
  if (!caller.ok()) return new RefusedWriter(caller.status());
  const std::string shop = absl::AsciiStrToLower(request->shop());
  if (absl::Status allowed = common::RequireAuthenticated(*caller); !allowed.ok()) {
    return new RefusedWriter(allowed);
  }
  if (absl::Status member = common::RequireShopMember(*caller, shop); !member.ok()) {
    return new RefusedWriter(member);
  }
  if (!request->after_event_id().empty() && !LooksLikeStreamId(request->after_event_id())) {
    return new RefusedWriter(
        common::InvalidField("after_event_id", "must be an event_id received earlier"));
  }
  if (watchers_.fetch_add(1) >= watch_.max_watchers) {
    watchers_.fetch_sub(1);
    return new RefusedWriter(
        absl::ResourceExhaustedError("too many live inboxes open on this server; retry soon"));
  }
  return new ShopOrdersWatch(watch_redis_, watch_, shop, request->after_event_id(), watchers_);
}

absl::StatusOr<google::protobuf::Struct> OrdersAccountData::ExportAccountData(
    const std::string& user_id, Deadline deadline) {
  ASSIGN_OR_RETURN(std::vector<Order> orders, service_.ExportAccountData(user_id, deadline));
  google::protobuf::Struct data;
  google::protobuf::ListValue* list = (*data.mutable_fields())["orders"].mutable_list_value();
  google::protobuf::util::JsonPrintOptions print;
  print.preserve_proto_field_names = true;
  for (const Order& o : orders) {
    v1::Order proto;
    ToProto(o, &proto);
    std::string json;
    if (!google::protobuf::util::MessageToJsonString(proto, &json, print).ok() ||
        !google::protobuf::util::JsonStringToMessage(json, list->add_values()).ok()) {
      return absl::InternalError("an order could not be exported");
    }
  }
  return data;
}

absl::Status OrdersAccountData::EraseAccountData(const std::string& user_id, Deadline deadline) {
  return service_.EraseAccountData(user_id, deadline);
}

}  // namespace comptoir::orders
