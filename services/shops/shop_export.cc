#include "shop_export.h"

#include <string_view>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "comptoir/common/csv.h"
#include "comptoir/common/log.h"

namespace comptoir::shops {
namespace {

constexpr const char* kOsmDays[] = {"Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"};
constexpr const char* kSchemaDays[] = {"Monday", "Tuesday",  "Wednesday", "Thursday",
                                       "Friday", "Saturday", "Sunday"};
constexpr const char* kOsmMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

std::string OsmRanges(const std::vector<TimeRange>& ranges) {
  std::vector<std::string> parts;
  for (const TimeRange& r : ranges) {
    parts.push_back(
        absl::StrCat(FormatClockTime(r.open_minute), "-", FormatClockTime(r.close_minute)));
  }
  return absl::StrJoin(parts, ",");
}

std::string OsmDate(absl::CivilDay day) {
  return absl::StrFormat("%04d %s %02d", day.year(), kOsmMonths[day.month() - 1], day.day());
}

std::string IsoDate(absl::CivilDay day) {
  return absl::StrFormat("%04d-%02d-%02d", day.year(), day.month(), day.day());
}

// schema.org Time: "HH:MM:SS"; a range closing at midnight closes at 23:59:59 of its day.
std::string SchemaTime(int minutes) {
  if (minutes >= 1440) return "23:59:59";
  return absl::StrCat(FormatClockTime(minutes), ":00");
}

std::string CsvCell(std::string_view value, bool free_text) {
  return common::CsvCell(value, ',', free_text);
}

std::string Coordinate(double degrees) { return absl::StrFormat("%.6f", degrees); }

// A JSON member "key": "value" (value quoted), skipped by callers when empty.
std::string Member(std::string_view key, std::string_view value) {
  return absl::StrCat(common::JsonQuote(key), ":", common::JsonQuote(value));
}

std::string Specification(const std::vector<std::string>& members) {
  return absl::StrCat("{\"@type\":\"OpeningHoursSpecification\",", absl::StrJoin(members, ","),
                      "}");
}

std::string HoursSpecifications(const OpeningHours& hours) {
  std::vector<std::string> specs;
  for (int d = 0; d < 7; ++d) {
    for (const TimeRange& r : hours.weekly[d]) {
      specs.push_back(
          Specification({Member("dayOfWeek", absl::StrCat("https://schema.org/", kSchemaDays[d])),
                         Member("opens", SchemaTime(r.open_minute)),
                         Member("closes", SchemaTime(r.close_minute))}));
    }
  }
  for (const DateException& e : hours.exceptions) {
    std::vector<std::string> dates = {Member("validFrom", IsoDate(e.first)),
                                      Member("validThrough", IsoDate(e.last))};
    if (!e.label.empty()) dates.push_back(Member("description", e.label));
    // Closed days: opens and closes at 00:00, as schema.org and search engines read them.
    std::vector<TimeRange> ranges = e.closed ? std::vector<TimeRange>{TimeRange{0, 0}} : e.ranges;
    for (const TimeRange& r : ranges) {
      std::vector<std::string> members = dates;
      members.push_back(Member("opens", e.closed ? "00:00:00" : SchemaTime(r.open_minute)));
      members.push_back(Member("closes", e.closed ? "00:00:00" : SchemaTime(r.close_minute)));
      specs.push_back(Specification(members));
    }
  }
  return absl::StrCat("[", absl::StrJoin(specs, ","), "]");
}

std::string LocalBusiness(const Shop& shop) {
  std::vector<std::string> m = {
      Member("@type", "LocalBusiness"), Member("@id", absl::StrCat("urn:uuid:", shop.id)),
      Member("name", shop.name),
      absl::StrCat("\"identifier\":[{\"@type\":\"PropertyValue\",", Member("propertyID", "SIRET"),
                   ",", Member("value", shop.siret), "},{\"@type\":\"PropertyValue\",",
                   Member("propertyID", "comptoir-slug"), ",", Member("value", shop.slug), "}]"),
      Member("keywords", shop.category)};
  if (!shop.description.empty()) m.push_back(Member("description", shop.description));
  std::vector<std::string> address = {Member("@type", "PostalAddress")};
  if (!shop.street_address.empty()) address.push_back(Member("streetAddress", shop.street_address));
  address.push_back(Member("postalCode", shop.postal_code));
  address.push_back(Member("addressLocality", shop.commune_name));
  address.push_back(Member("addressRegion", "Bourgogne-Franche-Comté"));
  address.push_back(Member("addressCountry", "FR"));
  m.push_back(absl::StrCat("\"address\":{", absl::StrJoin(address, ","), "}"));
  m.push_back(
      absl::StrCat("\"geo\":{\"@type\":\"GeoCoordinates\",\"latitude\":", Coordinate(shop.latitude),
                   ",\"longitude\":", Coordinate(shop.longitude), "}"));
  if (!shop.phone.empty()) m.push_back(Member("telephone", shop.phone));
  if (!shop.email.empty()) m.push_back(Member("email", shop.email));
  if (!shop.website.empty()) m.push_back(Member("url", shop.website));
  if (!shop.photo_urls.empty()) {
    std::vector<std::string> images;
    for (const std::string& url : shop.photo_urls) images.push_back(common::JsonQuote(url));
    m.push_back(absl::StrCat("\"image\":[", absl::StrJoin(images, ","), "]"));
  }
  if (!shop.opening_hours.empty()) {
    m.push_back(
        absl::StrCat("\"openingHoursSpecification\":", HoursSpecifications(shop.opening_hours)));
  }
  return absl::StrCat("{", absl::StrJoin(m, ","), "}");
}

}  // namespace

std::string OsmOpeningHours(const OpeningHours& hours) {
  std::vector<std::string> rules;
  for (int d = 0; d < 7; ++d) {
    if (!hours.weekly[d].empty()) {
      rules.push_back(absl::StrCat(kOsmDays[d], " ", OsmRanges(hours.weekly[d])));
    }
  }
  // Later rules override earlier ones in OSM: dated exceptions come after the week.
  for (const DateException& e : hours.exceptions) {
    std::string dates = OsmDate(e.first);
    if (e.last != e.first) absl::StrAppend(&dates, "-", OsmDate(e.last));
    rules.push_back(absl::StrCat(dates, " ", e.closed ? "off" : OsmRanges(e.ranges)));
  }
  return absl::StrJoin(rules, "; ");
}

std::string ShopsCsv(const std::vector<Shop>& shops) {
  std::string out =
      "id,slug,name,category,siret,street_address,postal_code,commune_insee,commune_name,"
      "department_code,latitude,longitude,phone,email,website,click_and_collect,"
      "preparation_minutes,opening_hours,description\r\n";
  for (const Shop& s : shops) {
    const std::vector<std::string> cells = {CsvCell(s.id, false),
                                            CsvCell(s.slug, false),
                                            CsvCell(s.name, true),
                                            CsvCell(s.category, false),
                                            CsvCell(s.siret, false),
                                            CsvCell(s.street_address, true),
                                            CsvCell(s.postal_code, false),
                                            CsvCell(s.commune_insee, false),
                                            CsvCell(s.commune_name, false),
                                            CsvCell(s.department_code, false),
                                            Coordinate(s.latitude),
                                            Coordinate(s.longitude),
                                            CsvCell(s.phone, false),
                                            CsvCell(s.email, false),
                                            CsvCell(s.website, false),
                                            s.click_and_collect ? "true" : "false",
                                            absl::StrCat(s.preparation_minutes),
                                            CsvCell(OsmOpeningHours(s.opening_hours), false),
                                            CsvCell(s.description, true)};
    absl::StrAppend(&out, absl::StrJoin(cells, ","), "\r\n");
  }
  return out;
}

std::string ShopsJsonLd(const std::vector<Shop>& shops) {
  std::string out = absl::StrCat(
      "{\"@context\":\"https://schema.org\",\"@type\":\"ItemList\",\"name\":",
      common::JsonQuote("Comptoir — commerces de proximité de Bourgogne-Franche-Comté"),
      ",\"numberOfItems\":", shops.size(), ",\"itemListElement\":[");
  for (std::size_t i = 0; i < shops.size(); ++i) {
    absl::StrAppend(&out, i == 0 ? "" : ",", "{\"@type\":\"ListItem\",\"position\":", i + 1,
                    ",\"item\":", LocalBusiness(shops[i]), "}");
  }
  out += "]}";
  return out;
}

}  // namespace comptoir::shops
