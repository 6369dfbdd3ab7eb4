// Cache-aside in Redis for single-shop reads, in front of another ShopsRepository.
// Keys: `shp:v3:id:<uuid>` and `shp:v3:slug:<slug>` hold the serialized comptoir.shops.v1.Shop
// (with its version, which updates check) for a TTL with jitter. Fails open: when Redis errs or is
// down, reads go to the inner repository and nothing fails. Lists pass through; every write drops
// the shop's entries after it commits (a reader racing the write may re-store the old copy until
// the TTL: the TTL bounds that staleness). Thread-safe.
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
  absl::StatusOr<Shop> Insert(const Shop& shop, const std::string& owner_id,
                              Deadline deadline) override;
  absl::StatusOr<Shop> FindById(const std::string& id, Deadline deadline) override;
  absl::StatusOr<Shop> FindBySlug(const std::string& slug, Deadline deadline) override;
  absl::StatusOr<ShopPage> List(const ShopQuery& query, Deadline deadline) override {
    return inner_.List(query, deadline);
  }
  absl::StatusOr<std::optional<std::string>> MemberRole(const std::string& shop_id,
                                                        const std::string& user_id,
                                                        Deadline deadline) override {
    return inner_.MemberRole(shop_id, user_id, deadline);
  }
  absl::StatusOr<Member> PutMember(const std::string& shop_id, const std::string& user_id,
                                   const std::string& role, Deadline deadline) override {
    return inner_.PutMember(shop_id, user_id, role, deadline);
  }
  absl::Status RemoveMember(const std::string& shop_id, const std::string& user_id,
                            Deadline deadline) override {
    return inner_.RemoveMember(shop_id, user_id, deadline);
  }
  absl::StatusOr<std::vector<Member>> ListMembers(const std::string& shop_id,
                                                  Deadline deadline) override {
    return inner_.ListMembers(shop_id, deadline);
  }
  absl::StatusOr<Shop> SetOpeningHours(const std::string& id, const OpeningHours& hours,
                                       const std::string& actor_id, Deadline deadline) override;
  absl::StatusOr<Shop> Update(const Shop& shop, int64_t expected_version,
                              const std::string& actor_id, Deadline deadline) override;
  absl::StatusOr<std::vector<Commune>> SearchCommunes(const std::string& query, int limit,
                                                      Deadline deadline) override {
    return inner_.SearchCommunes(query, limit, deadline);
  }
  absl::StatusOr<Shop> ChangeStatus(const std::string& id, const std::vector<std::string>& from,
                                    const std::string& to_status, const Decision& decision,
                                    Deadline deadline) override;

  // Drops the cached copies of `shop` (both keys); called after any change to it.
  void Invalidate(const Shop& shop);

  static std::string IdKey(const std::string& id) { return "shp:v3:id:" + id; }
  static std::string SlugKey(const std::string& slug) { return "shp:v3:slug:" + slug; }

 private:
  absl::StatusOr<Shop> Read(const std::string& key, Deadline deadline,
                            const std::function<absl::StatusOr<Shop>()>& load);
  void Store(const Shop& shop);

  ShopsRepository& inner_;
  common::RedisPool& redis_;
  const std::chrono::seconds ttl_;
};

}  // namespace comptoir::shops
