#include "order_proto.h"

#include "google/protobuf/util/time_util.h"

namespace comptoir::orders {

using google::protobuf::util::TimeUtil;

google::protobuf::Timestamp ToTimestamp(absl::Time t) {
  return TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(t));
}

absl::Time FromTimestamp(const google::protobuf::Timestamp& t) {
  return absl::FromUnixMicros(TimeUtil::TimestampToMicroseconds(t));
}

void ToProto(const Order& o, v1::Order* out) {
  out->set_id(o.id);
  out->set_number(o.number);
  out->set_checkout_id(o.checkout_id);
  out->set_shop_id(o.shop_id);
  out->set_shop_name(o.shop_name);
  out->set_customer_user_id(o.customer_user_id);
  out->set_customer_name(o.customer_name);
  out->set_customer_phone(o.customer_phone);
  out->set_status(std::string(StatusName(o.status)));
  out->set_status_reason(o.status_reason);
  out->set_fulfilment(std::string(FulfilmentName(o.fulfilment)));
  out->set_slot_id(o.slot_id);
  if (o.slot_start != absl::UnixEpoch()) {
    *out->mutable_slot_start() = ToTimestamp(o.slot_start);
    *out->mutable_slot_end() = ToTimestamp(o.slot_end);
  }
  out->set_delivery_address(o.delivery_address);
  out->set_delivery_commune_insee(o.delivery_commune_insee);
  out->set_delivery_postal_code(o.delivery_postal_code);
  for (const OrderLine& line : o.lines) {
    v1::OrderLine* l = out->add_lines();
    l->set_product_id(line.product_id);
    l->set_sku(line.sku);
    l->set_name(line.name);
    l->set_sale_unit(line.sale_unit);
    l->set_quantity(line.quantity);
    l->set_unit_price_cents(line.unit_price_cents);
    l->set_vat_rate_bp(line.vat_rate_bp);
    l->set_total_cents(line.total_cents);
    l->set_vat_cents(line.vat_cents);
  }
  for (const VatAmount& v : VatBreakdown(o.lines)) {
    v1::VatAmount* a = out->add_vat_breakdown();
    a->set_rate_bp(v.rate_bp);
    a->set_total_cents(v.total_cents);
    a->set_vat_cents(v.vat_cents);
    a->set_net_cents(v.net_cents);
  }
  out->set_items_cents(o.items_cents);
  out->set_delivery_fee_cents(o.delivery_fee_cents);
  out->set_total_cents(o.total_cents);
  out->mutable_payment()->set_method(o.payment_method);
  out->mutable_payment()->set_state(o.payment_state);
  out->mutable_payment()->set_amount_cents(o.total_cents);
  for (const Transition& t : o.history) {
    v1::OrderTransition* h = out->add_history();
    h->set_from_status(t.from_status);
    h->set_to_status(t.to_status);
    h->set_actor_user_id(t.actor_user_id);
    h->set_actor_role(t.actor_role);
    h->set_reason(t.reason);
    *h->mutable_time() = ToTimestamp(t.time);
  }
  out->set_version(o.version);
  *out->mutable_create_time() = ToTimestamp(o.create_time);
  *out->mutable_update_time() = ToTimestamp(o.update_time);
}

v1::OrderEvent MakeOrderEvent(const Order& o, const Transition& t) {
  v1::OrderEvent event;
  static const std::pair<OrderStatus, v1::OrderEvent::Kind> kKinds[] = {
      {OrderStatus::kPlaced, v1::OrderEvent::PLACED},
      {OrderStatus::kAccepted, v1::OrderEvent::ACCEPTED},
      {OrderStatus::kRejected, v1::OrderEvent::REJECTED},
      {OrderStatus::kReady, v1::OrderEvent::READY},
      {OrderStatus::kCollected, v1::OrderEvent::COLLECTED},
      {OrderStatus::kCancelled, v1::OrderEvent::CANCELLED},
      {OrderStatus::kOutForDelivery, v1::OrderEvent::OUT_FOR_DELIVERY},
      {OrderStatus::kDelivered, v1::OrderEvent::DELIVERED},
      {OrderStatus::kDeliveryFailed, v1::OrderEvent::DELIVERY_FAILED},
  };
  for (const auto& [status, kind] : kKinds) {
    if (std::optional<OrderStatus> to = ParseStatus(t.to_status); to && *to == status) {
      event.set_kind(kind);
    }
  }
  v1::OrderSnapshot* s = event.mutable_order();
  s->set_id(o.id);
  s->set_number(o.number);
  s->set_shop_id(o.shop_id);
  s->set_customer_user_id(o.customer_user_id);
  s->set_customer_name(o.customer_name);
  s->set_customer_phone(o.customer_phone);
  s->set_status(std::string(StatusName(o.status)));
  s->set_fulfilment(std::string(FulfilmentName(o.fulfilment)));
  s->set_slot_id(o.slot_id);
  if (o.slot_start != absl::UnixEpoch()) {
    *s->mutable_slot_start() = ToTimestamp(o.slot_start);
    *s->mutable_slot_end() = ToTimestamp(o.slot_end);
  }
  s->set_delivery_address(o.delivery_address);
  s->set_delivery_commune_insee(o.delivery_commune_insee);
  s->set_delivery_postal_code(o.delivery_postal_code);
  s->set_total_cents(o.total_cents);
  s->set_delivery_fee_cents(o.delivery_fee_cents);
  for (const OrderLine& line : o.lines) {
    v1::OrderLineSnapshot* l = s->add_lines();
    l->set_product_id(line.product_id);
    l->set_sku(line.sku);
    l->set_name(line.name);
    l->set_quantity(line.quantity);
    l->set_sale_unit(line.sale_unit);
  }
  s->set_version(o.version);
  *s->mutable_create_time() = ToTimestamp(o.create_time);
  event.set_from_status(t.from_status);
  event.set_to_status(t.to_status);
  *event.mutable_occur_time() = ToTimestamp(t.time);
  event.set_actor_user_id(t.actor_user_id);
  event.set_reason(t.reason);
  return event;
}

}  // namespace comptoir::orders
