#include "shop_events.h"

#include "absl/strings/ascii.h"
#include "comptoir/shops/v1/events.pb.h"
#include "pg_catalogue_repository.h"
#include "product_proto.h"

namespace comptoir::catalogue {

absl::Status HandleShopEvent(const common::StreamEvent& event, pqxx::work& tx) {
  if (event.type != kShopEventType) return absl::OkStatus();
  shops::v1::ShopEvent shop_event;
  if (!shop_event.ParseFromString(event.payload) || !shop_event.has_shop()) {
    return absl::InvalidArgumentError("shop event payload does not parse");
  }
  ShopInfo shop = FromSnapshot(shop_event.shop());
  if (!LooksLikeUuid(shop.id) || shop.name.empty() ||
      (shop.status != "pending" && shop.status != "active" && shop.status != "suspended" &&
       shop.status != "closed")) {
    return absl::InvalidArgumentError("shop event names no valid shop");
  }
  UpsertShopProjection(tx, shop, shop_event.shop().version());
  return absl::OkStatus();
}

std::optional<std::string> ShopOfEvent(const common::StreamEvent& event) {
  if (event.type != kShopEventType) return std::nullopt;
  shops::v1::ShopEvent shop_event;
  if (!shop_event.ParseFromString(event.payload) || !LooksLikeUuid(shop_event.shop().id())) {
    return std::nullopt;
  }
  return absl::AsciiStrToLower(shop_event.shop().id());
}

}  // namespace comptoir::catalogue
