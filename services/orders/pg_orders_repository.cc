#include "pg_orders_repository.h"

#include <algorithm>
#include <map>
#include <pqxx/pqxx>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "comptoir/common/outbox.h"
#include "order_proto.h"

namespace comptoir::orders {
namespace {

using common::Deadline;

#define MICROS(col) "(extract(epoch from " col ") * 1000000)::bigint"
#define FROM_MICROS(p) "('epoch'::timestamptz + " p "::bigint * interval '1 microsecond')"

// Columns of an order, in the order RowToOrder reads them.
constexpr char kOrderColumns[] =
    "o.id::text, o.number, o.checkout_id::text, o.shop_id::text, o.shop_name, "
    "o.customer_user_id::text, o.customer_name, o.customer_phone, o.status, o.status_reason, "
    "o.fulfilment, o.slot_id, coalesce(" MICROS("o.slot_start") ", 0), coalesce(" MICROS(
        "o.slot_end") ", 0), o.delivery_address, o.delivery_commune_insee, "
                      "o.delivery_postal_code, o.items_cents, o.delivery_fee_cents, "
                      "o.total_cents, o.payment_method, o.payment_state, o.held_goods_action, "
                      "o.version, " MICROS("o.create_time") ", " MICROS("o.update_time");

constexpr char kCheckoutColumns[] =
    "id::text, customer_user_id::text, request_hash, status, failure_code, failure_reason, " MICROS(
        "claimed_until") ", " MICROS("create_time");

// The statuses lists show by default: pending and failed orders are the checkout's business.
constexpr char kListedStatuses[] =
    "{placed,accepted,rejected,ready,collected,cancelled,out_for_delivery,delivered,"
    "delivery_failed}";

// Bounds for "no bound" in keyset queries (year 1970 and year 9999), in microseconds.
constexpr int64_t kMinMicros = 0;
constexpr int64_t kMaxMicros = 253402300799000000;
constexpr char kMaxUuid[] = "ffffffff-ffff-ffff-ffff-ffffffffffff";

int64_t ClampedMicros(absl::Time t) {
  if (t == absl::InfinitePast()) return kMinMicros;
  if (t == absl::InfiniteFuture()) return kMaxMicros;
  return std::clamp(absl::ToUnixMicros(t), kMinMicros, kMaxMicros);
}

absl::Time TimeOf(const pqxx::field& f) { return absl::FromUnixMicros(f.as<int64_t>()); }

Order RowToOrder(const pqxx::row& r) {
  Order o;
  o.id = r[0].as<std::string>();
  o.number = r[1].as<std::string>();
  o.checkout_id = r[2].as<std::string>();
  o.shop_id = r[3].as<std::string>();
  o.shop_name = r[4].as<std::string>();
  o.customer_user_id = r[5].as<std::string>();
  o.customer_name = r[6].as<std::string>();
  o.customer_phone = r[7].as<std::string>();
  o.status = ParseStatus(r[8].as<std::string>()).value_or(OrderStatus::kFailed);
  o.status_reason = r[9].as<std::string>();
  o.fulfilment = ParseFulfilment(r[10].as<std::string>()).value_or(Fulfilment::kPickup);
  o.slot_id = r[11].as<std::string>();
  o.slot_start = TimeOf(r[12]);
  o.slot_end = TimeOf(r[13]);
  o.delivery_address = r[14].as<std::string>();
  o.delivery_commune_insee = r[15].as<std::string>();
  o.delivery_postal_code = r[16].as<std::string>();
  o.items_cents = r[17].as<int64_t>();
  o.delivery_fee_cents = r[18].as<int64_t>();
  o.total_cents = r[19].as<int64_t>();
  o.payment_method = r[20].as<std::string>();
  o.payment_state = r[21].as<std::string>();
  o.held_goods_action = r[22].as<std::string>();
  o.version = r[23].as<int64_t>();
  o.create_time = TimeOf(r[24]);
  o.update_time = TimeOf(r[25]);
  return o;
}

CheckoutRecord RowToCheckout(const pqxx::row& r) {
  CheckoutRecord c;
  c.id = r[0].as<std::string>();
  c.customer_user_id = r[1].as<std::string>();
  c.request_hash = r[2].as<std::string>();
  c.status = r[3].as<std::string>();
  c.failure_code = r[4].as<int>();
  c.failure_reason = r[5].as<std::string>();
  c.claimed_until = TimeOf(r[6]);
  c.create_time = TimeOf(r[7]);
  return c;
}

std::string UuidArray(const std::vector<Order>& orders) {
  std::vector<std::string> ids;
  for (const Order& o : orders) ids.push_back(o.id);
  return absl::StrCat("{", absl::StrJoin(ids, ","), "}");
}

// Fills the lines of `orders` (one query for all).
void LoadLines(pqxx::work& tx, std::vector<Order>& orders) {
  if (orders.empty()) return;
  std::map<std::string, Order*> by_id;
  for (Order& o : orders) by_id[o.id] = &o;
  for (const pqxx::row& r : tx.exec_prepared("ord_lines_of", UuidArray(orders))) {
    Order* o = by_id[r[0].as<std::string>()];
    if (o == nullptr) continue;
    o->lines.push_back({.product_id = r[1].as<std::string>(),
                        .sku = r[2].as<std::string>(),
                        .name = r[3].as<std::string>(),
                        .sale_unit = r[4].as<std::string>(),
                        .quantity = r[5].as<int32_t>(),
                        .unit_price_cents = r[6].as<int64_t>(),
                        .vat_rate_bp = r[7].as<int32_t>(),
                        .total_cents = r[8].as<int64_t>(),
                        .vat_cents = r[9].as<int64_t>()});
  }
}

void LoadHistory(pqxx::work& tx, Order& order) {
  order.history.clear();
  for (const pqxx::row& r : tx.exec_prepared("ord_history_of", order.id)) {
    order.history.push_back({.from_status = r[0].as<std::string>(),
                             .to_status = r[1].as<std::string>(),
                             .actor_user_id = r[2].as<std::string>(),
                             .actor_role = r[3].as<std::string>(),
                             .reason = r[4].as<std::string>(),
                             .time = TimeOf(r[5])});
  }
}

std::vector<Order> Orders(const pqxx::result& result) {
  std::vector<Order> out;
  for (const pqxx::row& r : result) out.push_back(RowToOrder(r));
  return out;
}

// Writes `order` as `change` left it, its history row and its event (when the status moved).
absl::Status ApplyChange(pqxx::work& tx, Order& order, const OrderChange& change) {
  absl::StatusOr<Transition> transition = change(order);
  if (!transition.ok()) return transition.status();
  pqxx::result updated = tx.exec_prepared(
      "ord_order_update", order.id, std::string(StatusName(order.status)), order.status_reason,
      order.payment_state, order.held_goods_action,
      order.slot_start == absl::UnixEpoch() ? 0 : absl::ToUnixMicros(order.slot_start),
      order.slot_end == absl::UnixEpoch() ? 0 : absl::ToUnixMicros(order.slot_end));
  order.version = updated[0][0].as<int64_t>();
  order.update_time = TimeOf(updated[0][1]);
  if (transition->to_status.empty()) return absl::OkStatus();  // nothing moved
  pqxx::result at = tx.exec_prepared("ord_history_insert", order.id, transition->from_status,
                                     transition->to_status, transition->actor_user_id,
                                     transition->actor_role, transition->reason);
  transition->time = TimeOf(at[0][0]);
  order.history.push_back(*transition);
  // "pending" is internal: the world hears about an order once it is placed.
  if (transition->to_status != StatusName(OrderStatus::kFailed)) {
    common::InsertOutboxEvent(tx, "orders",
                              {.aggregate = order.id,
                               .type = kOrderEventType,
                               .payload = MakeOrderEvent(order, *transition).SerializeAsString()});
  }
  return absl::OkStatus();
}

}  // namespace

std::vector<common::PreparedStatement> PgOrdersRepository::Statements() {
  const std::string order_select = absl::StrCat("SELECT ", kOrderColumns, " FROM orders.orders o ");
  const std::string list_tail =
      " AND o.status = ANY($2::text[]) AND o.create_time >= " FROM_MICROS(
          "$3") " AND o.create_time < " FROM_MICROS("$4") " AND (o.create_time, o.id) < "
                                                          "(" FROM_MICROS(
                                                              "$5") ", $6::uuid) ORDER BY "
                                                                    "o.create_time DESC, o.id "
                                                                    "DESC LIMIT $7";
  return {
      {"ord_checkout_by_key",
       absl::StrCat("SELECT ", kCheckoutColumns,
                    " FROM orders.checkouts WHERE customer_user_id = $1::uuid AND "
                    "idempotency_key = $2")},
      {"ord_checkout_by_id",
       absl::StrCat("SELECT ", kCheckoutColumns, " FROM orders.checkouts WHERE id = $1::uuid")},
      // A concurrent duplicate waits here for the first insert to commit, then gets no row.
      {"ord_checkout_insert",
       absl::StrCat("INSERT INTO orders.checkouts (customer_user_id, idempotency_key, "
                    "request_hash, claimed_until) VALUES ($1::uuid, $2, $3, now() + $4::bigint * "
                    "interval '1 microsecond') ON CONFLICT (customer_user_id, idempotency_key) "
                    "DO NOTHING RETURNING ",
                    kCheckoutColumns)},
      {"ord_number_next",
       "SELECT nextval('orders.order_number_seq'), "
       "extract(year from now() at time zone 'Europe/Paris')::integer"},
      {"ord_order_insert",
       "INSERT INTO orders.orders (number, checkout_id, shop_id, shop_name, customer_user_id, "
       "customer_name, customer_phone, status, fulfilment, slot_id, delivery_address, "
       "delivery_commune_insee, delivery_postal_code, items_cents, delivery_fee_cents, "
       "total_cents, payment_method, payment_state, shop_department_code) VALUES ($1, $2::uuid, "
       "$3::uuid, $4, $5::uuid, $6, $7, 'pending', $8, $9, $10, $11, $12, $13::bigint, "
       "$14::bigint, $15::bigint, $16, 'due', $17) RETURNING id::text, " MICROS("create_time")},
      {"ord_line_insert",
       "INSERT INTO orders.order_lines (order_id, position, product_id, sku, name, sale_unit, "
       "quantity, unit_price_cents, vat_rate_bp, total_cents, vat_cents) VALUES ($1::uuid, "
       "$2::integer, $3::uuid, $4, $5, $6, $7::integer, $8::bigint, $9::integer, $10::bigint, "
       "$11::bigint)"},
      {"ord_history_insert",
       "INSERT INTO orders.order_history (order_id, from_status, to_status, actor_user_id, "
       "actor_role, reason) VALUES ($1::uuid, $2, $3, $4, $5, $6) RETURNING " MICROS("time")},
      {"ord_lines_of",
       "SELECT order_id::text, product_id::text, sku, name, sale_unit, quantity, "
       "unit_price_cents, vat_rate_bp, total_cents, vat_cents FROM orders.order_lines WHERE "
       "order_id = ANY($1::uuid[]) ORDER BY order_id, position"},
      {"ord_history_of",
       "SELECT from_status, to_status, actor_user_id, actor_role, reason, " MICROS(
           "time") " FROM orders.order_history WHERE order_id = $1::uuid ORDER BY id"},
      {"ord_orders_of_checkout",
       absl::StrCat(order_select, "WHERE o.checkout_id = $1::uuid ORDER BY o.number")},
      {"ord_orders_of_checkout_lock",
       absl::StrCat(order_select, "WHERE o.checkout_id = $1::uuid ORDER BY o.id FOR UPDATE")},
      {"ord_order_by_id", absl::StrCat(order_select, "WHERE o.id = $1::uuid")},
      {"ord_order_lock", absl::StrCat(order_select, "WHERE o.id = $1::uuid FOR UPDATE")},
      {"ord_order_update",
       "UPDATE orders.orders SET status = $2, status_reason = $3, payment_state = $4, "
       "held_goods_action = $5, slot_start = CASE WHEN $6::bigint = 0 THEN NULL ELSE " FROM_MICROS(
           "$6") " END, slot_end = CASE WHEN $7::bigint = 0 THEN NULL ELSE " FROM_MICROS("$7") " EN"
                                                                                               "D, "
                                                                                               "ver"
                                                                                               "sio"
                                                                                               "n "
                                                                                               "= "
                                                                                               "ver"
                                                                                               "sio"
                                                                                               "n "
                                                                                               "+ "
                                                                                               "1, "
                                                                                               "upd"
                                                                                               "ate"
                                                                                               "_ti"
                                                                                               "me "
                                                                                               "= "
                                                                                               "now"
                                                                                               "() "
                                                                                               "WHE"
                                                                                               "RE "
                                                                                               "id "
                                                                                               "= "
                                                                                               "$1:"
                                                                                               ":uu"
                                                                                               "id "
                                                                                               "RET"
                                                                                               "URN"
                                                                                               "ING"
                                                                                               " ve"
                                                                                               "rsi"
                                                                                               "on,"
                                                                                               " " MICROS(
                                                                                                   "update_time")},
      {"ord_checkout_claim",
       "UPDATE orders.checkouts SET claimed_until = now() + $2::bigint * interval '1 "
       "microsecond', update_time = now() WHERE id = $1::uuid AND status = 'pending' AND "
       "claimed_until < now() RETURNING id"},
      {"ord_checkouts_stale",
       "UPDATE orders.checkouts SET claimed_until = now() + $1::bigint * interval '1 "
       "microsecond', update_time = now() WHERE id IN (SELECT id FROM orders.checkouts WHERE "
       "status = 'pending' AND claimed_until < now() ORDER BY claimed_until LIMIT $2 FOR UPDATE "
       "SKIP LOCKED) RETURNING id::text"},
      {"ord_checkout_finish",
       "UPDATE orders.checkouts SET status = $2, failure_code = $3::integer, failure_reason = "
       "$4, update_time = now() WHERE id = $1::uuid"},
      {"ord_clear_goods",
       "UPDATE orders.orders SET held_goods_action = '' WHERE id = $1::uuid AND "
       "held_goods_action = $2"},
      {"ord_owing_goods",
       absl::StrCat(order_select,
                    "WHERE o.held_goods_action <> '' AND o.update_time < now() - $1::bigint * "
                    "interval '1 microsecond' ORDER BY o.update_time LIMIT $2")},
      {"ord_list_customer",
       absl::StrCat(order_select, "WHERE o.customer_user_id = $1::uuid", list_tail)},
      {"ord_list_shop", absl::StrCat(order_select, "WHERE o.shop_id = $1::uuid", list_tail)},
      {"ord_customer_orders",
       absl::StrCat(order_select,
                    "WHERE o.customer_user_id = $1::uuid ORDER BY o.create_time DESC LIMIT $2")},
      {"ord_anonymise",
       "UPDATE orders.orders SET customer_name = 'Compte supprimé', customer_phone = '', "
       "delivery_address = '', version = version + 1, update_time = now() WHERE "
       "customer_user_id = $1::uuid AND (customer_name <> 'Compte supprimé' OR customer_phone "
       "<> '' OR delivery_address <> '')"},
      // Regional figures. The period starts at midnight Paris time so the creation-time index
      // serves the range; days are Paris calendar days.
      {"ord_figures_by_day",
       absl::StrCat(
           "SELECT to_char((create_time AT TIME ZONE 'Europe/Paris')::date, 'YYYY-MM-DD'), "
           "count(*), coalesce(sum(total_cents), 0)::bigint, count(*) FILTER (WHERE "
           "status IN ('cancelled', 'rejected')) FROM orders.orders WHERE create_time >= "
           "($1::date::timestamp AT TIME ZONE 'Europe/Paris') AND status = ANY('",
           kListedStatuses, "'::text[]) GROUP BY 1 ORDER BY 1")},
      {"ord_figures_by_department",
       absl::StrCat("SELECT shop_department_code, count(*), coalesce(sum(total_cents), 0)::bigint "
                    "FROM orders.orders WHERE create_time >= ($1::date::timestamp AT TIME ZONE "
                    "'Europe/Paris') AND status = ANY('",
                    kListedStatuses, "'::text[]) GROUP BY 1 ORDER BY 2 DESC, 1")},
  };
}

absl::StatusOr<CheckoutRecord> PgOrdersRepository::FindCheckout(const std::string& user_id,
                                                                const std::string& key,
                                                                Deadline deadline) {
  return pool_.Run<CheckoutRecord>(deadline, [&](pqxx::work& tx) -> absl::StatusOr<CheckoutRecord> {
    pqxx::result r = tx.exec_prepared("ord_checkout_by_key", user_id, key);
    if (r.empty()) return absl::NotFoundError("no checkout with this idempotency key");
    CheckoutRecord c = RowToCheckout(r[0]);
    c.orders = Orders(tx.exec_prepared("ord_orders_of_checkout", c.id));
    LoadLines(tx, c.orders);
    return c;
  });
}

absl::StatusOr<CheckoutRecord> PgOrdersRepository::LoadCheckout(const std::string& checkout_id,
                                                                Deadline deadline) {
  return pool_.Run<CheckoutRecord>(deadline, [&](pqxx::work& tx) -> absl::StatusOr<CheckoutRecord> {
    pqxx::result r = tx.exec_prepared("ord_checkout_by_id", checkout_id);
    if (r.empty()) return absl::NotFoundError("no such checkout");
    CheckoutRecord c = RowToCheckout(r[0]);
    c.orders = Orders(tx.exec_prepared("ord_orders_of_checkout", c.id));
    LoadLines(tx, c.orders);
    return c;
  });
}

absl::StatusOr<CheckoutRecord> PgOrdersRepository::CreateCheckout(
    const std::string& user_id, const std::string& key, const std::string& request_hash,
    absl::Duration claim, std::vector<Order> orders, Deadline deadline) {
  return pool_.Run<CheckoutRecord>(deadline, [&](pqxx::work& tx) -> absl::StatusOr<CheckoutRecord> {
    pqxx::result inserted = tx.exec_prepared("ord_checkout_insert", user_id, key, request_hash,
                                             absl::ToInt64Microseconds(claim));
    if (inserted.empty()) return absl::AlreadyExistsError("idempotency key already used");
    CheckoutRecord c = RowToCheckout(inserted[0]);
    for (Order o : orders) {
      pqxx::result n = tx.exec_prepared("ord_number_next");
      o.number = FormatOrderNumber(n[0][1].as<int>(), n[0][0].as<int64_t>());
      o.checkout_id = c.id;
      o.customer_user_id = user_id;
      pqxx::result row = tx.exec_prepared(
          "ord_order_insert", o.number, c.id, o.shop_id, o.shop_name, user_id, o.customer_name,
          o.customer_phone, std::string(FulfilmentName(o.fulfilment)), o.slot_id,
          o.delivery_address, o.delivery_commune_insee, o.delivery_postal_code, o.items_cents,
          o.delivery_fee_cents, o.total_cents, o.payment_method, o.shop_department_code);
      o.id = row[0][0].as<std::string>();
      o.create_time = o.update_time = TimeOf(row[0][1]);
      o.status = OrderStatus::kPending;
      o.payment_state = "due";
      o.version = 1;
      for (std::size_t i = 0; i < o.lines.size(); ++i) {
        const OrderLine& l = o.lines[i];
        tx.exec_prepared("ord_line_insert", o.id, static_cast<int>(i), l.product_id, l.sku, l.name,
                         l.sale_unit, l.quantity, l.unit_price_cents, l.vat_rate_bp, l.total_cents,
                         l.vat_cents);
      }
      tx.exec_prepared("ord_history_insert", o.id, "", "pending", user_id, "resident", "");
      c.orders.push_back(std::move(o));
    }
    return c;
  });
}

absl::StatusOr<bool> PgOrdersRepository::ClaimCheckout(const std::string& checkout_id,
                                                       absl::Duration claim, Deadline deadline) {
  return pool_.Run<bool>(deadline, [&](pqxx::work& tx) -> absl::StatusOr<bool> {
    return !tx.exec_prepared("ord_checkout_claim", checkout_id, absl::ToInt64Microseconds(claim))
                .empty();
  });
}

absl::StatusOr<std::vector<std::string>> PgOrdersRepository::ClaimStaleCheckouts(
    absl::Duration claim, int limit, Deadline deadline) {
  return pool_.Run<std::vector<std::string>>(
      deadline, [&](pqxx::work& tx) -> absl::StatusOr<std::vector<std::string>> {
        std::vector<std::string> ids;
        for (const pqxx::row& r :
             tx.exec_prepared("ord_checkouts_stale", absl::ToInt64Microseconds(claim), limit)) {
          ids.push_back(r[0].as<std::string>());
        }
        return ids;
      });
}

absl::Status PgOrdersRepository::FinishCheckout(const std::string& checkout_id,
                                                const std::string& status, int failure_code,
                                                const std::string& failure_reason,
                                                const OrderChange& change, Deadline deadline) {
  return pool_.RunStatus(deadline, [&](pqxx::work& tx) -> absl::Status {
    std::vector<Order> orders =
        Orders(tx.exec_prepared("ord_orders_of_checkout_lock", checkout_id));
    LoadLines(tx, orders);
    for (Order& o : orders) {
      absl::Status applied = ApplyChange(tx, o, change);
      if (!applied.ok()) return applied;
    }
    tx.exec_prepared("ord_checkout_finish", checkout_id, status, failure_code, failure_reason);
    return absl::OkStatus();
  });
}

absl::StatusOr<Order> PgOrdersRepository::ChangeOrder(const std::string& order_id,
                                                      const OrderChange& change,
                                                      Deadline deadline) {
  return pool_.Run<Order>(deadline, [&](pqxx::work& tx) -> absl::StatusOr<Order> {
    pqxx::result r = tx.exec_prepared("ord_order_lock", order_id);
    if (r.empty()) return absl::NotFoundError("no such order");
    std::vector<Order> orders = {RowToOrder(r[0])};
    LoadLines(tx, orders);
    Order& order = orders[0];
    LoadHistory(tx, order);
    absl::Status applied = ApplyChange(tx, order, change);
    if (!applied.ok()) return applied;
    return order;
  });
}

absl::Status PgOrdersRepository::ClearHeldGoodsAction(const std::string& order_id,
                                                      const std::string& action,
                                                      Deadline deadline) {
  return pool_.RunStatus(deadline, [&](pqxx::work& tx) -> absl::Status {
    tx.exec_prepared("ord_clear_goods", order_id, action);
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<Order>> PgOrdersRepository::OrdersOwingGoods(absl::Duration older_than,
                                                                        int limit,
                                                                        Deadline deadline) {
  return pool_.Run<std::vector<Order>>(
      deadline, [&](pqxx::work& tx) -> absl::StatusOr<std::vector<Order>> {
        return Orders(
            tx.exec_prepared("ord_owing_goods", absl::ToInt64Microseconds(older_than), limit));
      });
}

absl::StatusOr<Order> PgOrdersRepository::GetOrder(const std::string& order_id, Deadline deadline) {
  return pool_.Run<Order>(deadline, [&](pqxx::work& tx) -> absl::StatusOr<Order> {
    pqxx::result r = tx.exec_prepared("ord_order_by_id", order_id);
    if (r.empty()) return absl::NotFoundError("no such order");
    std::vector<Order> orders = {RowToOrder(r[0])};
    LoadLines(tx, orders);
    LoadHistory(tx, orders[0]);
    return orders[0];
  });
}

absl::StatusOr<std::vector<Order>> PgOrdersRepository::ListOrders(const OrderQuery& q,
                                                                  Deadline deadline) {
  const std::string statuses = q.statuses.empty()
                                   ? std::string(kListedStatuses)
                                   : absl::StrCat("{", absl::StrJoin(q.statuses, ","), "}");
  const bool by_customer = !q.customer_user_id.empty();
  return pool_.Run<std::vector<Order>>(
      deadline, [&](pqxx::work& tx) -> absl::StatusOr<std::vector<Order>> {
        std::vector<Order> orders = Orders(tx.exec_prepared(
            by_customer ? "ord_list_customer" : "ord_list_shop",
            by_customer ? q.customer_user_id : q.shop_id, statuses, ClampedMicros(q.from),
            ClampedMicros(q.to), ClampedMicros(q.after_time),
            q.after_id.empty() ? std::string(kMaxUuid) : q.after_id, q.limit + 1));
        LoadLines(tx, orders);
        return orders;
      });
}

absl::StatusOr<std::vector<Order>> PgOrdersRepository::OrdersOfCustomer(const std::string& user_id,
                                                                        int limit,
                                                                        Deadline deadline) {
  return pool_.Run<std::vector<Order>>(
      deadline, [&](pqxx::work& tx) -> absl::StatusOr<std::vector<Order>> {
        std::vector<Order> orders = Orders(tx.exec_prepared("ord_customer_orders", user_id, limit));
        LoadLines(tx, orders);
        for (Order& o : orders) LoadHistory(tx, o);
        return orders;
      });
}

absl::StatusOr<OrderFigures> PgOrdersRepository::FiguresSince(absl::CivilDay first_day,
                                                              Deadline deadline) {
  const std::string day = absl::FormatCivilTime(first_day);
  return pool_.Run<OrderFigures>(deadline, [&](pqxx::work& tx) -> absl::StatusOr<OrderFigures> {
    OrderFigures figures;
    for (const pqxx::row& r : tx.exec_prepared("ord_figures_by_day", day)) {
      DayFigures d;
      if (!absl::ParseCivilTime(r[0].as<std::string>(), &d.day)) {
        return absl::InternalError("unreadable day in order figures");
      }
      d.orders = r[1].as<int64_t>();
      d.total_cents = r[2].as<int64_t>();
      d.cancelled_or_rejected = r[3].as<int64_t>();
      figures.days.push_back(d);
    }
    for (const pqxx::row& r : tx.exec_prepared("ord_figures_by_department", day)) {
      figures.departments.push_back({.department_code = r[0].as<std::string>(),
                                     .orders = r[1].as<int64_t>(),
                                     .total_cents = r[2].as<int64_t>()});
    }
    return figures;
  });
}

absl::Status PgOrdersRepository::AnonymiseCustomer(const std::string& user_id, Deadline deadline) {
  return pool_.RunStatus(deadline, [&](pqxx::work& tx) -> absl::Status {
    tx.exec_prepared("ord_anonymise", user_id);
    return absl::OkStatus();
  });
}

}  // namespace comptoir::orders
