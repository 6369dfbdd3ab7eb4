// Cache-aside in Redis for single-shop reads, in front of another ShopsRepository.
// Keys: `shp:v1:id:<uuid>` and `shp:v1:slug:<slug>` hold the serialized comptoir.shops.v1.Shop
// for a TTL with jitter. Fails open: when Redis errs or is down, reads go to the inner
// repository and nothing fails. Lists and writes pass through. Thread-safe.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "comptoir/common/redis_pool.h"
#include "shops_repository.h"

namespace comptoir::shops {

class CachedShopsRepository : public ShopsRepository {
 public:
  CachedShopsRepository(ShopsRepository& inner, common::RedisPool& redis,
                        std::chrono::seconds ttl = std::chrono::seconds(300));

  absl::StatusOr<std::optional<Commune>> FindCommune(const std::string& insee_code,
                                                     Deadline deadline) override {
    return inner_.FindCommune(insee_code, deadline);
  }
  absl::StatusOr<Shop> Insert(const Shop& shop, Deadline deadline) override;
  absl::StatusOr<Shop> FindById(const std::string& id, Deadline deadline) override;
  absl::StatusOr<Shop> FindBySlug(const std::string& slug, Deadline deadline) override;
  absl::StatusOr<ShopPage> List(const ShopQuery& query, Deadline deadline) override {
    return inner_.List(query, deadline);
  }

  // Drops the cached copies of `shop` (both keys); called after any change to it.
  void Invalidate(const Shop& shop);

  static std::string IdKey(const std::string& id) { return "shp:v1:id:" + id; }
  static std::string SlugKey(const std::string& slug) { return "shp:v1:slug:" + slug; }

 private:
  absl::StatusOr<Shop> Read(const std::string& key, Deadline deadline,
                            const std::function<absl::StatusOr<Shop>()>& load);
  void Store(const Shop& shop);

  ShopsRepository& inner_;
  common::RedisPool& redis_;
  const std::chrono::seconds ttl_;
};

}  // namespace comptoir::shops
