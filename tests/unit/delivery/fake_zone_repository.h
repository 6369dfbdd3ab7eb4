// In-memory ZoneRepository and CommuneDirectory for unit tests. Thread-safe: one mutex each.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "geo.h"
#include "zone_repository.h"

namespace comptoir::delivery {

class FakeZoneRepository final : public ZoneRepository {
 public:
  absl::StatusOr<std::vector<Zone>> ReplaceZones(const std::string& shop_id,
                                                 const std::vector<Zone>& zones,
                                                 Deadline) override {
    std::lock_guard lock(mu_);
    std::vector<Zone>& stored = zones_[shop_id];
    stored = zones;
    for (size_t i = 0; i < stored.size(); ++i) {
      stored[i].id = absl::StrCat("20000000-0000-4000-8000-", 100000000000 + i);
    }
    return stored;
  }
  absl::StatusOr<std::vector<Zone>> ListZones(const std::string& shop_id, Deadline) override {
    std::lock_guard lock(mu_);
    return zones_[shop_id];
  }
  absl::StatusOr<std::optional<DeliveryShop>> FindShop(const std::string& shop_id,
                                                       Deadline) override {
    std::lock_guard lock(mu_);
    const auto it = shops_.find(shop_id);
    if (it == shops_.end()) return std::optional<DeliveryShop>();
    return std::optional<DeliveryShop>(it->second);
  }
  void PutShop(DeliveryShop shop) {
    std::lock_guard lock(mu_);
    shops_[shop.id] = std::move(shop);
  }

 private:
  std::mutex mu_;
  std::map<std::string, std::vector<Zone>> zones_;
  std::map<std::string, DeliveryShop> shops_;
};

class FakeCommuneDirectory final : public CommuneDirectory {
 public:
  explicit FakeCommuneDirectory(std::vector<Commune> communes) {
    for (Commune& c : communes) communes_[c.insee_code] = std::move(c);
  }
  absl::StatusOr<Commune> Find(const std::string& insee_code, Deadline) override {
    const auto it = communes_.find(insee_code);
    if (it == communes_.end()) return absl::NotFoundError("Commune inconnue : " + insee_code);
    return it->second;
  }

 private:
  std::map<std::string, Commune> communes_;  // immutable after construction
};

}  // namespace comptoir::delivery
