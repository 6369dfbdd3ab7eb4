#include "cached_catalogue_repository.h"

#include <google/protobuf/util/time_util.h>
#include <sodium.h>

#include <cstdio>
#include <set>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "comptoir/common/log.h"
#include "product_proto.h"

namespace comptoir::catalogue {
namespace {

using common::RedisReply;
using google::protobuf::util::TimeUtil;

constexpr char kGenKey[] = "cat:v1:gen";
constexpr char kEpochKey[] = "cat:v1:epoch";

std::string ProductVersionKey(const std::string& id) { return absl::StrCat("cat:v1:pv:", id); }
std::string ShopVersionKey(const std::string& shop) { return absl::StrCat("cat:v1:sv:", shop); }
std::string ShopSearchKey(const std::string& shop) { return absl::StrCat("cat:v1:sg:", shop); }

// Returns {stamp} on a miss, {stamp, bytes} on a hit. The entry is valid only while its
// stamp (epoch.product version) and its shop's version are the current ones.
constexpr char kReadProductScript[] = R"lua(
local e = redis.call('GET', 'cat:v1:epoch') or '0'
local pv = redis.call('GET', 'cat:v1:pv:' .. ARGV[1]) or '0'
local stamp = e .. '.' .. pv
local h = redis.call('HMGET', 'cat:v1:p:' .. ARGV[1], 'stamp', 'shop', 'sv', 'bytes')
if h[1] == stamp and h[4] then
  local sv = redis.call('GET', 'cat:v1:sv:' .. h[2]) or '0'
  if sv == h[3] then return {stamp, h[4]} end
end
return {stamp}
)lua";

// ARGV: id, stamp read before loading, shop id, bytes, ttl. Stores only while the stamp is
// still current: a load that raced a write is dropped instead of stored.
constexpr char kStoreProductScript[] = R"lua(
local e = redis.call('GET', 'cat:v1:epoch') or '0'
local pv = redis.call('GET', 'cat:v1:pv:' .. ARGV[1]) or '0'
if e .. '.' .. pv ~= ARGV[2] then return 0 end
local sv = redis.call('GET', 'cat:v1:sv:' .. ARGV[3]) or '0'
local key = 'cat:v1:p:' .. ARGV[1]
redis.call('DEL', key)
redis.call('HSET', key, 'stamp', ARGV[2], 'shop', ARGV[3], 'sv', sv, 'bytes', ARGV[4])
redis.call('EXPIRE', key, ARGV[5])
return 1
)lua";

// ARGV: the generation key of the search's scope, the query hash. Returns {key} on a miss,
// {key, bytes} on a hit; the key names the generation read, so a page loaded now and stored
// under it after a write bumped the generation is never read.
constexpr char kReadSearchScript[] = R"lua(
local e = redis.call('GET', 'cat:v1:epoch') or '0'
local g = redis.call('GET', ARGV[1]) or '0'
local key = 'cat:v1:s:' .. e .. '.' .. g .. ':' .. ARGV[2]
local bytes = redis.call('GET', key)
if bytes then return {key, bytes} end
return {key}
)lua";

// TTL plus up to 10 % jitter, so entries written together do not expire together.
std::string JitteredTtl(std::chrono::seconds ttl) {
  const auto base = static_cast<uint32_t>(ttl.count());
  return absl::StrCat(base + randombytes_uniform(base / 10 + 1));
}

std::string Fmt(double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.17g", value);
  return buffer;
}

void PageToCacheProto(const SearchPage& page, v1::CachedSearchPage* out) {
  for (const Product& product : page.products) ToCacheProto(product, out->add_products());
  if (page.next.has_value()) {
    out->set_has_next(true);
    out->set_next_key(page.next->key);
    out->set_next_id(page.next->id);
  }
  const auto facets = [](const std::vector<FacetCount>& from,
                         google::protobuf::RepeatedPtrField<v1::FacetCount>* to) {
    for (const FacetCount& facet : from) {
      v1::FacetCount* f = to->Add();
      f->set_value(facet.value);
      f->set_count(facet.count);
    }
  };
  facets(page.categories, out->mutable_category_facets());
  facets(page.labels, out->mutable_label_facets());
  facets(page.departments, out->mutable_department_facets());
}

SearchPage PageFromCacheProto(const v1::CachedSearchPage& proto) {
  SearchPage page;
  for (const v1::CachedProduct& product : proto.products()) {
    page.products.push_back(FromCacheProto(product));
  }
  if (proto.has_next()) page.next = SearchCursor{proto.next_key(), proto.next_id()};
  const auto facets = [](const google::protobuf::RepeatedPtrField<v1::FacetCount>& from,
                         std::vector<FacetCount>& to) {
    for (const v1::FacetCount& f : from) to.push_back({f.value(), f.count()});
  };
  facets(proto.category_facets(), page.categories);
  facets(proto.label_facets(), page.labels);
  facets(proto.department_facets(), page.departments);
  return page;
}

bool IsString(const RedisReply& reply) { return reply.type == RedisReply::Type::kString; }

}  // namespace

void ToCacheProto(const Product& product, v1::CachedProduct* out) {
  ToProto(product, out->mutable_product());
  out->set_shop_status(product.shop_status);
  out->set_has_distance(product.distance_m.has_value());
}

Product FromCacheProto(const v1::CachedProduct& proto) {
  const v1::Product& p = proto.product();
  Product product = FromProto(p);
  product.shop_id = p.shop_id();
  product.create_time = absl::FromUnixMicros(TimeUtil::TimestampToMicroseconds(p.create_time()));
  product.update_time = absl::FromUnixMicros(TimeUtil::TimestampToMicroseconds(p.update_time()));
  product.shop_name = p.shop_name();
  product.shop_status = proto.shop_status();
  product.commune_insee = p.commune_insee();
  product.department_code = p.department_code();
  if (proto.has_distance()) product.distance_m = p.distance_m();
  return product;
}

CachedCatalogueRepository::CachedCatalogueRepository(CatalogueRepository& inner,
                                                     common::RedisPool& redis,
                                                     CatalogueCacheOptions options)
    : inner_(inner), redis_(redis), options_(options) {}

std::string CachedCatalogueRepository::QueryFingerprint(const SearchQuery& q) {
  const auto optional = [](const std::optional<double>& v) { return v ? Fmt(*v) : "-"; };
  std::string after = "-";
  if (q.after.has_value()) after = absl::StrCat(Fmt(q.after->key), "/", q.after->id);
  // Every field that changes the result, separated by a byte validated values never hold.
  return absl::StrJoin(
      {std::string("v1"), absl::StrJoin(q.words, " "), q.text, q.category, q.label, q.shop_id,
       q.commune_insee, q.department_code, optional(q.latitude), optional(q.longitude),
       Fmt(q.radius_km), absl::StrCat(q.min_price), absl::StrCat(q.max_price),
       std::string(q.in_stock ? "1" : "0"), absl::StrCat(static_cast<int>(q.sort)),
       absl::StrCat(q.page_size), after, std::string(q.facets ? "1" : "0"),
       q.open_at.has_value() ? absl::StrCat(absl::ToUnixSeconds(*q.open_at)) : std::string("-")},
      "\x1f");
}

bool CachedCatalogueRepository::SettleLostBumps() {
  if (!owes_epoch_bump_.load()) return true;
  if (!redis_.Command({"INCR", kEpochKey}).ok()) return false;
  owes_epoch_bump_.store(false);
  LOG_INFO("cache epoch bumped after lost invalidations", {});
  return true;
}

void CachedCatalogueRepository::Bump(std::vector<std::vector<std::string>> commands) {
  local_writes_.fetch_add(1);
  if (!SettleLostBumps()) {
    owes_epoch_bump_.store(true);
    return;
  }
  absl::StatusOr<std::vector<RedisReply>> r = redis_.Pipeline(commands);
  if (!r.ok()) {
    // Some entries may now be stale in Redis: the next read that reaches Redis bumps the
    // epoch first.
    owes_epoch_bump_.store(true);
    LOG_WARN("cache invalidation failed; an epoch bump is owed",
             {{"error", std::string(r.status().message())}});
  }
}

void CachedCatalogueRepository::InvalidateShop(const std::string& shop_id) {
  Bump({{"INCR", ShopVersionKey(shop_id)}, {"INCR", ShopSearchKey(shop_id)}, {"INCR", kGenKey}});
}

void CachedCatalogueRepository::InvalidateShopProducts(const std::string& shop_id,
                                                       const std::vector<std::string>& ids) {
  std::vector<std::vector<std::string>> commands = {{"INCR", ShopSearchKey(shop_id)},
                                                    {"INCR", kGenKey}};
  for (const std::string& id : ids) commands.push_back({"INCR", ProductVersionKey(id)});
  Bump(std::move(commands));
}

absl::Status CachedCatalogueRepository::UpsertShop(const ShopInfo& shop, int64_t source_version,
                                                   Deadline deadline) {
  absl::Status status = inner_.UpsertShop(shop, source_version, deadline);
  if (status.ok()) InvalidateShop(shop.id);
  return status;
}

absl::StatusOr<Product> CachedCatalogueRepository::Insert(const Product& product,
                                                          Deadline deadline) {
  absl::StatusOr<Product> inserted = inner_.Insert(product, deadline);
  if (inserted.ok()) InvalidateShopProducts(inserted->shop_id, {inserted->id});
  return inserted;
}

absl::StatusOr<Product> CachedCatalogueRepository::Update(const Product& product,
                                                          int64_t expected_version,
                                                          Deadline deadline) {
  absl::StatusOr<Product> updated = inner_.Update(product, expected_version, deadline);
  if (updated.ok()) InvalidateShopProducts(updated->shop_id, {updated->id});
  return updated;
}

absl::Status CachedCatalogueRepository::Delete(const std::string& id, int64_t expected_version,
                                               Deadline deadline) {
  // The shop is needed to bump its searches; read before the row goes.
  absl::StatusOr<Product> current = inner_.FindCurrent(id, deadline);
  absl::Status status = inner_.Delete(id, expected_version, deadline);
  if (status.ok()) {
    if (current.ok()) {
      InvalidateShopProducts(current->shop_id, {id});
    } else {
      Bump({{"INCR", ProductVersionKey(id)}, {"INCR", kGenKey}});
    }
  }
  return status;
}

absl::StatusOr<ImportCounts> CachedCatalogueRepository::ApplyImport(
    const std::string& shop_id, const std::vector<Product>& products,
    const std::function<void(int)>& on_applied, Deadline deadline) {
  absl::StatusOr<ImportCounts> counts = inner_.ApplyImport(shop_id, products, on_applied, deadline);
  if (counts.ok()) InvalidateShopProducts(shop_id, counts->product_ids);
  return counts;
}

absl::StatusOr<Product> CachedCatalogueRepository::FindById(const std::string& id,
                                                            Deadline deadline) {
  std::string stamp;
  if (SettleLostBumps()) {
    absl::StatusOr<RedisReply> hit = redis_.Command({"EVAL", kReadProductScript, "0", id});
    if (hit.ok() && hit->type == RedisReply::Type::kArray && !hit->elements.empty() &&
        IsString(hit->elements[0])) {
      stamp = hit->elements[0].str;
      if (hit->elements.size() > 1 && IsString(hit->elements[1])) {
        v1::CachedProduct proto;
        if (proto.ParseFromString(hit->elements[1].str)) return FromCacheProto(proto);
        LOG_WARN("cache entry unreadable, reloading", {{"product_id", id}});
      }
    } else if (!hit.ok()) {
      LOG_DEBUG("cache unavailable, reading through",
                {{"error", std::string(hit.status().message())}});
    }
  }
  const std::string flight_key = stamp.empty() ? absl::StrCat(id, "@local.", local_writes_.load())
                                               : absl::StrCat(id, "@", stamp);
  return product_flight_.Do(flight_key, [&]() -> absl::StatusOr<Product> {
    absl::StatusOr<Product> product = inner_.FindById(id, deadline);
    if (product.ok() && !stamp.empty()) {
      v1::CachedProduct proto;
      ToCacheProto(*product, &proto);
      absl::StatusOr<RedisReply> stored =
          redis_.Command({"EVAL", kStoreProductScript, "0", id, stamp, product->shop_id,
                          proto.SerializeAsString(), JitteredTtl(options_.product_ttl)});
      if (!stored.ok()) {
        LOG_DEBUG("cache store failed", {{"error", std::string(stored.status().message())}});
      }
    }
    return product;
  });
}

absl::StatusOr<SearchPage> CachedCatalogueRepository::Search(const SearchQuery& query,
                                                             Deadline deadline) {
  const std::string fingerprint = QueryFingerprint(query);
  unsigned char digest[16];
  crypto_generichash(digest, sizeof digest,
                     reinterpret_cast<const unsigned char*>(fingerprint.data()), fingerprint.size(),
                     nullptr, 0);
  const std::string hash = absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), sizeof digest));
  // A search on one shop depends on that shop only; any other may show any shop.
  const std::string scope = query.shop_id.empty() ? kGenKey : ShopSearchKey(query.shop_id);
  std::string key;
  if (SettleLostBumps()) {
    absl::StatusOr<RedisReply> hit = redis_.Command({"EVAL", kReadSearchScript, "0", scope, hash});
    if (hit.ok() && hit->type == RedisReply::Type::kArray && !hit->elements.empty() &&
        IsString(hit->elements[0])) {
      key = hit->elements[0].str;
      if (hit->elements.size() > 1 && IsString(hit->elements[1])) {
        v1::CachedSearchPage proto;
        if (proto.ParseFromString(hit->elements[1].str)) return PageFromCacheProto(proto);
        LOG_WARN("cache entry unreadable, reloading", {{"key", key}});
      }
    } else if (!hit.ok()) {
      LOG_DEBUG("cache unavailable, searching through",
                {{"error", std::string(hit.status().message())}});
    }
  }
  const std::string flight_key =
      key.empty() ? absl::StrCat(hash, "@local.", local_writes_.load()) : key;
  return search_flight_.Do(flight_key, [&]() -> absl::StatusOr<SearchPage> {
    absl::StatusOr<SearchPage> page = inner_.Search(query, deadline);
    if (page.ok() && !key.empty()) {
      v1::CachedSearchPage proto;
      PageToCacheProto(*page, &proto);
      absl::StatusOr<RedisReply> stored = redis_.Command(
          {"SET", key, proto.SerializeAsString(), "EX", JitteredTtl(options_.search_ttl)});
      if (!stored.ok()) {
        LOG_DEBUG("cache store failed", {{"error", std::string(stored.status().message())}});
      }
    }
    return page;
  });
}

void CachedCatalogueRepository::BumpStockOf(const Reservation& reservation) {
  std::vector<std::vector<std::string>> commands;
  for (const StockLine& line : reservation.lines) {
    commands.push_back({"INCR", ProductVersionKey(line.product_id)});
  }
  if (!commands.empty()) Bump(std::move(commands));
}

absl::StatusOr<Reservation> CachedCatalogueRepository::Reserve(const std::string& order_id,
                                                               const std::vector<StockLine>& lines,
                                                               Deadline deadline) {
  absl::StatusOr<Reservation> reservation = inner_.Reserve(order_id, lines, deadline);
  if (reservation.ok() && !reservation->replayed) BumpStockOf(*reservation);
  return reservation;
}

absl::StatusOr<Reservation> CachedCatalogueRepository::Release(const std::string& order_id,
                                                               Deadline deadline) {
  absl::StatusOr<Reservation> reservation = inner_.Release(order_id, deadline);
  if (reservation.ok() && !reservation->replayed) BumpStockOf(*reservation);
  return reservation;
}

absl::StatusOr<Reservation> CachedCatalogueRepository::Commit(const std::string& order_id,
                                                              Deadline deadline) {
  // Committing moves no stock: nothing cached changes.
  return inner_.Commit(order_id, deadline);
}

}  // namespace comptoir::catalogue
