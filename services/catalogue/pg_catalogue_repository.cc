#include "pg_catalogue_repository.h"

#include <algorithm>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "comptoir/catalogue/v1/catalogue.pb.h"
#include "comptoir/common/status.h"
#include "search_sql.h"

namespace comptoir::catalogue {
namespace {

// Arrays travel as text joined with the unit separator, which validated values never hold.
constexpr char kSeparator = '\x1f';

// Columns of a product joined with its shop, in the order RowToProduct reads them.
constexpr char kProductColumns[] =
    "p.id::text, p.shop_id::text, p.sku, p.name, p.description, p.category, "
    "array_to_string(p.labels, chr(31)), array_to_string(p.allergens, chr(31)), "
    "array_to_string(p.photo_urls, chr(31)), p.price_cents, p.vat_rate_bp, p.sale_unit, "
    "p.net_quantity, p.net_quantity_unit, p.stock_tracked, p.stock, p.visible, p.version, "
    "(extract(epoch from p.create_time) * 1000000)::bigint, "
    "(extract(epoch from p.update_time) * 1000000)::bigint, "
    "coalesce(s.name, ''), coalesce(s.status, ''), coalesce(s.commune_insee, ''), "
    "coalesce(s.department_code, '')";
constexpr int kProductColumnCount = 24;
constexpr char kShopJoin[] = " LEFT JOIN catalogue.shops s ON s.id = p.shop_id ";

// The settable fields as parameters $first.. in the order ProductParams gives them.
constexpr char kSettableColumns[] =
    "sku, name, description, category, labels, allergens, photo_urls, price_cents, "
    "vat_rate_bp, sale_unit, net_quantity, net_quantity_unit, stock_tracked, stock, visible";

std::string SettableValues(int first) {
  const auto p = [first](int i) { return absl::StrCat("$", first + i); };
  return absl::StrCat(p(0), ", ", p(1), ", ", p(2), ", ", p(3), ", string_to_array(", p(4),
                      ", chr(31)), string_to_array(", p(5), ", chr(31)), string_to_array(", p(6),
                      ", chr(31)), ", p(7), "::bigint, ", p(8), "::integer, ", p(9), ", ", p(10),
                      "::bigint, ", p(11), ", ", p(12), "::boolean, ", p(13), "::bigint, ", p(14),
                      "::boolean");
}

std::vector<std::string> Split(const std::string& joined) {
  return absl::StrSplit(joined, kSeparator, absl::SkipEmpty());
}

Product RowToProduct(const pqxx::row& row) {
  Product p;
  p.id = row[0].as<std::string>();
  p.shop_id = row[1].as<std::string>();
  p.sku = row[2].as<std::string>();
  p.name = row[3].as<std::string>();
  p.description = row[4].as<std::string>();
  p.category = row[5].as<std::string>();
  p.labels = Split(row[6].as<std::string>());
  p.allergens = Split(row[7].as<std::string>());
  p.photo_urls = Split(row[8].as<std::string>());
  p.price_cents = row[9].as<int64_t>();
  p.vat_rate_bp = row[10].as<int32_t>();
  p.sale_unit = row[11].as<std::string>();
  p.net_quantity = row[12].as<int64_t>();
  p.net_quantity_unit = row[13].as<std::string>();
  p.stock_tracked = row[14].as<bool>();
  p.stock = row[15].as<int64_t>();
  p.visible = row[16].as<bool>();
  p.version = row[17].as<int64_t>();
  p.create_time = absl::FromUnixMicros(row[18].as<int64_t>());
  p.update_time = absl::FromUnixMicros(row[19].as<int64_t>());
  p.shop_name = row[20].as<std::string>();
  p.shop_status = row[21].as<std::string>();
  p.commune_insee = row[22].as<std::string>();
  p.department_code = row[23].as<std::string>();
  return p;
}

// Runs a prepared statement whose parameters are `leading` followed by the settable fields.
template <typename... Leading>
pqxx::result ExecWithProduct(pqxx::work& tx, const char* statement, const Product& p,
                             const Leading&... leading) {
  return tx.exec_prepared(statement, leading..., p.sku, p.name, p.description, p.category,
                          absl::StrJoin(p.labels, std::string(1, kSeparator)),
                          absl::StrJoin(p.allergens, std::string(1, kSeparator)),
                          absl::StrJoin(p.photo_urls, std::string(1, kSeparator)), p.price_cents,
                          p.vat_rate_bp, p.sale_unit, p.net_quantity, p.net_quantity_unit,
                          p.stock_tracked, p.stock, p.visible);
}

Reservation LoadReservation(pqxx::work& tx, const std::string& order_id, const std::string& state) {
  Reservation reservation{order_id, state, {}, false};
  for (const pqxx::row& row : tx.exec_prepared("cat_reservation_lines", order_id)) {
    reservation.lines.push_back({row[0].as<std::string>(), row[1].as<int64_t>()});
  }
  return reservation;
}

// Keeps the row with the highest source version: late or replayed events never undo a newer
// state.
constexpr char kUpsertShopSql[] =
    "INSERT INTO catalogue.shops AS s (id, slug, name, status, commune_insee, "
    "department_code, latitude, longitude, category, hours_summary, source_version, "
    "opening_hours) "
    "VALUES ($1::uuid, $2, $3, $4, $5, $6, $7::float8, $8::float8, $9, $10, $11::bigint, $12) "
    "ON CONFLICT (id) DO UPDATE SET slug = EXCLUDED.slug, name = EXCLUDED.name, "
    "status = EXCLUDED.status, commune_insee = EXCLUDED.commune_insee, "
    "department_code = EXCLUDED.department_code, latitude = EXCLUDED.latitude, "
    "longitude = EXCLUDED.longitude, category = EXCLUDED.category, "
    "hours_summary = EXCLUDED.hours_summary, source_version = EXCLUDED.source_version, "
    "opening_hours = EXCLUDED.opening_hours, "
    "update_time = now() WHERE s.source_version <= EXCLUDED.source_version";

constexpr char kImportJobColumns[] =
    "id::text, shop_id::text, created_by, state, lines_read, lines_validated, lines_applied, "
    "created_count, updated_count, error_count, errors, encoding, message, "
    "(extract(epoch from create_time) * 1000000)::bigint, "
    "(extract(epoch from update_time) * 1000000)::bigint";
constexpr int kImportJobColumnCount = 15;

ImportJob RowToImportJob(const pqxx::row& row) {
  ImportJob job;
  job.id = row[0].as<std::string>();
  job.shop_id = row[1].as<std::string>();
  job.created_by = row[2].as<std::string>();
  job.state = row[3].as<std::string>();
  job.lines_read = row[4].as<int>();
  job.lines_validated = row[5].as<int>();
  job.lines_applied = row[6].as<int>();
  job.created = row[7].as<int>();
  job.updated = row[8].as<int>();
  job.error_count = row[9].as<int>();
  const pqxx::binarystring errors(row[10]);
  v1::ImportJob stored;
  if (stored.ParseFromArray(errors.data(), static_cast<int>(errors.size()))) {
    for (const v1::ImportError& e : stored.errors()) {
      job.errors.push_back({e.line(), e.column(), e.reason()});
    }
  }
  job.encoding = row[11].as<std::string>();
  job.message = row[12].as<std::string>();
  job.create_time = absl::FromUnixMicros(row[13].as<int64_t>());
  job.update_time = absl::FromUnixMicros(row[14].as<int64_t>());
  return job;
}

std::string SerializedErrors(const ImportJob& job) {
  v1::ImportJob stored;
  for (const CsvError& e : job.errors) {
    v1::ImportError* error = stored.add_errors();
    error->set_line(e.line);
    error->set_column(e.column);
    error->set_reason(e.reason);
  }
  return stored.SerializeAsString();
}

// Searches are prepared on first use on each connection, one statement per shape of query
// (see search_sql.h); the connection keeps them while it lives.
pqxx::result ExecSearchStatement(pqxx::work& tx, const SqlStatement& statement) {
  const std::string name = SearchStatementName(statement.sql);
  tx.conn().prepare(name, statement.sql);  // a no-op when this connection knows it already
  return tx.exec_prepared(name, pqxx::prepare::make_dynamic_params(statement.params));
}

std::string Seconds(absl::Duration d) { return absl::StrCat(absl::ToDoubleSeconds(d)); }

}  // namespace

std::vector<common::PreparedStatement> PgCatalogueRepository::Statements() {
  return {
      {"cat_shop_find",
       "SELECT id::text, slug, name, status, commune_insee, department_code, latitude, "
       "longitude, category, hours_summary FROM catalogue.shops WHERE id = $1::uuid"},
      {"cat_product_insert",
       absl::StrCat("WITH p AS (INSERT INTO catalogue.products (shop_id, ", kSettableColumns,
                    ") VALUES ($1::uuid, ", SettableValues(2), ") RETURNING *) SELECT ",
                    kProductColumns, " FROM p", kShopJoin)},
      {"cat_product_by_id", absl::StrCat("SELECT ", kProductColumns, " FROM catalogue.products p",
                                         kShopJoin, "WHERE p.id = $1::uuid")},
      {"cat_product_update",
       absl::StrCat("WITH p AS (UPDATE catalogue.products SET (", kSettableColumns, ") = ROW(",
                    SettableValues(3),
                    "), version = version + 1, update_time = now() "
                    "WHERE id = $1::uuid AND version = $2::bigint RETURNING *) SELECT ",
                    kProductColumns, " FROM p", kShopJoin)},
      {"cat_product_exists", "SELECT version FROM catalogue.products WHERE id = $1::uuid"},
      {"cat_product_delete",
       "DELETE FROM catalogue.products WHERE id = $1::uuid "
       "AND ($2::bigint = 0 OR version = $2::bigint) RETURNING id"},
      {"cat_product_list",
       absl::StrCat("SELECT ", kProductColumns, " FROM catalogue.products p", kShopJoin,
                    "WHERE p.shop_id = $1::uuid AND ($2::boolean OR p.visible) AND p.sku > $3 "
                    "ORDER BY p.sku LIMIT $4")},
      // Stock: the conditional update is what prevents overselling; the CHECK (stock >= 0)
      // constraint backs it up.
      {"cat_reservation_insert",
       "INSERT INTO catalogue.stock_reservations (order_id, state) VALUES ($1::uuid, 'reserved') "
       "ON CONFLICT (order_id) DO NOTHING RETURNING order_id"},
      {"cat_reservation_state",
       "SELECT state FROM catalogue.stock_reservations WHERE order_id = $1::uuid"},
      {"cat_reservation_lines",
       "SELECT product_id::text, quantity FROM catalogue.stock_reservation_lines "
       "WHERE order_id = $1::uuid ORDER BY product_id"},
      {"cat_reservation_line_insert",
       "INSERT INTO catalogue.stock_reservation_lines (order_id, product_id, quantity) "
       "VALUES ($1::uuid, $2::uuid, $3::bigint)"},
      {"cat_stock_take",
       "UPDATE catalogue.products SET "
       "stock = CASE WHEN stock_tracked THEN stock - $2::bigint ELSE stock END, "
       "version = version + CASE WHEN stock_tracked THEN 1 ELSE 0 END, update_time = now() "
       "WHERE id = $1::uuid AND (NOT stock_tracked OR stock >= $2::bigint) RETURNING id"},
      {"cat_stock_give_back",
       "UPDATE catalogue.products SET stock = stock + $2::bigint, version = version + 1, "
       "update_time = now() WHERE id = $1::uuid AND stock_tracked"},
      // Imports write every settable column of a known SKU (its version moves on) or create it.
      {"cat_product_upsert",
       absl::StrCat("INSERT INTO catalogue.products AS p (shop_id, ", kSettableColumns,
                    ") VALUES ($1::uuid, ", SettableValues(2),
                    ") ON CONFLICT (shop_id, sku) DO "
                    "UPDATE SET (",
                    kSettableColumns, ") = ROW(", SettableValues(2),
                    "), version = p.version + 1, update_time = now() "
                    "RETURNING p.id::text, p.version = 1")},
      {"cat_product_all_of_shop",
       absl::StrCat("SELECT ", kProductColumns, " FROM catalogue.products p", kShopJoin,
                    "WHERE p.shop_id = $1::uuid ORDER BY p.sku LIMIT $2")},
      {"cat_import_create",
       absl::StrCat("INSERT INTO catalogue.import_jobs (shop_id, created_by, state, csv, "
                    "lease_until) VALUES ($1::uuid, $2, $3, $4, CASE WHEN $3 = 'queued' THEN "
                    "NULL ELSE now() + make_interval(secs => $5::float8) END) RETURNING ",
                    kImportJobColumns)},
      {"cat_import_find", absl::StrCat("SELECT ", kImportJobColumns,
                                       " FROM catalogue.import_jobs WHERE id = $1::uuid")},
      {"cat_import_claim",
       absl::StrCat("UPDATE catalogue.import_jobs SET state = 'validating', lines_read = 0, "
                    "lines_validated = 0, lines_applied = 0, update_time = now(), "
                    "lease_until = now() + make_interval(secs => $1::float8) WHERE id = ("
                    "SELECT id FROM catalogue.import_jobs WHERE state = 'queued' OR "
                    "(state IN ('validating', 'applying') AND lease_until < now()) "
                    "ORDER BY create_time FOR UPDATE SKIP LOCKED LIMIT 1) RETURNING ",
                    kImportJobColumns, ", csv")},
      {"cat_import_progress",
       "UPDATE catalogue.import_jobs SET state = $2, lines_read = $3, lines_validated = $4, "
       "lines_applied = $5, encoding = $6, update_time = now(), "
       "lease_until = now() + make_interval(secs => $7::float8) "
       "WHERE id = $1::uuid AND state NOT IN ('succeeded', 'failed')"},
      {"cat_import_finish",
       "UPDATE catalogue.import_jobs SET state = $2, lines_read = $3, lines_validated = $4, "
       "lines_applied = $5, created_count = $6, updated_count = $7, error_count = $8, "
       "errors = $9, encoding = $10, message = $11, csv = NULL, lease_until = NULL, "
       "update_time = now() WHERE id = $1::uuid"},
      {"cat_word_frequency", WordFrequencySql()},
      {"cat_reservation_finish",
       "UPDATE catalogue.stock_reservations SET state = $2, update_time = now() "
       "WHERE order_id = $1::uuid AND state = 'reserved' RETURNING order_id"},
  };
}

absl::StatusOr<std::optional<ShopInfo>> PgCatalogueRepository::FindShop(const std::string& id,
                                                                        Deadline deadline) {
  return pool_.Run<std::optional<ShopInfo>>(
      deadline, [&](pqxx::work& tx) -> absl::StatusOr<std::optional<ShopInfo>> {
        pqxx::result r = tx.exec_prepared("cat_shop_find", id);
        if (r.empty()) return std::optional<ShopInfo>();
        const pqxx::row& row = r[0];
        ShopInfo shop{row[0].as<std::string>(),
                      row[1].as<std::string>(),
                      row[2].as<std::string>(),
                      row[3].as<std::string>(),
                      row[4].as<std::string>(),
                      row[5].as<std::string>(),
                      std::nullopt,
                      std::nullopt,
                      row[8].as<std::string>(),
                      row[9].as<std::string>()};
        if (!row[6].is_null()) shop.latitude = row[6].as<double>();
        if (!row[7].is_null()) shop.longitude = row[7].as<double>();
        return std::optional<ShopInfo>(std::move(shop));
      });
}

void UpsertShopProjection(pqxx::work& tx, const ShopInfo& shop, int64_t source_version) {
  const std::optional<std::string> lat =
      shop.latitude ? std::optional<std::string>(SqlDouble(*shop.latitude)) : std::nullopt;
  const std::optional<std::string> lon =
      shop.longitude ? std::optional<std::string>(SqlDouble(*shop.longitude)) : std::nullopt;
  tx.exec_params(kUpsertShopSql, shop.id, shop.slug, shop.name, shop.status, shop.commune_insee,
                 shop.department_code, lat ? lat->c_str() : nullptr, lon ? lon->c_str() : nullptr,
                 shop.category, shop.hours_summary, source_version,
                 pqxx::binarystring(shop.opening_hours.data(), shop.opening_hours.size()));
}

absl::Status PgCatalogueRepository::UpsertShop(const ShopInfo& shop, int64_t source_version,
                                               Deadline deadline) {
  return pool_.RunStatus(deadline, [&](pqxx::work& tx) {
    UpsertShopProjection(tx, shop, source_version);
    return absl::OkStatus();
  });
}

absl::StatusOr<Product> PgCatalogueRepository::Insert(const Product& product, Deadline deadline) {
  return pool_.Run<Product>(deadline, [&](pqxx::work& tx) -> absl::StatusOr<Product> {
    pqxx::result r = ExecWithProduct(tx, "cat_product_insert", product, product.shop_id);
    return RowToProduct(r[0]);
  });
}

absl::StatusOr<Product> PgCatalogueRepository::FindById(const std::string& id, Deadline deadline) {
  return pool_.Run<Product>(deadline, [&](pqxx::work& tx) -> absl::StatusOr<Product> {
    pqxx::result r = tx.exec_prepared("cat_product_by_id", id);
    if (r.empty()) return absl::NotFoundError(absl::StrCat("no product \"", id, "\""));
    return RowToProduct(r[0]);
  });
}

absl::StatusOr<Product> PgCatalogueRepository::Update(const Product& product,
                                                      int64_t expected_version, Deadline deadline) {
  return pool_.Run<Product>(deadline, [&](pqxx::work& tx) -> absl::StatusOr<Product> {
    pqxx::result r =
        ExecWithProduct(tx, "cat_product_update", product, product.id, expected_version);
    if (!r.empty()) return RowToProduct(r[0]);
    if (tx.exec_prepared("cat_product_exists", product.id).empty()) {
      return absl::NotFoundError(absl::StrCat("no product \"", product.id, "\""));
    }
    return absl::AbortedError("the product changed since it was read (stale version)");
  });
}

absl::Status PgCatalogueRepository::Delete(const std::string& id, int64_t expected_version,
                                           Deadline deadline) {
  return pool_.RunStatus(deadline, [&](pqxx::work& tx) -> absl::Status {
    if (!tx.exec_prepared("cat_product_delete", id, expected_version).empty()) {
      return absl::OkStatus();
    }
    if (tx.exec_prepared("cat_product_exists", id).empty()) {
      return absl::NotFoundError(absl::StrCat("no product \"", id, "\""));
    }
    return absl::AbortedError("the product changed since it was read (stale version)");
  });
}

absl::StatusOr<ProductPage> PgCatalogueRepository::ListByShop(const std::string& shop_id,
                                                              bool include_hidden,
                                                              const std::string& after_sku,
                                                              int page_size, Deadline deadline) {
  return pool_.Run<ProductPage>(deadline, [&](pqxx::work& tx) -> absl::StatusOr<ProductPage> {
    pqxx::result r =
        tx.exec_prepared("cat_product_list", shop_id, include_hidden, after_sku, page_size + 1);
    ProductPage page;
    for (const pqxx::row& row : r) {
      if (static_cast<int>(page.products.size()) == page_size) {
        page.next_sku = page.products.back().sku;
        break;
      }
      page.products.push_back(RowToProduct(row));
    }
    return page;
  });
}

absl::StatusOr<std::vector<std::string>> PgCatalogueRepository::ShopsOpenAt(absl::Time at,
                                                                            Deadline deadline) {
  if (!open_at_) return absl::UnimplementedError("open_now is not available on this server");
  {
    std::lock_guard<std::mutex> lock(open_mu_);
    if (open_cached_at_ == at) return open_cached_;
  }
  return read_pool_.Run<std::vector<std::string>>(
      deadline, [&](pqxx::work& tx) -> absl::StatusOr<std::vector<std::string>> {
        std::vector<std::string> open;
        for (const pqxx::row& row : tx.exec("SELECT id::text, opening_hours FROM catalogue.shops "
                                            "WHERE status = 'active' AND opening_hours <> ''")) {
          if (open_at_(pqxx::binarystring(row[1]).str(), at))
            open.push_back(row[0].as<std::string>());
        }
        std::lock_guard<std::mutex> lock(open_mu_);
        open_cached_at_ = at;
        open_cached_ = open;
        return open;
      });
}

bool PgCatalogueRepository::FrequentWords(pqxx::work& tx, const std::vector<std::string>& words) {
  // Only the last word is a prefix (type-ahead), as in the search itself.
  const auto key = [&](std::size_t i) { return i + 1 == words.size() ? words[i] + "*" : words[i]; };
  std::vector<double> frequencies(words.size(), -1);
  double rows = 0;
  {
    std::lock_guard<std::mutex> lock(words_mu_);
    const absl::Time now = absl::Now();
    if (now - words_since_ > kWordStatsTtl || word_frequency_.size() >= kMaxCachedWords) {
      word_frequency_.clear();
      words_since_ = now;
    }
    for (std::size_t i = 0; i < words.size(); ++i) {
      if (auto it = word_frequency_.find(key(i)); it != word_frequency_.end()) {
        frequencies[i] = it->second;
      }
    }
    rows = product_rows_;
  }
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (frequencies[i] >= 0) continue;
    const pqxx::result r = tx.exec_prepared("cat_word_frequency", words[i], i + 1 == words.size());
    frequencies[i] = r.empty() ? 0 : r[0][0].as<double>();
    if (!r.empty()) rows = r[0][1].as<double>();
    std::lock_guard<std::mutex> lock(words_mu_);
    word_frequency_[key(i)] = frequencies[i];
    product_rows_ = rows;
  }
  return WordsAreFrequent(frequencies, rows, kMaxRankedCandidates);
}

absl::StatusOr<SearchPage> PgCatalogueRepository::Search(const SearchQuery& query,
                                                         Deadline deadline) {
  std::vector<std::string> open_shops;
  if (query.open_at.has_value()) {
    ASSIGN_OR_RETURN(open_shops, ShopsOpenAt(*query.open_at, deadline));
  }
  return read_pool_.Run<SearchPage>(deadline, [&](pqxx::work& tx) -> absl::StatusOr<SearchPage> {
    const bool frequent = !query.words.empty() && FrequentWords(tx, query.words);
    const SearchSql sql =
        BuildSearchSql(query, open_shops, kProductColumns, kMaxRankedCandidates, frequent);
    if (!sql.setup.empty()) tx.exec(sql.setup);
    const pqxx::result rows = ExecSearchStatement(tx, sql.page);
    SearchPage page;
    if (sql.facets_inline && !rows.empty() && !rows[0][kProductColumnCount + 2].is_null()) {
      ParseFacets(rows[0][kProductColumnCount + 2].as<std::string>(), page);
    }
    double last_key = 0;
    for (const pqxx::row& row : rows) {
      if (row[0].is_null()) continue;  // the row that carries the facets of an empty page
      if (static_cast<int>(page.products.size()) == query.page_size) {
        page.next = SearchCursor{last_key, page.products.back().id};
        break;
      }
      Product product = RowToProduct(row);
      last_key = row[kProductColumnCount].as<double>();
      if (!row[kProductColumnCount + 1].is_null()) {
        product.distance_m = static_cast<int64_t>(row[kProductColumnCount + 1].as<double>() + 0.5);
      }
      page.products.push_back(std::move(product));
    }
    if (sql.facets.has_value()) {
      const pqxx::result facets = ExecSearchStatement(tx, *sql.facets);
      if (!facets.empty() && !facets[0][0].is_null()) {
        ParseFacets(facets[0][0].as<std::string>(), page);
      }
    }
    return page;
  });
}

absl::StatusOr<ImportCounts> PgCatalogueRepository::ApplyImport(
    const std::string& shop_id, const std::vector<Product>& products,
    const std::function<void(int)>& on_applied, Deadline deadline) {
  return pool_.Run<ImportCounts>(deadline, [&](pqxx::work& tx) -> absl::StatusOr<ImportCounts> {
    ImportCounts counts;
    for (std::size_t i = 0; i < products.size(); ++i) {
      pqxx::result r = ExecWithProduct(tx, "cat_product_upsert", products[i], shop_id);
      counts.product_ids.push_back(r[0][0].as<std::string>());
      ++(r[0][1].as<bool>() ? counts.created : counts.updated);
      if (on_applied && (i + 1) % 250 == 0) on_applied(static_cast<int>(i + 1));
    }
    if (on_applied) on_applied(static_cast<int>(products.size()));
    return counts;
  });
}

absl::StatusOr<std::vector<Product>> PgCatalogueRepository::AllOfShop(const std::string& shop_id,
                                                                      int limit,
                                                                      Deadline deadline) {
  return pool_.Run<std::vector<Product>>(
      deadline, [&](pqxx::work& tx) -> absl::StatusOr<std::vector<Product>> {
        std::vector<Product> products;
        for (const pqxx::row& row : tx.exec_prepared("cat_product_all_of_shop", shop_id, limit)) {
          products.push_back(RowToProduct(row));
        }
        return products;
      });
}

absl::StatusOr<ImportJob> PgCatalogueRepository::CreateImportJob(const ImportJob& job,
                                                                 const std::string& csv,
                                                                 bool running, Deadline deadline) {
  return pool_.Run<ImportJob>(deadline, [&](pqxx::work& tx) -> absl::StatusOr<ImportJob> {
    const pqxx::binarystring file(csv.data(), csv.size());
    pqxx::result r =
        tx.exec_prepared("cat_import_create", job.shop_id, job.created_by,
                         running ? "validating" : "queued", file, Seconds(absl::Minutes(5)));
    return RowToImportJob(r[0]);
  });
}

absl::StatusOr<ImportJob> PgCatalogueRepository::FindImportJob(const std::string& id,
                                                               Deadline deadline) {
  return pool_.Run<ImportJob>(deadline, [&](pqxx::work& tx) -> absl::StatusOr<ImportJob> {
    pqxx::result r = tx.exec_prepared("cat_import_find", id);
    if (r.empty()) return absl::NotFoundError(absl::StrCat("no import \"", id, "\""));
    return RowToImportJob(r[0]);
  });
}

absl::StatusOr<std::optional<std::pair<ImportJob, std::string>>>
PgCatalogueRepository::ClaimImportJob(absl::Duration lease, Deadline deadline) {
  using Claimed = std::optional<std::pair<ImportJob, std::string>>;
  return pool_.Run<Claimed>(deadline, [&](pqxx::work& tx) -> absl::StatusOr<Claimed> {
    pqxx::result r = tx.exec_prepared("cat_import_claim", Seconds(lease));
    if (r.empty()) return Claimed();
    const pqxx::binarystring file(r[0][kImportJobColumnCount]);
    return Claimed(std::make_pair(RowToImportJob(r[0]), file.str()));
  });
}

absl::Status PgCatalogueRepository::UpdateImportProgress(const ImportJob& job, absl::Duration lease,
                                                         Deadline deadline) {
  return pool_.RunStatus(deadline, [&](pqxx::work& tx) {
    tx.exec_prepared("cat_import_progress", job.id, job.state, job.lines_read, job.lines_validated,
                     job.lines_applied, job.encoding, Seconds(lease));
    return absl::OkStatus();
  });
}

absl::Status PgCatalogueRepository::FinishImportJob(const ImportJob& job, Deadline deadline) {
  return pool_.RunStatus(deadline, [&](pqxx::work& tx) {
    const std::string errors = SerializedErrors(job);
    tx.exec_prepared("cat_import_finish", job.id, job.state, job.lines_read, job.lines_validated,
                     job.lines_applied, job.created, job.updated, job.error_count,
                     pqxx::binarystring(errors.data(), errors.size()), job.encoding, job.message);
    return absl::OkStatus();
  });
}

absl::StatusOr<Reservation> PgCatalogueRepository::Reserve(const std::string& order_id,
                                                           const std::vector<StockLine>& lines,
                                                           Deadline deadline) {
  // Lines in a stable order (by product id): two baskets sharing products lock them in the
  // same order and cannot deadlock.
  std::vector<StockLine> sorted = lines;
  std::sort(sorted.begin(), sorted.end(),
            [](const StockLine& a, const StockLine& b) { return a.product_id < b.product_id; });
  return pool_.Run<Reservation>(deadline, [&](pqxx::work& tx) -> absl::StatusOr<Reservation> {
    // A concurrent replay waits here on the first call's row, then sees it.
    if (tx.exec_prepared("cat_reservation_insert", order_id).empty()) {
      pqxx::result state = tx.exec_prepared("cat_reservation_state", order_id);
      Reservation replay = LoadReservation(tx, order_id, state[0][0].as<std::string>());
      replay.replayed = true;
      return replay;
    }
    for (const StockLine& line : sorted) {
      if (tx.exec_prepared("cat_stock_take", line.product_id, line.quantity).empty()) {
        // Returning an error rolls back the lines already taken: all or nothing.
        if (tx.exec_prepared("cat_product_exists", line.product_id).empty()) {
          return absl::NotFoundError(absl::StrCat("no product \"", line.product_id, "\""));
        }
        return absl::FailedPreconditionError(
            absl::StrCat("not enough stock for product \"", line.product_id, "\""));
      }
      tx.exec_prepared("cat_reservation_line_insert", order_id, line.product_id, line.quantity);
    }
    return Reservation{order_id, "reserved", sorted, false};
  });
}

absl::StatusOr<Reservation> PgCatalogueRepository::Finish(const std::string& order_id,
                                                          const std::string& to,
                                                          Deadline deadline) {
  return pool_.Run<Reservation>(deadline, [&](pqxx::work& tx) -> absl::StatusOr<Reservation> {
    if (!tx.exec_prepared("cat_reservation_finish", order_id, to).empty()) {
      Reservation reservation = LoadReservation(tx, order_id, to);
      if (to == "released") {
        for (const StockLine& line : reservation.lines) {
          tx.exec_prepared("cat_stock_give_back", line.product_id, line.quantity);
        }
      }
      return reservation;
    }
    pqxx::result state = tx.exec_prepared("cat_reservation_state", order_id);
    if (state.empty()) {
      return absl::NotFoundError(absl::StrCat("no reservation for order \"", order_id, "\""));
    }
    const std::string current = state[0][0].as<std::string>();
    if (current != to) {
      return absl::FailedPreconditionError(absl::StrCat("the reservation is already ", current));
    }
    Reservation replay = LoadReservation(tx, order_id, current);
    replay.replayed = true;
    return replay;
  });
}

absl::StatusOr<Reservation> PgCatalogueRepository::Release(const std::string& order_id,
                                                           Deadline deadline) {
  return Finish(order_id, "released", deadline);
}

absl::StatusOr<Reservation> PgCatalogueRepository::Commit(const std::string& order_id,
                                                          Deadline deadline) {
  return Finish(order_id, "committed", deadline);
}

}  // namespace comptoir::catalogue
