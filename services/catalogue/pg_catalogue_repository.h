// CatalogueRepository on PostgreSQL: the `catalogue` schema. Everything runs as named
// prepared statements: the fixed ones given to the pool, and one per shape of search (see
// search_sql.h), prepared on a connection the first time it runs it. Thread-safe (the pool
// is).
#pragma once

#include <functional>
#include <mutex>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "catalogue_repository.h"
#include "comptoir/common/embedded_file.h"
#include "comptoir/common/pg_pool.h"

namespace comptoir::catalogue {

// The schema migrations of the `catalogue` schema, compiled into the binary.
std::vector<common::EmbeddedFile> Migrations();

// Writes a shop into the projection inside `tx` (the event consumer's transaction), unless a
// newer version of it is already there. Idempotent. Throws libpqxx exceptions.
void UpsertShopProjection(pqxx::work& tx, const ShopInfo& shop, int64_t source_version);

class PgCatalogueRepository : public CatalogueRepository {
 public:
  // At most this many matches of a text query are ranked: ranking cost stays bounded for
  // common terms, at the price of ranking an arbitrary subset when more match.
  static constexpr int kMaxRankedCandidates = 500;
  static constexpr absl::Duration kWordStatsTtl = absl::Minutes(10);
  static constexpr std::size_t kMaxCachedWords = 20000;

  // Whether a shop with these opening hours (a serialized comptoir.shops.v1.OpeningHours,
  // empty when it published none) is open at an instant.
  using OpenAt = std::function<bool(const std::string& opening_hours, absl::Time at)>;

  // `read_pool`, when given, serves Search from a replica. Without `open_at`, searches
  // for shops open now are refused (Unimplemented).
  explicit PgCatalogueRepository(common::PgPool& pool, common::PgPool* read_pool = nullptr,
                                 OpenAt open_at = nullptr)
      : pool_(pool),
        read_pool_(read_pool != nullptr ? *read_pool : pool),
        open_at_(std::move(open_at)) {}

  // The named statements this repository runs; give them to the pool's options.
  static std::vector<common::PreparedStatement> Statements();

  absl::StatusOr<std::optional<ShopInfo>> FindShop(const std::string& id,
                                                   Deadline deadline) override;
  absl::Status UpsertShop(const ShopInfo& shop, int64_t source_version, Deadline deadline) override;
  absl::StatusOr<Product> Insert(const Product& product, Deadline deadline) override;
  absl::StatusOr<Product> FindById(const std::string& id, Deadline deadline) override;
  absl::StatusOr<Product> Update(const Product& product, int64_t expected_version,
                                 Deadline deadline) override;
  absl::Status Delete(const std::string& id, int64_t expected_version, Deadline deadline) override;
  absl::StatusOr<ProductPage> ListByShop(const std::string& shop_id, bool include_hidden,
                                         const std::string& after_sku, int page_size,
                                         Deadline deadline) override;
  absl::StatusOr<SearchPage> Search(const SearchQuery& query, Deadline deadline) override;
  absl::StatusOr<ImportCounts> ApplyImport(const std::string& shop_id,
                                           const std::vector<Product>& products,
                                           const std::function<void(int)>& on_applied,
                                           Deadline deadline) override;
  absl::StatusOr<std::vector<Product>> AllOfShop(const std::string& shop_id, int limit,
                                                 Deadline deadline) override;
  absl::StatusOr<ImportJob> CreateImportJob(const ImportJob& job, const std::string& csv,
                                            bool running, Deadline deadline) override;
  absl::StatusOr<ImportJob> FindImportJob(const std::string& id, Deadline deadline) override;
  absl::StatusOr<std::optional<std::pair<ImportJob, std::string>>> ClaimImportJob(
      absl::Duration lease, Deadline deadline) override;
  absl::Status UpdateImportProgress(const ImportJob& job, absl::Duration lease,
                                    Deadline deadline) override;
  absl::Status FinishImportJob(const ImportJob& job, Deadline deadline) override;
  absl::StatusOr<Reservation> Reserve(const std::string& order_id,
                                      const std::vector<StockLine>& lines,
                                      Deadline deadline) override;
  absl::StatusOr<Reservation> Release(const std::string& order_id, Deadline deadline) override;
  absl::StatusOr<Reservation> Commit(const std::string& order_id, Deadline deadline) override;

 private:
  // Moves a reservation from `reserved` to `to` ("released" gives the stock back).
  absl::StatusOr<Reservation> Finish(const std::string& order_id, const std::string& to,
                                     Deadline deadline);

  // Whether the words of a text query are frequent enough that reading the table in order
  // finds the matches to rank sooner than the text index (see search_sql.h). Frequencies
  // come from the planner's statistics, cached a word for kWordStatsTtl: words missing from
  // the cache are looked up in `tx`. Throws libpqxx exceptions.
  bool FrequentWords(pqxx::work& tx, const std::vector<std::string>& words);

  // The ids of the active shops open at `at`, evaluated over every active shop's hours
  // and kept for the minute (hours change rarely; statuses are filtered separately).
  absl::StatusOr<std::vector<std::string>> ShopsOpenAt(absl::Time at, Deadline deadline);

  common::PgPool& pool_;
  common::PgPool& read_pool_;
  const OpenAt open_at_;
  std::mutex open_mu_;
  absl::Time open_cached_at_ = absl::InfinitePast();  // guarded by open_mu_
  std::vector<std::string> open_cached_;              // guarded by open_mu_
  std::mutex words_mu_;
  // Word (with a trailing '*' when it is the type-ahead prefix) -> fraction of the products
  // holding it; emptied every kWordStatsTtl (statistics move with ANALYZE) and when full.
  absl::flat_hash_map<std::string, double> word_frequency_;  // guarded by words_mu_
  double product_rows_ = 0;                                  // guarded by words_mu_
  absl::Time words_since_ = absl::InfinitePast();            // guarded by words_mu_
};

}  // namespace comptoir::catalogue
