// The catalogue domain: who may write which product, validation, field-mask updates with
// optimistic concurrency, search parameters and page tokens, stock reservation rules, and
// the shop projection fed by the shops service's events. No gRPC, no SQL: storage is a
// CatalogueRepository, so unit tests run it over a fake. Thread-safe when the repository is.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "catalogue_repository.h"
#include "comptoir/common/auth.h"

namespace comptoir::catalogue {

struct ListProductsParams {
  std::string shop_id;
  int page_size = 0;  // 0: default
  std::string page_token;
};

struct ListProductsResult {
  std::vector<Product> products;
  std::string next_page_token;
};

// A search as a client sends it; SearchProducts validates it into a SearchQuery.
struct SearchParams {
  // Default member initializers let callers name only the fields they set.
  std::string q{};
  std::string category{}, label{}, shop_id{}, commune_insee{}, department_code{};
  std::string near{};  // "LAT,LON"
  double radius_km = 0;
  int64_t min_price = 0, max_price = 0;
  bool in_stock = false;
  std::string sort{};  // relevance | price_asc | price_desc | distance | newest | ""
  int page_size = 0;
  std::string page_token{};
  bool facets = false;
  bool open_now = false;  // only products of shops open at the time of the search
};

struct SearchResult {
  std::vector<Product> products;
  std::string next_page_token;
  std::vector<FacetCount> categories, labels, departments;
};

class CatalogueService {
 public:
  static constexpr int kDefaultPageSize = 20;
  static constexpr int kMaxPageSize = 100;
  static constexpr int kMaxQueryLength = 200;  // characters
  static constexpr int kMaxQueryWords = 8;
  static constexpr int kMaxReservationLines = 100;
  static constexpr int64_t kMaxLineQuantity = 10000;

  // `clock` gives the time "open now" means (tests inject theirs).
  explicit CatalogueService(CatalogueRepository& repository,
                            std::function<absl::Time()> clock = absl::Now)
      : repository_(repository), clock_(std::move(clock)) {}

  // Members of `shop_id` (and admins) only. Output-only fields of `product` are ignored.
  absl::StatusOr<Product> CreateProduct(const common::Caller& caller, const std::string& shop_id,
                                        Product product, Deadline deadline);
  // Hidden products and products of shops that are not active are NotFound to non-members.
  absl::StatusOr<Product> GetProduct(const common::Caller& caller, const std::string& id,
                                     Deadline deadline);
  absl::StatusOr<ListProductsResult> ListProducts(const common::Caller& caller,
                                                  const ListProductsParams& params,
                                                  Deadline deadline);
  // `changes.id` and `changes.version` are required; `paths` name the fields to change.
  // Aborted when `changes.version` is not the stored version.
  absl::StatusOr<Product> UpdateProduct(const common::Caller& caller, const Product& changes,
                                        const std::vector<std::string>& paths, Deadline deadline);
  absl::Status DeleteProduct(const common::Caller& caller, const std::string& id, int64_t version,
                             Deadline deadline);
  absl::StatusOr<SearchResult> SearchProducts(const SearchParams& params, Deadline deadline);

  // Internal (the transport checks the internal credential).
  absl::StatusOr<Reservation> ReserveStock(const std::string& order_id,
                                           const std::vector<StockLine>& lines, Deadline deadline);
  absl::StatusOr<Reservation> ReleaseStock(const std::string& order_id, Deadline deadline);
  absl::StatusOr<Reservation> CommitStock(const std::string& order_id, Deadline deadline);

  // The shop projection: applies a shop profile as the shops service published it, with the
  // version of that state (events arrive at least once, possibly out of order).
  absl::Status ApplyShop(const ShopInfo& shop, int64_t source_version, Deadline deadline);

 private:
  CatalogueRepository& repository_;
  const std::function<absl::Time()> clock_;
};

// Unauthenticated when anonymous, PermissionDenied unless a member of the shop or an admin.
absl::Status CheckShopWriter(const common::Caller& caller, const std::string& shop_id);

// Splits a query into words for to_tsquery: letters and digits (any non-ASCII byte counts
// as a letter), everything else separates. At most `max_words`.
std::vector<std::string> QueryWords(const std::string& q, int max_words);

// Opaque keyset page tokens; the sort is part of the token so a token cannot be replayed
// against another order.
std::string EncodeSearchToken(SearchSort sort, const SearchCursor& cursor);
absl::StatusOr<SearchCursor> DecodeSearchToken(SearchSort sort, const std::string& token);

// "47.32,5.04" -> latitude and longitude, InvalidArgument when malformed or out of range.
absl::StatusOr<std::pair<double, double>> ParseNear(const std::string& near);

}  // namespace comptoir::catalogue
