#include "preconditions.h"

#include "absl/strings/numbers.h"
#include "text.h"

namespace comptoir::gateway {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

const FieldDescriptor* Int64Field(const Descriptor* type, const char* name) {
  const FieldDescriptor* f = type == nullptr ? nullptr : type->FindFieldByName(name);
  if (f == nullptr || f->is_repeated() || f->cpp_type() != FieldDescriptor::CPPTYPE_INT64) {
    return nullptr;
  }
  return f;
}

}  // namespace

std::string VersionEtag(int64_t version) { return text::Cat("\"v", version, "\""); }

std::optional<int64_t> VersionFromEntityTag(std::string_view if_match) {
  std::string_view tag = text::Strip(if_match.substr(0, if_match.find(',')));
  if (text::StartsWith(tag, "W/")) tag.remove_prefix(2);
  if (tag.size() < 4 || tag.front() != '"' || tag.back() != '"' || tag[1] != 'v') {
    return std::nullopt;
  }
  tag = tag.substr(2, tag.size() - 3);
  if (text::EndsWith(tag, "-gz")) tag.remove_suffix(3);
  int64_t version = 0;
  if (!absl::SimpleAtoi(absl::string_view(tag.data(), tag.size()), &version) || version <= 0) {
    return std::nullopt;
  }
  return version;
}

bool SetExpectedVersion(Message* request, const std::string& body_field, int64_t version) {
  const Descriptor* type = request->GetDescriptor();
  if (const FieldDescriptor* f = Int64Field(type, "version")) {
    request->GetReflection()->SetInt64(request, f, version);
    return true;
  }
  if (body_field.empty() || body_field == "*") return false;
  const FieldDescriptor* body = type->FindFieldByName(body_field);
  if (body == nullptr || body->is_repeated() ||
      body->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) {
    return false;
  }
  const FieldDescriptor* f = Int64Field(body->message_type(), "version");
  if (f == nullptr) return false;
  Message* inner = request->GetReflection()->MutableMessage(request, body);
  inner->GetReflection()->SetInt64(inner, f, version);
  return true;
}

bool HasVersionField(const Descriptor* type) { return Int64Field(type, "version") != nullptr; }

std::optional<int64_t> VersionOf(const Message& message) {
  const FieldDescriptor* f = Int64Field(message.GetDescriptor(), "version");
  if (f == nullptr) return std::nullopt;
  return message.GetReflection()->GetInt64(message, f);
}

bool SetResumeId(Message* request, std::string_view last_event_id) {
  const FieldDescriptor* f = request->GetDescriptor()->FindFieldByName("after_event_id");
  if (f == nullptr || f->is_repeated()) return false;
  const auto* reflection = request->GetReflection();
  const absl::string_view value(last_event_id.data(), last_event_id.size());
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING:
      reflection->SetString(request, f, std::string(last_event_id));
      return true;
    case FieldDescriptor::CPPTYPE_INT64: {
      int64_t n = 0;
      if (!absl::SimpleAtoi(value, &n)) return false;
      reflection->SetInt64(request, f, n);
      return true;
    }
    case FieldDescriptor::CPPTYPE_UINT64: {
      uint64_t n = 0;
      if (!absl::SimpleAtoi(value, &n)) return false;
      reflection->SetUInt64(request, f, n);
      return true;
    }
    default:
      return false;
  }
}

std::optional<std::string> EventIdOf(const Message& message) {
  const FieldDescriptor* f = message.GetDescriptor()->FindFieldByName("event_id");
  if (f == nullptr || f->is_repeated()) return std::nullopt;
  const auto* reflection = message.GetReflection();
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING:
      return reflection->GetString(message, f);
    case FieldDescriptor::CPPTYPE_INT64: {
      const int64_t n = reflection->GetInt64(message, f);
      return n == 0 ? std::string() : std::to_string(n);
    }
    case FieldDescriptor::CPPTYPE_UINT64: {
      const uint64_t n = reflection->GetUInt64(message, f);
      return n == 0 ? std::string() : std::to_string(n);
    }
    default:
      return std::nullopt;
  }
}

}  // namespace comptoir::gateway
