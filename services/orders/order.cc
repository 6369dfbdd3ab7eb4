#include "order.h"

#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace comptoir::orders {
namespace {

struct StatusEntry {
  OrderStatus status;
  std::string_view name;
  std::string_view french;  // for messages people read
};

constexpr StatusEntry kStatuses[] = {
    {OrderStatus::kPending, "pending", "en cours d'enregistrement"},
    {OrderStatus::kPlaced, "placed", "passée"},
    {OrderStatus::kAccepted, "accepted", "acceptée"},
    {OrderStatus::kRejected, "rejected", "refusée"},
    {OrderStatus::kReady, "ready", "prête"},
    {OrderStatus::kCollected, "collected", "retirée"},
    {OrderStatus::kCancelled, "cancelled", "annulée"},
    {OrderStatus::kOutForDelivery, "out_for_delivery", "en livraison"},
    {OrderStatus::kDelivered, "delivered", "livrée"},
    {OrderStatus::kDeliveryFailed, "delivery_failed", "non livrée"},
    {OrderStatus::kFailed, "failed", "non aboutie"},
};

std::string_view French(OrderStatus status) {
  for (const StatusEntry& e : kStatuses) {
    if (e.status == status) return e.french;
  }
  return "";
}

// The whole machine in one table: a reader checks the design against these lines.
struct Edge {
  OrderStatus from;
  OrderStatus to;
  Actor actor;
  std::optional<Fulfilment> only_for;  // nullopt: both kinds
};

using S = OrderStatus;
constexpr Edge kEdges[] = {
    {S::kPending, S::kPlaced, Actor::kSystem, std::nullopt},
    {S::kPending, S::kFailed, Actor::kSystem, std::nullopt},
    {S::kPlaced, S::kAccepted, Actor::kShop, std::nullopt},
    {S::kPlaced, S::kRejected, Actor::kShop, std::nullopt},
    {S::kPlaced, S::kCancelled, Actor::kResident, std::nullopt},
    {S::kAccepted, S::kCancelled, Actor::kResident, std::nullopt},
    {S::kAccepted, S::kReady, Actor::kShop, std::nullopt},
    {S::kReady, S::kCollected, Actor::kShop, Fulfilment::kPickup},
    {S::kReady, S::kOutForDelivery, Actor::kSystem, Fulfilment::kDelivery},
    // A courier may take an order the shop forgot to mark ready: the pick-up is a fact.
    {S::kAccepted, S::kOutForDelivery, Actor::kSystem, Fulfilment::kDelivery},
    {S::kOutForDelivery, S::kDelivered, Actor::kSystem, Fulfilment::kDelivery},
    {S::kOutForDelivery, S::kDeliveryFailed, Actor::kSystem, Fulfilment::kDelivery},
};

}  // namespace

std::string_view StatusName(OrderStatus status) {
  for (const StatusEntry& e : kStatuses) {
    if (e.status == status) return e.name;
  }
  return "";
}

std::optional<OrderStatus> ParseStatus(std::string_view name) {
  for (const StatusEntry& e : kStatuses) {
    if (e.name == name) return e.status;
  }
  return std::nullopt;
}

std::string_view ActorName(Actor actor) {
  switch (actor) {
    case Actor::kResident:
      return "resident";
    case Actor::kShop:
      return "shop";
    case Actor::kSystem:
      return "system";
  }
  return "";
}

std::string_view FulfilmentName(Fulfilment fulfilment) {
  return fulfilment == Fulfilment::kPickup ? "pickup" : "delivery";
}

std::optional<Fulfilment> ParseFulfilment(std::string_view name) {
  if (name == "pickup") return Fulfilment::kPickup;
  if (name == "delivery") return Fulfilment::kDelivery;
  return std::nullopt;
}

absl::Status CheckTransition(OrderStatus from, OrderStatus to, Actor actor, Fulfilment fulfilment) {
  bool state_allows = false;
  for (const Edge& e : kEdges) {
    if (e.from != from || e.to != to) continue;
    if (e.only_for.has_value() && *e.only_for != fulfilment) continue;
    state_allows = true;
    if (e.actor == actor) return absl::OkStatus();
  }
  if (state_allows) {
    return absl::PermissionDeniedError(
        absl::StrCat("only ", actor == Actor::kShop ? "the customer" : "the shop",
                     " may move this order to \"", std::string(StatusName(to)), "\""));
  }
  return absl::FailedPreconditionError(
      absl::StrCat("la commande est ", std::string(French(from)),
                   " : elle ne peut pas passer à l'état « ", std::string(French(to)), " » (",
                   std::string(StatusName(from)), " -> ", std::string(StatusName(to)), ")"));
}

HeldGoods HeldGoodsAfter(OrderStatus to) {
  switch (to) {
    case S::kRejected:
    case S::kCancelled:
    case S::kFailed:
    case S::kDeliveryFailed:  // the goods go back to the shop's shelves
      return HeldGoods::kRelease;
    case S::kCollected:
    case S::kDelivered:
      return HeldGoods::kCommit;
    default:
      return HeldGoods::kKeep;
  }
}

bool IsFinal(OrderStatus status) {
  for (const Edge& e : kEdges) {
    if (e.from == status) return false;
  }
  return true;
}

bool IsKnownVatRate(int32_t rate_bp) {
  return rate_bp == 210 || rate_bp == 550 || rate_bp == 1000 || rate_bp == 2000;
}

int64_t VatIncluded(int64_t total_cents, int32_t rate_bp) {
  // total × bp / (10000 + bp), rounded half away from zero, in integers: exact for every
  // amount the catalogue allows (|total| <= 1e8 × 999, so 2·total·bp stays far below 2^63).
  const int64_t divisor = 10000 + rate_bp;
  const int64_t twice = 2 * total_cents * rate_bp;
  if (twice >= 0) return (twice + divisor) / (2 * divisor);
  return -((-twice + divisor) / (2 * divisor));
}

OrderLine PricedLine(OrderLine line) {
  line.total_cents = line.unit_price_cents * line.quantity;
  line.vat_cents = VatIncluded(line.total_cents, line.vat_rate_bp);
  return line;
}

std::vector<VatAmount> VatBreakdown(const std::vector<OrderLine>& lines) {
  std::map<int32_t, VatAmount> by_rate;
  for (const OrderLine& line : lines) {
    VatAmount& v = by_rate[line.vat_rate_bp];
    v.rate_bp = line.vat_rate_bp;
    v.total_cents += line.total_cents;
    v.vat_cents += line.vat_cents;
  }
  std::vector<VatAmount> out;
  for (auto& [rate, v] : by_rate) {
    v.net_cents = v.total_cents - v.vat_cents;
    out.push_back(v);
  }
  return out;
}

int64_t ItemsTotal(const std::vector<OrderLine>& lines) {
  int64_t total = 0;
  for (const OrderLine& line : lines) total += line.total_cents;
  return total;
}

Transition ApplyTransition(Order& order, OrderStatus to, Actor actor, std::string actor_user_id,
                           std::string reason) {
  Transition t{.from_status = std::string(StatusName(order.status)),
               .to_status = std::string(StatusName(to)),
               .actor_user_id = std::move(actor_user_id),
               .actor_role = std::string(ActorName(actor)),
               .reason = std::move(reason),
               .time = absl::Now()};
  order.status = to;
  if (!t.reason.empty()) order.status_reason = t.reason;
  switch (HeldGoodsAfter(to)) {
    case HeldGoods::kRelease:
      order.held_goods_action = "release";
      order.payment_state = "void";
      break;
    case HeldGoods::kCommit:
      order.held_goods_action = "commit";
      order.payment_state = "paid";  // paid on site at hand-over
      break;
    case HeldGoods::kKeep:
      break;
  }
  return t;
}

std::string FormatOrderNumber(int year, int64_t sequence) {
  return absl::StrFormat("CPT-%04d-%06d", year, sequence);
}

absl::StatusOr<ReplayDecision> DecideReplay(const StoredCheckout& stored,
                                            std::string_view request_hash, absl::Time now) {
  if (stored.request_hash != request_hash) {
    return absl::InvalidArgumentError(
        "this Idempotency-Key was already used for a different checkout request; use a new "
        "key for a new request");
  }
  if (stored.finished) return ReplayDecision::kReturnStored;
  if (now < stored.claimed_until) return ReplayDecision::kInFlight;
  return ReplayDecision::kTakeOver;
}

bool IsValidIdempotencyKey(std::string_view key) {
  if (key.size() < 8 || key.size() > 100) return false;
  for (char c : key) {
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

std::vector<DayFigures> EveryDay(const std::vector<DayFigures>& days, absl::CivilDay first_day,
                                 absl::CivilDay last_day) {
  std::vector<DayFigures> out;
  if (last_day < first_day) return out;
  out.reserve(static_cast<std::size_t>(last_day - first_day + 1));
  auto next = days.begin();
  for (absl::CivilDay day = first_day; day <= last_day; ++day) {
    while (next != days.end() && next->day < day) ++next;
    if (next != days.end() && next->day == day) {
      out.push_back(*next);
    } else {
      out.push_back({.day = day});
    }
  }
  return out;
}

}  // namespace comptoir::orders
