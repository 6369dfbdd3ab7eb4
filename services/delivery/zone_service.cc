#include "zone_service.h"

#include "absl/strings/str_cat.h"
#include "comptoir/common/ids.h"
#include "comptoir/common/status.h"

namespace comptoir::delivery {

absl::StatusOr<std::vector<Zone>> ZoneService::ReplaceZones(const common::Caller& caller,
                                                            const std::string& shop_id,
                                                            const std::vector<Zone>& zones,
                                                            Deadline deadline) {
  if (!common::LooksLikeUuid(shop_id))
    return common::InvalidField("shop", "must be a shop id (UUID)");
  RETURN_IF_ERROR(common::RequireShopMember(caller, shop_id));
  RETURN_IF_ERROR(ValidateZones(zones));
  return zones_.ReplaceZones(shop_id, zones, deadline);
}

absl::StatusOr<std::vector<Zone>> ZoneService::ListZones(const std::string& shop_id,
                                                         Deadline deadline) {
  if (!common::LooksLikeUuid(shop_id))
    return common::InvalidField("shop", "must be a shop id (UUID)");
  return zones_.ListZones(shop_id, deadline);
}

absl::StatusOr<Quote> ZoneService::QuoteDelivery(const std::string& shop_id,
                                                 const std::string& commune_insee,
                                                 int64_t basket_cents, Deadline deadline) {
  common::Violations v;
  if (!common::LooksLikeUuid(shop_id)) v.Add("shop", "must be a shop id (UUID)");
  if (!IsInseeCode(commune_insee)) v.Add("commune_insee", "must be an INSEE code such as 58145");
  if (basket_cents < 0 || basket_cents > 100'000'000) {
    v.Add("basket_cents", "must be in [0, 100000000]");
  }
  RETURN_IF_ERROR(v.ToStatus());
  ASSIGN_OR_RETURN(Commune commune, communes_.Find(commune_insee, deadline));
  ASSIGN_OR_RETURN(std::optional<DeliveryShop> shop, zones_.FindShop(shop_id, deadline));
  ASSIGN_OR_RETURN(std::vector<Zone> zones, zones_.ListZones(shop_id, deadline));
  if (!shop.has_value() && zones.empty()) {
    return absl::NotFoundError(absl::StrCat("no shop \"", shop_id, "\""));
  }
  Quote quote;
  if (shop.has_value() && shop->status != "active") {
    quote.decision.refusal = "Cette boutique ne prend pas de commande en ce moment.";
    return quote;
  }
  quote.decision =
      DecideQuote(zones, shop.has_value() ? shop->point : std::nullopt, commune, basket_cents);
  if (!quote.decision.deliverable) return quote;
  for (const Zone& z : zones) {
    if (z.id == quote.decision.zone_id) {
      quote.free_delivery_threshold_cents = z.free_delivery_threshold_cents;
    }
  }
  // Two weeks ahead is where rural shops' weekly rounds fall.
  ASSIGN_OR_RETURN(
      std::vector<SlotAvailability> slots,
      slots_.ListSlots(shop_id, SlotKind::kDelivery, absl::InfinitePast(), 14, deadline));
  for (SlotAvailability& s : slots) {
    if (s.remaining <= 0) continue;
    quote.next_slots.push_back(std::move(s));
    if (quote.next_slots.size() == kQuoteSlots) break;
  }
  if (quote.next_slots.empty()) {
    quote.decision.deliverable = false;
    quote.decision.refusal = absl::StrCat("Plus aucun créneau de livraison ",
                                          ToCommune(commune.name), " dans les 14 prochains jours.");
  }
  return quote;
}

}  // namespace comptoir::delivery
