#include "transcoder.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "comptoir/common/log.h"
#include "comptoir/common/status.h"
#include "comptoir/common/utf8.h"
#include "google/protobuf/dynamic_message.h"
#include "google/protobuf/util/json_util.h"
#include "json_writer.h"
#include "text.h"

namespace comptoir::gateway {
namespace {

using common::FieldViolation;
using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

// Request JSON is strict: an unknown field is a mistake the caller must hear about.
google::protobuf::util::JsonParseOptions ParseOptions() {
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  return options;
}

// Responses use the proto3 JSON mapping's defaults: lowerCamelCase names (what JavaScript
// clients expect, and what the OpenAPI document will describe) and no default-valued
// fields (smaller bodies; a missing field means its zero value, as the mapping says).
google::protobuf::util::JsonPrintOptions PrintOptions() {
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = false;
  options.preserve_proto_field_names = false;
  return options;
}

// Line and column (1-based) of byte `offset` in `text`.
std::string Where(std::string_view text, size_t offset) {
  offset = std::min(offset, text.size());
  size_t line = 1 + std::count(text.begin(), text.begin() + offset, '\n');
  size_t line_start = text.rfind('\n', offset == 0 ? 0 : offset - 1);
  line_start = (line_start == std::string_view::npos || offset == 0) ? 0 : line_start + 1;
  return text::Cat("line ", line, ", column ", offset - line_start + 1);
}

// Turns a json_util error into a caller-facing status. Its messages come in three shapes
// (protobuf 3.21): "(a.b[0].c): invalid value ... for type TYPE_INT32" for a wrong value,
// "name: Cannot find field." for an unknown field, and "<reason>\n<excerpt>\n<spaces>^"
// for a syntax error, the caret under the offending byte of the excerpt.
absl::Status JsonError(const google::protobuf::util::Status& util_status, std::string_view json,
                       std::string_view field_prefix, size_t prefix_bytes) {
  const std::string full_message = util_status.message().ToString();
  std::string_view message = full_message;
  auto qualified = [&](std::string_view field) {
    return field_prefix.empty() ? std::string(field) : text::Cat(field_prefix, ".", field);
  };
  if (text::StartsWith(message, "(")) {
    size_t close = message.find("): ");
    if (close != std::string_view::npos) {
      std::string_view field = message.substr(1, close - 1);
      std::string description(message.substr(close + 3));
      text::ReplaceAll(&description, "for type TYPE_", "for type ");
      return common::InvalidField(qualified(field), text::ToLower(description));
    }
  }
  constexpr std::string_view kUnknown = ": Cannot find field.";
  if (text::EndsWith(message, kUnknown) && message.find('\n') == std::string_view::npos) {
    return common::InvalidField(qualified(message.substr(0, message.size() - kUnknown.size())),
                                "unknown field");
  }
  // The excerpt itself may span lines: the reason ends at the first newline, the caret
  // line starts after the last one.
  size_t first_nl = message.find('\n');
  size_t last_nl = message.rfind('\n');
  std::string_view reason = message.substr(0, first_nl);
  if (text::EndsWith(reason, ".")) reason.remove_suffix(1);
  std::string where = "at the end of the body";
  if (first_nl != std::string_view::npos && last_nl > first_nl) {
    std::string_view excerpt = message.substr(first_nl + 1, last_nl - first_nl - 1);
    size_t caret = message.substr(last_nl + 1).find('^');
    size_t start = excerpt.empty() ? std::string_view::npos : json.find(excerpt);
    if (caret != std::string_view::npos && start != std::string_view::npos) {
      size_t offset = start + caret;
      if (offset < json.size()) {
        where = text::Cat("at ", Where(json, offset - std::min(offset, prefix_bytes)));
      }
    }
  }
  return absl::InvalidArgumentError(text::Cat("malformed JSON body ", where, ": ", reason));
}

bool IsWellKnownScalarMessage(const Descriptor* d) {
  static const char* const kNames[] = {
      "google.protobuf.Timestamp",   "google.protobuf.Duration",   "google.protobuf.FieldMask",
      "google.protobuf.StringValue", "google.protobuf.BytesValue", "google.protobuf.BoolValue",
      "google.protobuf.Int32Value",  "google.protobuf.Int64Value", "google.protobuf.UInt32Value",
      "google.protobuf.UInt64Value", "google.protobuf.FloatValue", "google.protobuf.DoubleValue"};
  return std::any_of(std::begin(kNames), std::end(kNames),
                     [&](const char* n) { return d->full_name() == n; });
}

// JSON for one value given as text: the JSON mapping accepts numbers, enums and the
// well-known types as strings, so only booleans need a literal.
absl::StatusOr<std::string> JsonValue(const FieldDescriptor* leaf, std::string_view text) {
  if (leaf->cpp_type() == FieldDescriptor::CPPTYPE_BOOL) {
    if (text == "true" || text == "false") return std::string(text);
    return absl::InvalidArgumentError("must be true or false");
  }
  return common::JsonQuote(text);
}

// A canonical decimal ("0", "-12", no sign on zero, no leading zeros) of at most 20 digits.
bool CanonicalInteger(std::string_view s, bool allow_minus) {
  const bool minus = allow_minus && !s.empty() && s[0] == '-';
  if (minus) s.remove_prefix(1);
  if (s.empty() || s.size() > 20 || (s[0] == '0' && (s.size() > 1 || minus))) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// One text value of a field as the JSON mapping reads it, for the cases read here without
// the JSON parser: a string in valid UTF-8, a boolean, an integer as a canonical decimal in
// range. Anything else (bytes, enums, floating point, well-known types, other spellings)
// is nullopt and left to the parser, so results and errors stay the mapping's own.
struct DirectValue {
  std::string_view text;
  int64_t i = 0;
  uint64_t u = 0;
  bool b = false;
  bool is_default = false;
};
std::optional<DirectValue> ReadDirect(const FieldDescriptor* leaf, std::string_view value) {
  DirectValue v{.text = value};
  const absl::string_view digits(value.data(), value.size());
  switch (leaf->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING:
      if (leaf->type() != FieldDescriptor::TYPE_STRING || !common::IsValidUtf8(value)) return {};
      v.is_default = value.empty();
      return v;
    case FieldDescriptor::CPPTYPE_BOOL:
      if (value != "true" && value != "false") return {};
      v.b = value == "true";
      v.is_default = !v.b;
      return v;
    case FieldDescriptor::CPPTYPE_INT32:
    case FieldDescriptor::CPPTYPE_INT64:
      if (!CanonicalInteger(value, true) || !absl::SimpleAtoi(digits, &v.i)) return {};
      if (leaf->cpp_type() == FieldDescriptor::CPPTYPE_INT32 &&
          (v.i < INT32_MIN || v.i > INT32_MAX)) {
        return {};
      }
      v.is_default = v.i == 0;
      return v;
    case FieldDescriptor::CPPTYPE_UINT32:
    case FieldDescriptor::CPPTYPE_UINT64:
      if (!CanonicalInteger(value, false) || !absl::SimpleAtoi(digits, &v.u)) return {};
      if (leaf->cpp_type() == FieldDescriptor::CPPTYPE_UINT32 && v.u > UINT32_MAX) return {};
      v.is_default = v.u == 0;
      return v;
    default:
      return {};
  }
}

// SetFromText without the JSON parser, when every value reads directly (the path
// captures and query parameters of almost every request: ids, page sizes, flags). Does
// what parsing into a scratch message and MergeFrom would: parents created, a default
// value of a field without presence left unset. False, touching nothing, otherwise.
bool SetDirectly(Message* target, const std::vector<const FieldDescriptor*>& fields,
                 const std::vector<std::string>& values) {
  const FieldDescriptor* leaf = fields.back();
  for (size_t i = 0; i + 1 < fields.size(); ++i) {
    if (fields[i]->is_repeated() || fields[i]->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) {
      return false;
    }
  }
  std::vector<DirectValue> read;
  read.reserve(values.size());
  for (const std::string& value : values) {
    std::optional<DirectValue> v = ReadDirect(leaf, value);
    if (!v) return false;
    read.push_back(*v);
  }
  Message* m = target;
  for (size_t i = 0; i + 1 < fields.size(); ++i) {
    m = m->GetReflection()->MutableMessage(m, fields[i]);
  }
  const google::protobuf::Reflection* r = m->GetReflection();
  for (const DirectValue& v : read) {
    if (!leaf->is_repeated() && !leaf->has_presence() && v.is_default) continue;
    const bool add = leaf->is_repeated();
    switch (leaf->cpp_type()) {
      case FieldDescriptor::CPPTYPE_STRING:
        add ? r->AddString(m, leaf, std::string(v.text))
            : r->SetString(m, leaf, std::string(v.text));
        break;
      case FieldDescriptor::CPPTYPE_BOOL:
        add ? r->AddBool(m, leaf, v.b) : r->SetBool(m, leaf, v.b);
        break;
      case FieldDescriptor::CPPTYPE_INT32:
        add ? r->AddInt32(m, leaf, static_cast<int32_t>(v.i))
            : r->SetInt32(m, leaf, static_cast<int32_t>(v.i));
        break;
      case FieldDescriptor::CPPTYPE_INT64:
        add ? r->AddInt64(m, leaf, v.i) : r->SetInt64(m, leaf, v.i);
        break;
      case FieldDescriptor::CPPTYPE_UINT32:
        add ? r->AddUInt32(m, leaf, static_cast<uint32_t>(v.u))
            : r->SetUInt32(m, leaf, static_cast<uint32_t>(v.u));
        break;
      case FieldDescriptor::CPPTYPE_UINT64:
        add ? r->AddUInt64(m, leaf, v.u) : r->SetUInt64(m, leaf, v.u);
        break;
      default:
        break;  // ReadDirect takes no other type
    }
  }
  return true;
}

// Sets the field at `fields` (a resolved path) of `target` from text values, with the
// conversions and range checks of the JSON mapping: directly for the common cases, through
// the JSON parser for the rest.
absl::Status SetFromText(Message* target, const std::vector<const FieldDescriptor*>& fields,
                         const std::vector<std::string>& values, const std::string& name) {
  const FieldDescriptor* leaf = fields.back();
  if (leaf->is_map() || (leaf->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE &&
                         !IsWellKnownScalarMessage(leaf->message_type()))) {
    return common::InvalidField(name, "cannot be set from the URL");
  }
  if (!leaf->is_repeated() && values.size() > 1) {
    return common::InvalidField(name, "given more than once");
  }
  if (SetDirectly(target, fields, values)) return absl::OkStatus();
  std::string json;
  for (const FieldDescriptor* f : fields)
    text::Append(&json, "{", common::JsonQuote(f->json_name()), ":");
  if (leaf->is_repeated()) json += "[";
  for (size_t i = 0; i < values.size(); ++i) {
    auto value = JsonValue(leaf, values[i]);
    if (!value.ok()) return common::InvalidField(name, std::string(value.status().message()));
    text::Append(&json, i == 0 ? "" : ",", *value);
  }
  if (leaf->is_repeated()) json += "]";
  json.append(fields.size(), '}');

  std::unique_ptr<Message> scratch(target->New());
  auto st = google::protobuf::util::JsonStringToMessage(json, scratch.get(), ParseOptions());
  if (!st.ok()) {
    const std::string full_message = st.message().ToString();
    std::string_view msg = full_message;
    size_t colon = msg.find("): ");
    std::string why(colon == std::string_view::npos ? msg : msg.substr(colon + 3));
    text::ReplaceAll(&why, "for type TYPE_", "for type ");
    return common::InvalidField(name, text::ToLower(why));
  }
  target->MergeFrom(*scratch);
  return absl::OkStatus();
}

bool IsBlank(std::string_view body) { return text::Strip(body).empty(); }

absl::Status ParseBody(const std::string& body_field, std::string_view body, Message* request) {
  if (body_field.empty()) {
    if (IsBlank(body)) return absl::OkStatus();
    return absl::InvalidArgumentError("this route takes no request body");
  }
  if (IsBlank(body)) return absl::OkStatus();  // same as {}: the service validates fields
  const auto options = ParseOptions();
  if (body_field == "*") {
    auto st = google::protobuf::util::JsonStringToMessage(body, request, options);
    return st.ok() ? absl::OkStatus() : JsonError(st, body, "", 0);
  }
  const FieldDescriptor* field = request->GetDescriptor()->FindFieldByName(body_field);
  if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE && !field->is_repeated()) {
    Message* sub = request->GetReflection()->MutableMessage(request, field);
    auto st = google::protobuf::util::JsonStringToMessage(body, sub, options);
    return st.ok() ? absl::OkStatus() : JsonError(st, body, body_field, 0);
  }
  // A scalar, repeated or map body field: parse {"field": <body>} into the request; error
  // positions are shifted back by the wrapper's length.
  std::string prefix = text::Cat("{", common::JsonQuote(field->json_name()), ":");
  std::string wrapped = text::Cat(prefix, body, "\n}");
  auto st = google::protobuf::util::JsonStringToMessage(wrapped, request, options);
  return st.ok() ? absl::OkStatus() : JsonError(st, wrapped, "", prefix.size());
}

}  // namespace

absl::StatusOr<QueryParams> ParseQuery(std::string_view raw_query) {
  QueryParams out;
  for (std::string_view pair : text::Split(raw_query, '&')) {
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    std::string key(pair.substr(0, eq));
    std::string value(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1));
    std::replace(key.begin(), key.end(), '+', ' ');
    std::replace(value.begin(), value.end(), '+', ' ');
    auto k = PercentDecode(key);
    auto v = PercentDecode(value);
    if (!k || !v) {
      return absl::InvalidArgumentError(text::Cat("bad percent-encoding in query \"", pair, "\""));
    }
    out.emplace_back(std::move(*k), std::move(*v));
  }
  return out;
}

bool JsonDeeperThan(std::string_view body, int limit) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < body.size(); ++i) {
    const char c = body[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > limit) return true;
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return false;
}

std::unique_ptr<Message> NewMessage(const Descriptor* type) {
  if (type == nullptr) return nullptr;
  const Message* prototype = nullptr;
  if (type->file()->pool() == google::protobuf::DescriptorPool::generated_pool()) {
    prototype = google::protobuf::MessageFactory::generated_factory()->GetPrototype(type);
  } else {
    // Types from another pool (tests, tools loading descriptor sets): dynamic messages.
    // GetPrototype is thread-safe; the factory lives as long as the process.
    static auto* const dynamic = new google::protobuf::DynamicMessageFactory();
    prototype = dynamic->GetPrototype(type);
  }
  return prototype == nullptr ? nullptr : std::unique_ptr<Message>(prototype->New());
}

absl::StatusOr<std::unique_ptr<Message>> BuildRequest(const Route& route, const Captures& captures,
                                                      const QueryParams& query,
                                                      std::string_view body) {
  return BuildMessage(route.method->input_type(), route.body, captures, query, body);
}

absl::StatusOr<std::unique_ptr<Message>> BuildMessage(const Descriptor* input,
                                                      const std::string& body_field,
                                                      const Captures& captures,
                                                      const QueryParams& query,
                                                      std::string_view body) {
  std::unique_ptr<Message> request = NewMessage(input);
  if (request == nullptr) return absl::InternalError("request type not linked");
  absl::Status st = ParseBody(body_field, body, request.get());
  if (!st.ok()) return st;

  // Group repeated names, keep first-seen order, then check every name before setting any
  // so the caller hears about every bad parameter at once.
  std::map<std::string, std::vector<std::string>> grouped;
  std::vector<std::string> order;
  for (const auto& [name, value] : query) {
    auto [it, inserted] = grouped.try_emplace(name);
    if (inserted) order.push_back(name);
    it->second.push_back(value);
  }
  common::Violations violations;
  for (const std::string& name : order) {
    if (body_field == "*") {
      violations.Add(name, "unknown query parameter: the body carries the whole request");
      continue;
    }
    auto fields = ResolveFieldPath(input, name, /*accept_json_names=*/true);
    if (fields.empty()) {
      violations.Add(name, "unknown query parameter");
      continue;
    }
    if (!body_field.empty() && fields.front()->name() == body_field) {
      violations.Add(name, "set in the body, not the query");
      continue;
    }
    bool bound_by_path = std::any_of(captures.begin(), captures.end(), [&](const auto& c) {
      auto path_fields = ResolveFieldPath(input, c.first, false);
      return path_fields == fields;
    });
    if (bound_by_path) {
      violations.Add(name, "set by the path, not the query");
      continue;
    }
    absl::Status set = SetFromText(request.get(), fields, grouped[name], name);
    if (!set.ok()) {
      for (FieldViolation& v : common::FieldViolationsOf(set)) {
        violations.Add(std::move(v.field), std::move(v.description));
      }
    }
  }
  // Path values last: they name the resource and win over anything the body said.
  for (const auto& [field_path, value] : captures) {
    if (value.empty()) {
      violations.Add(field_path, "must not be empty");
      continue;
    }
    auto fields = ResolveFieldPath(input, field_path, false);
    const FieldDescriptor* leaf = fields.back();
    Message* owner = request.get();
    for (size_t i = 0; i + 1 < fields.size(); ++i) {
      owner = owner->GetReflection()->MutableMessage(owner, fields[i]);
    }
    if (leaf->cpp_type() == FieldDescriptor::CPPTYPE_STRING &&
        leaf->type() == FieldDescriptor::TYPE_STRING) {
      owner->GetReflection()->SetString(owner, leaf, value);  // fast path: ids and slugs
      continue;
    }
    absl::Status set = SetFromText(request.get(), fields, {value}, field_path);
    if (!set.ok()) {
      for (FieldViolation& v : common::FieldViolationsOf(set)) {
        violations.Add(std::move(v.field), std::move(v.description));
      }
    }
  }
  RETURN_IF_ERROR(violations.ToStatus());
  return request;
}

absl::StatusOr<std::string> RenderResponse(const Route& route, std::string_view serialized) {
  std::string json;
  json.reserve(serialized.size() * 2);
  // Straight from the bytes when they are what a canonical serializer writes (always, from
  // the services); otherwise parsed and printed.
  if (route.response_body.empty() &&
      AppendWireJson(route.method->output_type(), serialized, &json)) {
    return json;
  }
  json.clear();
  std::unique_ptr<Message> response = NewMessage(route.method->output_type());
  if (response == nullptr) return absl::InternalError("response type not linked");
  if (!response->ParseFromArray(serialized.data(), static_cast<int>(serialized.size()))) {
    return absl::InternalError("upstream sent an unparsable response");
  }
  const Message* printed = response.get();
  if (!route.response_body.empty()) {
    const FieldDescriptor* f = response->GetDescriptor()->FindFieldByName(route.response_body);
    if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE && !f->is_repeated()) {
      printed = &response->GetReflection()->GetMessage(*response, f);
    }
  }
  if (AppendMessageJson(*printed, &json)) return json;
  json.clear();  // a type or value the direct writer leaves to json_util
  auto st = google::protobuf::util::MessageToJsonString(*printed, &json, PrintOptions());
  if (!st.ok()) return absl::InternalError("cannot render the response as JSON");
  return json;
}

}  // namespace comptoir::gateway
