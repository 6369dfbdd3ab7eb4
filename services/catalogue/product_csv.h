// The product CSV a shop imports and exports: one header line naming the columns (any order,
// only sku, name, category, price, vat_rate and sale_unit required), then one product a
// record. Reads what shopkeepers' spreadsheets write (`;` or `,`, UTF-8 with or without BOM
// or Windows-1252, decimal commas, quoted cells with line breaks, CRLF) and checks every
// record, reporting each bad one by line, column and reason. Writes the same format, so an
// export imports back to the same products. Pure functions: thread-safe.
//
//   sku;name;description;category;labels;allergens;photo_urls;price;vat_rate;sale_unit;
//       net_quantity;net_quantity_unit;stock;visible
//   COMTE-18;Comté AOP 18 mois;;fromage;aop-aoc|local;lait;;23,90;5,5;250 g;250;g;12;oui
//
// labels and allergens are separated by `|`, photo_urls by spaces; price in euros (VAT
// included), vat_rate in percent; stock empty means not tracked; visible oui/non.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "product.h"

namespace comptoir::catalogue {

inline constexpr std::size_t kMaxImportBytes = 10 * 1024 * 1024;
inline constexpr int kMaxImportRecords = 50000;
inline constexpr int kMaxReportedImportErrors = 1000;

// Every column, in the order exports write them.
const std::vector<std::string>& ProductCsvColumns();

struct CsvError {
  int line = 0;        // 1-based line of the file where the record starts; 0: the whole file
  std::string column;  // empty when the problem is not one cell's
  std::string reason;
};

struct ParsedProductCsv {
  std::vector<Product> products;  // valid records, shop_id unset
  std::vector<int> lines;         // the line of each product
  std::vector<CsvError> errors;   // at most kMaxReportedImportErrors
  int error_count = 0;            // every error, reported or not
  int records = 0;                // data records read (header excluded)
  std::string encoding;           // "utf-8" or "windows-1252"
  char separator = ';';
};

// Reads and validates the whole file. `on_validated`, when given, is called with the number
// of records validated so far, every few hundred records and at the end.
ParsedProductCsv ParseProductCsv(std::string_view bytes,
                                 const std::function<void(int)>& on_validated = nullptr);

// UTF-8 with BOM (Excel opens it as UTF-8), `;` separators, decimal commas, CRLF.
std::string WriteProductCsv(const std::vector<Product>& products);

// "23,90", "23.90", "1 234,5", "23,90 €" -> cents; nullopt when not an amount with at most
// two decimals, or negative, or absurdly large.
std::optional<int64_t> ParseEuros(std::string_view text);
// "5,5", "5.5 %", "20" -> basis points (550, 2000); nullopt when malformed.
std::optional<int32_t> ParsePercent(std::string_view text);
// 2390 -> "23,90"; 550 -> "5,5" (percent, no trailing zero).
std::string FormatEuros(int64_t cents);
std::string FormatPercent(int32_t basis_points);

}  // namespace comptoir::catalogue
