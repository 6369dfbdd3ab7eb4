#include "product_proto.h"

#include <google/protobuf/util/time_util.h>

namespace comptoir::catalogue {

using google::protobuf::util::TimeUtil;

void ToProto(const Product& p, v1::Product* out) {
  out->set_id(p.id);
  out->set_shop_id(p.shop_id);
  out->set_sku(p.sku);
  out->set_name(p.name);
  out->set_description(p.description);
  out->set_category(p.category);
  for (const std::string& label : p.labels) out->add_labels(label);
  for (const std::string& allergen : p.allergens) out->add_allergens(allergen);
  for (const std::string& url : p.photo_urls) out->add_photo_urls(url);
  out->set_price_cents(p.price_cents);
  out->set_vat_rate_bp(p.vat_rate_bp);
  out->set_sale_unit(p.sale_unit);
  out->set_net_quantity(p.net_quantity);
  out->set_net_quantity_unit(p.net_quantity_unit);
  if (std::optional<UnitPrice> unit =
          ComputeUnitPrice(p.price_cents, p.net_quantity, p.net_quantity_unit)) {
    out->set_unit_price_cents(unit->cents);
    out->set_unit_price_per(unit->per);
  }
  out->set_stock_tracked(p.stock_tracked);
  out->set_stock(p.stock);
  out->set_visible(p.visible);
  out->set_version(p.version);
  *out->mutable_create_time() =
      TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(p.create_time));
  *out->mutable_update_time() =
      TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(p.update_time));
  out->set_shop_name(p.shop_name);
  out->set_commune_insee(p.commune_insee);
  out->set_department_code(p.department_code);
  if (p.distance_m.has_value()) out->set_distance_m(*p.distance_m);
}

Product FromProto(const v1::Product& proto) {
  Product p;
  p.id = proto.id();
  p.sku = proto.sku();
  p.name = proto.name();
  p.description = proto.description();
  p.category = proto.category();
  p.labels.assign(proto.labels().begin(), proto.labels().end());
  p.allergens.assign(proto.allergens().begin(), proto.allergens().end());
  p.photo_urls.assign(proto.photo_urls().begin(), proto.photo_urls().end());
  p.price_cents = proto.price_cents();
  p.vat_rate_bp = proto.vat_rate_bp();
  p.sale_unit = proto.sale_unit();
  p.net_quantity = proto.net_quantity();
  p.net_quantity_unit = proto.net_quantity_unit();
  p.stock_tracked = proto.stock_tracked();
  p.stock = proto.stock();
  p.visible = proto.has_visible() ? proto.visible() : true;
  p.version = proto.version();
  return p;
}

void ToProto(const Reservation& reservation, v1::StockReservation* out) {
  out->set_order_id(reservation.order_id);
  out->set_state(reservation.state);
  for (const StockLine& line : reservation.lines) {
    v1::StockLine* proto = out->add_lines();
    proto->set_product_id(line.product_id);
    proto->set_quantity(line.quantity);
  }
}

void ToProto(const ImportJob& job, v1::ImportJob* out) {
  out->set_id(job.id);
  out->set_shop(job.shop_id);
  static const std::pair<const char*, v1::ImportJob::State> kStates[] = {
      {"queued", v1::ImportJob::QUEUED},
      {"validating", v1::ImportJob::VALIDATING},
      {"applying", v1::ImportJob::APPLYING},
      {"succeeded", v1::ImportJob::SUCCEEDED},
      {"failed", v1::ImportJob::FAILED}};
  for (const auto& [name, state] : kStates) {
    if (job.state == name) out->set_state(state);
  }
  out->set_lines_read(job.lines_read);
  out->set_lines_validated(job.lines_validated);
  out->set_lines_applied(job.lines_applied);
  out->set_created(job.created);
  out->set_updated(job.updated);
  for (const CsvError& e : job.errors) {
    v1::ImportError* error = out->add_errors();
    error->set_line(e.line);
    error->set_column(e.column);
    error->set_reason(e.reason);
  }
  out->set_error_count(job.error_count);
  out->set_encoding(job.encoding);
  out->set_message(job.message);
  *out->mutable_create_time() =
      TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(job.create_time));
  *out->mutable_update_time() =
      TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(job.update_time));
}

ShopInfo FromSnapshot(const shops::v1::ShopSnapshot& s) {
  ShopInfo shop;
  shop.id = s.id();
  shop.slug = s.slug();
  shop.name = s.name();
  shop.status = s.status();
  shop.commune_insee = s.commune_insee();
  shop.department_code = s.department_code();
  // proto3 has no presence for doubles: (0, 0) is the Gulf of Guinea, not a shop here.
  if (s.latitude() != 0 || s.longitude() != 0) {
    shop.latitude = s.latitude();
    shop.longitude = s.longitude();
  }
  shop.category = s.category();
  if (s.has_opening_hours()) shop.opening_hours = s.opening_hours().SerializeAsString();
  return shop;
}

}  // namespace comptoir::catalogue
