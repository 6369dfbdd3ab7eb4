// The order's rules that need no I/O: money and VAT of lines, the status machine with who may
// move an order where, readable order numbers, and idempotency-key replay decisions. Pure
// functions over values: thread-safe, unit-tested without a database.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace comptoir::orders {

enum class OrderStatus {
  kPending,  // being placed by the checkout saga
  kPlaced,
  kAccepted,
  kRejected,
  kReady,
  kCollected,
  kCancelled,
  kOutForDelivery,
  kDelivered,
  kDeliveryFailed,
  kFailed,  // the checkout could not place it: everything was given back
};

// Lowercase wire names ("out_for_delivery"), as in OrderEvent.
std::string_view StatusName(OrderStatus status);
std::optional<OrderStatus> ParseStatus(std::string_view name);

// Who asks for a transition.
enum class Actor {
  kResident,  // the customer who ordered
  kShop,      // a member of the order's shop
  kSystem,    // the checkout saga, the reconciler, delivery events
};
std::string_view ActorName(Actor actor);

enum class Fulfilment { kPickup, kDelivery };
std::string_view FulfilmentName(Fulfilment fulfilment);
std::optional<Fulfilment> ParseFulfilment(std::string_view name);

// OK when `actor` may move an order of `fulfilment` from `from` to `to`; FailedPrecondition
// (a message for people) when the order is not in a state that allows it, PermissionDenied
// when the state allows it but not for this actor.
absl::Status CheckTransition(OrderStatus from, OrderStatus to, Actor actor, Fulfilment fulfilment);

// What a transition into `to` asks of the stock and slot held by the order.
enum class HeldGoods { kKeep, kRelease, kCommit };
HeldGoods HeldGoodsAfter(OrderStatus to);

// A status no transition leaves.
bool IsFinal(OrderStatus status);

// One change of status, as recorded in the order's history.
struct Transition {
  std::string from_status;  // "" for the creation
  std::string to_status;
  std::string actor_user_id;  // "" for the system
  std::string actor_role;     // ActorName
  std::string reason;
  absl::Time time = absl::UnixEpoch();
};

// VAT rates allowed by the catalogue, in basis points.
bool IsKnownVatRate(int32_t rate_bp);

// VAT included in `total_cents` at `rate_bp`: round(total × r / (1 + r)), half away from
// zero, r = rate_bp / 10000. Rounded per line (the invoice's rule), never on sums.
int64_t VatIncluded(int64_t total_cents, int32_t rate_bp);

struct OrderLine {
  std::string product_id;
  std::string sku;
  std::string name;
  std::string sale_unit;
  int32_t quantity = 0;
  int64_t unit_price_cents = 0;
  int32_t vat_rate_bp = 0;
  int64_t total_cents = 0;  // unit_price_cents × quantity
  int64_t vat_cents = 0;    // VatIncluded(total_cents, vat_rate_bp)
};

// A line priced from its unit price, quantity and rate.
OrderLine PricedLine(OrderLine line);

struct VatAmount {
  int32_t rate_bp = 0;
  int64_t total_cents = 0;
  int64_t vat_cents = 0;
  int64_t net_cents = 0;
};

// One entry per rate present, ascending: sums of the lines' totals and VAT.
std::vector<VatAmount> VatBreakdown(const std::vector<OrderLine>& lines);
int64_t ItemsTotal(const std::vector<OrderLine>& lines);

// An order as stored: the snapshot taken at checkout and its life since.
struct Order {
  std::string id;
  std::string number;
  std::string checkout_id;
  std::string shop_id;
  std::string shop_name;
  // Department of the shop's commune when the order was placed (regional figures).
  std::string shop_department_code;
  std::string customer_user_id;
  std::string customer_name;
  std::string customer_phone;
  OrderStatus status = OrderStatus::kPending;
  std::string status_reason;
  Fulfilment fulfilment = Fulfilment::kPickup;
  std::string slot_id;
  absl::Time slot_start = absl::UnixEpoch();
  absl::Time slot_end = absl::UnixEpoch();
  std::string delivery_address;
  std::string delivery_commune_insee;
  std::string delivery_postal_code;
  std::vector<OrderLine> lines;
  int64_t items_cents = 0;
  int64_t delivery_fee_cents = 0;
  int64_t total_cents = 0;
  std::string payment_method;
  std::string payment_state;  // "due", "paid", "void"
  // Stock and slot work owed after the last transition: "", "release" or "commit".
  std::string held_goods_action;
  std::vector<Transition> history;  // filled by single-order reads only
  int64_t version = 0;
  absl::Time create_time = absl::UnixEpoch();
  absl::Time update_time = absl::UnixEpoch();
};

// Orders placed on one Europe/Paris calendar day ("placed" meaning any status but pending
// and failed), with their amounts.
struct DayFigures {
  absl::CivilDay day;
  int64_t orders = 0;
  int64_t total_cents = 0;
  int64_t cancelled_or_rejected = 0;
};

struct DepartmentFigures {
  std::string department_code;
  int64_t orders = 0;
  int64_t total_cents = 0;
};

// Days (ascending) and departments of the selling shops (most orders first).
struct OrderFigures {
  std::vector<DayFigures> days;
  std::vector<DepartmentFigures> departments;
};

// The figures of `first_day` to `last_day` inclusive, one entry per day: days missing from
// `days` (no orders) appear with zeros. Entries outside the period are dropped.
std::vector<DayFigures> EveryDay(const std::vector<DayFigures>& days, absl::CivilDay first_day,
                                 absl::CivilDay last_day);

// Moves `order` to `to` (the caller checked the move with CheckTransition): status, reason,
// payment state and the stock/slot work owed follow; returns the history entry to record.
Transition ApplyTransition(Order& order, OrderStatus to, Actor actor, std::string actor_user_id,
                           std::string reason);

// "CPT-2026-000123": the year of creation and a sequence, at least six digits.
std::string FormatOrderNumber(int year, int64_t sequence);

// What to do with a checkout request whose idempotency key is already known.
enum class ReplayDecision {
  kReturnStored,  // same body, finished: answer what was answered the first time
  kInFlight,      // same body, still being placed by a live request: ABORTED (409)
  kTakeOver,      // same body, still pending but its owner stopped: resume the saga
};

// Decides, or refuses with InvalidArgument when the body differs (`stored_hash` is the
// fingerprint of the first request). `claimed_until` is when the first request's claim lapses.
struct StoredCheckout {
  std::string request_hash;
  bool finished = false;
  absl::Time claimed_until = absl::InfinitePast();
};
absl::StatusOr<ReplayDecision> DecideReplay(const StoredCheckout& stored,
                                            std::string_view request_hash, absl::Time now);

// Idempotency keys: 8 to 100 printable ASCII characters.
bool IsValidIdempotencyKey(std::string_view key);

}  // namespace comptoir::orders
