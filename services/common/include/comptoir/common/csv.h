// CSV as spreadsheets write it: RFC 4180 records (quoted fields with "" escapes and line
// breaks, LF or CRLF line ends) with a chosen separator, cells written back so a spreadsheet
// neither splits them nor runs them as formulas, and the text encodings French Excel exports
// (UTF-8 with or without BOM, Windows-1252). Pure functions: thread-safe.
//
//   ASSIGN_OR_RETURN(DecodedText decoded, DecodeSpreadsheetText(bytes));
//   const char separator = DetectCsvSeparator(decoded.text);
//   ASSIGN_OR_RETURN(std::vector<CsvRecord> records,
//                    SplitCsv(decoded.text, {.separator = separator}));
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace comptoir::common {

struct CsvRecord {
  int line = 0;  // 1-based line where the record starts
  std::vector<std::string> fields;
};

struct CsvOptions {
  char separator = ',';
  std::size_t max_records = 200000;  // more is InvalidArgument
};

// Splits `text` (a leading UTF-8 BOM is skipped) into records; blank lines are skipped.
// InvalidArgument naming the line for a quote inside an unquoted field or a quoted field
// left open at the end.
absl::StatusOr<std::vector<CsvRecord>> SplitCsv(std::string_view text, CsvOptions options = {});

// ';' when the first line holds more semicolons than commas outside quotes (French Excel),
// ',' otherwise.
char DetectCsvSeparator(std::string_view text);

// One cell: quoted when it holds the separator, a quote or a line break. A `free_text` cell
// that a spreadsheet would run as a formula (starting with = + - @, possibly after
// apostrophes) gets one more leading apostrophe; UnescapeCsvFormula removes exactly that
// one, so writing then reading gives the value back.
std::string CsvCell(std::string_view value, char separator, bool free_text);
std::string UnescapeCsvFormula(std::string value);

struct DecodedText {
  std::string text;      // UTF-8, without BOM
  std::string encoding;  // "utf-8" or "windows-1252"
};
// UTF-8 (BOM stripped) when `bytes` is valid UTF-8; otherwise converted from Windows-1252.
// InvalidArgument when it is neither (bytes 0x81, 0x8D, 0x8F, 0x90, 0x9D have no meaning
// in Windows-1252), naming the offset of the first bad byte.
absl::StatusOr<DecodedText> DecodeSpreadsheetText(std::string_view bytes);

}  // namespace comptoir::common
