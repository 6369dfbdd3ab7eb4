// The SQL of a product search. Every value travels as a parameter, so all searches of one
// shape (which filters are set, which sort, with or without words, facets or not) share one
// statement text, which each connection prepares once: no parsing nor planning per search.
// Pure functions of their arguments; thread-safe.
//
//   SearchSql sql = BuildSearchSql(query, open_shops, kColumns, 500, /*frequent_words=*/false);
//   // run sql.setup (if any), then sql.page (and sql.facets when set) as prepared statements
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "catalogue_repository.h"

namespace comptoir::catalogue {

struct SqlStatement {
  std::string sql;
  std::vector<std::string> params;  // $1, $2... as text; the SQL casts each one
};

struct SearchSql {
  // Settings of the search's transaction (SET LOCAL ...), empty when none.
  std::string setup;
  // Rows: the product columns, then the sort key (float8) and the distance in metres (float8
  // or NULL), then, when `facets_inline`, the encoded facets (see ParseFacets). With inline
  // facets an empty page still gives one row, whose product columns are all NULL.
  SqlStatement page;
  bool facets_inline = false;
  // The facets of the filtered set, one row of one column (see ParseFacets), when asked and
  // not inline.
  std::optional<SqlStatement> facets;
};

// `product_columns` selects a product as `p` joined with its shop as `s`; `max_ranked` bounds
// the matches of a text query that are ranked; `frequent_words` (see WordsAreFrequent)
// chooses how they are found, never which ones.
SearchSql BuildSearchSql(const SearchQuery& query, const std::vector<std::string>& open_shops,
                         const std::string& product_columns, int max_ranked, bool frequent_words);

// Whether reading the table in order finds `max_ranked` matches of words of these
// frequencies (fractions of the products holding each word, see WordFrequencySql) for less
// than the text index costs: reading ~max_ranked/f rows beats a bitmap of f * rows matches
// when f^2 * rows >= max_ranked (a million products: words in more than 2.2% of them).
bool WordsAreFrequent(const std::vector<double>& frequencies, double rows, int max_ranked);

// A statement taking a word ($1 text) and whether it is a prefix ($2 boolean), giving its
// frequency among the products and the number of products, from the planner's statistics;
// no row when the table has none yet.
const char* WordFrequencySql();

// Fills the three facet lists of `page` from the encoded facets ("kind\x1fvalue\x1fcount"
// entries separated by \x1e, in display order).
void ParseFacets(const std::string& encoded, SearchPage& page);

// `value` as SQL text that reads back as the same double (17 significant digits).
std::string SqlDouble(double value);

// A name for a prepared statement of this text: the same text always gets the same name.
std::string SearchStatementName(const std::string& sql);

}  // namespace comptoir::catalogue
