#include "zones.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "comptoir/common/status.h"

namespace comptoir::delivery {

bool IsInseeCode(const std::string& code) {
  if (code.size() != 5) return false;
  const bool corsica = code[0] == '2' && (code[1] == 'A' || code[1] == 'B');
  for (size_t i = 0; i < 5; ++i) {
    if (corsica && i == 1) continue;
    if (code[i] < '0' || code[i] > '9') return false;
  }
  return true;
}

bool IsDepartmentCode(const std::string& code) {
  if (code == "2A" || code == "2B") return true;
  if (code.size() != 2 && code.size() != 3) return false;
  return std::all_of(code.begin(), code.end(), [](char c) { return c >= '0' && c <= '9'; });
}

absl::Status ValidateZones(const std::vector<Zone>& zones) {
  common::Violations v;
  constexpr size_t kMaxZones = 50;
  constexpr size_t kMaxCommunes = 2000;
  if (zones.size() > kMaxZones) v.Add("zones", "at most 50 zones");
  for (size_t i = 0; i < zones.size() && i < kMaxZones; ++i) {
    const Zone& z = zones[i];
    const std::string at = absl::StrCat("zones[", i, "].");
    if (z.name.empty() || z.name.size() > 80) v.Add(at + "name", "must be 1 to 80 bytes");
    const bool by_radius = z.radius_km != 0;
    if (!by_radius && z.communes.empty() && z.departments.empty()) {
      v.Add(at + "communes", "give communes, departments or radius_km");
    }
    if (by_radius && !(z.radius_km > 0 && z.radius_km <= 100)) {
      v.Add(at + "radius_km", "must be in (0, 100]");
    }
    constexpr size_t kMaxDepartments = 20;
    if (z.departments.size() > kMaxDepartments) v.Add(at + "departments", "at most 20 departments");
    for (size_t d = 0; d < z.departments.size() && d < kMaxDepartments; ++d) {
      if (!IsDepartmentCode(z.departments[d])) {
        v.Add(absl::StrCat(at, "departments[", d, "]"), "must be a department code such as 71");
      }
    }
    if (z.communes.size() > kMaxCommunes) v.Add(at + "communes", "at most 2000 communes");
    for (size_t c = 0; c < z.communes.size() && c < kMaxCommunes; ++c) {
      if (!IsInseeCode(z.communes[c])) {
        v.Add(absl::StrCat(at, "communes[", c, "]"), "must be an INSEE code such as 58145");
      }
    }
    if (z.fee_cents < 0) v.Add(at + "fee_cents", "must be >= 0");
    if (z.minimum_order_cents < 0) v.Add(at + "minimum_order_cents", "must be >= 0");
    if (z.free_delivery_threshold_cents < 0) {
      v.Add(at + "free_delivery_threshold_cents", "must be >= 0 (0: never free)");
    }
  }
  return v.ToStatus();
}

bool Covers(const Zone& zone, const std::optional<routing::GeoPoint>& origin,
            const Commune& commune) {
  if (zone.radius_km > 0 && origin.has_value() &&
      routing::HaversineMetres(*origin, commune.point) <= zone.radius_km * 1000.0) {
    return true;
  }
  if (!commune.department_code.empty() &&
      std::find(zone.departments.begin(), zone.departments.end(), commune.department_code) !=
          zone.departments.end()) {
    return true;
  }
  return std::find(zone.communes.begin(), zone.communes.end(), commune.insee_code) !=
         zone.communes.end();
}

std::string FormatEuros(int64_t cents) {
  const int64_t abs = cents < 0 ? -cents : cents;
  return absl::StrFormat("%s%d,%02d\u00a0€", cents < 0 ? "-" : "", abs / 100, abs % 100);
}

std::string ToCommune(const std::string& name) {
  if (name.rfind("Le ", 0) == 0) return "au " + name.substr(3);
  if (name.rfind("Les ", 0) == 0) return "aux " + name.substr(4);
  return "à " + name;
}

QuoteDecision DecideQuote(const std::vector<Zone>& zones,
                          const std::optional<routing::GeoPoint>& origin, const Commune& commune,
                          int64_t basket_cents) {
  QuoteDecision decision;
  const Zone* best = nullptr;
  int64_t best_fee = std::numeric_limits<int64_t>::max();
  int64_t lowest_minimum = std::numeric_limits<int64_t>::max();
  bool covered = false;
  for (const Zone& z : zones) {
    if (!Covers(z, origin, commune)) continue;
    covered = true;
    lowest_minimum = std::min(lowest_minimum, z.minimum_order_cents);
    if (basket_cents < z.minimum_order_cents) continue;
    const bool free =
        z.free_delivery_threshold_cents > 0 && basket_cents >= z.free_delivery_threshold_cents;
    const int64_t fee = free ? 0 : z.fee_cents;
    if (fee < best_fee) {
      best_fee = fee;
      best = &z;
    }
  }
  if (!covered) {
    decision.refusal = absl::StrCat("Cette boutique ne livre pas ", ToCommune(commune.name), ".");
    return decision;
  }
  if (best == nullptr) {
    decision.minimum_order_cents = lowest_minimum;
    decision.refusal = absl::StrCat("Commande minimum de ", FormatEuros(lowest_minimum),
                                    " pour une livraison ", ToCommune(commune.name), ".");
    return decision;
  }
  decision.deliverable = true;
  decision.zone_id = best->id;
  decision.fee_cents = best_fee;
  decision.minimum_order_cents = best->minimum_order_cents;
  return decision;
}

}  // namespace comptoir::delivery
