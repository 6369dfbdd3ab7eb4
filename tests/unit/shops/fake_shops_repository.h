// In-memory ShopsRepository for unit tests of the shops domain and transport.
// Knows two communes (Dijon 21231, Lormes 58145; commune searches fold names like Slugify) and
// records the events a real repository would put in the outbox. Thread-safe.
#pragma once

#include <algorithm>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "shop_rules.h"
#include "shops_repository.h"
#include "shops_service.h"

namespace comptoir::shops {

class FakeShopsRepository : public ShopsRepository {
 public:
  struct RecordedEvent {
    std::string kind;  // created | approve | suspend | close | updated
    std::string shop_id;
    std::string status;
    int64_t version;
  };

  absl::StatusOr<std::optional<Commune>> FindCommune(const std::string& insee, Deadline) override {
    if (insee == "21231") return Commune{"21231", "Dijon", "21", 47.3216, 5.0415, {"21000"}};
    if (insee == "58145") return Commune{"58145", "Lormes", "58", 47.2897, 3.8175, {"58140"}};
    return std::optional<Commune>();
  }

  absl::StatusOr<Shop> Insert(const Shop& shop, const std::string& owner_id, Deadline) override {
    std::lock_guard<std::mutex> lock(mu_);
    for (const Shop& s : shops_) {
      if (s.slug == shop.slug) return absl::AlreadyExistsError("slug taken");
    }
    Shop stored = shop;
    stored.id = absl::StrFormat("00000000-0000-4000-8000-%012d", shops_.size() + 1);
    stored.status = kStatusPending;
    stored.commune_name = shop.commune_insee == "21231" ? "Dijon" : "Lormes";
    stored.department_code = shop.commune_insee.substr(0, 2);
    stored.create_time = absl::FromUnixSeconds(1'700'000'000 + static_cast<int64_t>(shops_.size()));
    stored.version = 1;
    shops_.push_back(stored);
    members_[{stored.id, owner_id}] = kRoleOwner;
    events_.push_back({"created", stored.id, stored.status, stored.version});
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
    if (query.near.has_value()) {
      for (Shop& s : sorted) {
        s.distance_km =
            DistanceKm(query.near->latitude, query.near->longitude, s.latitude, s.longitude);
      }
      std::sort(sorted.begin(), sorted.end(), [](const Shop& a, const Shop& b) {
        return std::tie(*a.distance_km, a.id) < std::tie(*b.distance_km, b.id);
      });
    }
    ShopPage page;
    for (const Shop& s : sorted) {
      if (query.near.has_value() && *s.distance_km > query.radius_km) continue;
      if (!query.department_code.empty() && s.department_code != query.department_code) continue;
      if (!query.commune_insee.empty() && s.commune_insee != query.commune_insee) continue;
      if (!query.category.empty() && s.category != query.category) continue;
      if (!query.name_query.empty() &&
          Slugify(s.name).find(Slugify(query.name_query)) == std::string::npos) {
        continue;
      }
      if (!query.status.empty()) {
        if (s.status != query.status) continue;
      } else if (query.active_only && s.status != kStatusActive) {
        continue;
      }
      if (s.status == kStatusClosed) continue;
      if (query.after && !query.near &&
          std::tie(s.create_time, s.id) >= std::tie(query.after->create_time, query.after->id)) {
        continue;
      }
      if (query.after && query.near &&
          std::tie(*s.distance_km, s.id) <= std::tie(*query.after->distance_km, query.after->id)) {
        continue;
      }
      if (static_cast<int>(page.shops.size()) == query.page_size) {
        const Shop& last = page.shops.back();
        page.next = ShopCursor{last.create_time, last.id, last.distance_km};
        break;
      }
      page.shops.push_back(s);
    }
    return page;
  }

  absl::StatusOr<std::optional<std::string>> MemberRole(const std::string& shop_id,
                                                        const std::string& user_id,
                                                        Deadline) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = members_.find({shop_id, user_id});
    if (it == members_.end()) return std::optional<std::string>();
    return std::optional<std::string>(it->second);
  }

  absl::StatusOr<Member> PutMember(const std::string& shop_id, const std::string& user_id,
                                   const std::string& role, Deadline) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = members_.find({shop_id, user_id});
    if (it != members_.end() && it->second == kRoleOwner && role != kRoleOwner &&
        OwnersLocked(shop_id) == 1) {
      return absl::FailedPreconditionError("a shop keeps at least one owner");
    }
    members_[{shop_id, user_id}] = role;
    return Member{user_id, role, absl::FromUnixSeconds(1'700'000'000)};
  }

  absl::Status RemoveMember(const std::string& shop_id, const std::string& user_id,
                            Deadline) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = members_.find({shop_id, user_id});
    if (it == members_.end()) return absl::NotFoundError("no such member");
    if (it->second == kRoleOwner && OwnersLocked(shop_id) == 1) {
      return absl::FailedPreconditionError("a shop keeps at least one owner");
    }
    members_.erase(it);
    return absl::OkStatus();
  }

  absl::StatusOr<std::vector<Member>> ListMembers(const std::string& shop_id, Deadline) override {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<Member> out;
    for (const auto& [key, role] : members_) {
      if (key.first == shop_id) out.push_back(Member{key.second, role, absl::UnixEpoch()});
    }
    std::stable_sort(out.begin(), out.end(), [](const Member& a, const Member& b) {
      return (a.role == kRoleOwner) > (b.role == kRoleOwner);
    });
    return out;
  }

  absl::StatusOr<Shop> SetOpeningHours(const std::string& id, const OpeningHours& hours,
                                       const std::string&, Deadline) override {
    std::lock_guard<std::mutex> lock(mu_);
    for (Shop& s : shops_) {
      if (s.id != id) continue;
      s.opening_hours = hours;
      ++s.version;
      events_.push_back({"updated", s.id, s.status, s.version});
      return s;
    }
    return absl::NotFoundError("no shop");
  }

  absl::StatusOr<Shop> ChangeStatus(const std::string& id, const std::vector<std::string>& from,
                                    const std::string& to_status, const Decision& decision,
                                    Deadline) override {
    std::lock_guard<std::mutex> lock(mu_);
    for (Shop& s : shops_) {
      if (s.id != id) continue;
      if (std::find(from.begin(), from.end(), s.status) == from.end()) {
        return absl::FailedPreconditionError(absl::StrCat("the shop is ", s.status));
      }
      s.status = to_status;
      s.status_reason = decision.decision == "approve" ? "" : decision.reason;
      ++s.version;
      decisions_.push_back(decision);
      events_.push_back({decision.decision, s.id, s.status, s.version});
      return s;
    }
    return absl::NotFoundError("no shop");
  }

  absl::StatusOr<Shop> Update(const Shop& shop, int64_t expected_version, const std::string&,
                              Deadline) override {
    std::lock_guard<std::mutex> lock(mu_);
    for (Shop& s : shops_) {
      if (s.id != shop.id) continue;
      if (s.version != expected_version) return absl::AbortedError("changed meanwhile");
      Shop updated = shop;
      updated.slug = s.slug;
      updated.status = s.status;
      updated.status_reason = s.status_reason;
      updated.create_time = s.create_time;
      updated.commune_name = shop.commune_insee == "21231" ? "Dijon" : "Lormes";
      updated.department_code = shop.commune_insee.substr(0, 2);
      updated.version = s.version + 1;
      updated.distance_km = std::nullopt;
      s = updated;
      events_.push_back({"updated", s.id, s.status, s.version});
      return s;
    }
    return absl::NotFoundError("no shop");
  }

  absl::StatusOr<std::vector<Commune>> SearchCommunes(const std::string& query, int limit,
                                                      Deadline deadline) override {
    std::vector<Commune> out;
    for (const char* insee : {"21231", "58145"}) {
      Commune c = **FindCommune(insee, deadline);
      const bool by_code = c.postal_codes.front().rfind(query, 0) == 0;
      if (by_code) c.matched_postal_code = c.postal_codes.front();
      if (by_code || Slugify(c.name).rfind(Slugify(query), 0) == 0) out.push_back(c);
      if (static_cast<int>(out.size()) == limit) break;
    }
    return out;
  }

  // Test set-up: adds a member directly.
  void AddMember(const std::string& shop_id, const std::string& user_id, const std::string& role) {
    std::lock_guard<std::mutex> lock(mu_);
    members_[{shop_id, user_id}] = role;
  }
  std::vector<RecordedEvent> events() {
    std::lock_guard<std::mutex> lock(mu_);
    return events_;
  }
  std::vector<Decision> decisions() {
    std::lock_guard<std::mutex> lock(mu_);
    return decisions_;
  }

 private:
  int OwnersLocked(const std::string& shop_id) {
    int owners = 0;
    for (const auto& [key, role] : members_) {
      if (key.first == shop_id && role == kRoleOwner) ++owners;
    }
    return owners;
  }

  std::mutex mu_;
  std::vector<Shop> shops_;
  std::map<std::pair<std::string, std::string>, std::string> members_;
  std::vector<RecordedEvent> events_;
  std::vector<Decision> decisions_;
};

}  // namespace comptoir::shops
