// The shops domain: validates requests, derives slugs, pages through shops. No gRPC, no SQL:
// it speaks to storage through ShopsRepository, so unit tests run it over a fake.
// Thread-safe when the repository is.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "shops_repository.h"

namespace comptoir::shops {

struct NewShop {
  std::string name;
  std::string commune_insee;
  std::string category;
};

struct ListShopsParams {
  std::string commune_insee;
  std::string category;
  int page_size = 0;  // 0: default
  std::string page_token;
};

struct ListShopsResult {
  std::vector<Shop> shops;
  std::string next_page_token;  // empty on the last page
};

class ShopsService {
 public:
  static constexpr int kDefaultPageSize = 20;
  static constexpr int kMaxPageSize = 100;
  static constexpr int kMaxNameLength = 120;  // characters, not bytes

  explicit ShopsService(ShopsRepository& repository) : repository_(repository) {}

  // InvalidArgument naming every bad field ("shop.name", "shop.commune_insee", ...).
  absl::StatusOr<Shop> CreateShop(const NewShop& request, Deadline deadline);
  // `id_or_slug`: a UUID or a slug. NotFound when no shop matches.
  absl::StatusOr<Shop> GetShop(const std::string& id_or_slug, Deadline deadline);
  absl::StatusOr<ListShopsResult> ListShops(const ListShopsParams& params, Deadline deadline);

 private:
  ShopsRepository& repository_;
};

// "Fromagerie Gaugry à Dijon" -> "fromagerie-gaugry-a-dijon": lower case ASCII letters and
// digits, French accents folded, other characters turned into single hyphens. At most 80.
std::string Slugify(const std::string& text);

// Whether `text` looks like a UUID (8-4-4-4-12 hexadecimal digits).
bool LooksLikeUuid(const std::string& text);

// Opaque keyset page tokens.
std::string EncodePageToken(const ShopCursor& cursor);
absl::StatusOr<ShopCursor> DecodePageToken(const std::string& token);

}  // namespace comptoir::shops
