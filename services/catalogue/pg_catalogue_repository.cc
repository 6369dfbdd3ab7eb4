#include "pg_catalogue_repository.h"

#include <algorithm>
#include <cstdio>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

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
    "department_code, latitude, longitude, category, hours_summary, source_version) "
    "VALUES ($1::uuid, $2, $3, $4, $5, $6, $7::float8, $8::float8, $9, $10, $11::bigint) "
    "ON CONFLICT (id) DO UPDATE SET slug = EXCLUDED.slug, name = EXCLUDED.name, "
    "status = EXCLUDED.status, commune_insee = EXCLUDED.commune_insee, "
    "department_code = EXCLUDED.department_code, latitude = EXCLUDED.latitude, "
    "longitude = EXCLUDED.longitude, category = EXCLUDED.category, "
    "hours_summary = EXCLUDED.hours_summary, source_version = EXCLUDED.source_version, "
    "update_time = now() WHERE s.source_version <= EXCLUDED.source_version";

std::string DoubleText(double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.17g", value);
  return buffer;
}

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
      shop.latitude ? std::optional<std::string>(DoubleText(*shop.latitude)) : std::nullopt;
  const std::optional<std::string> lon =
      shop.longitude ? std::optional<std::string>(DoubleText(*shop.longitude)) : std::nullopt;
  tx.exec_params(kUpsertShopSql, shop.id, shop.slug, shop.name, shop.status, shop.commune_insee,
                 shop.department_code, lat ? lat->c_str() : nullptr, lon ? lon->c_str() : nullptr,
                 shop.category, shop.hours_summary, source_version);
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

absl::StatusOr<SearchPage> PgCatalogueRepository::Search(const SearchQuery& query,
                                                         Deadline deadline) {
  return read_pool_.Run<SearchPage>(deadline, [&](pqxx::work& tx) -> absl::StatusOr<SearchPage> {
    const bool text = !query.words.empty();
    const bool located = query.latitude.has_value() && query.longitude.has_value();
    // Typo tolerance on whole words: "camenbert" is 0.54 similar to "camembert", while
    // "camem" is only 0.25 similar to "campagne" (the non-strict word similarity, which
    // matches parts of words, gives 0.5 there and lets short queries match nonsense).
    if (text) tx.exec("SET LOCAL pg_trgm.strict_word_similarity_threshold = 0.45");
    // With a LIMIT on the candidates, the planner likes a sequential scan that computes
    // trigram similarity on every row until enough match (268 ms for "fromage" over 50k
    // products); the two indexes OR-ed in a bitmap take 13 ms. Scoped to this transaction.
    if (text) tx.exec("SET LOCAL enable_seqscan = off");

    std::string tsquery;
    std::string folded_text;
    if (text) {
      // Whole words stem; the last one is also a prefix, for type-ahead. Words hold letters
      // and digits only (the service splits on everything else), so to_tsquery sees no syntax.
      std::vector<std::string> parts;
      for (std::size_t i = 0; i < query.words.size(); ++i) {
        const bool last = i + 1 == query.words.size();
        parts.push_back(
            last ? absl::StrCat("to_tsquery('catalogue.fr', ", tx.quote(query.words[i] + ":*"), ")")
                 : absl::StrCat("plainto_tsquery('catalogue.fr', ", tx.quote(query.words[i]), ")"));
      }
      // Parsed and folded once, then inlined as constants: written as function calls they
      // would be evaluated again for every candidate row.
      pqxx::result parsed =
          tx.exec(absl::StrCat("SELECT (", absl::StrJoin(parts, " && "), ")::text, catalogue.fold(",
                               tx.quote(query.text), ")"));
      tsquery = absl::StrCat(tx.quote(parsed[0][0].as<std::string>()), "::tsquery");
      folded_text = tx.quote(parsed[0][1].as<std::string>());
    }
    const std::string distance =
        located ? absl::StrCat("(2 * 6371000 * asin(sqrt(power(sin(radians(s.latitude - ",
                               DoubleText(*query.latitude), ") / 2), 2) + cos(radians(",
                               DoubleText(*query.latitude),
                               ")) * cos(radians(s.latitude)) * power(sin(radians(s.longitude - ",
                               DoubleText(*query.longitude), ") / 2), 2))))")
                : std::string("NULL::float8");

    std::vector<std::string> where = {"p.visible", "s.status = 'active'"};
    if (text) {
      where.push_back(absl::StrCat("(p.search_document @@ (", tsquery, ") OR p.name_folded %>> ",
                                   folded_text, ")"));
    }
    if (!query.category.empty()) where.push_back("p.category = " + tx.quote(query.category));
    if (!query.label.empty()) {
      where.push_back(absl::StrCat("p.labels @> ARRAY[", tx.quote(query.label), "]::text[]"));
    }
    if (!query.shop_id.empty()) {
      where.push_back(absl::StrCat("p.shop_id = ", tx.quote(query.shop_id), "::uuid"));
    }
    if (!query.commune_insee.empty()) {
      where.push_back("s.commune_insee = " + tx.quote(query.commune_insee));
    }
    if (!query.department_code.empty()) {
      where.push_back("s.department_code = " + tx.quote(query.department_code));
    }
    if (located && query.radius_km > 0) {
      where.push_back(absl::StrCat(distance, " <= ", DoubleText(query.radius_km * 1000)));
    }
    if (query.min_price > 0) where.push_back(absl::StrCat("p.price_cents >= ", query.min_price));
    if (query.max_price > 0) where.push_back(absl::StrCat("p.price_cents <= ", query.max_price));
    if (query.in_stock) where.push_back("(NOT p.stock_tracked OR p.stock > 0)");

    const std::string rank = text ? absl::StrCat("(ts_rank_cd(p.search_document, ", tsquery,
                                                 ")::float8 + strict_word_similarity(", folded_text,
                                                 ", p.name_folded)::float8)")
                                  : std::string("0::float8");
    // The candidate set: filtered, and bounded when a text query has to be ranked.
    const std::string candidates = absl::StrCat(
        "candidates AS (SELECT p.id, p.category, p.labels, s.department_code, p.price_cents, "
        "p.create_time, ",
        rank, " AS rank, ", distance,
        " AS distance FROM catalogue.products p "
        "JOIN catalogue.shops s ON s.id = p.shop_id WHERE ",
        absl::StrJoin(where, " AND "),
        text ? absl::StrCat(" LIMIT ", kMaxRankedCandidates) : std::string(), ")");

    std::string key;
    switch (query.sort) {
      case SearchSort::kRelevance:
        key = "-rank";
        break;
      case SearchSort::kPriceAsc:
        key = "price_cents::float8";
        break;
      case SearchSort::kPriceDesc:
        key = "-price_cents::float8";
        break;
      case SearchSort::kDistance:
        key = "coalesce(distance, 1e12)";
        break;
      case SearchSort::kNewest:
        key = "-(extract(epoch from create_time) * 1000000)::float8";
        break;
    }
    const std::string after =
        query.after ? absl::StrCat("WHERE (key, id) > (", DoubleText(query.after->key),
                                   "::float8, ", tx.quote(query.after->id), "::uuid)")
                    : std::string();
    const std::string sql = absl::StrCat(
        "WITH ", candidates, ", page AS (SELECT id, key, distance FROM (SELECT id, ", key,
        " AS key, distance FROM candidates) k ", after, " ORDER BY key, id LIMIT ",
        query.page_size + 1, ") SELECT ", kProductColumns,
        ", page.key, page.distance FROM page JOIN catalogue.products p ON p.id = page.id",
        kShopJoin, "ORDER BY page.key, page.id");

    SearchPage page;
    double last_key = 0;
    for (const pqxx::row& row : tx.exec(sql)) {
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

    if (query.facets) {
      const std::string facets_sql = absl::StrCat(
          "WITH ", candidates,
          " SELECT 'c', category, count(*) FROM candidates GROUP BY category "
          "UNION ALL SELECT 'l', label, count(*) FROM candidates, unnest(labels) label "
          "GROUP BY label "
          "UNION ALL SELECT 'd', department_code, count(*) FROM candidates "
          "GROUP BY department_code ORDER BY 1, 3 DESC, 2");
      for (const pqxx::row& row : tx.exec(facets_sql)) {
        FacetCount facet{row[1].as<std::string>(), row[2].as<int64_t>()};
        const std::string kind = row[0].as<std::string>();
        (kind == "c"   ? page.categories
         : kind == "l" ? page.labels
                       : page.departments)
            .push_back(std::move(facet));
      }
    }
    return page;
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
