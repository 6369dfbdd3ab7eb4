// The shop as the domain knows it, independent of gRPC and SQL. Plain values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "comptoir/common/opening_hours.h"

namespace comptoir::shops {

// A shop's hours are the shared model, evaluated the same way by every service.
using common::DateException;
using common::FormatClockTime;
using common::IsOpenAt;
using common::NextClosing;
using common::NextOpening;
using common::OpeningHours;
using common::ParisTimeZone;
using common::ParseOpeningHours;
using common::TimeRange;

struct Commune {
  std::string insee_code;
  std::string name;
  std::string department_code;
  double latitude = 0;  // centre of the commune
  double longitude = 0;
  std::vector<std::string> postal_codes;  // every postal code of the commune, main one first
  int population = 0;
  std::string matched_postal_code = "";  // commune searches by postal code: the one matched
};

inline constexpr char kStatusPending[] = "pending";
inline constexpr char kStatusActive[] = "active";
inline constexpr char kStatusSuspended[] = "suspended";
inline constexpr char kStatusClosed[] = "closed";

inline constexpr char kRoleOwner[] = "owner";
inline constexpr char kRoleStaff[] = "staff";

struct Shop {
  std::string id;  // UUID
  std::string slug;
  std::string name;
  std::string commune_insee;
  std::string commune_name;     // joined from geo
  std::string department_code;  // joined from geo
  std::string category;
  std::string status;         // pending | active | suspended | closed
  std::string status_reason;  // why suspended; empty otherwise
  absl::Time create_time;
  // Profile.
  std::string siret;  // 14 digits
  std::string description;
  std::string street_address;
  std::string postal_code;
  double latitude = 0;
  double longitude = 0;
  std::string phone;  // E.164, e.g. "+33380123456"; empty when not given
  std::string email;
  std::string website;
  std::vector<std::string> photo_urls;
  bool click_and_collect = false;
  int preparation_minutes = 0;
  OpeningHours opening_hours;
  int64_t version = 1;
  std::optional<double> distance_km = std::nullopt;  // set by searches around a point
};

struct GeoPoint {
  double latitude = 0;
  double longitude = 0;
};

struct Member {
  std::string user_id;
  std::string role;  // owner | staff
  absl::Time create_time;
};

// A moderation decision, recorded with the change it makes.
struct Decision {
  std::string decision;  // approve | suspend | close
  std::string actor_id;  // user id
  std::string reason;
};

// Position after the last shop of a page: newest first, or nearest first (distance set).
struct ShopCursor {
  absl::Time create_time = absl::UnixEpoch();
  std::string id = "";
  std::optional<double> distance_km = std::nullopt;
};

struct ShopQuery {
  std::string commune_insee;     // empty: any
  std::string department_code;   // empty: any
  std::string category;          // empty: any
  std::string name_query = "";   // empty: any; else words of the name (accents, typos folded)
  std::optional<GeoPoint> near;  // set: within radius_km of it, nearest first
  double radius_km = 0;
  bool active_only = true;  // the public directory shows active shops only
  std::string status = "";  // set: exactly this status (moderation lists), active_only ignored
  int page_size = 20;       // already validated: 1..100
  std::optional<ShopCursor> after;
};

struct ShopPage {
  std::vector<Shop> shops;
  std::optional<ShopCursor> next;  // absent on the last page
};

// The fixed list of shop categories (slugs), in display order.
const std::vector<std::string>& ShopCategories();

}  // namespace comptoir::shops
