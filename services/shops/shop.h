// The shop as the domain knows it, independent of gRPC and SQL. Plain values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace comptoir::shops {

struct Commune {
  std::string insee_code;
  std::string name;
  std::string department_code;
};

struct Shop {
  std::string id;  // UUID
  std::string slug;
  std::string name;
  std::string commune_insee;
  std::string commune_name;     // joined from geo
  std::string department_code;  // joined from geo
  std::string category;
  std::string status;  // pending | active | suspended | closed
  absl::Time create_time;
};

// Position after the last shop of a page, newest first.
struct ShopCursor {
  absl::Time create_time;
  std::string id;
};

struct ShopQuery {
  std::string commune_insee;  // empty: any
  std::string category;       // empty: any
  int page_size = 20;         // already validated: 1..100
  std::optional<ShopCursor> after;
};

struct ShopPage {
  std::vector<Shop> shops;
  std::optional<ShopCursor> next;  // absent on the last page
};

// The fixed list of shop categories (slugs), in display order.
const std::vector<std::string>& ShopCategories();

}  // namespace comptoir::shops
