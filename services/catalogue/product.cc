#include "product.h"

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "comptoir/common/status.h"
#include "comptoir/common/utf8.h"

namespace comptoir::catalogue {
namespace {

bool Contains(const std::vector<std::string>& list, const std::string& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

// Multi-line text: valid UTF-8 whose only control characters are newlines and tabs.
int MultiLineLength(const std::string& text) {
  std::string flattened = text;
  std::replace(flattened.begin(), flattened.end(), '\n', ' ');
  std::replace(flattened.begin(), flattened.end(), '\t', ' ');
  std::replace(flattened.begin(), flattened.end(), '\r', ' ');
  return common::PrintableLength(flattened);
}

bool IsSkuChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.';
}

// Each value from `allowed`, none twice.
void CheckVocabulary(const std::vector<std::string>& values,
                     const std::vector<std::string>& allowed, const std::string& field,
                     common::Violations& violations) {
  std::set<std::string> seen;
  for (std::size_t i = 0; i < values.size(); ++i) {
    const std::string path = absl::StrCat(field, "[", i, "]");
    if (!Contains(allowed, values[i])) {
      violations.Add(path, "is not one of the allowed values");
    } else if (!seen.insert(values[i]).second) {
      violations.Add(path, "is repeated");
    }
  }
}

}  // namespace

const std::vector<std::string>& ProductCategories() {
  static const auto* const kCategories = new std::vector<std::string>{
      "fromage", "cremerie",       "boulangerie", "patisserie", "viande", "charcuterie",
      "poisson", "fruits-legumes", "epicerie",    "vin",        "biere",  "spiritueux",
      "boisson", "livre",          "fleur",       "maison",     "autre"};
  return *kCategories;
}

const std::vector<std::string>& ProductLabels() {
  static const auto* const kLabels =
      new std::vector<std::string>{"bio", "aop-aoc", "igp", "label-rouge", "fait-maison", "local"};
  return *kLabels;
}

const std::vector<std::string>& Allergens() {
  static const auto* const kAllergens = new std::vector<std::string>{
      "gluten",         "crustaces", "oeufs",    "poissons", "arachides", "soja",  "lait",
      "fruits-a-coque", "celeri",    "moutarde", "sesame",   "sulfites",  "lupin", "mollusques"};
  return *kAllergens;
}

bool IsValidVatRate(int32_t vat_rate_bp) {
  return vat_rate_bp == 210 || vat_rate_bp == 550 || vat_rate_bp == 1000 || vat_rate_bp == 2000;
}

std::optional<UnitPrice> ComputeUnitPrice(int64_t price_cents, int64_t net_quantity,
                                          const std::string& unit) {
  if (net_quantity <= 0 || price_cents < 0) return std::nullopt;
  // Quantities in grams or millilitres; the unit price is per 1000 of them.
  int64_t base = 0;
  std::string per;
  if (unit == "g") {
    base = net_quantity, per = "kg";
  } else if (unit == "kg") {
    base = net_quantity * 1000, per = "kg";
  } else if (unit == "ml") {
    base = net_quantity, per = "l";
  } else if (unit == "cl") {
    base = net_quantity * 10, per = "l";
  } else if (unit == "l") {
    base = net_quantity * 1000, per = "l";
  } else {
    return std::nullopt;
  }
  // price <= 1e8 and base >= 1: price * 2000 stays far below int64's range.
  const int64_t cents = (price_cents * 2000 + base) / (2 * base);
  return UnitPrice{cents, per};
}

int64_t VatOfPrice(int64_t price_cents, int32_t vat_rate_bp) {
  // ttc * r / (1 + r) with r = bp / 10000: ttc * bp / (10000 + bp), rounded half up.
  const int64_t denominator = 10000 + vat_rate_bp;
  return (price_cents * vat_rate_bp * 2 + denominator) / (2 * denominator);
}

absl::Status ValidateProduct(const Product& p, const std::string& prefix) {
  common::Violations v;
  const auto field = [&prefix](const char* name) { return absl::StrCat(prefix, name); };
  if (p.sku.empty() || p.sku.size() > 64 || !std::all_of(p.sku.begin(), p.sku.end(), IsSkuChar)) {
    v.Add(field("sku"), "must be 1 to 64 letters, digits, '-', '_' or '.'");
  }
  const int name_length = common::PrintableLength(p.name);
  if (name_length < 1 || name_length > 200) {
    v.Add(field("name"), "must be 1 to 200 printable characters");
  }
  const int description_length = MultiLineLength(p.description);
  if (description_length < 0 || description_length > 5000) {
    v.Add(field("description"), "must be at most 5000 characters of text");
  }
  if (!Contains(ProductCategories(), p.category)) {
    v.Add(field("category"), "must be one of the product categories");
  }
  if (p.labels.size() > ProductLabels().size()) v.Add(field("labels"), "has too many values");
  CheckVocabulary(p.labels, ProductLabels(), field("labels"), v);
  if (p.allergens.size() > Allergens().size()) v.Add(field("allergens"), "has too many values");
  CheckVocabulary(p.allergens, Allergens(), field("allergens"), v);
  if (p.photo_urls.size() > 10) v.Add(field("photo_urls"), "must hold at most 10 URLs");
  for (std::size_t i = 0; i < p.photo_urls.size() && i < 10; ++i) {
    const std::string& url = p.photo_urls[i];
    if (url.rfind("https://", 0) != 0 || url.size() > 500 || url.size() <= 8 ||
        common::PrintableLength(url) < 0 || url.find(' ') != std::string::npos) {
      v.Add(absl::StrCat(field("photo_urls"), "[", i, "]"),
            "must be an https:// URL of at most 500 characters");
    }
  }
  if (p.price_cents < 0 || p.price_cents > 100000000) {
    v.Add(field("price_cents"), "must be between 0 and 100000000");
  }
  if (!IsValidVatRate(p.vat_rate_bp)) {
    v.Add(field("vat_rate_bp"), "must be 210, 550, 1000 or 2000");
  }
  const int unit_length = common::PrintableLength(p.sale_unit);
  if (unit_length < 1 || unit_length > 40) {
    v.Add(field("sale_unit"), "must be 1 to 40 printable characters");
  }
  if (p.net_quantity < 0 || p.net_quantity > 1000000) {
    v.Add(field("net_quantity"), "must be between 0 and 1000000");
  }
  static const std::vector<std::string> kUnits = {"", "g", "kg", "ml", "cl", "l"};
  if (!Contains(kUnits, p.net_quantity_unit)) {
    v.Add(field("net_quantity_unit"), "must be g, kg, ml, cl, l or empty");
  } else if ((p.net_quantity == 0) != p.net_quantity_unit.empty()) {
    v.Add(field("net_quantity_unit"), "must be set exactly when net_quantity is not 0");
  }
  if (p.stock < 0 || p.stock > 1000000) v.Add(field("stock"), "must be between 0 and 1000000");
  return v.ToStatus();
}

}  // namespace comptoir::catalogue
