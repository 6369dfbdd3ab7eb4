// Storage of shops. Implementations: PgShopsRepository (the truth) and CachedShopsRepository
// (Redis cache-aside in front of another repository). Every write also records its event
// (comptoir.shops.v1.ShopEvent) in the outbox, in the same transaction. Implementations are
// thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "comptoir/common/deadline.h"
#include "shop.h"

namespace comptoir::shops {

using common::Deadline;

class ShopsRepository {
 public:
  virtual ~ShopsRepository() = default;

  // The commune of the reference data with this INSEE code (with its centre and postal
  // codes), or nullopt when there is none.
  virtual absl::StatusOr<std::optional<Commune>> FindCommune(const std::string& insee_code,
                                                             Deadline deadline) = 0;
  // Stores a new shop (id, create_time and status pending are assigned) with `owner_id` as
  // its owner, and returns it as stored. AlreadyExists when the slug is taken.
  virtual absl::StatusOr<Shop> Insert(const Shop& shop, const std::string& owner_id,
                                      Deadline deadline) = 0;
  // NotFound when no shop has this id.
  virtual absl::StatusOr<Shop> FindById(const std::string& id, Deadline deadline) = 0;
  // NotFound when no shop has this slug.
  virtual absl::StatusOr<Shop> FindBySlug(const std::string& slug, Deadline deadline) = 0;
  virtual absl::StatusOr<ShopPage> List(const ShopQuery& query, Deadline deadline) = 0;

  // The role ("owner" or "staff") of `user_id` in the shop, nullopt when not a member.
  virtual absl::StatusOr<std::optional<std::string>> MemberRole(const std::string& shop_id,
                                                                const std::string& user_id,
                                                                Deadline deadline) = 0;
  // Adds `user_id` with `role`, or changes the role of a current member. Returns the member.
  virtual absl::StatusOr<Member> PutMember(const std::string& shop_id, const std::string& user_id,
                                           const std::string& role, Deadline deadline) = 0;
  // Removes a member (NotFound when not one). FailedPrecondition when it is the last owner.
  virtual absl::Status RemoveMember(const std::string& shop_id, const std::string& user_id,
                                    Deadline deadline) = 0;
  // Current members, owners first, at most 100.
  virtual absl::StatusOr<std::vector<Member>> ListMembers(const std::string& shop_id,
                                                          Deadline deadline) = 0;
  // Replaces the opening hours of shop `id` (UPDATED event by `actor_id`).
  virtual absl::StatusOr<Shop> SetOpeningHours(const std::string& id, const OpeningHours& hours,
                                               const std::string& actor_id, Deadline deadline) = 0;
  // Writes the profile fields of `shop` (not its id, slug, status or create_time) if its
  // version is still `expected_version` (Aborted otherwise: someone changed it meanwhile),
  // bumps the version and emits an UPDATED event by `actor_id`. Returns the shop as stored.
  virtual absl::StatusOr<Shop> Update(const Shop& shop, int64_t expected_version,
                                      const std::string& actor_id, Deadline deadline) = 0;
  // Communes whose folded name (accents, case, hyphens ignored) starts with `query`
  // or has a word starting with it, or, when `query` is digits, with a postal code starting
  // so; best first, at most `limit`.
  virtual absl::StatusOr<std::vector<Commune>> SearchCommunes(const std::string& query, int limit,
                                                              Deadline deadline) = 0;
  // Moves shop `id` to `to_status` if its status is one of `from`, records `decision`, emits
  // the matching event. FailedPrecondition (naming the current status) otherwise.
  virtual absl::StatusOr<Shop> ChangeStatus(const std::string& id,
                                            const std::vector<std::string>& from,
                                            const std::string& to_status, const Decision& decision,
                                            Deadline deadline) = 0;
};

}  // namespace comptoir::shops
