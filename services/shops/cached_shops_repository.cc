#include "cached_shops_repository.h"

#include <sodium.h>

#include "absl/strings/str_cat.h"
#include "comptoir/common/log.h"
#include "shop_proto.h"

namespace comptoir::shops {

CachedShopsRepository::CachedShopsRepository(ShopsRepository& inner, common::RedisPool& redis,
                                             std::chrono::seconds ttl)
    : inner_(inner), redis_(redis), ttl_(ttl) {}

absl::StatusOr<Shop> CachedShopsRepository::Insert(const Shop& shop, const std::string& owner_id,
                                                   Deadline deadline) {
  return inner_.Insert(shop, owner_id, deadline);
}

absl::StatusOr<Shop> CachedShopsRepository::SetOpeningHours(const std::string& id,
                                                            const OpeningHours& hours,
                                                            const std::string& actor_id,
                                                            Deadline deadline) {
  absl::StatusOr<Shop> shop = inner_.SetOpeningHours(id, hours, actor_id, deadline);
  if (shop.ok()) Invalidate(*shop);
  return shop;
}

absl::StatusOr<Shop> CachedShopsRepository::Update(const Shop& shop, int64_t expected_version,
                                                   const std::string& actor_id, Deadline deadline) {
  absl::StatusOr<Shop> updated = inner_.Update(shop, expected_version, actor_id, deadline);
  if (updated.ok()) Invalidate(*updated);
  return updated;
}

absl::StatusOr<Shop> CachedShopsRepository::ChangeStatus(const std::string& id,
                                                         const std::vector<std::string>& from,
                                                         const std::string& to_status,
                                                         const Decision& decision,
                                                         Deadline deadline) {
  absl::StatusOr<Shop> shop = inner_.ChangeStatus(id, from, to_status, decision, deadline);
  if (shop.ok()) Invalidate(*shop);
  return shop;
}

absl::StatusOr<Shop> CachedShopsRepository::FindById(const std::string& id, Deadline deadline) {
  return Read(IdKey(id), deadline, [&] { return inner_.FindById(id, deadline); });
}

absl::StatusOr<Shop> CachedShopsRepository::FindBySlug(const std::string& slug, Deadline deadline) {
  return Read(SlugKey(slug), deadline, [&] { return inner_.FindBySlug(slug, deadline); });
}

absl::StatusOr<Shop> CachedShopsRepository::Read(
    const std::string& key, Deadline /*deadline*/,
    const std::function<absl::StatusOr<Shop>()>& load) {
  absl::StatusOr<common::RedisReply> hit = redis_.Command({"GET", key});
  if (hit.ok() && hit->type == common::RedisReply::Type::kString) {
    v1::Shop proto;
    if (proto.ParseFromString(hit->str)) return FromProto(proto);
    LOG_WARN("cache entry unreadable, reloading", {{"key", key}});
  } else if (!hit.ok()) {
    LOG_DEBUG("cache unavailable, reading through",
              {{"error", std::string(hit.status().message())}});
  }
  absl::StatusOr<Shop> shop = load();
  if (shop.ok() && hit.ok()) Store(*shop);
  return shop;
}

void CachedShopsRepository::Store(const Shop& shop) {
  v1::Shop proto;
  ToProto(shop, &proto);
  std::string bytes = proto.SerializeAsString();
  // Jitter spreads the expiry of entries written together (say after a deploy) so they are
  // not all reloaded from PostgreSQL in the same second.
  const int64_t jitter = randombytes_uniform(static_cast<uint32_t>(ttl_.count() / 10 + 1));
  const std::string ttl = absl::StrCat(ttl_.count() + jitter);
  absl::StatusOr<std::vector<common::RedisReply>> r = redis_.Pipeline(
      {{"SET", IdKey(shop.id), bytes, "EX", ttl}, {"SET", SlugKey(shop.slug), bytes, "EX", ttl}});
  if (!r.ok()) LOG_DEBUG("cache store failed", {{"error", std::string(r.status().message())}});
}

void CachedShopsRepository::Invalidate(const Shop& shop) {
  absl::StatusOr<common::RedisReply> r =
      redis_.Command({"DEL", IdKey(shop.id), SlugKey(shop.slug)});
  if (!r.ok()) {
    LOG_WARN("cache invalidation failed",
             {{"shop_id", shop.id}, {"error", std::string(r.status().message())}});
  }
}

}  // namespace comptoir::shops
