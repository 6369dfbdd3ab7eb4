// Pieces of proto3 JSON text shared by the reflection writer (json_writer.cc) and the
// wire-format writer (wire_json.cc), so both print every value the same way json_util does.
// Pure functions: thread-safe.
#pragma once

#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

#include "google/protobuf/descriptor.h"

namespace comptoir::gateway::json_internal {

// A JSON string with json_util's escaping (its choice of \u escapes, '<' and '>' included);
// invalid UTF-8 sequences are dropped as json_util drops them.
void AppendJsonString(std::string_view s, std::string* out);
// An integer in decimal.
template <typename Int>
inline void AppendInteger(Int value, std::string* out) {
  char buffer[24];
  const auto end = std::to_chars(buffer, buffer + sizeof buffer, value).ptr;
  out->append(buffer, static_cast<size_t>(end - buffer));
}
// A 64-bit integer as proto3 JSON writes it: in quotes.
template <typename Int>
inline void AppendQuotedInteger(Int value, std::string* out) {
  out->push_back('"');
  AppendInteger(value, out);
  out->push_back('"');
}
// A member's name and colon: "name":
inline void AppendKey(std::string_view json_name, std::string* out) {
  out->push_back('"');
  out->append(json_name);
  out->append("\":", 2);
}
// Shortest round-tripping text; NaN and the infinities quoted.
void AppendDouble(double value, std::string* out);
void AppendFloat(float value, std::string* out);
// The value's name in quotes, its number when the enum does not name it, null for NullValue.
bool AppendEnum(const google::protobuf::FieldDescriptor* field, int number, std::string* out);
// RFC 3339 in UTC with 0, 3, 6 or 9 fractional digits; false outside years 1-9999 or for
// nanos outside 0-999,999,999 (json_util refuses those).
bool AppendTimestamp(int64_t seconds, int32_t nanos, std::string* out);

}  // namespace comptoir::gateway::json_internal
