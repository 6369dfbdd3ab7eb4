// Storage of the catalogue: products, the shop projection, searches and stock reservations.
// Implementation: PgCatalogueRepository. Implementations are thread-safe.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "comptoir/common/deadline.h"
#include "product.h"
#include "product_csv.h"

namespace comptoir::catalogue {

using common::Deadline;

enum class SearchSort { kRelevance, kPriceAsc, kPriceDesc, kDistance, kNewest };

// Position after the last product of a page: every sort orders by (key, id) ascending, with
// keys negated where the order is descending, so one cursor shape serves them all.
struct SearchCursor {
  double key = 0;
  std::string id;
};

// A validated search (see CatalogueService::SearchProducts for the limits).
struct SearchQuery {
  std::vector<std::string> words;  // folded-free words of the query, at most 8
  std::string text;                // the query as typed (trimmed), for typo matching
  std::string category, label, shop_id, commune_insee, department_code;
  std::optional<double> latitude, longitude;
  double radius_km = 0;                  // 0: no radius
  int64_t min_price = 0, max_price = 0;  // 0: no bound
  bool in_stock = false;
  SearchSort sort = SearchSort::kNewest;
  int page_size = 20;
  std::optional<SearchCursor> after;
  bool facets = false;
  std::optional<absl::Time> open_at;  // only shops open at this instant (whole minutes)
};

struct FacetCount {
  std::string value;
  int64_t count = 0;
};

struct SearchPage {
  std::vector<Product> products;
  std::optional<SearchCursor> next;
  std::vector<FacetCount> categories, labels, departments;
};

struct ProductPage {
  std::vector<Product> products;
  std::optional<std::string> next_sku;  // the last SKU of this page when another follows
};

// An import of a CSV file (see product_csv.h and CatalogueService::ImportProducts).
struct ImportJob {
  std::string id;
  std::string shop_id;
  std::string created_by;
  std::string state;  // queued | validating | applying | succeeded | failed
  int lines_read = 0, lines_validated = 0, lines_applied = 0;
  int created = 0, updated = 0;
  int error_count = 0;
  std::vector<CsvError> errors;
  std::string encoding;
  std::string message;
  absl::Time create_time;
  absl::Time update_time;
};

struct ImportCounts {
  int created = 0, updated = 0;
  std::vector<std::string> product_ids;  // every product written
};

struct StockLine {
  std::string product_id;
  int64_t quantity = 0;
};

struct Reservation {
  std::string order_id;
  std::string state;             // reserved | released | committed
  std::vector<StockLine> lines;  // by product id
  bool replayed = false;         // the reservation existed before this call
};

class CatalogueRepository {
 public:
  virtual ~CatalogueRepository() = default;

  // The shop projection. Upsert keeps the row with the highest source_version, so a late or
  // replayed event never undoes a newer one; it is idempotent.
  virtual absl::StatusOr<std::optional<ShopInfo>> FindShop(const std::string& id,
                                                           Deadline deadline) = 0;
  virtual absl::Status UpsertShop(const ShopInfo& shop, int64_t source_version,
                                  Deadline deadline) = 0;

  // AlreadyExists when the shop already has this SKU.
  virtual absl::StatusOr<Product> Insert(const Product& product, Deadline deadline) = 0;
  // NotFound when no product has this id (whatever its visibility).
  virtual absl::StatusOr<Product> FindById(const std::string& id, Deadline deadline) = 0;
  // Like FindById, but always the stored row, never a cached copy: read-modify-write paths
  // copy the fields they do not change from it.
  virtual absl::StatusOr<Product> FindCurrent(const std::string& id, Deadline deadline) {
    return FindById(id, deadline);
  }
  // Stores every settable field of `product` when its stored version is `expected_version`
  // and bumps the version. Aborted when the version moved on, NotFound when it is gone.
  virtual absl::StatusOr<Product> Update(const Product& product, int64_t expected_version,
                                         Deadline deadline) = 0;
  // `expected_version` 0: any version.
  virtual absl::Status Delete(const std::string& id, int64_t expected_version,
                              Deadline deadline) = 0;
  virtual absl::StatusOr<ProductPage> ListByShop(const std::string& shop_id, bool include_hidden,
                                                 const std::string& after_sku, int page_size,
                                                 Deadline deadline) = 0;
  // Visible products of active shops only.
  virtual absl::StatusOr<SearchPage> Search(const SearchQuery& query, Deadline deadline) = 0;

  // Creates or updates (by SKU) every product of `shop_id` in one transaction, or none.
  // `on_applied` is called with the number written so far, every few hundred products.
  virtual absl::StatusOr<ImportCounts> ApplyImport(const std::string& shop_id,
                                                   const std::vector<Product>& products,
                                                   const std::function<void(int)>& on_applied,
                                                   Deadline deadline) = 0;
  // Every product of a shop, hidden ones too, by SKU; at most `limit`.
  virtual absl::StatusOr<std::vector<Product>> AllOfShop(const std::string& shop_id, int limit,
                                                         Deadline deadline) = 0;

  // Import jobs. Create stores the file with the job; `running` creates it claimed by the
  // caller (state validating) instead of queued.
  virtual absl::StatusOr<ImportJob> CreateImportJob(const ImportJob& job, const std::string& csv,
                                                    bool running, Deadline deadline) = 0;
  virtual absl::StatusOr<ImportJob> FindImportJob(const std::string& id, Deadline deadline) = 0;
  // Claims the oldest queued job, or a running one whose lease ran out (its runner died),
  // for `lease`; returns it with its file. nullopt when none waits.
  virtual absl::StatusOr<std::optional<std::pair<ImportJob, std::string>>> ClaimImportJob(
      absl::Duration lease, Deadline deadline) = 0;
  // Records state and counters (and renews the lease) while the job runs.
  virtual absl::Status UpdateImportProgress(const ImportJob& job, absl::Duration lease,
                                            Deadline deadline) = 0;
  // Records the outcome (final state, counts, errors) and drops the file.
  virtual absl::Status FinishImportJob(const ImportJob& job, Deadline deadline) = 0;

  // All lines or none; idempotent by order id (a replay returns the stored reservation with
  // `replayed`). FailedPrecondition when a tracked product has too little stock, NotFound
  // when a product does not exist.
  virtual absl::StatusOr<Reservation> Reserve(const std::string& order_id,
                                              const std::vector<StockLine>& lines,
                                              Deadline deadline) = 0;
  // NotFound for an unknown order; FailedPrecondition when the reservation is in the other
  // final state; the same state again is a no-op.
  virtual absl::StatusOr<Reservation> Release(const std::string& order_id, Deadline deadline) = 0;
  virtual absl::StatusOr<Reservation> Commit(const std::string& order_id, Deadline deadline) = 0;
};

}  // namespace comptoir::catalogue
