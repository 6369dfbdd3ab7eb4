// Storage of shops. Implementations: PgShopsRepository (the truth) and CachedShopsRepository
// (Redis cache-aside in front of another repository). Implementations are thread-safe.
#pragma once

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "comptoir/common/deadline.h"
#include "shop.h"

namespace comptoir::shops {

using common::Deadline;

class ShopsRepository {
 public:
  virtual ~ShopsRepository() = default;

  // The commune of the reference data with this INSEE code, or nullopt when there is none.
  virtual absl::StatusOr<std::optional<Commune>> FindCommune(const std::string& insee_code,
                                                             Deadline deadline) = 0;
  // Stores a new shop (id and create_time are assigned) and returns it as stored.
  // AlreadyExists when the slug is taken.
  virtual absl::StatusOr<Shop> Insert(const Shop& shop, Deadline deadline) = 0;
  // NotFound when no shop has this id.
  virtual absl::StatusOr<Shop> FindById(const std::string& id, Deadline deadline) = 0;
  // NotFound when no shop has this slug.
  virtual absl::StatusOr<Shop> FindBySlug(const std::string& slug, Deadline deadline) = 0;
  virtual absl::StatusOr<ShopPage> List(const ShopQuery& query, Deadline deadline) = 0;
};

}  // namespace comptoir::shops
