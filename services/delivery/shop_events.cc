#include "shop_events.h"

#include <string>

#include "absl/strings/str_format.h"
#include "comptoir/common/ids.h"
#include "comptoir/shops/v1/events.pb.h"

namespace comptoir::delivery {

absl::Status HandleShopEvent(const common::StreamEvent& event, pqxx::work& tx) {
  if (event.type != kShopEventType) return absl::OkStatus();
  shops::v1::ShopEvent shop_event;
  if (!shop_event.ParseFromString(event.payload) || !shop_event.has_shop()) {
    return absl::InvalidArgumentError("shop event payload does not parse");
  }
  const shops::v1::ShopSnapshot& shop = shop_event.shop();
  if (!common::LooksLikeUuid(shop.id()) || shop.name().empty() ||
      (shop.status() != "pending" && shop.status() != "active" && shop.status() != "suspended" &&
       shop.status() != "closed")) {
    return absl::InvalidArgumentError("shop event names no valid shop");
  }
  // (0, 0) is "no coordinates" in proto3; no shop of the region lies there.
  const bool located = shop.latitude() != 0 || shop.longitude() != 0;
  const std::string lat = absl::StrFormat("%.10f", shop.latitude());
  const std::string lon = absl::StrFormat("%.10f", shop.longitude());
  const std::string hours = shop.opening_hours().SerializeAsString();
  tx.exec_params(
      "INSERT INTO delivery.shops (id, name, status, commune_insee, latitude, longitude, "
      "preparation_minutes, opening_hours, source_version) "
      "VALUES ($1::uuid, $2, $3, $4, $5::float8, $6::float8, $7, $8, $9) "
      "ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, status = EXCLUDED.status, "
      "commune_insee = EXCLUDED.commune_insee, latitude = EXCLUDED.latitude, "
      "longitude = EXCLUDED.longitude, preparation_minutes = EXCLUDED.preparation_minutes, "
      "opening_hours = EXCLUDED.opening_hours, source_version = EXCLUDED.source_version, "
      "update_time = now() WHERE delivery.shops.source_version < EXCLUDED.source_version",
      shop.id(), shop.name(), shop.status(), shop.commune_insee(), located ? lat.c_str() : nullptr,
      located ? lon.c_str() : nullptr, shop.preparation_minutes(),
      pqxx::binarystring(hours.data(), hours.size()), shop.version());
  return absl::OkStatus();
}

}  // namespace comptoir::delivery
