// Conversions between the domain Shop and its wire forms: comptoir.shops.v1.Shop (gRPC
// transport, and the cache, which stores the serialized proto) and the ShopEvent published
// through the outbox. Pure functions.
#pragma once

#include <string>

#include "absl/time/time.h"
#include "comptoir/shops/v1/events.pb.h"
#include "comptoir/shops/v1/shops.pb.h"
#include "shop.h"

namespace comptoir::shops {

// The stored fields only (what the cache keeps).
void ToProto(const Shop& shop, v1::Shop* out);
// Adds what depends on the time of the request: open_now, next opening and closing.
void AddLiveFields(const Shop& shop, absl::Time now, v1::Shop* out);
Shop FromProto(const v1::Shop& proto);

// The event for a change of `shop` (the shop after the change).
v1::ShopEvent ShopEventOf(const Shop& shop, v1::ShopEvent::Kind kind, const std::string& actor_id,
                          const std::string& reason, absl::Time occur_time);
inline constexpr char kShopEventType[] = "comptoir.shops.v1.ShopEvent";

}  // namespace comptoir::shops
