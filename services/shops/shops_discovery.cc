// Finding shops (ShopsService, declared in shops_service.h): the public list with its filters
// (commune, department, radius, category, open now, text) and keyset pages, the export for the
// Region's open-data portal, and the communes look-up. The rest of the service is in
// shops_service.cc.
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "comptoir/common/status.h"
#include "comptoir/common/utf8.h"
#include "shop_export.h"
#include "shop_rules.h"
#include "shops_service.h"

namespace comptoir::shops {
namespace {

using common::PrintableLength;
using common::Violations;

ShopCursor CursorOf(const Shop& shop) {
  return ShopCursor{shop.create_time, shop.id, shop.distance_km};
}

}  // namespace

std::string EncodePageToken(const ShopCursor& cursor) {
  if (cursor.distance_km.has_value()) {
    // %.17g round-trips the double exactly: the next page resumes right after this shop.
    return absl::WebSafeBase64Escape(
        absl::StrCat("d1|", absl::StrFormat("%.17g", *cursor.distance_km), "|", cursor.id));
  }
  return absl::WebSafeBase64Escape(
      absl::StrCat("v1|", absl::ToUnixMicros(cursor.create_time), "|", cursor.id));
}

absl::StatusOr<ShopCursor> DecodePageToken(const std::string& token) {
  std::string raw;
  if (token.size() > 200 || !absl::WebSafeBase64Unescape(token, &raw)) {
    return common::InvalidField("page_token", "is not a token from a previous page");
  }
  std::vector<std::string> parts = absl::StrSplit(raw, '|');
  int64_t micros = 0;
  double distance = 0;
  if (parts.size() == 3 && parts[0] == "d1" && absl::SimpleAtod(parts[1], &distance) &&
      distance >= 0 && LooksLikeUuid(parts[2])) {
    ShopCursor cursor;
    cursor.id = parts[2];
    cursor.distance_km = distance;
    return cursor;
  }
  if (parts.size() != 3 || parts[0] != "v1" || !absl::SimpleAtoi(parts[1], &micros) ||
      !LooksLikeUuid(parts[2])) {
    return common::InvalidField("page_token", "is not a token from a previous page");
  }
  ShopCursor cursor;
  cursor.create_time = absl::FromUnixMicros(micros);
  cursor.id = parts[2];
  return cursor;
}

absl::StatusOr<ListShopsResult> ShopsService::ListShops(const ListShopsParams& params,
                                                        Deadline deadline) {
  Violations violations;
  ShopQuery query;
  if (params.page_size < 0 || params.page_size > kMaxPageSize) {
    violations.Add("page_size", absl::StrCat("must be between 1 and ", kMaxPageSize));
  }
  query.page_size = params.page_size == 0 ? kDefaultPageSize : params.page_size;
  if (!params.commune_insee.empty() && !ValidInseeCode(params.commune_insee)) {
    violations.Add("commune", "must be a 5-character INSEE code such as 21231");
  }
  query.commune_insee = params.commune_insee;
  const auto& categories = ShopCategories();
  if (!params.category.empty() &&
      std::find(categories.begin(), categories.end(), params.category) == categories.end()) {
    violations.Add("category", "is not one of the shop categories");
  }
  query.category = params.category;
  if (!params.department_code.empty() && !ValidDepartmentCode(params.department_code)) {
    violations.Add("department", "must be a department code such as 21");
  }
  query.department_code = params.department_code;
  if (!params.q.empty()) {
    const std::string q(absl::StripAsciiWhitespace(params.q));
    const int length = PrintableLength(q);
    if (length < 2 || length > kMaxNameQueryLength) {
      violations.Add("q", absl::StrCat("must be 2 to ", kMaxNameQueryLength, " characters"));
    } else if (Slugify(q).empty()) {
      violations.Add("q", "must contain at least one letter or digit");
    } else {
      query.name_query = q;
    }
  }
  const bool around = !params.near.empty() || !params.near_commune.empty();
  if (!params.near.empty() && !params.near_commune.empty()) {
    violations.Add("near_commune", "give near or near_commune, not both");
  } else if (!params.near.empty()) {
    std::vector<std::string> parts = absl::StrSplit(params.near, ',');
    GeoPoint point;
    if (parts.size() != 2 ||
        !absl::SimpleAtod(absl::StripAsciiWhitespace(parts[0]), &point.latitude) ||
        !absl::SimpleAtod(absl::StripAsciiWhitespace(parts[1]), &point.longitude) ||
        !(point.latitude >= -90 && point.latitude <= 90) ||
        !(point.longitude >= -180 && point.longitude <= 180)) {
      violations.Add("near", "must be a point LAT,LON in degrees, such as 47.3216,5.0415");
    } else {
      query.near = point;
    }
  } else if (!params.near_commune.empty()) {
    if (!ValidInseeCode(params.near_commune)) {
      violations.Add("near_commune", "must be a 5-character INSEE code such as 25056");
    } else {
      ASSIGN_OR_RETURN(std::optional<Commune> commune,
                       repository_.FindCommune(params.near_commune, deadline));
      if (commune.has_value()) {
        query.near = GeoPoint{commune->latitude, commune->longitude};
      } else {
        violations.Add("near_commune", absl::StrCat("no commune of Bourgogne-Franche-Comte has "
                                                    "INSEE code ",
                                                    params.near_commune));
      }
    }
  }
  if (!params.status.empty() && params.status != kStatusActive) {
    if (params.status != kStatusPending && params.status != kStatusSuspended &&
        params.status != kStatusClosed) {
      violations.Add("status", "must be one of active, pending, suspended, closed");
    } else if (around || params.open_now) {
      violations.Add("status", "moderation lists cannot be combined with near or open_now");
    } else {
      query.status = params.status;
    }
  }
  if (around) {
    if (params.radius_km == 0) {
      query.radius_km = kDefaultRadiusKm;
    } else if (!(params.radius_km > 0 && params.radius_km <= kMaxRadiusKm)) {
      violations.Add("radius_km", absl::StrCat("must be more than 0 and at most ", kMaxRadiusKm));
    } else {
      query.radius_km = params.radius_km;
    }
  } else if (params.radius_km != 0) {
    violations.Add("near", "is required with radius_km");
  }
  if (!params.page_token.empty()) {
    absl::StatusOr<ShopCursor> cursor = DecodePageToken(params.page_token);
    // A nearest-first token only continues a search around a point, and the other way round.
    if (cursor.ok() && cursor->distance_km.has_value() == around) {
      query.after = *cursor;
    } else {
      violations.Add("page_token", "is not a token from a previous page");
    }
  }
  RETURN_IF_ERROR(violations.ToStatus());

  ListShopsResult result;
  if (!params.open_now) {
    ASSIGN_OR_RETURN(ShopPage page, repository_.List(query, deadline));
    result.shops = std::move(page.shops);
    if (page.next.has_value()) result.next_page_token = EncodePageToken(*page.next);
    return result;
  }
  // Hours are evaluated here, not in SQL (they are a rule set in the shop's time zone): read
  // in batches and keep the open shops. The token resumes after the last shop looked at.
  const absl::Time now = now_();
  const int page_size = query.page_size;
  query.page_size = std::max(page_size, 100);
  int scanned = 0;
  for (;;) {
    ASSIGN_OR_RETURN(ShopPage batch, repository_.List(query, deadline));
    for (std::size_t i = 0; i < batch.shops.size(); ++i) {
      ++scanned;
      if (!IsOpenAt(batch.shops[i].opening_hours, now, ParisTimeZone())) continue;
      result.shops.push_back(std::move(batch.shops[i]));
      if (static_cast<int>(result.shops.size()) == page_size) {
        const bool nothing_after = i + 1 == batch.shops.size() && !batch.next.has_value();
        if (!nothing_after) result.next_page_token = EncodePageToken(CursorOf(result.shops.back()));
        return result;
      }
    }
    if (!batch.next.has_value()) return result;
    if (scanned >= kOpenNowScanLimit) {
      result.next_page_token = EncodePageToken(*batch.next);
      return result;
    }
    query.after = *batch.next;
  }
}

absl::StatusOr<ShopsExport> ShopsService::ExportShops(const std::string& format,
                                                      const std::string& department,
                                                      Deadline deadline) {
  Violations violations;
  const std::string lowered = absl::AsciiStrToLower(format);
  const bool jsonld = lowered == "jsonld" || lowered == "json-ld";
  if (!jsonld && !lowered.empty() && lowered != "csv") {
    violations.Add("format", "must be csv or jsonld");
  }
  if (!department.empty() && !ValidDepartmentCode(department)) {
    violations.Add("department", "must be a department code such as 21");
  }
  RETURN_IF_ERROR(violations.ToStatus());
  ShopQuery query;
  query.department_code = department;
  query.page_size = 500;
  std::vector<Shop> shops;
  for (;;) {
    ASSIGN_OR_RETURN(ShopPage page, repository_.List(query, deadline));
    for (Shop& shop : page.shops) shops.push_back(std::move(shop));
    if (!page.next.has_value() || static_cast<int>(shops.size()) >= kMaxExportedShops) break;
    query.after = *page.next;
  }
  ShopsExport out;
  out.shop_count = static_cast<int>(shops.size());
  out.content_type = jsonld ? kJsonLdContentType : kCsvContentType;
  out.content = jsonld ? ShopsJsonLd(shops) : ShopsCsv(shops);
  return out;
}

absl::StatusOr<std::vector<Commune>> ShopsService::ListCommunes(const std::string& q, int page_size,
                                                                Deadline deadline) {
  Violations violations;
  const std::string trimmed(absl::StripAsciiWhitespace(q));
  const int length = PrintableLength(trimmed);
  if (trimmed.empty()) {
    violations.Add("q", "is required");
  } else if (length < 2 || length > 60) {
    violations.Add("q", "must be 2 to 60 characters");
  }
  if (page_size < 0 || page_size > kMaxCommunes) {
    violations.Add("page_size", absl::StrCat("must be between 1 and ", kMaxCommunes));
  }
  RETURN_IF_ERROR(violations.ToStatus());
  return repository_.SearchCommunes(trimmed, page_size == 0 ? kDefaultCommunes : page_size,
                                    deadline);
}

}  // namespace comptoir::shops
