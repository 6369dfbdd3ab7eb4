#pragma once

// ZoneRepository on PostgreSQL (tables delivery.zones and delivery.shops). Thread-safe (the
// pool is).

#include "comptoir/common/pg_pool.h"
#include "zone_repository.h"

namespace comptoir::delivery {

class PgZoneRepository final : public ZoneRepository {
 public:
  explicit PgZoneRepository(common::PgPool& pool) : pool_(pool) {}
  static std::vector<common::PreparedStatement> Statements();

  absl::StatusOr<std::vector<Zone>> ReplaceZones(const std::string& shop_id,
                                                 const std::vector<Zone>& zones,
                                                 Deadline deadline) override;
  absl::StatusOr<std::vector<Zone>> ListZones(const std::string& shop_id,
                                              Deadline deadline) override;
  absl::StatusOr<std::optional<DeliveryShop>> FindShop(const std::string& shop_id,
                                                       Deadline deadline) override;

 private:
  common::PgPool& pool_;
};

}  // namespace comptoir::delivery
