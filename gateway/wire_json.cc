// AppendWireJson: proto3 JSON straight from the wire format. An uncached answer used to be
// parsed into a message and printed through reflection, which cost more than the rest of
// the gateway's work on the request; reading tags and values off the bytes costs a fraction
// of it. Only what a canonical serializer writes is handled here (the services are C++, so
// their answers always are); anything else returns false for the parsing path.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/escaping.h"
#include "absl/synchronization/mutex.h"
#include "comptoir/common/utf8.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "json_writer.h"
#include "json_writer_internal.h"
#include "transcoder.h"  // NewMessage

namespace comptoir::gateway {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;

constexpr int kMaxDepth = 64;

enum WireType : uint32_t { kVarint = 0, kFixed64 = 1, kLengthDelimited = 2, kFixed32 = 5 };

class WireReader {
 public:
  explicit WireReader(std::string_view bytes)
      : p_(reinterpret_cast<const uint8_t*>(bytes.data())), end_(p_ + bytes.size()) {}

  bool done() const { return p_ >= end_; }

  bool Varint(uint64_t* value) {
    uint64_t result = 0;
    for (int shift = 0; shift < 70 && p_ < end_; shift += 7) {
      const uint8_t byte = *p_++;
      result |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) {
        *value = result;
        return true;
      }
    }
    return false;
  }
  bool Fixed32(uint32_t* value) {
    if (end_ - p_ < 4) return false;
    std::memcpy(value, p_, 4);  // little-endian, as x86 and ARM store it
    p_ += 4;
    return true;
  }
  bool Fixed64(uint64_t* value) {
    if (end_ - p_ < 8) return false;
    std::memcpy(value, p_, 8);
    p_ += 8;
    return true;
  }
  bool LengthDelimited(std::string_view* value) {
    uint64_t size = 0;
    if (!Varint(&size) || size > static_cast<uint64_t>(end_ - p_)) return false;
    *value = std::string_view(reinterpret_cast<const char*>(p_), size);
    p_ += size;
    return true;
  }
  // Skips a value of an unknown field (groups are refused: proto3 has none).
  bool Skip(uint32_t wire_type) {
    uint64_t ignored64 = 0;
    uint32_t ignored32 = 0;
    std::string_view ignored;
    switch (wire_type) {
      case kVarint:
        return Varint(&ignored64);
      case kFixed64:
        return Fixed64(&ignored64);
      case kLengthDelimited:
        return LengthDelimited(&ignored);
      case kFixed32:
        return Fixed32(&ignored32);
      default:
        return false;
    }
  }

 private:
  const uint8_t* p_;
  const uint8_t* end_;
};

uint32_t ExpectedWireType(const FieldDescriptor* field) {
  switch (field->type()) {
    case FieldDescriptor::TYPE_DOUBLE:
    case FieldDescriptor::TYPE_FIXED64:
    case FieldDescriptor::TYPE_SFIXED64:
      return kFixed64;
    case FieldDescriptor::TYPE_FLOAT:
    case FieldDescriptor::TYPE_FIXED32:
    case FieldDescriptor::TYPE_SFIXED32:
      return kFixed32;
    case FieldDescriptor::TYPE_STRING:
    case FieldDescriptor::TYPE_BYTES:
    case FieldDescriptor::TYPE_MESSAGE:
      return kLengthDelimited;
    case FieldDescriptor::TYPE_GROUP:
      return 7;  // matches no wire type: refused
    default:
      return kVarint;
  }
}

int64_t ZigZag(uint64_t v) { return static_cast<int64_t>((v >> 1) ^ (~(v & 1) + 1)); }

// What printing a type needs, worked out once per type from its descriptor: per field number
// the member's "name": text, wire type and flags, and the plan of a message field's type, so
// that a field costs an array index instead of descriptor look-ups and string building.
struct TypePlan;

struct FieldPlan {
  const FieldDescriptor* field = nullptr;  // null: no such field (skipped as unknown)
  std::string key;                         // "jsonName":
  FieldDescriptor::Type type = FieldDescriptor::TYPE_INT32;
  uint32_t expected_wire_type = kVarint;
  bool repeated = false;
  bool implicit = false;  // no presence: a default value is not printed
  bool map = false;
  int oneof = -1;                     // index of its (real) oneof, or -1
  const TypePlan* message = nullptr;  // of a message field
};

struct TypePlan {
  enum Kind { kMessage, kTimestamp, kParsedWellKnown, kDeclined };
  Kind kind = kDeclined;
  const Descriptor* type = nullptr;
  std::vector<FieldPlan> dense;                // by field number, below kDenseNumbers
  absl::flat_hash_map<int, FieldPlan> sparse;  // larger field numbers
  static constexpr int kDenseNumbers = 256;

  const FieldPlan* Find(int number) const {
    if (number < static_cast<int>(dense.size())) {
      const FieldPlan& f = dense[static_cast<size_t>(number)];
      return f.field != nullptr ? &f : nullptr;
    }
    auto it = sparse.find(number);
    return it == sparse.end() ? nullptr : &it->second;
  }
};

class Plans {
 public:
  // The plan of `type` (descriptors live as long as the process, as NewMessage assumes).
  const TypePlan& For(const Descriptor* type) {
    absl::MutexLock lock(&mu_);
    return PlanLocked(type);
  }

 private:
  const TypePlan& PlanLocked(const Descriptor* type) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    auto [it, inserted] = plans_.try_emplace(type);
    if (!inserted) return *it->second;
    it->second = std::make_unique<TypePlan>();
    TypePlan& plan = *it->second;  // in the map before its fields: recursive types end here
    plan.type = type;
    const std::string& name = type->full_name();
    // Of the well-known types, Struct, Value and ListValue are declined: a Struct is a map,
    // printed in the parsed map's order, which the wire order does not give.
    if (name.compare(0, 16, "google.protobuf.") == 0) {
      plan.kind = name == "google.protobuf.Timestamp" ? TypePlan::kTimestamp
                  : (name == "google.protobuf.FieldMask" || name == "google.protobuf.Empty")
                      ? TypePlan::kParsedWellKnown
                      : TypePlan::kDeclined;
      return plan;
    }
    // proto2 differs (closed enums, unchecked strings, groups): left to the parsing path.
    if (type->file()->syntax() != google::protobuf::FileDescriptor::SYNTAX_PROTO3 ||
        type->oneof_decl_count() > 64) {
      return plan;
    }
    plan.kind = TypePlan::kMessage;
    int dense_size = 0;
    for (int i = 0; i < type->field_count(); ++i) {
      const int number = type->field(i)->number();
      if (number < TypePlan::kDenseNumbers) dense_size = std::max(dense_size, number + 1);
    }
    plan.dense.resize(static_cast<size_t>(dense_size));
    for (int i = 0; i < type->field_count(); ++i) {
      const FieldDescriptor* field = type->field(i);
      FieldPlan f;
      f.field = field;
      json_internal::AppendKey(field->json_name(), &f.key);
      f.type = field->type();
      f.expected_wire_type = ExpectedWireType(field);
      f.repeated = field->is_repeated();
      f.implicit = !field->is_repeated() && !field->has_presence();
      f.map = field->is_map();
      if (const auto* oneof = field->real_containing_oneof(); oneof != nullptr) {
        f.oneof = oneof->index();
      }
      if (field->type() == FieldDescriptor::TYPE_MESSAGE) {
        f.message = &PlanLocked(field->message_type());
      }
      if (field->number() < TypePlan::kDenseNumbers) {
        plan.dense[static_cast<size_t>(field->number())] = std::move(f);
      } else {
        plan.sparse.emplace(field->number(), std::move(f));
      }
    }
    return plan;
  }

  absl::Mutex mu_;
  absl::flat_hash_map<const Descriptor*, std::unique_ptr<TypePlan>> plans_ ABSL_GUARDED_BY(mu_);
};

Plans& AllPlans() {
  static auto* plans = new Plans;  // never destroyed: answers may render during exit
  return *plans;
}

bool AppendWireMessage(const TypePlan& plan, std::string_view bytes, int depth, std::string* out);

// A Timestamp's two fields, off the wire.
bool AppendWireTimestamp(std::string_view bytes, std::string* out) {
  WireReader in(bytes);
  uint64_t seconds = 0, nanos = 0;
  int last = 0;
  while (!in.done()) {
    uint64_t tag = 0;
    if (!in.Varint(&tag)) return false;
    const auto number = static_cast<int>(tag >> 3);
    if ((tag & 7) != kVarint || number <= last || number > 2) return false;
    last = number;
    if (!in.Varint(number == 1 ? &seconds : &nanos)) return false;
  }
  return json_internal::AppendTimestamp(static_cast<int64_t>(seconds),
                                        static_cast<int32_t>(static_cast<uint32_t>(nanos)), out);
}

// FieldMask and Empty (rare in answers): parsed, then printed by the reflection writer.
bool AppendParsedWellKnown(const Descriptor* type, std::string_view bytes, std::string* out) {
  std::unique_ptr<google::protobuf::Message> message = NewMessage(type);
  if (message == nullptr ||
      !message->ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return false;
  }
  return AppendMessageJson(*message, out);
}

// One value of `field` whose wire type was checked (a packed element is read with the
// element's own wire type). `skip` is set instead of printing when the field has no
// presence and the value is its default, which parsing would not list.
bool AppendWireValue(const FieldPlan& field, WireReader& in, int depth, bool* skip,
                     std::string* out) {
  const bool implicit = field.implicit;
  uint64_t v = 0;
  uint32_t v32 = 0;
  std::string_view s;
  switch (field.type) {
    case FieldDescriptor::TYPE_DOUBLE: {
      if (!in.Fixed64(&v)) return false;
      if (implicit && v == 0) return *skip = true;  // raw bits: -0.0 is printed
      double d;
      std::memcpy(&d, &v, sizeof d);
      json_internal::AppendDouble(d, out);
      return true;
    }
    case FieldDescriptor::TYPE_FLOAT: {
      if (!in.Fixed32(&v32)) return false;
      if (implicit && v32 == 0) return *skip = true;
      float f;
      std::memcpy(&f, &v32, sizeof f);
      json_internal::AppendFloat(f, out);
      return true;
    }
    case FieldDescriptor::TYPE_INT64:
    case FieldDescriptor::TYPE_UINT64:
    case FieldDescriptor::TYPE_SINT64:
      if (!in.Varint(&v)) return false;
      break;
    case FieldDescriptor::TYPE_FIXED64:
    case FieldDescriptor::TYPE_SFIXED64:
      if (!in.Fixed64(&v)) return false;
      break;
    case FieldDescriptor::TYPE_INT32:
    case FieldDescriptor::TYPE_UINT32:
    case FieldDescriptor::TYPE_SINT32:
    case FieldDescriptor::TYPE_BOOL:
    case FieldDescriptor::TYPE_ENUM:
      if (!in.Varint(&v)) return false;
      break;
    case FieldDescriptor::TYPE_FIXED32:
    case FieldDescriptor::TYPE_SFIXED32:
      if (!in.Fixed32(&v32)) return false;
      v = v32;
      break;
    case FieldDescriptor::TYPE_STRING:
    case FieldDescriptor::TYPE_BYTES:
    case FieldDescriptor::TYPE_MESSAGE:
      if (!in.LengthDelimited(&s)) return false;
      break;
    default:
      return false;
  }
  switch (field.type) {
    case FieldDescriptor::TYPE_INT64:
    case FieldDescriptor::TYPE_SFIXED64:
      if (implicit && v == 0) return *skip = true;
      json_internal::AppendQuotedInteger(static_cast<int64_t>(v), out);
      return true;
    case FieldDescriptor::TYPE_SINT64:
      if (implicit && v == 0) return *skip = true;
      json_internal::AppendQuotedInteger(ZigZag(v), out);
      return true;
    case FieldDescriptor::TYPE_UINT64:
    case FieldDescriptor::TYPE_FIXED64:
      if (implicit && v == 0) return *skip = true;
      json_internal::AppendQuotedInteger(v, out);
      return true;
    case FieldDescriptor::TYPE_INT32:
    case FieldDescriptor::TYPE_SFIXED32: {
      const auto value = static_cast<int32_t>(static_cast<uint32_t>(v));
      if (implicit && value == 0) return *skip = true;
      json_internal::AppendInteger(value, out);
      return true;
    }
    case FieldDescriptor::TYPE_SINT32: {
      const auto value = static_cast<int32_t>(ZigZag(static_cast<uint32_t>(v)));
      if (implicit && value == 0) return *skip = true;
      json_internal::AppendInteger(value, out);
      return true;
    }
    case FieldDescriptor::TYPE_UINT32:
    case FieldDescriptor::TYPE_FIXED32: {
      const auto value = static_cast<uint32_t>(v);
      if (implicit && value == 0) return *skip = true;
      json_internal::AppendInteger(value, out);
      return true;
    }
    case FieldDescriptor::TYPE_BOOL:
      if (implicit && v == 0) return *skip = true;
      out->append(v != 0 ? "true" : "false");
      return true;
    case FieldDescriptor::TYPE_ENUM: {
      const auto value = static_cast<int32_t>(static_cast<uint32_t>(v));
      if (implicit && value == 0) return *skip = true;
      return json_internal::AppendEnum(field.field, value, out);
    }
    case FieldDescriptor::TYPE_STRING:
      if (implicit && s.empty()) return *skip = true;
      if (!common::IsValidUtf8(s)) return false;  // parsing fails on it: that path reports it
      json_internal::AppendJsonString(s, out);
      return true;
    case FieldDescriptor::TYPE_BYTES:
      if (implicit && s.empty()) return *skip = true;
      out->push_back('"');
      out->append(absl::Base64Escape(absl::string_view(s.data(), s.size())));
      out->push_back('"');
      return true;
    case FieldDescriptor::TYPE_MESSAGE:
      return AppendWireMessage(*field.message, s, depth + 1, out);
    default:
      return false;
  }
}

bool AppendWireMessage(const TypePlan& plan, std::string_view bytes, int depth, std::string* out) {
  if (depth > kMaxDepth) return false;
  switch (plan.kind) {
    case TypePlan::kMessage:
      break;
    case TypePlan::kTimestamp:
      return AppendWireTimestamp(bytes, out);
    case TypePlan::kParsedWellKnown:
      return AppendParsedWellKnown(plan.type, bytes, out);
    case TypePlan::kDeclined:
      return false;
  }
  uint64_t oneofs_seen = 0;
  WireReader in(bytes);
  out->push_back('{');
  bool first = true;
  int last_number = 0;
  const FieldPlan* open_array = nullptr;  // the repeated field being printed
  bool first_element = true;
  while (!in.done()) {
    uint64_t tag = 0;
    if (!in.Varint(&tag) || tag > 0xffffffffu) return false;
    const auto number = static_cast<int>(tag >> 3);
    const auto wire_type = static_cast<uint32_t>(tag & 7);
    if (number == 0) return false;
    const FieldPlan* field = plan.Find(number);
    if (field == nullptr) {  // a newer service's field: parsing keeps it aside, JSON omits it
      if (!in.Skip(wire_type)) return false;
      continue;
    }
    if (field != open_array) {
      if (open_array != nullptr) {
        out->push_back(']');
        open_array = nullptr;
      }
      if (number <= last_number || field->map) return false;
      last_number = number;
      if (field->oneof >= 0) {
        const uint64_t bit = uint64_t{1} << field->oneof;
        if ((oneofs_seen & bit) != 0) return false;
        oneofs_seen |= bit;
      }
    }
    const uint32_t expected = field->expected_wire_type;
    if (field->repeated) {
      const bool packed = wire_type == kLengthDelimited && expected != kLengthDelimited;
      if (!packed && wire_type != expected) return false;
      if (open_array == nullptr) {
        if (!first) out->push_back(',');
        first = false;
        out->append(field->key);
        out->push_back('[');
        open_array = field;
        first_element = true;
      }
      std::string_view run;
      if (packed && (!in.LengthDelimited(&run) || run.empty())) return false;
      WireReader elements(run);
      WireReader& source = packed ? elements : in;
      do {
        if (!first_element) out->push_back(',');
        first_element = false;
        bool skip = false;
        if (!AppendWireValue(*field, source, depth, &skip, out)) return false;
      } while (packed && !elements.done());
      continue;
    }
    if (wire_type != expected) return false;
    const size_t mark = out->size();
    if (!first) out->push_back(',');
    out->append(field->key);
    bool skip = false;
    if (!AppendWireValue(*field, in, depth, &skip, out)) return false;
    if (skip) {
      out->resize(mark);  // a default a canonical serializer would not even have written
    } else {
      first = false;
    }
  }
  if (open_array != nullptr) out->push_back(']');
  out->push_back('}');
  return true;
}

}  // namespace

bool AppendWireJson(const Descriptor* type, std::string_view bytes, std::string* out) {
  return AppendWireMessage(AllPlans().For(type), bytes, 0, out);
}

}  // namespace comptoir::gateway
