// The checkout saga of OrdersService (declared in orders_service.h): validation, pricing into
// one order per shop, reserve stock / quote / book slots, PLACED, compensation in reverse on
// failure, replays of an idempotency key, and the reconciler pass that finishes what a crash
// left. The rest of the service (carts, reads, transitions) is in orders_service.cc.
#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "comptoir/common/crypto.h"
#include "comptoir/common/ids.h"
#include "comptoir/common/log.h"
#include "comptoir/common/status.h"
#include "comptoir/common/utf8.h"
#include "orders_service.h"

namespace comptoir::orders {
namespace {

using common::Caller;
using common::Deadline;

constexpr int kMaxCheckoutLines = 100;

bool ValidPhone(const std::string& phone) {
  if (phone.size() < 6 || phone.size() > 20) return false;
  int digits = 0;
  for (char c : phone) {
    if (c >= '0' && c <= '9') {
      ++digits;
    } else if (c != ' ' && c != '+' && c != '.' && c != '-') {
      return false;
    }
  }
  return digits >= 6;
}

bool AllDigits(const std::string& s, std::size_t n) {
  return s.size() == n && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || c == 'A' || c == 'B';  // Corsica: 2A, 2B
         });
}

// Canonical text of what the checkout asks for, hashed to recognise a replay. The key itself
// is not in it; lines are sorted so that their order does not count.
std::string RequestFingerprint(const CheckoutRequest& r,
                               const std::vector<StockRequestLine>& lines) {
  std::vector<std::string> parts;
  std::vector<std::string> line_texts;
  for (const StockRequestLine& l : lines) {
    line_texts.push_back(absl::StrCat(absl::AsciiStrToLower(l.product_id), "x", l.quantity));
  }
  std::sort(line_texts.begin(), line_texts.end());
  std::vector<std::string> fulfilment_texts;
  for (const FulfilmentChoice& f : r.fulfilments) {
    fulfilment_texts.push_back(
        absl::StrJoin({absl::AsciiStrToLower(f.shop_id), f.kind, f.slot_id, f.delivery_address,
                       f.delivery_commune_insee, f.delivery_postal_code},
                      "\x1f"));
  }
  std::sort(fulfilment_texts.begin(), fulfilment_texts.end());
  return common::Sha256Hex(absl::StrJoin(
      {absl::StrJoin(line_texts, ","), absl::StrJoin(fulfilment_texts, "\x1e"), r.customer_name,
       r.customer_phone, r.payment_method.empty() ? std::string("on_site") : r.payment_method},
      "\x1d"));
}

absl::Status ValidateCheckout(const CheckoutRequest& r) {
  common::Violations v;
  if (r.idempotency_key.empty()) {
    v.Add("idempotency_key", "an Idempotency-Key header (or idempotency_key) is required");
  } else if (!IsValidIdempotencyKey(r.idempotency_key)) {
    v.Add("idempotency_key", "must be 8 to 100 printable ASCII characters without spaces");
  }
  const int name_length = common::PrintableLength(r.customer_name);
  if (name_length < 1 || name_length > 100) {
    v.Add("customer_name", "must be 1 to 100 characters");
  }
  if (!ValidPhone(r.customer_phone)) {
    v.Add("customer_phone", "must be 6 to 20 digits, spaces, '+', '.' or '-'");
  }
  if (!r.payment_method.empty() && r.payment_method != "on_site") {
    v.Add("payment_method", "must be \"on_site\" (payment at pickup or delivery)");
  }
  if (static_cast<int>(r.lines.size()) > kMaxCheckoutLines) {
    v.Add("lines", "at most 100 lines");
  }
  std::set<std::string> seen_products;
  for (std::size_t i = 0; i < r.lines.size(); ++i) {
    const StockRequestLine& l = r.lines[i];
    const std::string field = absl::StrCat("lines[", i, "]");
    if (!common::LooksLikeUuid(l.product_id)) v.Add(field + ".product_id", "must be a UUID");
    if (l.quantity < 1 || l.quantity > kMaxLineQuantity) {
      v.Add(field + ".quantity", "must be between 1 and 999");
    }
    if (!seen_products.insert(absl::AsciiStrToLower(l.product_id)).second) {
      v.Add(field + ".product_id", "appears twice");
    }
  }
  if (r.fulfilments.empty()) v.Add("fulfilments", "one entry per shop is required");
  if (r.fulfilments.size() > 50) v.Add("fulfilments", "at most 50 shops");
  std::set<std::string> seen_shops;
  for (std::size_t i = 0; i < r.fulfilments.size(); ++i) {
    const FulfilmentChoice& f = r.fulfilments[i];
    const std::string field = absl::StrCat("fulfilments[", i, "]");
    if (!common::LooksLikeUuid(f.shop_id)) v.Add(field + ".shop_id", "must be a UUID");
    if (!seen_shops.insert(absl::AsciiStrToLower(f.shop_id)).second)
      v.Add(field + ".shop_id", "appears twice");
    if (f.slot_id.empty() || f.slot_id.size() > 100) {
      v.Add(field + ".slot_id", "a slot from the shop's slots is required");
    }
    std::optional<Fulfilment> kind = ParseFulfilment(f.kind);
    if (!kind.has_value()) {
      v.Add(field + ".kind", "must be \"pickup\" or \"delivery\"");
    } else if (*kind == Fulfilment::kDelivery) {
      const int address_length = common::PrintableLength(f.delivery_address);
      if (address_length < 1 || address_length > 200) {
        v.Add(field + ".delivery_address", "must be 1 to 200 characters");
      }
      if (!AllDigits(f.delivery_commune_insee, 5)) {
        v.Add(field + ".delivery_commune_insee", "must be an INSEE code (5 characters)");
      }
      if (f.delivery_postal_code.size() != 5 ||
          !std::all_of(f.delivery_postal_code.begin(), f.delivery_postal_code.end(),
                       [](char c) { return c >= '0' && c <= '9'; })) {
        v.Add(field + ".delivery_postal_code", "must be 5 digits");
      }
    } else if (!f.delivery_address.empty() || !f.delivery_commune_insee.empty()) {
      v.Add(field + ".delivery_address", "only for delivery");
    }
  }
  return v.ToStatus();
}

// What the resident hears when a peer refused a step, in words about their basket.
absl::Status ReserveFailure(const absl::Status& status, const Order& order) {
  if (status.code() != absl::StatusCode::kFailedPrecondition &&
      status.code() != absl::StatusCode::kNotFound) {
    return status;
  }
  for (const OrderLine& line : order.lines) {
    if (status.message().find(line.product_id) != absl::string_view::npos) {
      if (status.code() == absl::StatusCode::kNotFound) {
        return absl::FailedPreconditionError(absl::StrCat(
            "« ", line.name, " » n'est plus en vente (product ", line.product_id, ")"));
      }
      return absl::FailedPreconditionError(absl::StrCat("Stock insuffisant pour « ", line.name,
                                                        " » (product ", line.product_id, ")"));
    }
  }
  return absl::FailedPreconditionError(absl::StrCat("Stock insuffisant chez ", order.shop_name));
}

absl::Status SlotFailure(const absl::Status& status, const Order& order) {
  switch (status.code()) {
    case absl::StatusCode::kUnimplemented:
      return absl::FailedPreconditionError("livraison indisponible pour le moment");
    case absl::StatusCode::kResourceExhausted:
      return absl::FailedPreconditionError(
          absl::StrCat("Le créneau choisi chez ", order.shop_name, " est complet"));
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kFailedPrecondition:
      return absl::FailedPreconditionError(
          absl::StrCat("Le créneau choisi chez ", order.shop_name,
                       " n'est pas disponible : ", status.message()));
    default:
      return status;
  }
}

}  // namespace

absl::StatusOr<CheckoutRecord> CheckoutOutcome(CheckoutRecord checkout) {
  if (checkout.status == "failed") {
    return absl::Status(static_cast<absl::StatusCode>(checkout.failure_code),
                        checkout.failure_reason);
  }
  return checkout;
}

// ------------------------------------------------------------------------------- checkout

absl::StatusOr<CheckoutRecord> OrdersService::Checkout(const Caller& caller,
                                                       const CheckoutRequest& request,
                                                       Deadline deadline) {
  RETURN_IF_ERROR(common::RequireAuthenticated(caller));
  RETURN_IF_ERROR(ValidateCheckout(request));
  std::vector<StockRequestLine> lines = request.lines;
  for (StockRequestLine& l : lines) l.product_id = absl::AsciiStrToLower(l.product_id);
  const bool from_cart = lines.empty();
  if (from_cart) {
    ASSIGN_OR_RETURN(std::vector<CartItem> items, carts_.Get(caller.user_id));
    for (const CartItem& item : items) lines.push_back({item.product_id, item.quantity});
    if (lines.empty()) return absl::FailedPreconditionError("le panier est vide");
  }
  const std::string hash = RequestFingerprint(request, lines);

  absl::StatusOr<CheckoutRecord> existing =
      repository_.FindCheckout(caller.user_id, request.idempotency_key, deadline);
  if (existing.ok()) return Replay(*existing, hash, deadline);
  if (existing.status().code() != absl::StatusCode::kNotFound) return existing.status();

  ASSIGN_OR_RETURN(std::vector<Order> orders, PriceOrders(caller, request, lines, deadline));
  absl::StatusOr<CheckoutRecord> created =
      repository_.CreateCheckout(caller.user_id, request.idempotency_key, hash,
                                 options_.checkout_claim, std::move(orders), deadline);
  if (created.status().code() == absl::StatusCode::kAlreadyExists) {
    // A concurrent duplicate won the insert: it is this request's twin.
    ASSIGN_OR_RETURN(CheckoutRecord twin,
                     repository_.FindCheckout(caller.user_id, request.idempotency_key, deadline));
    return Replay(twin, hash, deadline);
  }
  if (!created.ok()) return created.status();
  absl::StatusOr<CheckoutRecord> placed = RunSaga(*created, deadline);
  if (placed.ok() && from_cart) {
    std::vector<std::string> ordered;
    for (const StockRequestLine& l : lines) ordered.push_back(l.product_id);
    // The orders exist; a cart that keeps its lines is a nuisance, not an error.
    if (absl::Status removed = carts_.Remove(caller.user_id, ordered); !removed.ok()) {
      LOG_WARN("cart not emptied after checkout", {{"checkout", placed->id}});
    }
  }
  return placed;
}

absl::StatusOr<std::vector<Order>> OrdersService::PriceOrders(
    const Caller&, const CheckoutRequest& request, const std::vector<StockRequestLine>& lines,
    Deadline deadline) {
  std::map<std::string, FulfilmentChoice> choices;
  for (const FulfilmentChoice& f : request.fulfilments)
    choices[absl::AsciiStrToLower(f.shop_id)] = f;
  std::vector<Order> orders;
  std::map<std::string, std::size_t> by_shop;
  for (const StockRequestLine& l : lines) {
    absl::StatusOr<ProductFacts> product =
        catalogue_.GetProduct(l.product_id, PeerDeadline(deadline));
    if (product.status().code() == absl::StatusCode::kNotFound) {
      return absl::FailedPreconditionError(
          absl::StrCat("Un produit n'est plus en vente (product ", l.product_id, ")"));
    }
    if (!product.ok()) return absl::UnavailableError("the catalogue cannot be reached, retry");
    const std::string shop_id = absl::AsciiStrToLower(product->shop_id);
    auto choice = choices.find(shop_id);
    if (choice == choices.end()) {
      return common::InvalidField(
          "fulfilments", absl::StrCat("choose pickup or delivery for the shop ", product->shop_name,
                                      " (", shop_id, ")"));
    }
    auto [it, added] = by_shop.emplace(shop_id, orders.size());
    if (added) {
      const FulfilmentChoice& f = choice->second;
      Order o;
      o.shop_id = shop_id;
      o.shop_name = product->shop_name;
      o.shop_department_code = product->department_code;
      o.customer_name = request.customer_name;
      o.customer_phone = request.customer_phone;
      o.fulfilment = *ParseFulfilment(f.kind);
      o.slot_id = f.slot_id;
      if (o.fulfilment == Fulfilment::kDelivery) {
        o.delivery_address = f.delivery_address;
        o.delivery_commune_insee = f.delivery_commune_insee;
        o.delivery_postal_code = f.delivery_postal_code;
      }
      o.payment_method = payment_.method();
      orders.push_back(std::move(o));
    }
    orders[it->second].lines.push_back(PricedLine({.product_id = product->id,
                                                   .sku = product->sku,
                                                   .name = product->name,
                                                   .sale_unit = product->sale_unit,
                                                   .quantity = static_cast<int32_t>(l.quantity),
                                                   .unit_price_cents = product->price_cents,
                                                   .vat_rate_bp = product->vat_rate_bp}));
  }
  if (choices.size() != orders.size()) {
    return common::InvalidField("fulfilments", "one entry for each shop of the basket, no more");
  }
  for (Order& o : orders) {
    o.items_cents = ItemsTotal(o.lines);
    if (o.fulfilment == Fulfilment::kDelivery) {
      absl::StatusOr<int64_t> fee = delivery_.QuoteFee(o.shop_id, o.delivery_commune_insee,
                                                       o.items_cents, PeerDeadline(deadline));
      if (fee.status().code() == absl::StatusCode::kUnimplemented) {
        return absl::FailedPreconditionError("livraison indisponible pour le moment");
      }
      if (!fee.ok()) return fee.status();
      o.delivery_fee_cents = *fee;
    }
    o.total_cents = o.items_cents + o.delivery_fee_cents;
  }
  return orders;
}

absl::StatusOr<CheckoutRecord> OrdersService::Replay(const CheckoutRecord& existing,
                                                     const std::string& hash, Deadline deadline) {
  ASSIGN_OR_RETURN(ReplayDecision decision, DecideReplay({.request_hash = existing.request_hash,
                                                          .finished = existing.status != "pending",
                                                          .claimed_until = existing.claimed_until},
                                                         hash, absl::Now()));
  switch (decision) {
    case ReplayDecision::kReturnStored:
      return CheckoutOutcome(existing);
    case ReplayDecision::kInFlight:
      break;
    case ReplayDecision::kTakeOver: {
      ASSIGN_OR_RETURN(bool claimed,
                       repository_.ClaimCheckout(existing.id, options_.checkout_claim, deadline));
      if (claimed) {
        ASSIGN_OR_RETURN(CheckoutRecord fresh, repository_.LoadCheckout(existing.id, deadline));
        return RunSaga(fresh, deadline);
      }
      break;
    }
  }
  return absl::AbortedError(
      "a checkout with this Idempotency-Key is still being placed; retry in a moment");
}

absl::StatusOr<CheckoutRecord> OrdersService::RunSaga(const CheckoutRecord& checkout,
                                                      Deadline deadline) {
  std::map<std::string, BookedSlot> slots;
  std::map<std::string, std::string> payment_states;
  absl::Status failure;
  for (const Order& order : checkout.orders) {
    std::vector<StockRequestLine> stock;
    for (const OrderLine& l : order.lines) stock.push_back({l.product_id, l.quantity});
    absl::Status reserved = catalogue_.ReserveStock(order.id, stock, PeerDeadline(deadline));
    if (!reserved.ok()) {
      failure = ReserveFailure(reserved, order);
      break;
    }
    absl::StatusOr<BookedSlot> booked =
        delivery_.BookSlot(order.id, order.shop_id, order.slot_id, PeerDeadline(deadline));
    if (!booked.ok()) {
      failure = SlotFailure(booked.status(), order);
      break;
    }
    slots[order.id] = *booked;
    absl::StatusOr<std::string> payment =
        payment_.Authorize(order.id, order.total_cents, PeerDeadline(deadline));
    if (!payment.ok()) {
      failure = payment.status();
      break;
    }
    payment_states[order.id] = *payment;
  }
  if (failure.ok()) {
    absl::Status placed = repository_.FinishCheckout(
        checkout.id, "placed", 0, "",
        [&](Order& o) -> absl::StatusOr<Transition> {
          // The reconciler may have undone a saga that ran past its claim.
          RETURN_IF_ERROR(
              CheckTransition(o.status, OrderStatus::kPlaced, Actor::kSystem, o.fulfilment));
          o.slot_start = slots[o.id].start;
          o.slot_end = slots[o.id].end;
          o.payment_state = payment_states[o.id];
          return ApplyTransition(o, OrderStatus::kPlaced, Actor::kSystem, "", "");
        },
        deadline);
    if (placed.ok()) return repository_.LoadCheckout(checkout.id, deadline);
    if (placed.code() != absl::StatusCode::kFailedPrecondition) {
      // Unknown outcome (the database went away, perhaps after committing): leave the
      // checkout pending; a replay or the reconciler settles it once the claim lapses.
      return absl::UnavailableError("the checkout could not be confirmed; retry with the same key");
    }
    failure = absl::FailedPreconditionError("the checkout was interrupted; please order again");
  }
  return Undo(checkout, failure, deadline);
}

absl::Status OrdersService::Undo(const CheckoutRecord& checkout, const absl::Status& failure,
                                 Deadline deadline) {
  absl::Status recorded = repository_.FinishCheckout(
      checkout.id, "failed", static_cast<int>(failure.code()), std::string(failure.message()),
      [&](Order& o) -> absl::StatusOr<Transition> {
        // Placed by a saga that outran its claim, or undone by someone else first: whoever
        // settled the checkout owns its outcome, and nothing may be released here.
        RETURN_IF_ERROR(
            CheckTransition(o.status, OrderStatus::kFailed, Actor::kSystem, o.fulfilment));
        return ApplyTransition(o, OrderStatus::kFailed, Actor::kSystem, "",
                               std::string(failure.message()));
      },
      deadline);
  if (recorded.code() == absl::StatusCode::kFailedPrecondition) {
    LOG_INFO("checkout already settled", {{"checkout", checkout.id}});
    return failure;
  }
  if (!recorded.ok()) {
    // Still pending: the reconciler will undo it once the claim lapses.
    LOG_WARN("checkout failure not recorded",
             {{"checkout", checkout.id}, {"error", std::string(recorded.message())}});
    return failure;
  }
  for (Order order : checkout.orders) {
    order.held_goods_action = "release";
    if (absl::Status settled = SettleGoods(order, deadline); !settled.ok()) {
      LOG_WARN("release after a failed checkout deferred",
               {{"order", order.id}, {"error", std::string(settled.message())}});
    }
  }
  return failure;
}

absl::Status OrdersService::SettleGoods(const Order& order, Deadline deadline) {
  if (order.held_goods_action == "release") {
    RETURN_IF_ERROR(delivery_.ReleaseSlot(order.id, PeerDeadline(deadline)));
    RETURN_IF_ERROR(catalogue_.ReleaseStock(order.id, PeerDeadline(deadline)));
  } else if (order.held_goods_action == "commit") {
    RETURN_IF_ERROR(catalogue_.CommitStock(order.id, PeerDeadline(deadline)));
  } else {
    return absl::OkStatus();
  }
  return repository_.ClearHeldGoodsAction(order.id, order.held_goods_action, deadline);
}

absl::StatusOr<int> OrdersService::ReconcileOnce(Deadline deadline) {
  int handled = 0;
  ASSIGN_OR_RETURN(std::vector<std::string> stale,
                   repository_.ClaimStaleCheckouts(options_.checkout_claim, 20, deadline));
  for (const std::string& id : stale) {
    absl::StatusOr<CheckoutRecord> checkout = repository_.LoadCheckout(id, deadline);
    if (!checkout.ok()) continue;
    LOG_WARN("undoing a checkout left pending", {{"checkout", id}});
    (void)Undo(*checkout,
               absl::AbortedError("la commande a été interrompue avant sa confirmation ; "
                                  "veuillez commander à nouveau"),
               deadline);
    ++handled;
  }
  ASSIGN_OR_RETURN(std::vector<Order> owing,
                   repository_.OrdersOwingGoods(options_.goods_retry_after, 50, deadline));
  for (const Order& order : owing) {
    if (SettleGoods(order, deadline).ok()) ++handled;
  }
  return handled;
}

}  // namespace comptoir::orders
