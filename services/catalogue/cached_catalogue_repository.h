// Cache-aside in Redis for product reads and search pages, in front of another
// CatalogueRepository. Entries hold serialized protobuf (cache.proto) under versioned keys:
//
//   cat:v1:pv:<product>   product version, bumped after every write of the product
//   cat:v1:sv:<shop>      shop version, bumped after the shop's profile or status changed
//   cat:v1:sg:<shop>      generation of the searches filtered on this shop
//   cat:v1:gen            generation of every other search
//   cat:v1:epoch          bumped when a replica could not bump the others (see below)
//   cat:v1:p:<product>    hash {stamp, shop, sv, bytes}: valid while stamp = epoch.pv and
//                         sv = the shop's current version
//   cat:v1:s:<e>.<g>:<h>  one search page (h = hash of the normalised query)
//
// A write bumps after it commits, so the next read misses and loads the new state: no stale
// read after a write (a loader that read before the bump stores under the old version, which
// nobody reads again). Stock moves by reservations bump the product only: bumping every
// search on each order would empty the search cache under load, so search pages may show a
// stock up to the search TTL old (reservations themselves always check the database).
//
// Fails open: when Redis errs or is down (RedisPool backs off, so that costs microseconds),
// reads go to the inner repository. A bump lost that way is remembered and replaced by an
// epoch bump as soon as Redis answers again, so entries written before the outage are not
// served after it. Counters carry no TTL: run the cache Redis with a volatile-* eviction
// policy so they are never evicted before the entries they version.
// Concurrent misses of one key are loaded once per process (SingleFlight); not across
// replicas: a Redis lock would add a round trip to every miss and its waiters would poll,
// while a stampede across N replicas costs at most N loads of that key.
// Thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <string>
#include <vector>

#include "catalogue_repository.h"
#include "comptoir/catalogue/v1/cache.pb.h"
#include "comptoir/common/redis_pool.h"
#include "comptoir/common/single_flight.h"

namespace comptoir::catalogue {

struct CatalogueCacheOptions {
  std::chrono::seconds product_ttl{300};
  std::chrono::seconds search_ttl{30};
};

class CachedCatalogueRepository : public CatalogueRepository {
 public:
  CachedCatalogueRepository(CatalogueRepository& inner, common::RedisPool& redis,
                            CatalogueCacheOptions options = {});

  absl::StatusOr<std::optional<ShopInfo>> FindShop(const std::string& id,
                                                   Deadline deadline) override {
    return inner_.FindShop(id, deadline);
  }
  absl::Status UpsertShop(const ShopInfo& shop, int64_t source_version, Deadline deadline) override;
  absl::StatusOr<Product> Insert(const Product& product, Deadline deadline) override;
  absl::StatusOr<Product> FindById(const std::string& id, Deadline deadline) override;
  absl::StatusOr<Product> FindCurrent(const std::string& id, Deadline deadline) override {
    return inner_.FindCurrent(id, deadline);
  }
  absl::StatusOr<Product> Update(const Product& product, int64_t expected_version,
                                 Deadline deadline) override;
  absl::Status Delete(const std::string& id, int64_t expected_version, Deadline deadline) override;
  absl::StatusOr<ProductPage> ListByShop(const std::string& shop_id, bool include_hidden,
                                         const std::string& after_sku, int page_size,
                                         Deadline deadline) override {
    return inner_.ListByShop(shop_id, include_hidden, after_sku, page_size, deadline);
  }
  absl::StatusOr<SearchPage> Search(const SearchQuery& query, Deadline deadline) override;
  absl::StatusOr<ImportCounts> ApplyImport(const std::string& shop_id,
                                           const std::vector<Product>& products,
                                           const std::function<void(int)>& on_applied,
                                           Deadline deadline) override;
  absl::StatusOr<std::vector<Product>> AllOfShop(const std::string& shop_id, int limit,
                                                 Deadline deadline) override {
    return inner_.AllOfShop(shop_id, limit, deadline);
  }
  absl::StatusOr<ImportJob> CreateImportJob(const ImportJob& job, const std::string& csv,
                                            bool running, Deadline deadline) override {
    return inner_.CreateImportJob(job, csv, running, deadline);
  }
  absl::StatusOr<ImportJob> FindImportJob(const std::string& id, Deadline deadline) override {
    return inner_.FindImportJob(id, deadline);
  }
  absl::StatusOr<std::optional<std::pair<ImportJob, std::string>>> ClaimImportJob(
      absl::Duration lease, Deadline deadline) override {
    return inner_.ClaimImportJob(lease, deadline);
  }
  absl::Status UpdateImportProgress(const ImportJob& job, absl::Duration lease,
                                    Deadline deadline) override {
    return inner_.UpdateImportProgress(job, lease, deadline);
  }
  absl::Status FinishImportJob(const ImportJob& job, Deadline deadline) override {
    return inner_.FinishImportJob(job, deadline);
  }
  absl::StatusOr<Reservation> Reserve(const std::string& order_id,
                                      const std::vector<StockLine>& lines,
                                      Deadline deadline) override;
  absl::StatusOr<Reservation> Release(const std::string& order_id, Deadline deadline) override;
  absl::StatusOr<Reservation> Commit(const std::string& order_id, Deadline deadline) override;

  // After a change of a shop committed (profile, status): its products and every search that
  // may show them are reloaded. Called by the shop event consumer.
  void InvalidateShop(const std::string& shop_id);
  // After any products of `shop_id` changed outside this decorator (an import).
  void InvalidateShopProducts(const std::string& shop_id, const std::vector<std::string>& ids);

  // The normalised form of a query, hashed into search keys (exposed for tests).
  static std::string QueryFingerprint(const SearchQuery& query);

 private:
  // Runs the bump commands; on failure remembers that an epoch bump is owed.
  void Bump(std::vector<std::vector<std::string>> commands);
  // A reservation or release moved the stock of its products: their cached reads are stale.
  void BumpStockOf(const Reservation& reservation);
  // Pays an owed epoch bump; false when Redis still does not answer.
  bool SettleLostBumps();

  CatalogueRepository& inner_;
  common::RedisPool& redis_;
  const CatalogueCacheOptions options_;
  std::atomic<bool> owes_epoch_bump_{false};
  // Bumped by every write through this process: keys loads in flight when Redis cannot give
  // versions, so a read that starts after a write never joins a load that started before it.
  std::atomic<int64_t> local_writes_{0};
  common::SingleFlight<absl::StatusOr<Product>> product_flight_;
  common::SingleFlight<absl::StatusOr<SearchPage>> search_flight_;
};

// Full-fidelity conversions for cache entries (FromProto of product_proto.h reads only what a
// client may set).
void ToCacheProto(const Product& product, v1::CachedProduct* out);
Product FromCacheProto(const v1::CachedProduct& proto);

}  // namespace comptoir::catalogue
