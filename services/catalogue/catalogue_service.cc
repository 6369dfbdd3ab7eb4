#include "catalogue_service.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "comptoir/common/status.h"
#include "comptoir/common/utf8.h"

namespace comptoir::catalogue {
namespace {

bool IsMember(const common::Caller& caller, const std::string& shop_id) {
  if (!caller.authenticated()) return false;
  const auto has = [](const std::vector<std::string>& list, const std::string& value) {
    return std::find(list.begin(), list.end(), value) != list.end();
  };
  return has(caller.roles, common::kRoleAdmin) || has(caller.shop_ids, shop_id);
}

// Whether a non-member may see this product.
bool PubliclyVisible(const Product& product) {
  return product.visible && product.shop_status == "active";
}

int ClampPageSize(int page_size, common::Violations& violations) {
  if (page_size < 0 || page_size > CatalogueService::kMaxPageSize) {
    violations.Add("page_size", "must be between 0 and 100");
    return CatalogueService::kDefaultPageSize;
  }
  return page_size == 0 ? CatalogueService::kDefaultPageSize : page_size;
}

absl::Status CheckUuid(const std::string& value, const std::string& field) {
  if (!LooksLikeUuid(value)) return common::InvalidField(field, "must be a UUID");
  return absl::OkStatus();
}

// Settable fields, as field-mask paths, and how each one is copied.
using Copier = void (*)(const Product& from, Product& to);
const std::vector<std::pair<std::string, Copier>>& MaskFields() {
  static const auto* const kFields = new std::vector<std::pair<std::string, Copier>>{
      {"sku", [](const Product& f, Product& t) { t.sku = f.sku; }},
      {"name", [](const Product& f, Product& t) { t.name = f.name; }},
      {"description", [](const Product& f, Product& t) { t.description = f.description; }},
      {"category", [](const Product& f, Product& t) { t.category = f.category; }},
      {"labels", [](const Product& f, Product& t) { t.labels = f.labels; }},
      {"allergens", [](const Product& f, Product& t) { t.allergens = f.allergens; }},
      {"photo_urls", [](const Product& f, Product& t) { t.photo_urls = f.photo_urls; }},
      {"price_cents", [](const Product& f, Product& t) { t.price_cents = f.price_cents; }},
      {"vat_rate_bp", [](const Product& f, Product& t) { t.vat_rate_bp = f.vat_rate_bp; }},
      {"sale_unit", [](const Product& f, Product& t) { t.sale_unit = f.sale_unit; }},
      {"net_quantity", [](const Product& f, Product& t) { t.net_quantity = f.net_quantity; }},
      {"net_quantity_unit",
       [](const Product& f, Product& t) { t.net_quantity_unit = f.net_quantity_unit; }},
      {"stock_tracked", [](const Product& f, Product& t) { t.stock_tracked = f.stock_tracked; }},
      {"stock", [](const Product& f, Product& t) { t.stock = f.stock; }},
      {"visible", [](const Product& f, Product& t) { t.visible = f.visible; }},
  };
  return *kFields;
}

const char* SortName(SearchSort sort) {
  switch (sort) {
    case SearchSort::kRelevance:
      return "r";
    case SearchSort::kPriceAsc:
      return "pa";
    case SearchSort::kPriceDesc:
      return "pd";
    case SearchSort::kDistance:
      return "d";
    case SearchSort::kNewest:
      return "n";
  }
  return "?";
}

std::string EncodeSkuToken(const std::string& sku) {
  return absl::WebSafeBase64Escape(absl::StrCat("s|", sku));
}

absl::StatusOr<std::string> DecodeSkuToken(const std::string& token) {
  std::string raw;
  if (!absl::WebSafeBase64Unescape(token, &raw) || raw.rfind("s|", 0) != 0) {
    return common::InvalidField("page_token", "is not a token this service issued");
  }
  return raw.substr(2);
}

}  // namespace

absl::Status CheckShopWriter(const common::Caller& caller, const std::string& shop_id) {
  if (!caller.authenticated()) return absl::UnauthenticatedError("sign in to manage products");
  if (!IsMember(caller, shop_id)) {
    return absl::PermissionDeniedError("only members of the shop may change its products");
  }
  return absl::OkStatus();
}

std::vector<std::string> QueryWords(const std::string& q, int max_words) {
  std::vector<std::string> words;
  std::string current;
  const auto flush = [&] {
    if (!current.empty() && static_cast<int>(words.size()) < max_words) words.push_back(current);
    current.clear();
  };
  for (std::size_t i = 0; i < q.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(q[i]);
    // Typographic apostrophe (U+2019) and guillemets (U+00AB, U+00BB) separate words too.
    if (c == 0xE2 && i + 2 < q.size() && static_cast<unsigned char>(q[i + 1]) == 0x80 &&
        static_cast<unsigned char>(q[i + 2]) == 0x99) {
      flush();
      i += 2;
    } else if (c == 0xC2 && i + 1 < q.size() &&
               (static_cast<unsigned char>(q[i + 1]) == 0xAB ||
                static_cast<unsigned char>(q[i + 1]) == 0xBB ||
                static_cast<unsigned char>(q[i + 1]) == 0xA0)) {
      flush();
      i += 1;
    } else if (c >= 0x80 || absl::ascii_isalnum(c)) {
      current.push_back(static_cast<char>(c));
    } else {
      flush();
    }
  }
  flush();
  return words;
}

std::string EncodeSearchToken(SearchSort sort, const SearchCursor& cursor) {
  char key[64];
  std::snprintf(key, sizeof key, "%.17g", cursor.key);
  return absl::WebSafeBase64Escape(absl::StrCat("1|", SortName(sort), "|", key, "|", cursor.id));
}

absl::StatusOr<SearchCursor> DecodeSearchToken(SearchSort sort, const std::string& token) {
  const absl::Status bad = common::InvalidField("page_token", "is not a token of this search");
  std::string raw;
  if (!absl::WebSafeBase64Unescape(token, &raw)) return bad;
  std::vector<std::string> parts = absl::StrSplit(raw, '|');
  SearchCursor cursor;
  if (parts.size() != 4 || parts[0] != "1" || parts[1] != SortName(sort) ||
      !absl::SimpleAtod(parts[2], &cursor.key) || !std::isfinite(cursor.key) ||
      !LooksLikeUuid(parts[3])) {
    return bad;
  }
  cursor.id = parts[3];
  return cursor;
}

absl::StatusOr<std::pair<double, double>> ParseNear(const std::string& near) {
  std::vector<std::string> parts = absl::StrSplit(near, ',');
  double lat = 0, lon = 0;
  if (parts.size() != 2 || !absl::SimpleAtod(parts[0], &lat) || !absl::SimpleAtod(parts[1], &lon) ||
      !(lat >= -90 && lat <= 90) || !(lon >= -180 && lon <= 180)) {
    return common::InvalidField("near", "must be \"LAT,LON\" in degrees");
  }
  return std::make_pair(lat, lon);
}

absl::StatusOr<Product> CatalogueService::CreateProduct(const common::Caller& caller,
                                                        const std::string& shop_id, Product product,
                                                        Deadline deadline) {
  RETURN_IF_ERROR(CheckUuid(shop_id, "shop"));
  const std::string shop = absl::AsciiStrToLower(shop_id);
  RETURN_IF_ERROR(CheckShopWriter(caller, shop));
  product.shop_id = shop;
  RETURN_IF_ERROR(ValidateProduct(product, "product."));
  return repository_.Insert(product, deadline);
}

absl::StatusOr<Product> CatalogueService::GetProduct(const common::Caller& caller,
                                                     const std::string& id, Deadline deadline) {
  RETURN_IF_ERROR(CheckUuid(id, "product"));
  ASSIGN_OR_RETURN(Product product, repository_.FindById(absl::AsciiStrToLower(id), deadline));
  if (!PubliclyVisible(product) && !IsMember(caller, product.shop_id)) {
    // Hidden products are not acknowledged to exist.
    return absl::NotFoundError(absl::StrCat("no product \"", id, "\""));
  }
  return product;
}

absl::StatusOr<ListProductsResult> CatalogueService::ListProducts(const common::Caller& caller,
                                                                  const ListProductsParams& params,
                                                                  Deadline deadline) {
  common::Violations violations;
  if (!LooksLikeUuid(params.shop_id)) violations.Add("shop", "must be a UUID");
  const int page_size = ClampPageSize(params.page_size, violations);
  std::string after_sku;
  if (!params.page_token.empty()) {
    absl::StatusOr<std::string> sku = DecodeSkuToken(params.page_token);
    if (sku.ok()) {
      after_sku = *sku;
    } else {
      violations.Add("page_token", "is not a token this service issued");
    }
  }
  RETURN_IF_ERROR(violations.ToStatus());
  const std::string shop_id = absl::AsciiStrToLower(params.shop_id);
  const bool member = IsMember(caller, shop_id);
  if (!member) {
    ASSIGN_OR_RETURN(std::optional<ShopInfo> shop, repository_.FindShop(shop_id, deadline));
    if (!shop.has_value() || shop->status != "active") {
      return absl::NotFoundError(absl::StrCat("no shop \"", params.shop_id, "\""));
    }
  }
  ASSIGN_OR_RETURN(ProductPage page,
                   repository_.ListByShop(shop_id, member, after_sku, page_size, deadline));
  ListProductsResult result{std::move(page.products), ""};
  if (page.next_sku.has_value()) result.next_page_token = EncodeSkuToken(*page.next_sku);
  return result;
}

absl::StatusOr<Product> CatalogueService::UpdateProduct(const common::Caller& caller,
                                                        const Product& changes,
                                                        const std::vector<std::string>& paths,
                                                        Deadline deadline) {
  common::Violations violations;
  if (!LooksLikeUuid(changes.id)) violations.Add("product.id", "must be a UUID");
  if (changes.version <= 0) {
    violations.Add("product.version", "must be the version read (optimistic concurrency)");
  }
  if (paths.empty()) violations.Add("update_mask", "must name at least one field");
  std::vector<Copier> copiers;
  for (const std::string& path : paths) {
    const auto& fields = MaskFields();
    auto it = std::find_if(fields.begin(), fields.end(),
                           [&path](const auto& field) { return field.first == path; });
    if (it == fields.end()) {
      violations.Add("update_mask", absl::StrCat("\"", path, "\" is not a field one may change"));
    } else {
      copiers.push_back(it->second);
    }
  }
  RETURN_IF_ERROR(violations.ToStatus());
  ASSIGN_OR_RETURN(Product product,
                   repository_.FindCurrent(absl::AsciiStrToLower(changes.id), deadline));
  if (!IsMember(caller, product.shop_id)) {
    if (!caller.authenticated()) return CheckShopWriter(caller, product.shop_id);
    if (!PubliclyVisible(product)) {
      return absl::NotFoundError(absl::StrCat("no product \"", changes.id, "\""));
    }
    return CheckShopWriter(caller, product.shop_id);
  }
  for (Copier copy : copiers) copy(changes, product);
  RETURN_IF_ERROR(ValidateProduct(product, "product."));
  // The repository compares with the version the caller read, not the one loaded above: a
  // change made in between fails instead of being silently overwritten.
  return repository_.Update(product, changes.version, deadline);
}

absl::Status CatalogueService::DeleteProduct(const common::Caller& caller, const std::string& id,
                                             int64_t version, Deadline deadline) {
  RETURN_IF_ERROR(CheckUuid(id, "product"));
  if (version < 0) return common::InvalidField("version", "must not be negative");
  ASSIGN_OR_RETURN(Product product, repository_.FindCurrent(absl::AsciiStrToLower(id), deadline));
  if (!IsMember(caller, product.shop_id) && caller.authenticated() && !PubliclyVisible(product)) {
    return absl::NotFoundError(absl::StrCat("no product \"", id, "\""));
  }
  RETURN_IF_ERROR(CheckShopWriter(caller, product.shop_id));
  return repository_.Delete(product.id, version, deadline);
}

absl::StatusOr<SearchResult> CatalogueService::SearchProducts(const SearchParams& params,
                                                              Deadline deadline) {
  common::Violations v;
  SearchQuery query;
  const std::string text(absl::StripAsciiWhitespace(params.q));
  const int length = common::PrintableLength(text);
  if (length < 0 || length > kMaxQueryLength) {
    v.Add("q", "must be at most 200 printable characters");
  } else {
    query.text = text;
    query.words = QueryWords(text, kMaxQueryWords);
  }
  if (!params.category.empty() && std::find(ProductCategories().begin(), ProductCategories().end(),
                                            params.category) == ProductCategories().end()) {
    v.Add("category", "must be one of the product categories");
  }
  if (!params.label.empty() && std::find(ProductLabels().begin(), ProductLabels().end(),
                                         params.label) == ProductLabels().end()) {
    v.Add("label", "must be one of the labels");
  }
  if (!params.shop_id.empty() && !LooksLikeUuid(params.shop_id)) v.Add("shop", "must be a UUID");
  const auto is_code = [](const std::string& s, std::size_t min, std::size_t max) {
    return s.size() >= min && s.size() <= max &&
           std::all_of(s.begin(), s.end(), [](char c) { return absl::ascii_isalnum(c); });
  };
  if (!params.commune_insee.empty() && !is_code(params.commune_insee, 5, 5)) {
    v.Add("commune", "must be an INSEE code");
  }
  if (!params.department_code.empty() && !is_code(params.department_code, 2, 3)) {
    v.Add("department", "must be a department code");
  }
  if (!params.near.empty()) {
    absl::StatusOr<std::pair<double, double>> point = ParseNear(params.near);
    if (point.ok()) {
      query.latitude = point->first;
      query.longitude = point->second;
    } else {
      v.Add("near", "must be \"LAT,LON\" in degrees");
    }
  }
  if (!(params.radius_km >= 0 && params.radius_km <= 200)) {
    v.Add("radius_km", "must be between 0 and 200");
  } else if (params.radius_km > 0 && params.near.empty()) {
    v.Add("near", "is required with radius_km");
  }
  if (params.min_price < 0) v.Add("min_price", "must not be negative");
  if (params.max_price < 0) v.Add("max_price", "must not be negative");
  if (params.max_price > 0 && params.min_price > params.max_price) {
    v.Add("max_price", "must not be below min_price");
  }
  if (params.sort.empty()) {
    query.sort = query.words.empty() ? SearchSort::kNewest : SearchSort::kRelevance;
  } else if (params.sort == "relevance") {
    query.sort = query.words.empty() ? SearchSort::kNewest : SearchSort::kRelevance;
  } else if (params.sort == "price_asc") {
    query.sort = SearchSort::kPriceAsc;
  } else if (params.sort == "price_desc") {
    query.sort = SearchSort::kPriceDesc;
  } else if (params.sort == "distance") {
    query.sort = SearchSort::kDistance;
    if (params.near.empty()) v.Add("near", "is required to sort by distance");
  } else if (params.sort == "newest") {
    query.sort = SearchSort::kNewest;
  } else {
    v.Add("sort", "must be relevance, price_asc, price_desc, distance or newest");
  }
  query.page_size = ClampPageSize(params.page_size, v);
  if (!params.page_token.empty()) {
    absl::StatusOr<SearchCursor> cursor = DecodeSearchToken(query.sort, params.page_token);
    if (cursor.ok()) {
      query.after = *cursor;
    } else {
      v.Add("page_token", "is not a token of this search");
    }
  }
  RETURN_IF_ERROR(v.ToStatus());
  query.category = params.category;
  query.label = params.label;
  query.shop_id = absl::AsciiStrToLower(params.shop_id);
  query.commune_insee = params.commune_insee;
  query.department_code = params.department_code;
  query.radius_km = params.radius_km;
  query.min_price = params.min_price;
  query.max_price = params.max_price;
  query.in_stock = params.in_stock;
  query.facets = params.facets;
  // Whole minutes: hours are set to the minute, and searches of one minute share a cache key.
  if (params.open_now)
    query.open_at = absl::FromUnixSeconds(absl::ToUnixSeconds(clock_()) / 60 * 60);
  ASSIGN_OR_RETURN(SearchPage page, repository_.Search(query, deadline));
  SearchResult result;
  result.products = std::move(page.products);
  if (page.next.has_value()) result.next_page_token = EncodeSearchToken(query.sort, *page.next);
  result.categories = std::move(page.categories);
  result.labels = std::move(page.labels);
  result.departments = std::move(page.departments);
  return result;
}

absl::StatusOr<Reservation> CatalogueService::ReserveStock(const std::string& order_id,
                                                           const std::vector<StockLine>& lines,
                                                           Deadline deadline) {
  common::Violations v;
  if (!LooksLikeUuid(order_id)) v.Add("order_id", "must be a UUID");
  if (lines.empty() || static_cast<int>(lines.size()) > kMaxReservationLines) {
    v.Add("lines", "must hold 1 to 100 lines");
  }
  std::vector<StockLine> normalised;
  std::set<std::string> seen;
  for (std::size_t i = 0; i < lines.size() && i < kMaxReservationLines; ++i) {
    const std::string path = absl::StrCat("lines[", i, "]");
    if (!LooksLikeUuid(lines[i].product_id)) {
      v.Add(path + ".product_id", "must be a UUID");
      continue;
    }
    const std::string id = absl::AsciiStrToLower(lines[i].product_id);
    if (!seen.insert(id).second) v.Add(path + ".product_id", "appears twice");
    if (lines[i].quantity < 1 || lines[i].quantity > kMaxLineQuantity) {
      v.Add(path + ".quantity", "must be between 1 and 10000");
    }
    normalised.push_back({id, lines[i].quantity});
  }
  RETURN_IF_ERROR(v.ToStatus());
  return repository_.Reserve(absl::AsciiStrToLower(order_id), normalised, deadline);
}

absl::StatusOr<Reservation> CatalogueService::ReleaseStock(const std::string& order_id,
                                                           Deadline deadline) {
  RETURN_IF_ERROR(CheckUuid(order_id, "order_id"));
  return repository_.Release(absl::AsciiStrToLower(order_id), deadline);
}

absl::StatusOr<Reservation> CatalogueService::CommitStock(const std::string& order_id,
                                                          Deadline deadline) {
  RETURN_IF_ERROR(CheckUuid(order_id, "order_id"));
  return repository_.Commit(absl::AsciiStrToLower(order_id), deadline);
}

absl::Status CatalogueService::ApplyShop(const ShopInfo& shop, int64_t source_version,
                                         Deadline deadline) {
  common::Violations v;
  if (!LooksLikeUuid(shop.id)) v.Add("id", "must be a UUID");
  static const std::vector<std::string> kStatuses = {"pending", "active", "suspended", "closed"};
  if (std::find(kStatuses.begin(), kStatuses.end(), shop.status) == kStatuses.end()) {
    v.Add("status", "is not a shop status");
  }
  if (shop.name.empty()) v.Add("name", "must not be empty");
  RETURN_IF_ERROR(v.ToStatus());
  ShopInfo normalised = shop;
  normalised.id = absl::AsciiStrToLower(shop.id);
  return repository_.UpsertShop(normalised, source_version, deadline);
}

}  // namespace comptoir::catalogue
