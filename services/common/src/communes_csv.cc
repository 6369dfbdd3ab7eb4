// Parsing and validation of the reference communes CSV files (declared in db_bootstrap.h).
#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <optional>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "comptoir/common/csv.h"
#include "comptoir/common/db_bootstrap.h"

namespace comptoir::common {
namespace {

// The region has about 3,700 communes and France about 35,000: anything far beyond is not
// the file we expect.
constexpr std::size_t kMaxRows = 200000;
constexpr std::size_t kMaxReportedErrors = 20;

// Maps each wanted column to its position in the header, so column order does not matter.
absl::StatusOr<std::map<std::string, std::size_t>> HeaderColumns(
    const std::vector<CsvRecord>& records, const std::vector<std::string>& wanted) {
  if (records.empty()) return absl::InvalidArgumentError("the file is empty");
  std::map<std::string, std::size_t> columns;
  const std::vector<std::string>& header = records.front().fields;
  for (std::size_t i = 0; i < header.size(); ++i) {
    columns.emplace(std::string(absl::StripAsciiWhitespace(header[i])), i);
  }
  std::vector<std::string> missing;
  for (const std::string& name : wanted) {
    if (columns.count(name) == 0) missing.push_back(name);
  }
  if (!missing.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("line 1: header lacks column(s) ", absl::StrJoin(missing, ", ")));
  }
  return columns;
}

bool AllDigits(std::string_view s) {
  return !s.empty() &&
         std::all_of(s.begin(), s.end(), [](char c) { return absl::ascii_isdigit(c); });
}

bool IsInseeCode(std::string_view s) {
  return s.size() == 5 && absl::ascii_isdigit(s[0]) &&
         (absl::ascii_isdigit(s[1]) || s[1] == 'A' || s[1] == 'B') && AllDigits(s.substr(2));
}

bool IsPostalCode(std::string_view s) { return s.size() == 5 && AllDigits(s); }

bool IsDepartmentCode(std::string_view s) {
  return ((s.size() == 2 || s.size() == 3) && AllDigits(s)) || s == "2A" || s == "2B";
}

class ErrorList {
 public:
  void Add(int line, std::string message) {
    ++count_;
    if (lines_.size() < kMaxReportedErrors)
      lines_.push_back(absl::StrCat("line ", line, ": ", message));
  }
  absl::Status ToStatus() const {
    if (count_ == 0) return absl::OkStatus();
    std::string more = count_ > lines_.size()
                           ? absl::StrCat("; and ", count_ - lines_.size(), " more")
                           : std::string();
    return absl::InvalidArgumentError(absl::StrCat(absl::StrJoin(lines_, "; "), more));
  }

 private:
  std::vector<std::string> lines_;
  std::size_t count_ = 0;
};

}  // namespace

absl::StatusOr<std::vector<Commune>> ParseCommunesCsv(std::string_view text) {
  absl::StatusOr<std::vector<CsvRecord>> records =
      SplitCsv(text, {.separator = ',', .max_records = kMaxRows});
  if (!records.ok()) return records.status();
  const std::vector<std::string> wanted = {"insee_code",      "name",     "postal_code",
                                           "department_code", "latitude", "longitude",
                                           "population"};
  absl::StatusOr<std::map<std::string, std::size_t>> columns = HeaderColumns(*records, wanted);
  if (!columns.ok()) return columns.status();
  const std::size_t width = records->front().fields.size();

  std::vector<Commune> communes;
  communes.reserve(records->size());
  std::set<std::string> seen;
  ErrorList errors;
  for (std::size_t r = 1; r < records->size(); ++r) {
    const CsvRecord& record = (*records)[r];
    if (record.fields.size() != width) {
      errors.Add(record.line,
                 absl::StrCat("expected ", width, " fields, found ", record.fields.size()));
      continue;
    }
    auto field = [&](const std::string& name) -> const std::string& {
      return record.fields[columns->at(name)];
    };
    Commune commune;
    commune.insee_code = field("insee_code");
    commune.name = std::string(absl::StripAsciiWhitespace(field("name")));
    commune.postal_code = field("postal_code");
    commune.department_code = field("department_code");
    bool ok = true;
    auto fail = [&](std::string message) {
      errors.Add(record.line, std::move(message));
      ok = false;
    };
    if (!IsInseeCode(commune.insee_code)) {
      fail(absl::StrCat("insee_code '", commune.insee_code, "' is not a 5-character INSEE code"));
    } else if (!seen.insert(commune.insee_code).second) {
      fail(absl::StrCat("insee_code ", commune.insee_code, " appears twice"));
    }
    if (commune.name.empty()) fail("name is empty");
    if (!IsPostalCode(commune.postal_code)) {
      fail(absl::StrCat("postal_code '", commune.postal_code, "' is not 5 digits"));
    }
    if (!IsDepartmentCode(commune.department_code)) {
      fail(absl::StrCat("department_code '", commune.department_code, "' is not a department"));
    }
    if (!absl::SimpleAtod(field("latitude"), &commune.latitude) ||
        !std::isfinite(commune.latitude) || commune.latitude < -90 || commune.latitude > 90) {
      fail(absl::StrCat("latitude '", field("latitude"), "' is not a number in [-90, 90]"));
    }
    if (!absl::SimpleAtod(field("longitude"), &commune.longitude) ||
        !std::isfinite(commune.longitude) || commune.longitude < -180 || commune.longitude > 180) {
      fail(absl::StrCat("longitude '", field("longitude"), "' is not a number in [-180, 180]"));
    }
    if (!absl::SimpleAtoi(field("population"), &commune.population) || commune.population < 0 ||
        commune.population > std::numeric_limits<int32_t>::max()) {
      fail(absl::StrCat("population '", field("population"), "' is not a whole number >= 0"));
    }
    if (ok) communes.push_back(std::move(commune));
  }
  if (absl::Status status = errors.ToStatus(); !status.ok()) return status;
  if (communes.empty()) return absl::InvalidArgumentError("the file has no commune");
  return communes;
}

absl::StatusOr<std::vector<CommunePostalCode>> ParsePostalCodesCsv(std::string_view text) {
  absl::StatusOr<std::vector<CsvRecord>> records =
      SplitCsv(text, {.separator = ',', .max_records = kMaxRows});
  if (!records.ok()) return records.status();
  absl::StatusOr<std::map<std::string, std::size_t>> columns =
      HeaderColumns(*records, {"insee_code", "postal_code", "is_main_postal_code"});
  if (!columns.ok()) return columns.status();
  const std::size_t width = records->front().fields.size();

  std::vector<CommunePostalCode> pairs;
  pairs.reserve(records->size());
  std::set<std::pair<std::string, std::string>> seen;
  ErrorList errors;
  for (std::size_t r = 1; r < records->size(); ++r) {
    const CsvRecord& record = (*records)[r];
    if (record.fields.size() != width) {
      errors.Add(record.line,
                 absl::StrCat("expected ", width, " fields, found ", record.fields.size()));
      continue;
    }
    CommunePostalCode pair;
    pair.insee_code = record.fields[columns->at("insee_code")];
    pair.postal_code = record.fields[columns->at("postal_code")];
    const std::string& is_main = record.fields[columns->at("is_main_postal_code")];
    bool ok = true;
    if (!IsInseeCode(pair.insee_code)) {
      errors.Add(record.line,
                 absl::StrCat("insee_code '", pair.insee_code, "' is not an INSEE code"));
      ok = false;
    }
    if (!IsPostalCode(pair.postal_code)) {
      errors.Add(record.line, absl::StrCat("postal_code '", pair.postal_code, "' is not 5 digits"));
      ok = false;
    }
    if (is_main == "1" || is_main == "true") {
      pair.is_main = true;
    } else if (is_main == "0" || is_main == "false") {
      pair.is_main = false;
    } else {
      errors.Add(record.line, absl::StrCat("is_main_postal_code '", is_main, "' is not 0 or 1"));
      ok = false;
    }
    if (ok && !seen.emplace(pair.insee_code, pair.postal_code).second) {
      errors.Add(record.line,
                 absl::StrCat("pair ", pair.insee_code, "/", pair.postal_code, " appears twice"));
      ok = false;
    }
    if (ok) pairs.push_back(std::move(pair));
  }
  if (absl::Status status = errors.ToStatus(); !status.ok()) return status;
  return pairs;
}

}  // namespace comptoir::common
