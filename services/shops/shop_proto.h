// Conversions between the domain Shop and its wire form comptoir.shops.v1.Shop, used by the
// gRPC transport and by the cache (which stores the serialized proto). Pure functions.
#pragma once

#include "comptoir/shops/v1/shops.pb.h"
#include "shop.h"

namespace comptoir::shops {

void ToProto(const Shop& shop, v1::Shop* out);
Shop FromProto(const v1::Shop& proto);

}  // namespace comptoir::shops
