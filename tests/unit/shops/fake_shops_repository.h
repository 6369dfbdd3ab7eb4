// In-memory ShopsRepository for unit tests of the shops domain and transport.
// Knows two communes (Dijon 21231, Lormes 58145). Thread-safe.
#pragma once

#include <algorithm>
#include <mutex>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "shops_repository.h"

namespace comptoir::shops {

class FakeShopsRepository : public ShopsRepository {
 public:
  absl::StatusOr<std::optional<Commune>> FindCommune(const std::string& insee, Deadline) override {
    if (insee == "21231") return Commune{"21231", "Dijon", "21"};
    if (insee == "58145") return Commune{"58145", "Lormes", "58"};
    return std::optional<Commune>();
  }

  absl::StatusOr<Shop> Insert(const Shop& shop, Deadline) override {
    std::lock_guard<std::mutex> lock(mu_);
    for (const Shop& s : shops_) {
      if (s.slug == shop.slug) return absl::AlreadyExistsError("slug taken");
    }
    Shop stored = shop;
    stored.id = absl::StrFormat("00000000-0000-4000-8000-%012d", shops_.size() + 1);
    stored.status = "pending";
    stored.commune_name = shop.commune_insee == "21231" ? "Dijon" : "Lormes";
    stored.department_code = shop.commune_insee.substr(0, 2);
    stored.create_time = absl::FromUnixSeconds(1'700'000'000 + static_cast<int64_t>(shops_.size()));
    shops_.push_back(stored);
    return stored;
  }

  absl::StatusOr<Shop> FindById(const std::string& id, Deadline) override {
    std::lock_guard<std::mutex> lock(mu_);
    for (const Shop& s : shops_) {
      if (s.id == id) return s;
    }
    return absl::NotFoundError("no shop");
  }

  absl::StatusOr<Shop> FindBySlug(const std::string& slug, Deadline) override {
    std::lock_guard<std::mutex> lock(mu_);
    for (const Shop& s : shops_) {
      if (s.slug == slug) return s;
    }
    return absl::NotFoundError("no shop");
  }

  absl::StatusOr<ShopPage> List(const ShopQuery& query, Deadline) override {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<Shop> sorted = shops_;
    std::sort(sorted.begin(), sorted.end(), [](const Shop& a, const Shop& b) {
      return std::tie(a.create_time, a.id) > std::tie(b.create_time, b.id);
    });
    ShopPage page;
    for (const Shop& s : sorted) {
      if (!query.commune_insee.empty() && s.commune_insee != query.commune_insee) continue;
      if (!query.category.empty() && s.category != query.category) continue;
      if (query.after &&
          std::tie(s.create_time, s.id) >= std::tie(query.after->create_time, query.after->id)) {
        continue;
      }
      if (static_cast<int>(page.shops.size()) == query.page_size) {
        page.next = ShopCursor{page.shops.back().create_time, page.shops.back().id};
        break;
      }
      page.shops.push_back(s);
    }
    return page;
  }

 private:
  std::mutex mu_;
  std::vector<Shop> shops_;
};

}  // namespace comptoir::shops
