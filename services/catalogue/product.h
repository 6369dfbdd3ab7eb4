// The product as the catalogue's domain knows it, independent of gRPC and SQL, with the
// fixed vocabularies (categories, labels, allergens, VAT rates) and the arithmetic around
// prices. Plain values and pure functions: thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "comptoir/common/ids.h"

namespace comptoir::catalogue {

// The catalogue's copy of a shop profile (fed by the shops service's events).
struct ShopInfo {
  std::string id;  // UUID
  std::string slug;
  std::string name;
  std::string status;  // pending | active | suspended | closed
  std::string commune_insee;
  std::string department_code;
  std::optional<double> latitude;
  std::optional<double> longitude;
  std::string category;
  std::string hours_summary;
  std::string opening_hours{};  // serialized comptoir.shops.v1.OpeningHours; empty: none
};

struct Product {
  std::string id;  // UUID, assigned on insert
  std::string shop_id;
  std::string sku;
  std::string name;
  std::string description;
  std::string category;
  std::vector<std::string> labels;
  std::vector<std::string> allergens;
  std::vector<std::string> photo_urls;
  int64_t price_cents = 0;  // VAT included
  int32_t vat_rate_bp = 0;  // 210, 550, 1000 or 2000
  std::string sale_unit;
  int64_t net_quantity = 0;
  std::string net_quantity_unit;  // "", g, kg, ml, cl, l
  bool stock_tracked = false;
  int64_t stock = 0;
  bool visible = true;
  int64_t version = 0;
  absl::Time create_time;
  absl::Time update_time;
  // Joined from the shop projection; read-only.
  std::string shop_name;
  std::string shop_status;
  std::string commune_insee;
  std::string department_code;
  std::optional<int64_t> distance_m;  // set by searches around a point
};

// Fixed vocabularies, as slugs.
const std::vector<std::string>& ProductCategories();
const std::vector<std::string>& ProductLabels();
const std::vector<std::string>& Allergens();  // the 14 EU allergens
bool IsValidVatRate(int32_t vat_rate_bp);

// Price per kilogram or litre of a product sold as `net_quantity` `unit` for `price_cents`.
struct UnitPrice {
  int64_t cents = 0;
  std::string per;  // "kg" or "l"
};
// nullopt when the quantity is 0 or the unit empty (sold by the piece). Rounded half up:
// 2390 cents for 250 g gives 9560 cents per kg.
std::optional<UnitPrice> ComputeUnitPrice(int64_t price_cents, int64_t net_quantity,
                                          const std::string& unit);

// VAT included in a price: round(ttc * r / (1 + r)), half up, in cents.
int64_t VatOfPrice(int64_t price_cents, int32_t vat_rate_bp);

// Checks every field a shop sets; violations use proto paths under `prefix` ("product.").
// Returns InvalidArgument naming all of them, or OK.
absl::Status ValidateProduct(const Product& product, const std::string& prefix);

using common::LooksLikeUuid;  // comptoir/common/ids.h

}  // namespace comptoir::catalogue
