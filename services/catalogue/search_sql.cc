#include "search_sql.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace comptoir::catalogue {
std::string SqlDouble(double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.17g", value);
  return buffer;
}

namespace {

// The parameters of one statement: Add returns the placeholder with its cast.
class Params {
 public:
  std::string Add(std::string value, const char* type) {
    values_.push_back(std::move(value));
    return absl::StrCat("$", values_.size(), "::", type);
  }
  std::vector<std::string> Take() { return std::move(values_); }

 private:
  std::vector<std::string> values_;
};

// Facet counts over a CTE named `candidates` (category, labels, department_code), encoded in
// one text value in display order: kind, then count descending, then value.
constexpr char kFacetsSelect[] =
    "SELECT string_agg(k || chr(31) || v || chr(31) || n, chr(30) ORDER BY k, n DESC, v) "
    "AS facets FROM ("
    "SELECT 'c' AS k, category AS v, count(*) AS n FROM candidates GROUP BY category "
    "UNION ALL SELECT 'l', label, count(*) FROM candidates, unnest(labels) label GROUP BY label "
    "UNION ALL SELECT 'd', department_code, count(*) FROM candidates GROUP BY department_code"
    ") f";

// A prepared statement is planned for its first executions with the values at hand, then
// reuses a generic plan only if that looks no costlier; the plans of searches are chosen by
// their SQL (one-time filters, bounded walks), not by the values, so planning each search
// would cost milliseconds for nothing.
constexpr char kGenericPlans[] = "SET LOCAL plan_cache_mode = force_generic_plan";

// Heap pages read in order before the text index, when the words are frequent (8 kB each).
constexpr int kWalkPages = 2000;

// One statement's worth of SQL fragments; every value goes through `params`.
class Fragments {
 public:
  Fragments(const SearchQuery& query, const std::vector<std::string>& open_shops, Params& params)
      : params_(params) {
    located_ = query.latitude.has_value() && query.longitude.has_value();
    if (located_) {
      lat_ = params_.Add(SqlDouble(*query.latitude), "float8");
      lon_ = params_.Add(SqlDouble(*query.longitude), "float8");
    }
    // Distances are a property of shops: computed once a shop (about a thousand rows),
    // never once a product, and the radius filters shops before products.
    haversine_ = located_ ? absl::StrCat("(2 * 6371000 * asin(sqrt(power(sin(radians(latitude - ",
                                         lat_, ") / 2), 2) + cos(radians(", lat_,
                                         ")) * cos(radians(latitude)) * power(sin(radians("
                                         "longitude - ",
                                         lon_, ") / 2), 2))))")
                          : std::string("NULL::float8");
    shops_where_ = "status = 'active'";
    if (located_ && query.radius_km > 0) {
      // A bounding box first: indexable, and few shops pass it, so their products are
      // fetched by shop.
      const double dlat = query.radius_km / 111.2;
      const double dlon =
          query.radius_km / (111.2 * std::max(0.01, std::cos(*query.latitude * M_PI / 180)));
      absl::StrAppend(&shops_where_, " AND latitude BETWEEN ",
                      params_.Add(SqlDouble(*query.latitude - dlat), "float8"), " AND ",
                      params_.Add(SqlDouble(*query.latitude + dlat), "float8"),
                      " AND longitude BETWEEN ",
                      params_.Add(SqlDouble(*query.longitude - dlon), "float8"), " AND ",
                      params_.Add(SqlDouble(*query.longitude + dlon), "float8"), " AND ",
                      haversine_, " <= ", params_.Add(SqlDouble(query.radius_km * 1000), "float8"));
    }
    where_ = {"p.visible"};
    if (!query.category.empty()) {
      where_.push_back("p.category = " + params_.Add(query.category, "text"));
    }
    if (!query.label.empty()) {
      where_.push_back(absl::StrCat("p.labels @> ARRAY[", params_.Add(query.label, "text"), "]"));
    }
    if (!query.shop_id.empty()) {
      where_.push_back("p.shop_id = " + params_.Add(query.shop_id, "uuid"));
    }
    if (!query.commune_insee.empty()) {
      where_.push_back("s.commune_insee = " + params_.Add(query.commune_insee, "text"));
    }
    if (!query.department_code.empty()) {
      where_.push_back("s.department_code = " + params_.Add(query.department_code, "text"));
    }
    if (query.min_price > 0) {
      where_.push_back("p.price_cents >= " + params_.Add(absl::StrCat(query.min_price), "bigint"));
    }
    if (query.max_price > 0) {
      where_.push_back("p.price_cents <= " + params_.Add(absl::StrCat(query.max_price), "bigint"));
    }
    if (query.in_stock) where_.push_back("(NOT p.stock_tracked OR p.stock > 0)");
    if (query.open_at.has_value()) {
      where_.push_back(absl::StrCat(
          "p.shop_id = ANY(",
          params_.Add(absl::StrCat("{", absl::StrJoin(open_shops, ","), "}"), "uuid[]"), ")"));
    }
  }

  const std::string& haversine() const { return haversine_; }
  const std::string& shops_where() const { return shops_where_; }
  const std::vector<std::string>& where() const { return where_; }

  // The active shops (within the radius), with their distance, as `s`.
  std::string Shops() const {
    return absl::StrCat("(SELECT id, name, status, commune_insee, department_code, ", haversine_,
                        " AS distance FROM catalogue.shops WHERE ", shops_where_, ") s");
  }

  // The filtered products joined with their shops: "FROM ... WHERE ...", plus `more`.
  std::string FromWhere(const std::vector<std::string>& more = {}) const {
    std::vector<std::string> all = where_;
    all.insert(all.end(), more.begin(), more.end());
    return absl::StrCat(" FROM catalogue.products p JOIN ", Shops(), " ON s.id = p.shop_id WHERE ",
                        absl::StrJoin(all, " AND "));
  }

 private:
  Params& params_;
  bool located_ = false;
  std::string lat_, lon_, haversine_, shops_where_;
  std::vector<std::string> where_;
};

// The facets of the whole filtered set, as their own statement.
SqlStatement FacetsStatement(const SearchQuery& query, const std::vector<std::string>& open_shops) {
  Params params;
  const Fragments f(query, open_shops, params);
  return {absl::StrCat("WITH candidates AS (SELECT p.category, p.labels, s.department_code",
                       f.FromWhere(), ") ", kFacetsSelect),
          params.Take()};
}

// Words, ranked: every word must match (whole words stem; the last one is also a prefix,
// for type-ahead); when no product at all matches the words as typed, names that look like
// the query (typos) are the matches instead. That choice depends on the query and the
// catalogue only, so every page of a search makes the same one. At most `max_ranked`
// matches are ranked, in one statement that also gives the page and the facets.
SearchSql TextSearch(const SearchQuery& query, const std::vector<std::string>& open_shops,
                     const std::string& product_columns, int max_ranked, bool frequent_words) {
  Params params;
  // Words hold letters and digits only (the service splits on everything else), so
  // to_tsquery sees no syntax.
  std::vector<std::string> parts;
  for (std::size_t i = 0; i < query.words.size(); ++i) {
    const bool last = i + 1 == query.words.size();
    const std::string word = params.Add(query.words[i], "text");
    parts.push_back(last ? absl::StrCat("to_tsquery('catalogue.fr', ", word, " || ':*')")
                         : absl::StrCat("plainto_tsquery('catalogue.fr', ", word, ")"));
  }
  const std::string folded = params.Add(query.text, "text");
  const Fragments f(query, open_shops, params);
  // The parsed query and the folded text are computed once (init plans), not once a row.
  const std::string ts = "(SELECT ts FROM q)";
  const std::string columns =
      "SELECT p.id, p.category, p.labels, s.department_code, p.price_cents, p.create_time, ";
  const std::string fts_rank =
      absl::StrCat("ts_rank_cd(p.search_document, ", ts, ")::float8 AS rank, s.distance");
  const std::string limit = absl::StrCat(" LIMIT ", max_ranked);
  // The matches to rank are the first `max_ranked` in the table's physical order. The GIN
  // index finds them by building a bitmap of EVERY match, whose cost grows with the number
  // of matches (a prefix costs several times a whole word). When the words are frequent
  // (see WordsAreFrequent), the first kWalkPages pages are read in order first, which finds
  // the first matches without the index; only when that walk does not fill the set does the
  // index run. Either way the set is the same: the first matches in page order.
  // ts_match_vq is the function behind @@: the walk must not use the index.
  const std::string walk_first = params.Add(frequent_words ? "true" : "false", "boolean");
  // "camenbert" is 0.54 similar to "camembert" as whole words, while "camem" is only 0.25
  // similar to "campagne" (the non-strict word similarity, which matches parts of words,
  // gives 0.5 there and lets short queries match nonsense). The typo branch runs only when
  // the words matched nothing among the filtered products, and then only when they match
  // no product at all. It compares the query with the distinct product names (migration
  // 006), then fetches the products that bear the names that look alike.
  const std::string candidates = absl::StrCat(
      "q AS MATERIALIZED (SELECT ", absl::StrJoin(parts, " && "), " AS ts, catalogue.fold(", folded,
      ") AS folded), walk AS MATERIALIZED (", columns, fts_rank,
      f.FromWhere({absl::StrCat("p.ctid < '(", kWalkPages, ",0)'::tid"),
                   "ts_match_vq(p.search_document, " + ts + ")", walk_first}),
      limit,
      "), fts AS MATERIALIZED (SELECT * FROM walk WHERE (SELECT count(*) FROM walk) = ", max_ranked,
      " UNION ALL (", columns, fts_rank,
      f.FromWhere({"p.search_document @@ " + ts,
                   absl::StrCat("(SELECT count(*) FROM walk) < ", max_ranked)}),
      limit, ")), typo AS MATERIALIZED (", columns,
      "strict_word_similarity((SELECT folded FROM q), p.name_folded)::float8 AS rank, "
      "s.distance",
      f.FromWhere(
          {"p.name_folded IN (SELECT n.name_folded FROM catalogue.product_names n "
           "WHERE n.name_folded %>> (SELECT folded FROM q))",
           "NOT EXISTS (SELECT 1 FROM fts)",
           "NOT EXISTS (SELECT 1 FROM catalogue.products WHERE search_document @@ " + ts + ")"}),
      limit, "), candidates AS (SELECT * FROM fts UNION ALL SELECT * FROM typo)");

  // Every sort orders by (key, id) ascending, keys negated where the order is descending.
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
      query.after
          ? absl::StrCat("WHERE (key, id) > (", params.Add(SqlDouble(query.after->key), "float8"),
                         ", ", params.Add(query.after->id, "uuid"), ")")
          : std::string();
  const std::string page = absl::StrCat("page AS (SELECT id, key, distance FROM (SELECT id, ", key,
                                        " AS key, distance FROM candidates) k ", after,
                                        " ORDER BY key, id LIMIT ", query.page_size + 1, ")");
  const std::string products = absl::StrCat(
      "page JOIN catalogue.products p ON p.id = page.id LEFT JOIN catalogue.shops s ON s.id = "
      "p.shop_id");

  SearchSql sql;
  // Trigram matches are costly to find without their index; the planner, seeing a LIMIT,
  // would rather scan the table computing similarities until enough rows match.
  sql.setup = absl::StrCat(kGenericPlans,
                           "; SET LOCAL pg_trgm.strict_word_similarity_threshold = 0.45; "
                           "SET LOCAL enable_seqscan = off");
  if (query.facets) {
    sql.facets_inline = true;
    sql.page.sql = absl::StrCat("WITH ", candidates, ", ", page, ", facets AS (", kFacetsSelect,
                                ") SELECT ", product_columns,
                                ", page.key, page.distance, facets.facets FROM facets LEFT JOIN (",
                                products, ") ON true ORDER BY page.key, page.id");
  } else {
    sql.page.sql =
        absl::StrCat("WITH ", candidates, ", ", page, " SELECT ", product_columns,
                     ", page.key, page.distance FROM ", products, " ORDER BY page.key, page.id");
  }
  sql.page.params = params.Take();
  return sql;
}

// Nearest first, without words: shops by distance, and from each at most one page of its
// products in id order (an index walk), so the cost follows the number of shops in the
// radius and the page size, not the number of products they hold. Shops at the same
// distance (same commune) merge by product id, as the (distance, id) order wants.
SearchSql NearestSearch(const SearchQuery& query, const std::vector<std::string>& open_shops,
                        const std::string& product_columns) {
  Params params;
  const Fragments f(query, open_shops, params);
  const std::string key = absl::StrCat("coalesce(", f.haversine(), ", 1e12)");
  std::string shops_where = f.shops_where();
  std::vector<std::string> where = f.where();
  where.push_back("p.shop_id = s.id");
  if (query.after.has_value()) {
    const std::string k = params.Add(SqlDouble(query.after->key), "float8");
    absl::StrAppend(&shops_where, " AND ", key, " >= ", k);
    where.push_back(
        absl::StrCat("(s.key > ", k, " OR p.id > ", params.Add(query.after->id, "uuid"), ")"));
  }
  const int limit = query.page_size + 1;
  SearchSql sql;
  sql.setup = kGenericPlans;
  sql.page.sql = absl::StrCat(
      "WITH s AS MATERIALIZED (SELECT id, commune_insee, department_code, ", f.haversine(),
      " AS distance, ", key, " AS key FROM catalogue.shops WHERE ", shops_where,
      "), page AS (SELECT x.id, s.key, s.distance FROM s CROSS JOIN LATERAL (SELECT p.id FROM "
      "catalogue.products p WHERE ",
      absl::StrJoin(where, " AND "), " ORDER BY p.id LIMIT ", limit,
      ") x ORDER BY s.key, x.id LIMIT ", limit, ") SELECT ", product_columns,
      ", page.key, page.distance FROM page JOIN catalogue.products p ON p.id = page.id "
      "LEFT JOIN catalogue.shops s ON s.id = p.shop_id ORDER BY page.key, page.id");
  sql.page.params = params.Take();
  if (query.facets) sql.facets = FacetsStatement(query, open_shops);
  return sql;
}

// Without words, in an order a btree serves (newest, price up and down): walk that index
// and stop after one page instead of sorting the whole filtered set.
SearchSql IndexOrderSearch(const SearchQuery& query, const std::vector<std::string>& open_shops,
                           const std::string& product_columns) {
  Params params;
  const Fragments f(query, open_shops, params);
  std::string key, order;
  switch (query.sort) {
    case SearchSort::kPriceAsc:
      key = "p.price_cents::float8";
      order = "p.price_cents, p.id";
      break;
    case SearchSort::kPriceDesc:
      key = "-p.price_cents::float8";
      order = "p.price_cents DESC, p.id";
      break;
    default:  // newest
      key = "-(extract(epoch from p.create_time) * 1000000)::float8";
      order = "p.create_time DESC, p.id";
  }
  std::vector<std::string> more;
  if (query.after.has_value()) {
    const std::string id = params.Add(query.after->id, "uuid");
    const std::string k =
        params.Add(absl::StrCat(static_cast<int64_t>(query.after->key)), "bigint");
    switch (query.sort) {
      case SearchSort::kPriceAsc:
        more.push_back(absl::StrCat("(p.price_cents, p.id) > (", k, ", ", id, ")"));
        break;
      case SearchSort::kPriceDesc:
        more.push_back(absl::StrCat("p.price_cents <= -", k, " AND (p.price_cents < -", k,
                                    " OR p.id > ", id, ")"));
        break;
      default: {  // newest: the key is minus the creation time in microseconds
        const std::string at =
            absl::StrCat("(timestamptz 'epoch' - ", k, " * interval '1 microsecond')");
        more.push_back(absl::StrCat("p.create_time <= ", at, " AND (p.create_time < ", at,
                                    " OR p.id > ", id, ")"));
      }
    }
  }
  SearchSql sql;
  sql.setup = kGenericPlans;
  sql.page.sql =
      absl::StrCat("SELECT ", product_columns, ", ", key, ", s.distance", f.FromWhere(more),
                   " ORDER BY ", order, " LIMIT ", query.page_size + 1);
  sql.page.params = params.Take();
  if (query.facets) sql.facets = FacetsStatement(query, open_shops);
  return sql;
}

}  // namespace

SearchSql BuildSearchSql(const SearchQuery& query, const std::vector<std::string>& open_shops,
                         const std::string& product_columns, int max_ranked, bool frequent_words) {
  if (!query.words.empty()) {
    return TextSearch(query, open_shops, product_columns, max_ranked, frequent_words);
  }
  if (query.sort == SearchSort::kDistance || query.sort == SearchSort::kRelevance) {
    return NearestSearch(query, open_shops, product_columns);
  }
  return IndexOrderSearch(query, open_shops, product_columns);
}

bool WordsAreFrequent(const std::vector<double>& frequencies, double rows, int max_ranked) {
  if (frequencies.empty()) return false;
  const double least = *std::min_element(frequencies.begin(), frequencies.end());
  return least * least * rows >= max_ranked;
}

const char* WordFrequencySql() {
  // The lexeme of the word (NULL for a stop word, which restricts nothing), then the summed
  // frequency of the most common lexemes it is (or, as a prefix, starts) among the
  // products' documents: 0 when it is not one of them. No row before the first ANALYZE.
  return "WITH l AS MATERIALIZED (SELECT (tsvector_to_array(to_tsvector('catalogue.fr', "
         "$1::text)))[1] AS lexeme) "
         "SELECT CASE WHEN l.lexeme IS NULL THEN 1 ELSE (SELECT coalesce(sum(m.f), 0) "
         "FROM unnest(st.most_common_elems::text::text[], st.most_common_elem_freqs) m(e, f) "
         "WHERE CASE WHEN $2::boolean THEN starts_with(m.e, l.lexeme) ELSE m.e = l.lexeme END) "
         "END::float8, (SELECT reltuples FROM pg_class "
         "WHERE oid = 'catalogue.products'::regclass)::float8 "
         "FROM l, pg_stats st WHERE st.schemaname = 'catalogue' AND st.tablename = 'products' "
         "AND st.attname = 'search_document'";
}

void ParseFacets(const std::string& encoded, SearchPage& page) {
  for (absl::string_view entry : absl::StrSplit(encoded, '\x1e', absl::SkipEmpty())) {
    const std::vector<absl::string_view> parts = absl::StrSplit(entry, '\x1f');
    int64_t count = 0;
    if (parts.size() != 3 || !absl::SimpleAtoi(parts[2], &count)) continue;
    FacetCount facet{std::string(parts[1]), count};
    (parts[0] == "c"   ? page.categories
     : parts[0] == "l" ? page.labels
                       : page.departments)
        .push_back(std::move(facet));
  }
}

std::string SearchStatementName(const std::string& sql) {
  char name[32];
  std::snprintf(name, sizeof name, "cat_search_%016zx", std::hash<std::string>{}(sql));
  return name;
}

}  // namespace comptoir::catalogue
