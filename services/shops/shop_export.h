// The open-data forms of the shop directory: CSV (RFC 4180, UTF-8, with the hours in
// OpenStreetMap `opening_hours` syntax) and schema.org JSON-LD (an ItemList of LocalBusiness
// with OpeningHoursSpecification, exceptions as specifications with validFrom/validThrough).
// Pure functions over values: thread-safe.
//
//   std::string csv = ShopsCsv(shops);
//   std::string jsonld = ShopsJsonLd(shops);
#pragma once

#include <string>
#include <vector>

#include "shop.h"

namespace comptoir::shops {

inline constexpr char kCsvContentType[] = "text/csv; charset=utf-8";
inline constexpr char kJsonLdContentType[] = "application/ld+json";

// Header line then one line per shop, CRLF-terminated. Free-text cells are written with
// common::CsvCell, so a spreadsheet does not run them as formulas.
std::string ShopsCsv(const std::vector<Shop>& shops);
// {"@context": "https://schema.org", "@type": "ItemList", "itemListElement": [...]}.
std::string ShopsJsonLd(const std::vector<Shop>& shops);

// The hours in OpenStreetMap syntax: "Mo 08:00-12:30,14:30-19:00; Sa 08:00-12:00;
// 2026 Dec 25 off". Empty when the shop published no hours.
std::string OsmOpeningHours(const OpeningHours& hours);

}  // namespace comptoir::shops
