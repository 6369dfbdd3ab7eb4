#include "product_csv.h"

#include <algorithm>
#include <map>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "comptoir/common/csv.h"
#include "comptoir/common/status.h"

namespace comptoir::catalogue {
namespace {

constexpr char kSeparator = ';';
constexpr int kProgressEvery = 250;

const std::vector<std::string>& RequiredColumns() {
  static const auto* const kRequired =
      new std::vector<std::string>{"sku", "name", "category", "price", "vat_rate", "sale_unit"};
  return *kRequired;
}

// The CSV column of a ValidateProduct field path ("labels[2]" -> "labels").
std::string ColumnOfField(const std::string& field) {
  std::string column = field.substr(0, field.find('['));
  if (column == "price_cents") return "price";
  if (column == "vat_rate_bp") return "vat_rate";
  return column;
}

// Spaces, including the no-break and narrow no-break spaces spreadsheets put in numbers.
std::string WithoutSpaces(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == ' ' || c == '\t') continue;
    if (c == 0xC2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) == 0xA0) {
      ++i;
      continue;
    }
    if (c == 0xE2 && i + 2 < text.size() && static_cast<unsigned char>(text[i + 1]) == 0x80 &&
        static_cast<unsigned char>(text[i + 2]) == 0xAF) {
      i += 2;
      continue;
    }
    out.push_back(static_cast<char>(c));
  }
  return out;
}

// "12,5" with at most `decimals` decimals, scaled by 10^decimals; nullopt when malformed.
std::optional<int64_t> ParseScaled(std::string text, int decimals) {
  std::replace(text.begin(), text.end(), ',', '.');
  const std::size_t dot = text.find('.');
  const std::string whole = text.substr(0, dot);
  std::string fraction = dot == std::string::npos ? "" : text.substr(dot + 1);
  const auto digits = [](const std::string& s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return absl::ascii_isdigit(c); });
  };
  if (whole.empty() || whole.size() > 12 || !digits(whole) || !digits(fraction) ||
      static_cast<int>(fraction.size()) > decimals ||
      (dot != std::string::npos && fraction.empty())) {
    return std::nullopt;
  }
  fraction.resize(static_cast<std::size_t>(decimals), '0');
  int64_t value = 0;
  if (!absl::SimpleAtoi(whole + fraction, &value)) return std::nullopt;
  return value;
}

std::optional<int64_t> ParseCount(std::string_view text) {
  const std::string compact = WithoutSpaces(text);
  if (compact.empty() || compact.size() > 9 ||
      !std::all_of(compact.begin(), compact.end(), [](char c) { return absl::ascii_isdigit(c); })) {
    return std::nullopt;
  }
  int64_t value = 0;
  if (!absl::SimpleAtoi(compact, &value)) return std::nullopt;
  return value;
}

std::optional<bool> ParseYesNo(const std::string& text) {
  const std::string v = absl::AsciiStrToLower(absl::StripAsciiWhitespace(text));
  if (v.empty() || v == "oui" || v == "o" || v == "1" || v == "true" || v == "yes" || v == "vrai") {
    return true;
  }
  if (v == "non" || v == "n" || v == "0" || v == "false" || v == "no" || v == "faux") return false;
  return std::nullopt;
}

std::vector<std::string> SplitList(std::string_view text, char separator) {
  std::vector<std::string> values;
  for (absl::string_view part :
       absl::StrSplit(absl::string_view(text.data(), text.size()), separator, absl::SkipEmpty())) {
    std::string value(absl::StripAsciiWhitespace(part));
    if (!value.empty()) values.push_back(std::move(value));
  }
  return values;
}

class ErrorSink {
 public:
  explicit ErrorSink(ParsedProductCsv& out) : out_(out) {}
  void Add(int line, std::string column, std::string reason) {
    ++out_.error_count;
    if (static_cast<int>(out_.errors.size()) < kMaxReportedImportErrors) {
      out_.errors.push_back({line, std::move(column), std::move(reason)});
    }
  }

 private:
  ParsedProductCsv& out_;
};

}  // namespace

const std::vector<std::string>& ProductCsvColumns() {
  static const auto* const kColumns = new std::vector<std::string>{
      "sku",        "name",   "description", "category",  "labels",       "allergens",
      "photo_urls", "price",  "vat_rate",    "sale_unit", "net_quantity", "net_quantity_unit",
      "stock",      "visible"};
  return *kColumns;
}

std::optional<int64_t> ParseEuros(std::string_view text) {
  std::string compact = WithoutSpaces(text);
  // A trailing euro sign (U+20AC) or "EUR".
  if (compact.size() >= 3 && compact.compare(compact.size() - 3, 3, "\xE2\x82\xAC") == 0) {
    compact.resize(compact.size() - 3);
  } else if (compact.size() >= 3 &&
             absl::AsciiStrToUpper(compact.substr(compact.size() - 3)) == "EUR") {
    compact.resize(compact.size() - 3);
  }
  std::optional<int64_t> cents = ParseScaled(compact, 2);
  if (!cents.has_value() || *cents > 100000000) return std::nullopt;
  return cents;
}

std::optional<int32_t> ParsePercent(std::string_view text) {
  std::string compact = WithoutSpaces(text);
  if (!compact.empty() && compact.back() == '%') compact.pop_back();
  std::optional<int64_t> bp = ParseScaled(compact, 2);
  if (!bp.has_value() || *bp > 10000) return std::nullopt;
  return static_cast<int32_t>(*bp);
}

std::string FormatEuros(int64_t cents) {
  const int64_t fraction = cents % 100;
  return absl::StrCat(cents / 100, ",", fraction < 10 ? "0" : "", fraction);
}

std::string FormatPercent(int32_t bp) {
  std::string text = absl::StrCat(bp / 100);
  if (bp % 100 != 0) {
    std::string fraction = absl::StrCat(bp % 100 < 10 ? "0" : "", bp % 100);
    while (!fraction.empty() && fraction.back() == '0') fraction.pop_back();
    absl::StrAppend(&text, ",", fraction);
  }
  return text;
}

ParsedProductCsv ParseProductCsv(std::string_view bytes,
                                 const std::function<void(int)>& on_validated) {
  ParsedProductCsv out;
  ErrorSink errors(out);
  if (bytes.size() > kMaxImportBytes) {
    errors.Add(0, "", "the file is larger than 10 MiB: split it");
    return out;
  }
  absl::StatusOr<common::DecodedText> decoded = common::DecodeSpreadsheetText(bytes);
  if (!decoded.ok()) {
    errors.Add(0, "", std::string(decoded.status().message()));
    return out;
  }
  out.encoding = decoded->encoding;
  out.separator = common::DetectCsvSeparator(decoded->text);
  absl::StatusOr<std::vector<common::CsvRecord>> records = common::SplitCsv(
      decoded->text,
      {.separator = out.separator, .max_records = static_cast<std::size_t>(kMaxImportRecords) + 1});
  if (!records.ok()) {
    errors.Add(0, "", std::string(records.status().message()));
    return out;
  }
  if (records->empty()) {
    errors.Add(1, "", "the file is empty: the first line must name the columns");
    return out;
  }

  // The header: known names, each once, the required ones present.
  const common::CsvRecord& header = records->front();
  std::map<std::string, std::size_t> column_of;
  for (std::size_t i = 0; i < header.fields.size(); ++i) {
    const std::string name = absl::AsciiStrToLower(absl::StripAsciiWhitespace(header.fields[i]));
    if (name.empty()) continue;
    const auto& known = ProductCsvColumns();
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      errors.Add(header.line, name,
                 absl::StrCat("unknown column; the columns are ", absl::StrJoin(known, ", ")));
    } else if (!column_of.emplace(name, i).second) {
      errors.Add(header.line, name, "column named twice");
    }
  }
  for (const std::string& name : RequiredColumns()) {
    if (column_of.count(name) == 0) errors.Add(header.line, name, "required column missing");
  }
  if (out.error_count > 0) return out;

  std::set<std::string> skus;
  out.records = static_cast<int>(records->size()) - 1;
  for (std::size_t r = 1; r < records->size(); ++r) {
    const common::CsvRecord& record = (*records)[r];
    const int line = record.line;
    const auto cell = [&](const std::string& name) -> std::string {
      auto it = column_of.find(name);
      if (it == column_of.end() || it->second >= record.fields.size()) return "";
      return record.fields[it->second];
    };
    const int errors_before = out.error_count;
    if (record.fields.size() > header.fields.size()) {
      errors.Add(line, "",
                 absl::StrCat(record.fields.size(), " cells for ", header.fields.size(),
                              " columns (a separator inside an unquoted cell?)"));
    }
    Product p;
    p.sku = std::string(absl::StripAsciiWhitespace(cell("sku")));
    p.name = common::UnescapeCsvFormula(cell("name"));
    p.description = common::UnescapeCsvFormula(cell("description"));
    p.category = absl::AsciiStrToLower(absl::StripAsciiWhitespace(cell("category")));
    p.labels = SplitList(cell("labels"), '|');
    p.allergens = SplitList(cell("allergens"), '|');
    p.photo_urls = SplitList(cell("photo_urls"), ' ');
    if (std::optional<int64_t> price = ParseEuros(cell("price"))) {
      p.price_cents = *price;
    } else {
      errors.Add(line, "price", "must be an amount in euros such as 23,90");
    }
    std::optional<int32_t> vat = ParsePercent(cell("vat_rate"));
    if (vat.has_value() && IsValidVatRate(*vat)) {
      p.vat_rate_bp = *vat;
    } else {
      errors.Add(line, "vat_rate", "must be a rate in percent: 2,1, 5,5, 10 or 20");
      p.vat_rate_bp = 2000;  // reported above; keeps the check below quiet about it
    }
    p.sale_unit = common::UnescapeCsvFormula(cell("sale_unit"));
    if (const std::string q = cell("net_quantity"); !WithoutSpaces(q).empty()) {
      if (std::optional<int64_t> quantity = ParseCount(q)) {
        p.net_quantity = *quantity;
      } else {
        errors.Add(line, "net_quantity", "must be a whole number");
      }
    }
    p.net_quantity_unit =
        absl::AsciiStrToLower(absl::StripAsciiWhitespace(cell("net_quantity_unit")));
    if (const std::string s = cell("stock"); !WithoutSpaces(s).empty()) {
      if (std::optional<int64_t> stock = ParseCount(s)) {
        p.stock_tracked = true;
        p.stock = *stock;
      } else {
        errors.Add(line, "stock", "must be a whole number, or empty when stock is not tracked");
      }
    }
    if (std::optional<bool> visible = ParseYesNo(cell("visible"))) {
      p.visible = *visible;
    } else {
      errors.Add(line, "visible", "must be oui or non");
    }
    if (absl::Status valid = ValidateProduct(p, ""); !valid.ok()) {
      for (const common::FieldViolation& v : common::FieldViolationsOf(valid)) {
        errors.Add(line, ColumnOfField(v.field), v.description);
      }
    }
    if (!p.sku.empty() && !skus.insert(p.sku).second) {
      errors.Add(line, "sku", "appears on an earlier line of the file");
    }
    if (out.error_count == errors_before) {
      out.products.push_back(std::move(p));
      out.lines.push_back(line);
    }
    if (on_validated && (r % kProgressEvery == 0)) on_validated(static_cast<int>(r));
  }
  if (on_validated) on_validated(out.records);
  return out;
}

std::string WriteProductCsv(const std::vector<Product>& products) {
  std::string csv = "\xEF\xBB\xBF";
  absl::StrAppend(&csv, absl::StrJoin(ProductCsvColumns(), std::string(1, kSeparator)), "\r\n");
  for (const Product& p : products) {
    const auto cell = [](std::string_view value, bool free_text) {
      return common::CsvCell(value, kSeparator, free_text);
    };
    const std::vector<std::string> cells = {
        cell(p.sku, false),
        cell(p.name, true),
        cell(p.description, true),
        cell(p.category, false),
        cell(absl::StrJoin(p.labels, "|"), false),
        cell(absl::StrJoin(p.allergens, "|"), false),
        cell(absl::StrJoin(p.photo_urls, " "), false),
        cell(FormatEuros(p.price_cents), false),
        cell(FormatPercent(p.vat_rate_bp), false),
        cell(p.sale_unit, true),
        p.net_quantity == 0 && p.net_quantity_unit.empty() ? "" : absl::StrCat(p.net_quantity),
        cell(p.net_quantity_unit, false),
        p.stock_tracked ? absl::StrCat(p.stock) : "",
        p.visible ? "oui" : "non"};
    absl::StrAppend(&csv, absl::StrJoin(cells, std::string(1, kSeparator)), "\r\n");
  }
  return csv;
}

}  // namespace comptoir::catalogue
