#pragma once

// Delivery zones and quotes, independent of transport and storage: shop members replace their
// zones, anyone reads them, and a quote tells a resident (or the orders service at checkout)
// whether a shop delivers to a commune, at what fee for a basket, and the next slots.
// Thread-safe when its collaborators are.

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "comptoir/common/auth.h"
#include "geo.h"
#include "slot_service.h"
#include "zone_repository.h"
#include "zones.h"

namespace comptoir::delivery {

struct Quote {
  QuoteDecision decision{};
  int64_t free_delivery_threshold_cents = 0;   // of the zone chosen; 0 = never free
  std::vector<SlotAvailability> next_slots{};  // bookable, with places left, soonest first
};

class ZoneService {
 public:
  static constexpr int kQuoteSlots = 10;

  ZoneService(ZoneRepository& zones, CommuneDirectory& communes, SlotService& slots)
      : zones_(zones), communes_(communes), slots_(slots) {}

  // Shop members (and admins); every field validated first.
  absl::StatusOr<std::vector<Zone>> ReplaceZones(const common::Caller& caller,
                                                 const std::string& shop_id,
                                                 const std::vector<Zone>& zones, Deadline deadline);
  // Public.
  absl::StatusOr<std::vector<Zone>> ListZones(const std::string& shop_id, Deadline deadline);
  // Public. NotFound for an unknown commune, or a shop delivery never heard of; a refusal
  // (not deliverable) is an OK answer.
  absl::StatusOr<Quote> QuoteDelivery(const std::string& shop_id, const std::string& commune_insee,
                                      int64_t basket_cents, Deadline deadline);

 private:
  ZoneRepository& zones_;
  CommuneDirectory& communes_;
  SlotService& slots_;
};

}  // namespace comptoir::delivery
