#pragma once

// Delivery zones of a shop and the quote rules over them: which zone serves a commune, the
// fee for a basket, and the refusals residents read (in French). Pure values and functions,
// thread-safe.
//
//   QuoteDecision d = DecideQuote(zones, origin, {"58145", "Lormes", point}, basket_cents);
//   if (!d.deliverable) show(d.refusal);  // "Cette boutique ne livre pas à Lormes."

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "routing/travel_model.h"

namespace comptoir::delivery {

// A zone covers explicit communes, whole departments, and/or every commune whose point lies
// within `radius_km` of the shop's (depot's) point: a commune in any of the three is covered.
struct Zone {
  std::string id{};                           // UUID
  std::string name{};                         // e.g. "Morvan nord"; 1-80 bytes
  std::vector<std::string> communes{};        // INSEE codes, at most 2,000
  std::vector<std::string> departments{};     // department codes ("71", "2A"), at most 20
  double radius_km = 0;                       // (0, 100], or 0 for no radius
  int64_t fee_cents = 0;                      // >= 0
  int64_t minimum_order_cents = 0;            // >= 0: below it, no delivery
  int64_t free_delivery_threshold_cents = 0;  // > 0: fee waived from this basket; 0 = never
};

struct Commune {
  std::string insee_code{};  // "58145"
  std::string name{};        // "Lormes"
  routing::GeoPoint point{};
  std::string department_code{};  // "58"
};

struct QuoteDecision {
  bool deliverable = false;
  std::string refusal{};  // French sentence when not deliverable
  std::string zone_id{};
  int64_t fee_cents = 0;
  int64_t minimum_order_cents = 0;
};

// INSEE commune code: 5 characters, digits, or 2A/2B for Corsica.
bool IsInseeCode(const std::string& code);

// Department code: two digits, 2A/2B, or three digits for overseas (971...).
bool IsDepartmentCode(const std::string& code);

// Field paths "zones[i].field"; at most 50 zones, 2,000 communes and 20 departments a zone,
// and a zone covers something (communes, departments or a radius).
absl::Status ValidateZones(const std::vector<Zone>& zones);

// Whether `zone` covers `commune` (radius zones need `origin`, the shop's point).
bool Covers(const Zone& zone, const std::optional<routing::GeoPoint>& origin,
            const Commune& commune);

// Of the zones covering the commune, the one with the lowest fee for this basket among those
// whose minimum the basket reaches; refusals name the commune ("ne livre pas à Lormes") or the
// minimum ("Commande minimum de 25,00 € pour une livraison à Lormes.").
QuoteDecision DecideQuote(const std::vector<Zone>& zones,
                          const std::optional<routing::GeoPoint>& origin, const Commune& commune,
                          int64_t basket_cents);

// "25,00 €" (French decimal comma, non-breaking space before the sign).
std::string FormatEuros(int64_t cents);
// "à Lormes", "au Creusot", "aux Riceys", "à La Charité-sur-Loire".
std::string ToCommune(const std::string& name);

}  // namespace comptoir::delivery
