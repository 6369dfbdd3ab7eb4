#include "json_writer.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <string_view>
#include <vector>

#include "absl/strings/escaping.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/reflection.h"
#include "google/protobuf/stubs/strutil.h"  // SimpleDtoa/SimpleFtoa: json_util's number format
#include "json_writer_internal.h"

namespace comptoir::gateway {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

constexpr char kHex[] = "0123456789abcdef";

void AppendHex4(uint32_t unit, std::string* out) {
  out->append("\\u");
  for (int shift = 12; shift >= 0; shift -= 4) out->push_back(kHex[(unit >> shift) & 0xf]);
}

// json_util's escaping (protobuf 3.21 util/internal/json_escaping.cc): '"', '\\', '<', '>',
// C0 and C1 controls and DEL, and a few invisible or direction-changing code points are
// \u-escaped; the bytes of an invalid UTF-8 sequence are dropped.
void AppendEscapedCodePoint(uint32_t cp, std::string_view raw, std::string* out) {
  if (cp < 0xa0) {
    switch (cp) {
      case '"':
        out->append("\\\"");
        return;
      case '\\':
        out->append("\\\\");
        return;
      case '\b':
        out->append("\\b");
        return;
      case '\t':
        out->append("\\t");
        return;
      case '\n':
        out->append("\\n");
        return;
      case '\f':
        out->append("\\f");
        return;
      case '\r':
        out->append("\\r");
        return;
      default:
        break;
    }
    if (cp < 0x20 || cp >= 0x7f || cp == '<' || cp == '>') return AppendHex4(cp, out);
    out->append(raw);
    return;
  }
  const bool escape16 = cp == 0xfeff || cp == 0xfff9 || cp == 0xfffa || cp == 0xfffb ||
                        cp == 0x00ad || cp == 0x06dd || cp == 0x070f || cp == 0x17b4 ||
                        cp == 0x17b5 || (cp >= 0x0600 && cp <= 0x0603) ||
                        (cp >= 0x200b && cp <= 0x200f) || (cp >= 0x2028 && cp <= 0x202e) ||
                        (cp >= 0x2060 && cp <= 0x2064) || (cp >= 0x206a && cp <= 0x206f);
  if (escape16) return AppendHex4(cp, out);
  if (cp == 0xe0001 || (cp >= 0x1d173 && cp <= 0x1d17a) || (cp >= 0xe0020 && cp <= 0xe007f)) {
    const uint32_t v = cp - 0x10000;
    AppendHex4(0xd800 + (v >> 10), out);
    AppendHex4(0xdc00 + (v & 0x3ff), out);
    return;
  }
  out->append(raw);
}

}  // namespace

namespace json_internal {

namespace {
// Bytes that go into a JSON string as they are: printable ASCII but the quote, the backslash
// and the angle brackets (json_util escapes those too).
constexpr std::array<bool, 256> kPlain = [] {
  std::array<bool, 256> plain{};
  for (int c = 0x20; c < 0x7f; ++c) plain[c] = c != '"' && c != '\\' && c != '<' && c != '>';
  return plain;
}();
}  // namespace

void AppendJsonString(std::string_view s, std::string* out) {
  out->push_back('"');
  size_t i = 0;
  while (i < s.size()) {
    // Runs of plain ASCII go in one append (ids, names and prices are mostly that).
    size_t run = i;
    while (run < s.size() && kPlain[static_cast<unsigned char>(s[run])]) ++run;
    out->append(s.data() + i, run - i);
    i = run;
    if (i >= s.size()) break;
    const auto lead = static_cast<unsigned char>(s[i]);
    uint32_t cp = lead;
    int more = 0;
    if (lead <= 0x7f) {
      more = 0;
    } else if (lead <= 0xbf) {
      i += 1;  // a stray continuation byte
      continue;
    } else if (lead <= 0xdf) {
      cp = lead & 0x1f, more = 1;
    } else if (lead <= 0xef) {
      cp = lead & 0x0f, more = 2;
    } else if (lead <= 0xf7) {
      cp = lead & 0x07, more = 3;
    } else {
      i += 1;
      continue;
    }
    size_t j = i + 1;
    bool valid = true;
    for (int k = 0; k < more; ++k, ++j) {
      if (j >= s.size()) {
        valid = false;
        break;
      }
      const auto c = static_cast<unsigned char>(s[j]);
      cp = (cp << 6) | (c & 0x3f);
      if (c < 0x80 || c > 0xbf) {
        valid = false;
        ++j;  // json_util drops the offending byte with the sequence
        break;
      }
    }
    if (valid && ((cp & 0xfffff800) == 0xd800 || cp > 0x10ffff)) valid = false;
    if (valid) AppendEscapedCodePoint(cp, s.substr(i, j - i), out);
    i = std::min(j, s.size());
  }
  out->push_back('"');
}

// Numbers as json_util prints them: shortest round-tripping text, non-finite quoted.
template <typename Float>
void AppendFloating(Float value, std::string* out) {
  if (std::isnan(value)) {
    out->append("\"NaN\"");
  } else if (std::isinf(value)) {
    out->append(value > 0 ? "\"Infinity\"" : "\"-Infinity\"");
  } else if constexpr (sizeof(Float) == sizeof(float)) {
    out->append(google::protobuf::SimpleFtoa(value));
  } else {
    out->append(google::protobuf::SimpleDtoa(value));
  }
}

void AppendDouble(double value, std::string* out) { AppendFloating(value, out); }
void AppendFloat(float value, std::string* out) { AppendFloating(value, out); }

namespace {

// `value` as exactly `digits` decimal digits at `at` (zero-padded; value < 10^digits).
char* PutDigits(uint32_t value, int digits, char* at) {
  for (int i = digits - 1; i >= 0; --i, value /= 10) at[i] = static_cast<char>('0' + value % 10);
  return at + digits;
}

}  // namespace

bool AppendTimestamp(int64_t seconds, int32_t nanos, std::string* out) {
  // 0001-01-01T00:00:00Z .. 9999-12-31T23:59:59Z, as json_util accepts.
  if (seconds < -62135596800 || seconds > 253402300799 || nanos < 0 || nanos > 999999999) {
    return false;
  }
  // The civil date of the day (proleptic Gregorian, H. Hinnant's days-to-civil): no time
  // zone, so none of gmtime's locking.
  const int64_t days = (seconds >= 0 ? seconds : seconds - 86399) / 86400;
  const auto second_of_day = static_cast<uint32_t>(seconds - days * 86400);
  const int64_t z = days + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto day_of_era = static_cast<uint32_t>(z - era * 146097);
  const uint32_t year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const uint32_t day_of_year =
      day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const uint32_t mp = (5 * day_of_year + 2) / 153;
  const uint32_t day = day_of_year - (153 * mp + 2) / 5 + 1;
  const uint32_t month = mp < 10 ? mp + 3 : mp - 9;
  const auto year =
      static_cast<uint32_t>(static_cast<int64_t>(year_of_era) + era * 400 + (month <= 2));
  // Put together in place, then appended at once: answers carry two timestamps a product.
  char text[40];
  char* p = text;
  *p++ = '"';
  p = PutDigits(year, 4, p);
  *p++ = '-';
  p = PutDigits(month, 2, p);
  *p++ = '-';
  p = PutDigits(day, 2, p);
  *p++ = 'T';
  p = PutDigits(second_of_day / 3600, 2, p);
  *p++ = ':';
  p = PutDigits(second_of_day / 60 % 60, 2, p);
  *p++ = ':';
  p = PutDigits(second_of_day % 60, 2, p);
  // ".123", ".123456" or ".123456789": the fewest groups of three digits that hold `nanos`.
  if (nanos != 0) {
    *p++ = '.';
    const auto n = static_cast<uint32_t>(nanos);
    if (n % 1000000 == 0) {
      p = PutDigits(n / 1000000, 3, p);
    } else if (n % 1000 == 0) {
      p = PutDigits(n / 1000, 6, p);
    } else {
      p = PutDigits(n, 9, p);
    }
  }
  *p++ = 'Z';
  *p++ = '"';
  out->append(text, static_cast<size_t>(p - text));
  return true;
}

bool AppendEnum(const FieldDescriptor* field, int number, std::string* out) {
  if (field->enum_type()->full_name() == "google.protobuf.NullValue") {
    out->append("null");
    return true;
  }
  const auto* value = field->enum_type()->FindValueByNumber(number);
  if (value == nullptr) {
    AppendInteger(number, out);
  } else {
    out->push_back('"');
    out->append(value->name());
    out->push_back('"');
  }
  return true;
}

}  // namespace json_internal

namespace {

using json_internal::AppendDouble;
using json_internal::AppendEnum;
using json_internal::AppendFloat;
using json_internal::AppendInteger;
using json_internal::AppendJsonString;
using json_internal::AppendKey;

bool AppendMessage(const Message& message, std::string* out);

bool AppendTimestamp(const Message& message, std::string* out) {
  const Descriptor* d = message.GetDescriptor();
  const Reflection* r = message.GetReflection();
  return json_internal::AppendTimestamp(r->GetInt64(message, d->FindFieldByNumber(1)),
                                        r->GetInt32(message, d->FindFieldByNumber(2)), out);
}

bool AppendFieldMask(const Message& message, std::string* out) {
  const Reflection* r = message.GetReflection();
  const FieldDescriptor* paths = message.GetDescriptor()->FindFieldByNumber(1);
  out->push_back('"');
  const int n = r->FieldSize(message, paths);
  for (int i = 0; i < n; ++i) {
    const std::string path = r->GetRepeatedString(message, paths, i);
    if (path.empty()) return false;  // json_util drops it; not worth copying
    if (i > 0) out->push_back(',');
    bool upper_next = false;
    for (char c : path) {
      // Only plain snake_case paths: json_util's camel-casing of anything else has quirks
      // not worth copying.
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.')) {
        return false;
      }
      if (c == '_') {
        upper_next = true;
        continue;
      }
      if (upper_next && c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
      upper_next = false;
      out->push_back(c);
    }
  }
  out->push_back('"');
  return true;
}

bool AppendStructValue(const Message& value, std::string* out);

bool AppendStruct(const Message& message, std::string* out) {
  // Through the repeated map entries, like every map here (see AppendMap).
  const Reflection* r = message.GetReflection();
  const FieldDescriptor* fields = message.GetDescriptor()->FindFieldByNumber(1);
  const FieldDescriptor* key_field = fields->message_type()->map_key();
  const FieldDescriptor* value_field = fields->message_type()->map_value();
  out->push_back('{');
  const int n = r->FieldSize(message, fields);
  for (int i = 0; i < n; ++i) {
    const Message& entry = r->GetRepeatedMessage(message, fields, i);
    const Reflection* er = entry.GetReflection();
    if (i > 0) out->push_back(',');
    AppendJsonString(er->GetString(entry, key_field), out);
    out->push_back(':');
    if (!AppendStructValue(er->GetMessage(entry, value_field), out)) return false;
  }
  out->push_back('}');
  return true;
}

bool AppendListValue(const Message& message, std::string* out) {
  const Reflection* r = message.GetReflection();
  const FieldDescriptor* values = message.GetDescriptor()->FindFieldByNumber(1);
  out->push_back('[');
  const int n = r->FieldSize(message, values);
  for (int i = 0; i < n; ++i) {
    if (i > 0) out->push_back(',');
    if (!AppendStructValue(r->GetRepeatedMessage(message, values, i), out)) return false;
  }
  out->push_back(']');
  return true;
}

bool AppendStructValue(const Message& value, std::string* out) {
  const Reflection* r = value.GetReflection();
  const Descriptor* d = value.GetDescriptor();
  const FieldDescriptor* kind = r->GetOneofFieldDescriptor(value, d->oneof_decl(0));
  if (kind == nullptr) return false;  // json_util refuses a Value without a kind
  switch (kind->number()) {
    case 1:  // null_value
      out->append("null");
      return true;
    case 2: {  // number_value
      const double n = r->GetDouble(value, kind);
      if (!std::isfinite(n)) return false;
      AppendDouble(n, out);
      return true;
    }
    case 3:  // string_value
      AppendJsonString(r->GetString(value, kind), out);
      return true;
    case 4:  // bool_value
      out->append(r->GetBool(value, kind) ? "true" : "false");
      return true;
    case 5:  // struct_value
      return AppendStruct(r->GetMessage(value, kind), out);
    case 6:  // list_value
      return AppendListValue(r->GetMessage(value, kind), out);
    default:
      return false;
  }
}

// A message as its JSON value: well-known types by their special forms.
bool AppendMessageValue(const Message& message, std::string* out) {
  const std::string& name = message.GetDescriptor()->full_name();
  if (name.compare(0, 16, "google.protobuf.") != 0) return AppendMessage(message, out);
  if (name == "google.protobuf.Timestamp") return AppendTimestamp(message, out);
  if (name == "google.protobuf.FieldMask") return AppendFieldMask(message, out);
  if (name == "google.protobuf.Struct") return AppendStruct(message, out);
  if (name == "google.protobuf.Value") return AppendStructValue(message, out);
  if (name == "google.protobuf.ListValue") return AppendListValue(message, out);
  if (name == "google.protobuf.Empty") return AppendMessage(message, out);
  return false;  // Any, Duration, wrappers: left to json_util
}

// One value of `field` (element `index` when repeated, -1 otherwise).
bool AppendFieldValue(const Message& message, const FieldDescriptor* field, int index,
                      std::string* out) {
  const Reflection* r = message.GetReflection();
  const bool rep = index >= 0;
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      AppendInteger(rep ? r->GetRepeatedInt32(message, field, index) : r->GetInt32(message, field),
                    out);
      return true;
    case FieldDescriptor::CPPTYPE_UINT32:
      AppendInteger(
          rep ? r->GetRepeatedUInt32(message, field, index) : r->GetUInt32(message, field), out);
      return true;
    case FieldDescriptor::CPPTYPE_INT64:
      json_internal::AppendQuotedInteger(
          rep ? r->GetRepeatedInt64(message, field, index) : r->GetInt64(message, field), out);
      return true;
    case FieldDescriptor::CPPTYPE_UINT64:
      json_internal::AppendQuotedInteger(
          rep ? r->GetRepeatedUInt64(message, field, index) : r->GetUInt64(message, field), out);
      return true;
    case FieldDescriptor::CPPTYPE_DOUBLE:
      AppendDouble(rep ? r->GetRepeatedDouble(message, field, index) : r->GetDouble(message, field),
                   out);
      return true;
    case FieldDescriptor::CPPTYPE_FLOAT:
      AppendFloat(rep ? r->GetRepeatedFloat(message, field, index) : r->GetFloat(message, field),
                  out);
      return true;
    case FieldDescriptor::CPPTYPE_BOOL:
      out->append((rep ? r->GetRepeatedBool(message, field, index) : r->GetBool(message, field))
                      ? "true"
                      : "false");
      return true;
    case FieldDescriptor::CPPTYPE_ENUM:
      return AppendEnum(
          field,
          rep ? r->GetRepeatedEnumValue(message, field, index) : r->GetEnumValue(message, field),
          out);
    case FieldDescriptor::CPPTYPE_STRING: {
      std::string scratch;
      const std::string& value =
          rep ? r->GetRepeatedStringReference(message, field, index, &scratch)
              : r->GetStringReference(message, field, &scratch);
      if (field->type() == FieldDescriptor::TYPE_BYTES) {
        out->push_back('"');
        out->append(absl::Base64Escape(absl::string_view(value.data(), value.size())));
        out->push_back('"');
      } else {
        AppendJsonString(value, out);
      }
      return true;
    }
    case FieldDescriptor::CPPTYPE_MESSAGE:
      return AppendMessageValue(
          rep ? r->GetRepeatedMessage(message, field, index) : r->GetMessage(message, field), out);
  }
  return false;
}

bool AppendMap(const Message& message, const FieldDescriptor* field, std::string* out) {
  // Through the repeated entries: the same order json_util's re-serialization sees.
  const Reflection* r = message.GetReflection();
  const FieldDescriptor* key_field = field->message_type()->map_key();
  const FieldDescriptor* value_field = field->message_type()->map_value();
  out->push_back('{');
  const int n = r->FieldSize(message, field);
  for (int i = 0; i < n; ++i) {
    const Message& entry = r->GetRepeatedMessage(message, field, i);
    if (i > 0) out->push_back(',');
    const Reflection* er = entry.GetReflection();
    switch (key_field->cpp_type()) {
      case FieldDescriptor::CPPTYPE_STRING:
        AppendJsonString(er->GetString(entry, key_field), out);
        break;
      case FieldDescriptor::CPPTYPE_BOOL:
        out->append(er->GetBool(entry, key_field) ? "\"true\"" : "\"false\"");
        break;
      default: {
        const size_t start = out->size();
        if (!AppendFieldValue(entry, key_field, -1, out)) return false;
        if ((*out)[start] != '"') {  // 32-bit keys are quoted too
          out->insert(start, 1, '"');
          out->push_back('"');
        }
      }
    }
    out->push_back(':');
    if (!AppendFieldValue(entry, value_field, -1, out)) return false;
  }
  out->push_back('}');
  return true;
}

bool AppendMessage(const Message& message, std::string* out) {
  const Reflection* r = message.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  // Set fields in number order: for proto3 that is what json_util prints without
  // always_print_primitive_fields (non-default scalars, set optionals and oneofs, non-empty
  // repeated fields, present messages).
  r->ListFields(message, &fields);
  out->push_back('{');
  bool first = true;
  for (const FieldDescriptor* field : fields) {
    if (field->is_extension()) return false;
    if (!first) out->push_back(',');
    first = false;
    AppendKey(field->json_name(), out);
    if (field->is_map()) {
      if (!AppendMap(message, field, out)) return false;
    } else if (field->is_repeated()) {
      out->push_back('[');
      const int n = r->FieldSize(message, field);
      for (int i = 0; i < n; ++i) {
        if (i > 0) out->push_back(',');
        if (!AppendFieldValue(message, field, i, out)) return false;
      }
      out->push_back(']');
    } else if (!AppendFieldValue(message, field, -1, out)) {
      return false;
    }
  }
  out->push_back('}');
  return true;
}

}  // namespace

bool AppendMessageJson(const Message& message, std::string* out) {
  return AppendMessageValue(message, out);
}

}  // namespace comptoir::gateway
