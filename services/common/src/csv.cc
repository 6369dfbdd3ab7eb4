#include "comptoir/common/csv.h"

#include <cstdint>

#include "absl/strings/str_cat.h"
#include "comptoir/common/utf8.h"

namespace comptoir::common {
namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";

// Windows-1252 bytes 0x80..0x9F as code points (0: undefined); 0xA0..0xFF are Latin-1.
constexpr uint16_t kCp1252High[32] = {
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0,      0x017D, 0,      0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178};

void AppendUtf8(uint32_t code_point, std::string& out) {
  if (code_point < 0x80) {
    out.push_back(static_cast<char>(code_point));
  } else if (code_point < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (code_point >> 6)));
    out.push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xE0 | (code_point >> 12)));
    out.push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  }
}

bool IsFormulaStart(char c) { return c == '=' || c == '+' || c == '-' || c == '@'; }

// Whether `value` is apostrophes followed by a formula start.
bool LooksLikeFormula(std::string_view value) {
  std::size_t i = 0;
  while (i < value.size() && value[i] == '\'') ++i;
  return i < value.size() && IsFormulaStart(value[i]);
}

}  // namespace

absl::StatusOr<std::vector<CsvRecord>> SplitCsv(std::string_view text, CsvOptions options) {
  if (text.substr(0, kBom.size()) == kBom) text.remove_prefix(kBom.size());
  std::vector<CsvRecord> records;
  CsvRecord record;
  std::string field;
  bool in_quotes = false;
  bool field_was_quoted = false;
  int line = 1;
  record.line = 1;
  auto end_field = [&] {
    record.fields.push_back(std::move(field));
    field.clear();
    field_was_quoted = false;
  };
  auto end_record = [&] {
    end_field();
    const bool blank = record.fields.size() == 1 && record.fields[0].empty();
    if (!blank) records.push_back(std::move(record));
    record = CsvRecord{};
    record.line = line;
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_quotes) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          field.push_back('"');
          ++i;
        } else {
          in_quotes = false;
        }
      } else {
        if (c == '\n') ++line;
        field.push_back(c);
      }
      continue;
    }
    if (c == '"') {
      if (!field.empty() || field_was_quoted) {
        return absl::InvalidArgumentError(
            absl::StrCat("line ", line, ": a quote inside an unquoted field"));
      }
      in_quotes = true;
      field_was_quoted = true;
    } else if (c == options.separator) {
      end_field();
    } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      continue;  // the LF ends the record
    } else if (c == '\n') {
      ++line;
      end_record();
      if (records.size() > options.max_records) {
        return absl::InvalidArgumentError(
            absl::StrCat("more than ", options.max_records, " records"));
      }
    } else {
      field.push_back(c);
    }
  }
  if (in_quotes) {
    return absl::InvalidArgumentError(
        absl::StrCat("line ", record.line, ": quoted field not closed at end of file"));
  }
  end_record();
  if (records.size() > options.max_records) {
    return absl::InvalidArgumentError(absl::StrCat("more than ", options.max_records, " records"));
  }
  return records;
}

char DetectCsvSeparator(std::string_view text) {
  if (text.substr(0, kBom.size()) == kBom) text.remove_prefix(kBom.size());
  int semicolons = 0, commas = 0;
  bool in_quotes = false;
  for (char c : text) {
    if (c == '"') {
      in_quotes = !in_quotes;
    } else if (!in_quotes && (c == '\n' || c == '\r')) {
      break;
    } else if (!in_quotes && c == ';') {
      ++semicolons;
    } else if (!in_quotes && c == ',') {
      ++commas;
    }
  }
  return semicolons > commas ? ';' : ',';
}

std::string CsvCell(std::string_view value, char separator, bool free_text) {
  std::string text(value);
  if (free_text && LooksLikeFormula(text)) text.insert(0, "'");
  if (text.find_first_of(std::string{separator, '"', '\r', '\n'}) == std::string::npos) {
    return text;
  }
  std::string quoted = "\"";
  for (char c : text) {
    if (c == '"') quoted.push_back('"');
    quoted.push_back(c);
  }
  quoted.push_back('"');
  return quoted;
}

std::string UnescapeCsvFormula(std::string value) {
  if (!value.empty() && value[0] == '\'' && LooksLikeFormula(value)) value.erase(0, 1);
  return value;
}

absl::StatusOr<DecodedText> DecodeSpreadsheetText(std::string_view bytes) {
  if (bytes.substr(0, kBom.size()) == kBom) bytes.remove_prefix(kBom.size());
  if (IsValidUtf8(bytes)) return DecodedText{std::string(bytes), "utf-8"};
  DecodedText decoded{"", "windows-1252"};
  decoded.text.reserve(bytes.size() + bytes.size() / 8);
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    const auto c = static_cast<unsigned char>(bytes[i]);
    uint32_t code_point = c;
    if (c >= 0x80 && c < 0xA0) {
      code_point = kCp1252High[c - 0x80];
      if (code_point == 0) {
        return absl::InvalidArgumentError(
            absl::StrCat("the file is neither UTF-8 nor Windows-1252 (byte 0x", absl::Hex(c),
                         " at offset ", i, "): save it as \"CSV UTF-8\""));
      }
    }
    AppendUtf8(code_point, decoded.text);
  }
  return decoded;
}

}  // namespace comptoir::common
