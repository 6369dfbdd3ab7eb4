#pragma once

// Storage of the shops' delivery zones, and the read side of the delivery copy of the shops
// (fed by `events:shops`, see shop_events.h). Implementations are thread-safe.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "routing/travel_model.h"
#include "zones.h"

namespace comptoir::delivery {

using Deadline = std::chrono::steady_clock::time_point;

// A shop as delivery knows it from the shops service's events.
struct DeliveryShop {
  std::string id{};
  std::string name{};
  std::string status{};  // pending, active, suspended, closed
  std::string commune_insee{};
  std::optional<routing::GeoPoint> point{};
  int preparation_minutes = 0;
  std::string opening_hours{};  // serialized comptoir.shops.v1.OpeningHours
};

// Delivery's copy of the shops.
class ShopDirectory {
 public:
  virtual ~ShopDirectory() = default;
  // nullopt when no event of that shop was received yet.
  virtual absl::StatusOr<std::optional<DeliveryShop>> FindShop(const std::string& shop_id,
                                                               Deadline deadline) = 0;
};

class ZoneRepository : public ShopDirectory {
 public:
  // Replaces every zone of the shop, in order; returns them with their new ids.
  virtual absl::StatusOr<std::vector<Zone>> ReplaceZones(const std::string& shop_id,
                                                         const std::vector<Zone>& zones,
                                                         Deadline deadline) = 0;
  virtual absl::StatusOr<std::vector<Zone>> ListZones(const std::string& shop_id,
                                                      Deadline deadline) = 0;
};

}  // namespace comptoir::delivery
