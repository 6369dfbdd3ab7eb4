#include "openapi.h"

#include <map>
#include <optional>
#include <set>
#include <utility>

#include "absl/status/status.h"
#include "comptoir/common/embedded_file.h"
#include "comptoir/common/log.h"
#include "google/protobuf/descriptor.pb.h"
#include "preconditions.h"
#include "text.h"

namespace comptoir::gateway {

// Defined by the file comptoir_embed_files generates (gateway/CMakeLists.txt).
std::vector<common::EmbeddedFile> ApiDescriptorSets();

namespace {

using google::protobuf::Descriptor;
using google::protobuf::EnumDescriptor;
using google::protobuf::FieldDescriptor;

// A JSON value that keeps object members in insertion order, so the document reads in the
// order OpenAPI readers expect (openapi, info, paths ...) and is the same on every start.
class Json {
 public:
  Json() : Json(Kind::kObject) {}
  static Json Object() { return Json(Kind::kObject); }
  static Json Array() { return Json(Kind::kArray); }
  static Json String(std::string_view s) { return Json(Kind::kRaw, common::JsonQuote(s)); }
  static Json Raw(std::string literal) { return Json(Kind::kRaw, std::move(literal)); }
  static Json Bool(bool b) { return Raw(b ? "true" : "false"); }
  static Json Int(long long v) { return Raw(std::to_string(v)); }

  Json& Set(std::string_view key, Json value) {
    for (auto& member : members_) {
      if (member.first == key) {
        member.second = std::move(value);
        return *this;
      }
    }
    members_.emplace_back(std::string(key), std::move(value));
    return *this;
  }
  Json& Set(std::string_view key, std::string_view value) { return Set(key, String(value)); }
  Json& Set(std::string_view key, const char* value) { return Set(key, String(value)); }
  Json& Push(Json value) {
    items_.push_back(std::move(value));
    return *this;
  }
  bool Has(std::string_view key) const {
    for (const auto& member : members_) {
      if (member.first == key) return true;
    }
    return false;
  }
  Json* Find(std::string_view key) {
    for (auto& member : members_) {
      if (member.first == key) return &member.second;
    }
    return nullptr;
  }
  bool empty() const { return members_.empty() && items_.empty(); }

  void Dump(std::string* out) const {
    switch (kind_) {
      case Kind::kRaw:
        out->append(raw_);
        return;
      case Kind::kArray:
        out->push_back('[');
        for (size_t i = 0; i < items_.size(); ++i) {
          if (i > 0) out->push_back(',');
          items_[i].Dump(out);
        }
        out->push_back(']');
        return;
      case Kind::kObject:
        out->push_back('{');
        for (size_t i = 0; i < members_.size(); ++i) {
          if (i > 0) out->push_back(',');
          out->append(common::JsonQuote(members_[i].first));
          out->push_back(':');
          members_[i].second.Dump(out);
        }
        out->push_back('}');
        return;
    }
  }

 private:
  enum class Kind { kRaw, kObject, kArray };
  explicit Json(Kind kind, std::string raw = "") : kind_(kind), raw_(std::move(raw)) {}

  Kind kind_;
  std::string raw_;
  std::vector<std::pair<std::string, Json>> members_;
  std::vector<Json> items_;
};

Json Ref(std::string_view where, std::string_view name) {
  return Json::Object().Set("$ref", text::Cat("#/components/", where, "/", name));
}

std::string Trim(std::string s) {
  std::string_view v = text::Strip(s);
  return std::string(v);
}

// Comments are written for readers of the .proto: lines are joined back into paragraphs.
template <typename D>
std::string CommentOf(
    const google::protobuf::DescriptorPool* pool, const D* element,
    const D* (google::protobuf::DescriptorPool::*find)(google::protobuf::ConstStringParam) const) {
  if (pool == nullptr || element == nullptr) return "";
  const D* found = (pool->*find)(element->full_name());
  if (found == nullptr) return "";
  google::protobuf::SourceLocation location;
  if (!found->GetSourceLocation(&location)) return "";
  std::string comment = Trim(location.leading_comments.empty() ? location.trailing_comments
                                                               : location.leading_comments);
  std::string out;
  for (std::string_view line : text::Split(comment, '\n')) {
    line = text::Strip(line);
    if (line.empty()) {
      out += "\n\n";
    } else {
      if (!out.empty() && out.back() != '\n') out += ' ';
      out.append(line);
    }
  }
  return out;
}

std::string FirstSentence(const std::string& s) {
  size_t end = s.find(". ");
  std::string first = end == std::string::npos ? s : s.substr(0, end + 1);
  size_t nl = first.find('\n');
  if (nl != std::string::npos) first = first.substr(0, nl);
  if (first.size() > 120) first = first.substr(0, 117) + "...";
  return Trim(first);
}

bool IsWellKnownScalar(const Descriptor* d) {
  return d->file()->name().rfind("google/protobuf/", 0) == 0;
}

// Component schemas of messages and enums, created on first use.
class Schemas {
 public:
  explicit Schemas(const ProtoComments& comments) : comments_(comments) {}

  // The schema of one value of the field's type (the element of a repeated field).
  Json ValueSchema(const FieldDescriptor* f) {
    switch (f->type()) {
      case FieldDescriptor::TYPE_DOUBLE:
        return Json::Object().Set("type", "number").Set("format", "double");
      case FieldDescriptor::TYPE_FLOAT:
        return Json::Object().Set("type", "number").Set("format", "float");
      // The protobuf JSON mapping writes 64-bit integers as strings (JavaScript numbers
      // cannot hold them); it reads both forms.
      case FieldDescriptor::TYPE_INT64:
      case FieldDescriptor::TYPE_SINT64:
      case FieldDescriptor::TYPE_SFIXED64:
        return Json::Object().Set("type", "string").Set("format", "int64");
      case FieldDescriptor::TYPE_UINT64:
      case FieldDescriptor::TYPE_FIXED64:
        return Json::Object().Set("type", "string").Set("format", "uint64");
      case FieldDescriptor::TYPE_INT32:
      case FieldDescriptor::TYPE_SINT32:
      case FieldDescriptor::TYPE_SFIXED32:
        return Json::Object().Set("type", "integer").Set("format", "int32");
      case FieldDescriptor::TYPE_UINT32:
      case FieldDescriptor::TYPE_FIXED32:
        return Json::Object()
            .Set("type", "integer")
            .Set("format", "int64")
            .Set("minimum", Json::Int(0))
            .Set("maximum", Json::Int(4294967295LL));
      case FieldDescriptor::TYPE_BOOL:
        return Json::Object().Set("type", "boolean");
      case FieldDescriptor::TYPE_STRING:
        return Json::Object().Set("type", "string");
      case FieldDescriptor::TYPE_BYTES:
        return Json::Object().Set("type", "string").Set("format", "byte");
      case FieldDescriptor::TYPE_ENUM:
        return EnumRef(f->enum_type());
      case FieldDescriptor::TYPE_MESSAGE:
      case FieldDescriptor::TYPE_GROUP:
        return MessageRef(f->message_type());
    }
    return Json::Object();
  }

  // The schema of the field as it appears in JSON: arrays, maps and all.
  Json FieldSchema(const FieldDescriptor* f) {
    if (f->is_map()) {
      return Json::Object()
          .Set("type", "object")
          .Set("additionalProperties", ValueSchema(f->message_type()->map_value()));
    }
    if (f->is_repeated()) return Json::Object().Set("type", "array").Set("items", ValueSchema(f));
    return ValueSchema(f);
  }

  // A reference, or an inline schema for well-known types that JSON writes as scalars.
  Json MessageRef(const Descriptor* d) {
    if (auto wkt = WellKnown(d)) return std::move(*wkt);
    Ensure(d);
    return Ref("schemas", d->full_name());
  }

  Json EnumRef(const EnumDescriptor* e) {
    const std::string& name = e->full_name();
    if (!done_.count(name)) {
      done_.insert(name);
      Json values = Json::Array();
      std::string description = comments_.Of(e);
      for (int i = 0; i < e->value_count(); ++i) {
        values.Push(Json::String(e->value(i)->name()));
        std::string value_doc = comments_.Of(e->value(i));
        if (!value_doc.empty()) {
          text::Append(&description, description.empty() ? "" : "\n\n", "- `", e->value(i)->name(),
                       "`: ", value_doc);
        }
      }
      Json schema = Json::Object().Set("type", "string").Set("enum", std::move(values));
      if (!description.empty()) schema.Set("description", description);
      components_.emplace(name, std::move(schema));
    }
    return Ref("schemas", name);
  }

  // Moves out the components, sorted by name.
  Json Take() {
    Json out = Json::Object();
    for (auto& [name, schema] : components_) out.Set(name, std::move(schema));
    components_.clear();
    return out;
  }

 private:
  std::optional<Json> WellKnown(const Descriptor* d) {
    if (!IsWellKnownScalar(d)) return std::nullopt;
    const std::string& n = d->full_name();
    auto nullable = [](Json j) { return std::move(j.Set("nullable", Json::Bool(true))); };
    if (n == "google.protobuf.Timestamp") {
      return Json::Object()
          .Set("type", "string")
          .Set("format", "date-time")
          .Set("description", "RFC 3339 time in UTC, e.g. 2026-03-01T09:30:00Z.");
    }
    if (n == "google.protobuf.Duration") {
      return Json::Object()
          .Set("type", "string")
          .Set("pattern", "^-?[0-9]+(\\.[0-9]{1,9})?s$")
          .Set("description", "Seconds with a trailing s, e.g. 3.5s.");
    }
    if (n == "google.protobuf.FieldMask") {
      return Json::Object()
          .Set("type", "string")
          .Set("description",
               "Comma-separated JSON field names to change, e.g. \"name,category\"; fields not "
               "listed are left as they are.");
    }
    if (n == "google.protobuf.Struct") {
      return Json::Object().Set("type", "object").Set("additionalProperties", Json::Bool(true));
    }
    if (n == "google.protobuf.Value") return Json::Object().Set("description", "Any JSON value.");
    if (n == "google.protobuf.ListValue") {
      return Json::Object().Set("type", "array").Set("items", Json::Object());
    }
    if (n == "google.protobuf.Empty") return Json::Object().Set("type", "object");
    if (n == "google.protobuf.Any") {
      return Json::Object()
          .Set("type", "object")
          .Set("properties", Json::Object().Set("@type", Json::Object().Set("type", "string")))
          .Set("additionalProperties", Json::Bool(true));
    }
    if (n == "google.protobuf.DoubleValue" || n == "google.protobuf.FloatValue") {
      return nullable(Json::Object().Set("type", "number"));
    }
    if (n == "google.protobuf.Int64Value" || n == "google.protobuf.UInt64Value") {
      return nullable(Json::Object().Set("type", "string").Set("format", "int64"));
    }
    if (n == "google.protobuf.Int32Value" || n == "google.protobuf.UInt32Value") {
      return nullable(Json::Object().Set("type", "integer"));
    }
    if (n == "google.protobuf.BoolValue") return nullable(Json::Object().Set("type", "boolean"));
    if (n == "google.protobuf.StringValue") return nullable(Json::Object().Set("type", "string"));
    if (n == "google.protobuf.BytesValue") {
      return nullable(Json::Object().Set("type", "string").Set("format", "byte"));
    }
    return std::nullopt;
  }

  void Ensure(const Descriptor* d) {
    const std::string& name = d->full_name();
    if (done_.count(name)) return;
    done_.insert(name);  // before the fields: recursive messages refer to themselves
    Json properties = Json::Object();
    for (int i = 0; i < d->field_count(); ++i) {
      const FieldDescriptor* f = d->field(i);
      Json schema = FieldSchema(f);
      std::string doc = comments_.Of(f);
      if (f->real_containing_oneof() != nullptr) {
        text::Append(&doc, doc.empty() ? "" : " ", "At most one of the `",
                     f->real_containing_oneof()->name(), "` fields is set.");
      }
      if (!doc.empty()) {
        // In OpenAPI 3.0 keywords beside a $ref are ignored: wrap the reference.
        if (schema.Has("$ref"))
          schema = Json::Object().Set("allOf", Json::Array().Push(std::move(schema)));
        if (!doc.empty()) schema.Set("description", doc);
        if (doc.find("Output only") != std::string::npos) schema.Set("readOnly", Json::Bool(true));
      }
      properties.Set(f->json_name(), std::move(schema));
    }
    Json schema = Json::Object().Set("type", "object");
    std::string doc = comments_.Of(d);
    if (!doc.empty()) schema.Set("description", doc);
    if (!properties.empty()) schema.Set("properties", std::move(properties));
    components_.emplace(name, std::move(schema));
  }

  const ProtoComments& comments_;
  std::set<std::string> done_;
  std::map<std::string, Json> components_;
};

bool IsScalarForQuery(const FieldDescriptor* f) {
  if (f->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) return true;
  const std::string& n = f->message_type()->full_name();
  return n == "google.protobuf.Timestamp" || n == "google.protobuf.Duration" ||
         n == "google.protobuf.FieldMask" ||
         (IsWellKnownScalar(f->message_type()) && text::EndsWith(n, "Value") &&
          n != "google.protobuf.Value" && n != "google.protobuf.ListValue");
}

// Query parameters of a request: every field not bound by the path or the body, walking
// into singular messages with dotted names, as the transcoder reads them.
void AddQueryParameters(const Descriptor* d, const std::string& proto_prefix,
                        const std::string& json_prefix, const std::set<std::string>& bound,
                        int depth, Schemas& schemas, const ProtoComments& comments, Json* out) {
  if (depth > 3) return;
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    const std::string proto_path = proto_prefix + f->name();
    if (bound.count(proto_path)) continue;
    const std::string json_name = json_prefix + f->json_name();
    if (f->is_map()) continue;
    if (!IsScalarForQuery(f)) {
      if (!f->is_repeated()) {
        AddQueryParameters(f->message_type(), proto_path + ".", json_name + ".", bound, depth + 1,
                           schemas, comments, out);
      }
      continue;
    }
    Json param = Json::Object().Set("name", json_name).Set("in", "query");
    std::string doc = comments.Of(f);
    if (!doc.empty()) param.Set("description", doc);
    if (f->is_repeated()) {
      param.Set("style", "form").Set("explode", Json::Bool(true));
    }
    param.Set("schema", schemas.FieldSchema(f));
    out->Push(std::move(param));
  }
}

Json ProblemSchema() {
  auto str = [](std::string_view doc) {
    return Json::Object().Set("type", "string").Set("description", doc);
  };
  return Json::Object()
      .Set("type", "object")
      .Set("description",
           "An error (RFC 9457). Clients branch on `code` and `errors`, not on `detail`.")
      .Set("required", Json::Array()
                           .Push(Json::String("type"))
                           .Push(Json::String("title"))
                           .Push(Json::String("status"))
                           .Push(Json::String("code")))
      .Set("properties",
           Json::Object()
               .Set("type", str("Always about:blank."))
               .Set("title", str("The HTTP reason phrase."))
               .Set("status", Json::Object().Set("type", "integer").Set("format", "int32"))
               .Set("detail", str("What went wrong, for the developer."))
               .Set("instance", str("The request path, without its query."))
               .Set("request_id", str("The X-Request-Id of the request, for support."))
               .Set("code", str("Canonical gRPC code name, e.g. INVALID_ARGUMENT or NOT_FOUND."))
               .Set("errors",
                    Json::Object()
                        .Set("type", "array")
                        .Set("description", "One entry per invalid field.")
                        .Set("items",
                             Json::Object()
                                 .Set("type", "object")
                                 .Set("properties",
                                      Json::Object()
                                          .Set("field", str("Path of the field, e.g. shop.name."))
                                          .Set("description", str("What is wrong with it."))))));
}

struct ErrorResponse {
  const char* status;
  const char* name;
  const char* description;
};
constexpr ErrorResponse kErrors[] = {
    {"400", "BadRequest", "The request is malformed or a field is invalid (see `errors`)."},
    {"401", "Unauthorized", "The bearer token or the partner key is missing, invalid or expired."},
    {"403", "Forbidden", "The caller may not do this."},
    {"404", "NotFound", "No such resource."},
    {"409", "Conflict", "The resource exists already or changed meanwhile; read it and retry."},
    {"412", "PreconditionFailed",
     "If-Match names a version that is no longer current; read the resource again."},
    {"413", "PayloadTooLarge", "The body is larger than the route accepts."},
    {"415", "UnsupportedMediaType", "The body is not application/json."},
    {"429", "TooManyRequests",
     "The caller's rate limit is spent; retry after Retry-After seconds."},
    {"503", "Unavailable", "A service is unavailable; retry shortly."},
    {"504", "GatewayTimeout", "A service did not answer in time."},
};

Json ErrorResponses() {
  Json out = Json::Object();
  for (const ErrorResponse& e : kErrors) {
    Json response =
        Json::Object()
            .Set("description", e.description)
            .Set("headers", Json::Object().Set("X-Request-Id", Ref("headers", "X-Request-Id")))
            .Set("content",
                 Json::Object().Set("application/problem+json",
                                    Json::Object().Set("schema", Ref("schemas", "Problem"))));
    if (std::string_view(e.status) == "429") {
      response.Find("headers")->Set("Retry-After", Ref("headers", "Retry-After"));
    }
    out.Set(e.name, std::move(response));
  }
  out.Set("Error",
          Json::Object()
              .Set("description", "Unexpected error.")
              .Set("headers", Json::Object().Set("X-Request-Id", Ref("headers", "X-Request-Id")))
              .Set("content",
                   Json::Object().Set("application/problem+json",
                                      Json::Object().Set("schema", Ref("schemas", "Problem")))));
  return out;
}

Json Headers() {
  auto header = [](std::string_view doc, Json schema) {
    return Json::Object().Set("description", doc).Set("schema", std::move(schema));
  };
  return Json::Object()
      .Set("X-Request-Id",
           header("Id of the request: the caller's X-Request-Id when sane, else a fresh one.",
                  Json::Object().Set("type", "string")))
      .Set("Retry-After", header("Seconds to wait before retrying.",
                                 Json::Object().Set("type", "integer").Set("format", "int32")));
}

// "/v1/products/{product.id}:x" -> "/v1/products/{}:x".
std::string PathShape(std::string_view key) {
  std::string out;
  bool in_braces = false;
  for (char c : key) {
    if (c == '{') in_braces = true, out += "{}";
    if (!in_braces) out += c;
    if (c == '}') in_braces = false;
  }
  return out;
}

std::vector<std::string> PathParameterNames(std::string_view key) {
  std::vector<std::string> out;
  for (size_t open = key.find('{'); open != std::string_view::npos; open = key.find('{', open)) {
    size_t close = key.find('}', open);
    if (close == std::string_view::npos) break;
    out.emplace_back(key.substr(open + 1, close - open - 1));
    open = close;
  }
  return out;
}

}  // namespace

// --- ProtoComments -------------------------------------------------------------------------

ProtoComments::ProtoComments() = default;
ProtoComments::~ProtoComments() = default;
ProtoComments::ProtoComments(ProtoComments&&) noexcept = default;
ProtoComments& ProtoComments::operator=(ProtoComments&&) noexcept = default;

absl::StatusOr<ProtoComments> ProtoComments::FromDescriptorSet(std::string_view serialized) {
  google::protobuf::FileDescriptorSet set;
  if (!set.ParseFromArray(serialized.data(), static_cast<int>(serialized.size()))) {
    return absl::InvalidArgumentError("not a FileDescriptorSet");
  }
  ProtoComments out;
  out.pool_ = std::make_unique<google::protobuf::DescriptorPool>();
  for (const auto& file : set.file()) {
    const auto* built = out.pool_->BuildFile(file);
    if (built == nullptr) {
      return absl::InvalidArgumentError(text::Cat("descriptor set: cannot build ", file.name()));
    }
    for (int i = 0; i < built->service_count(); ++i) {
      out.service_names_.push_back(built->service(i)->full_name());
    }
  }
  return out;
}

ProtoComments ProtoComments::Embedded() {
  for (const common::EmbeddedFile& file : ApiDescriptorSets()) {
    auto comments = FromDescriptorSet(file.contents);
    if (comments.ok()) return std::move(*comments);
    LOG_WARN("API descriptions unavailable",
             {{"error", std::string(text::Std(comments.status().message()))}});
  }
  return ProtoComments();
}

std::string ProtoComments::Of(const google::protobuf::ServiceDescriptor* d) const {
  return CommentOf(pool_.get(), d, &google::protobuf::DescriptorPool::FindServiceByName);
}
std::string ProtoComments::Of(const google::protobuf::MethodDescriptor* d) const {
  return CommentOf(pool_.get(), d, &google::protobuf::DescriptorPool::FindMethodByName);
}
std::string ProtoComments::Of(const Descriptor* d) const {
  return CommentOf(pool_.get(), d, &google::protobuf::DescriptorPool::FindMessageTypeByName);
}
std::string ProtoComments::Of(const FieldDescriptor* d) const {
  return CommentOf(pool_.get(), d, &google::protobuf::DescriptorPool::FindFieldByName);
}
std::string ProtoComments::Of(const EnumDescriptor* d) const {
  return CommentOf(pool_.get(), d, &google::protobuf::DescriptorPool::FindEnumTypeByName);
}
std::string ProtoComments::Of(const google::protobuf::EnumValueDescriptor* d) const {
  return CommentOf(pool_.get(), d, &google::protobuf::DescriptorPool::FindEnumValueByName);
}

std::vector<std::string> ProtoComments::ServiceNames() const { return service_names_; }

// --- The document --------------------------------------------------------------------------

std::string OpenApiPath(const PathTemplate& path) {
  std::string out;
  const auto& segments = path.segments();
  const auto& variables = path.variables();
  for (size_t i = 0; i < segments.size();) {
    out += '/';
    const PathTemplate::Variable* var = nullptr;
    for (const auto& v : variables) {
      if (v.begin == i) var = &v;
    }
    if (var != nullptr) {
      text::Append(&out, "{", var->field_path, "}");
      i = var->end > i ? var->end : i + 1;
      continue;
    }
    const auto& s = segments[i];
    out += s.kind == PathTemplate::SegmentKind::kLiteral
               ? s.literal
               : (s.kind == PathTemplate::SegmentKind::kSingle ? "*" : "**");
    ++i;
  }
  if (out.empty()) out = "/";
  if (!path.verb().empty()) text::Append(&out, ":", path.verb());
  return out;
}

std::string GenerateOpenApi(const RouteTable& routes, const ProtoComments& comments,
                            const OpenApiOptions& options) {
  Schemas schemas(comments);
  std::map<std::string, Json> paths;  // sorted: readers find routes by path
  std::map<std::string, std::string> tags;
  std::set<std::string> operation_ids;
  std::map<std::string, std::string> shapes;  // path with "{}" for parameters -> path key

  for (const Route& route : routes.routes()) {
    const auto* method = route.method;
    const auto* service = method->service();
    tags.emplace(service->name(), comments.Of(service));

    std::string operation_id = text::Cat(service->name(), "_", method->name());
    for (int n = 2; operation_ids.count(operation_id); ++n) {
      operation_id = text::Cat(service->name(), "_", method->name(), "_", n);
    }
    operation_ids.insert(operation_id);

    std::string doc = comments.Of(method);
    Json op = Json::Object()
                  .Set("tags", Json::Array().Push(Json::String(service->name())))
                  .Set("operationId", operation_id)
                  .Set("summary", FirstSentence(doc).empty() ? method->name() : FirstSentence(doc));
    if (!doc.empty()) op.Set("description", doc);

    // "/v1/products/{product}" (GET) and "/v1/products/{product.id}" (PATCH) are one URL:
    // OpenAPI wants one path item, so later routes take the names the first one gave.
    std::string key = OpenApiPath(route.path);
    key = shapes.emplace(PathShape(key), key).first->second;
    const std::vector<std::string> names = PathParameterNames(key);

    Json parameters = Json::Array();
    std::set<std::string> bound;
    const auto& variables = route.path.variables();
    for (size_t v = 0; v < variables.size(); ++v) {
      const auto& var = variables[v];
      bound.insert(var.field_path);
      auto fields = ResolveFieldPath(method->input_type(), var.field_path, false);
      Json param = Json::Object()
                       .Set("name", v < names.size() ? names[v] : var.field_path)
                       .Set("in", "path")
                       .Set("required", Json::Bool(true));
      std::string field_doc = fields.empty() ? "" : comments.Of(fields.back());
      if (!field_doc.empty()) param.Set("description", field_doc);
      param.Set("schema", fields.empty() ? Json::Object().Set("type", "string")
                                         : schemas.ValueSchema(fields.back()));
      parameters.Push(std::move(param));
    }
    if (route.body != "*") {
      if (!route.body.empty()) bound.insert(route.body);
      AddQueryParameters(method->input_type(), "", "", bound, 0, schemas, comments, &parameters);
    }
    if (!parameters.empty()) op.Set("parameters", std::move(parameters));

    if (!route.body.empty()) {
      Json body_schema;
      std::string body_doc;
      if (route.body == "*") {
        body_schema = schemas.MessageRef(method->input_type());
      } else {
        const FieldDescriptor* f = method->input_type()->FindFieldByName(route.body);
        body_schema = schemas.FieldSchema(f);
        body_doc = comments.Of(f);
      }
      Json request_body = Json::Object();
      if (!body_doc.empty()) request_body.Set("description", body_doc);
      request_body.Set("required", Json::Bool(true))
          .Set("content", Json::Object().Set("application/json",
                                             Json::Object().Set("schema", std::move(body_schema))));
      op.Set("requestBody", std::move(request_body));
    }

    // A server-streaming RPC is served as Server-Sent Events: each event's data is one
    // response message as JSON.
    const bool streams = method->server_streaming();
    Json content =
        streams
            ? Json::Object().Set(
                  "text/event-stream",
                  Json::Object().Set(
                      "schema", Json::Object()
                                    .Set("type", "string")
                                    .Set("description",
                                         text::Cat("Server-Sent Events; each `data:` line is one ",
                                                   method->output_type()->full_name(),
                                                   " as JSON, `id:` its event id (send it back as "
                                                   "Last-Event-ID to resume)."))))
            : Json::Object().Set(
                  "application/json",
                  Json::Object().Set(
                      "schema", route.response_body.empty()
                                    ? schemas.MessageRef(method->output_type())
                                    : schemas.FieldSchema(method->output_type()->FindFieldByName(
                                          route.response_body))));
    Json responses = Json::Object().Set(
        "200",
        Json::Object()
            .Set("description", "OK")
            .Set("headers", Json::Object().Set("X-Request-Id", Ref("headers", "X-Request-Id")))
            .Set("content", std::move(content)));
    const bool has_body = !route.body.empty();
    const bool writes = route.http_method != "GET";
    // Writes of versioned resources take If-Match (the ETag read) as their expected version.
    const google::protobuf::Descriptor* body_type =
        route.body.empty() || route.body == "*"
            ? nullptr
            : (method->input_type()->FindFieldByName(route.body) != nullptr
                   ? method->input_type()->FindFieldByName(route.body)->message_type()
                   : nullptr);
    const bool versioned = writes && (HasVersionField(method->input_type()) ||
                                      (body_type != nullptr && HasVersionField(body_type)));
    for (const ErrorResponse& e : kErrors) {
      std::string_view status = e.status;
      if ((status == "413" || status == "415") && !has_body) continue;
      if (status == "409" && !writes) continue;
      if (status == "412" && !versioned) continue;
      responses.Set(status, Ref("responses", e.name));
    }
    responses.Set("default", Ref("responses", "Error"));
    op.Set("responses", std::move(responses));

    Json& item = paths.try_emplace(key, Json::Object()).first->second;
    const std::string verb = text::ToLower(route.http_method);
    if (item.Has(verb)) {
      // Two templates that read the same in OpenAPI ("{name=shops/*}" and "{name=items/*}"
      // both become "{name}"): keep the first rather than emit an invalid document.
      LOG_WARN("route left out of /openapi.json", {{"route", route.name}});
      continue;
    }
    item.Set(verb, std::move(op));
  }

  Json doc = Json::Object();
  doc.Set("openapi", "3.0.3");
  doc.Set("info",
          Json::Object()
              .Set("title", options.title)
              .Set("version", options.version)
              .Set("description",
                   "The public HTTP API of Comptoir, the local shops of Bourgogne-Franche-Comte. "
                   "Generated from the services' protobuf definitions. Requests and answers are "
                   "JSON (protobuf JSON mapping: camelCase names, 64-bit integers as strings, "
                   "money in integer cents); errors are application/problem+json. Calls may be "
                   "anonymous, carry a bearer access token, or a partner key in X-Api-Key.")
              .Set("license",
                   Json::Object()
                       .Set("name", "Licence Ouverte / Open Licence 2.0")
                       .Set("url", "https://www.etalab.gouv.fr/licence-ouverte-open-licence"))
              .Set("contact", Json::Object().Set("name", "Comptoir")));
  doc.Set("servers", Json::Array().Push(Json::Object().Set("url", "/")));
  // Anonymous calls are allowed on every route; the services decide what needs a token.
  doc.Set("security", Json::Array()
                          .Push(Json::Object())
                          .Push(Json::Object().Set("bearerAuth", Json::Array()))
                          .Push(Json::Object().Set("partnerKey", Json::Array())));
  Json tag_list = Json::Array();
  for (const auto& [name, description] : tags) {
    tag_list.Push(Json::Object()
                      .Set("name", name)
                      .Set("description", description.empty()
                                              ? text::Cat("Operations of ", name, ".")
                                              : description));
  }
  doc.Set("tags", std::move(tag_list));
  Json path_items = Json::Object();
  for (auto& [key, item] : paths) path_items.Set(key, std::move(item));
  doc.Set("paths", std::move(path_items));

  Json components_schemas = schemas.Take();
  components_schemas.Set("Problem", ProblemSchema());
  doc.Set("components",
          Json::Object()
              .Set("schemas", std::move(components_schemas))
              .Set("responses", ErrorResponses())
              .Set("headers", Headers())
              .Set("securitySchemes",
                   Json::Object()
                       .Set("bearerAuth",
                            Json::Object()
                                .Set("type", "http")
                                .Set("scheme", "bearer")
                                .Set("bearerFormat", "JWT")
                                .Set("description", "Access token from POST /v1/sessions."))
                       .Set("partnerKey",
                            Json::Object()
                                .Set("type", "apiKey")
                                .Set("in", "header")
                                .Set("name", "X-Api-Key")
                                .Set("description",
                                     "Key of a partner site, for public catalogue reads: the GET "
                                     "operations of shops and products. From a browser, the "
                                     "page's Origin must be one of the key's allowed origins "
                                     "(CORS answers echo it; another origin is 403); other sites' "
                                     "browsers calling those operations without a key get 401. "
                                     "Requests are counted against the key's rate tier."))));
  std::string out;
  doc.Dump(&out);
  return out;
}

}  // namespace comptoir::gateway
