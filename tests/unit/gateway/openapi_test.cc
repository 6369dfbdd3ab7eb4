// /openapi.json: generated from routes and proto comments, it must describe every route,
// parameter and schema as the transcoder reads them, and pass a standard OpenAPI linter.
#include "openapi.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/text_format.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <map>

#include "comptoir/shops/v1/shops.pb.h"
#include "google/api/annotations.pb.h"
#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/field_mask.pb.h"
#include "google/protobuf/timestamp.pb.h"

namespace comptoir::gateway {
namespace {

using google::protobuf::Value;

Value Parse(const std::string& json) {
  google::protobuf::Struct doc;
  auto st = google::protobuf::util::JsonStringToMessage(json, &doc);
  EXPECT_TRUE(st.ok()) << st.ToString();
  Value out;
  *out.mutable_struct_value() = doc;
  return out;
}

// The value at a path of object keys; a null value when a key is missing.
Value At(const Value& root, std::initializer_list<std::string> keys) {
  Value current = root;
  for (const std::string& key : keys) {
    if (current.kind_case() == Value::kListValue) {
      int index = std::stoi(key);
      if (index >= current.list_value().values_size()) return Value();
      current = Value(current.list_value().values(index));
      continue;
    }
    const auto& fields = current.struct_value().fields();
    auto it = fields.find(key);
    if (it == fields.end()) return Value();
    current = Value(it->second);
  }
  return current;
}

std::string Str(const Value& v) { return v.string_value(); }

// The parameter named `name` of an operation, or a null value.
Value Param(const Value& op, const std::string& name) {
  const Value params = At(op, {"parameters"});
  for (const Value& p : params.list_value().values()) {
    if (At(p, {"name"}).string_value() == name) return p;
  }
  return Value();
}

TEST(ProtoCommentsTest, EmbeddedDescriptorSetCarriesProtoComments) {
  ProtoComments comments = ProtoComments::Embedded();
  EXPECT_NE(comments.Of(shops::v1::Shop::descriptor()).find("shop"), std::string::npos);
  const auto* slug = shops::v1::Shop::descriptor()->FindFieldByName("slug");
  EXPECT_NE(comments.Of(slug).find("Output only"), std::string::npos) << comments.Of(slug);
  const auto& services = comments.ServiceNames();
  EXPECT_NE(std::find(services.begin(), services.end(), "comptoir.shops.v1.ShopService"),
            services.end());
}

TEST(OpenApiPathTest, CapturesWithPatternsBecomePlainParameters) {
  auto t = PathTemplate::Parse("/v1/{name=shops/*}:approve");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(OpenApiPath(*t), "/v1/{name}:approve");
  t = PathTemplate::Parse("/v1/shops/{shop}/products");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(OpenApiPath(*t), "/v1/shops/{shop}/products");
}

TEST(OpenApiTest, ShopRoutesAreDescribedFromTheirDescriptorsAndComments) {
  auto routes = RouteTable::Build({{"comptoir.shops.v1.ShopService", "127.0.0.1:1"}});
  ASSERT_TRUE(routes.ok()) << routes.status();
  Value doc = Parse(GenerateOpenApi(*routes, ProtoComments::Embedded()));
  EXPECT_EQ(Str(At(doc, {"openapi"})), "3.0.3");

  Value get = At(doc, {"paths", "/v1/shops/{shop}", "get"});
  EXPECT_EQ(Str(At(get, {"operationId"})), "ShopService_GetShop");
  EXPECT_FALSE(Str(At(get, {"summary"})).empty());
  Value shop = Param(get, "shop");
  EXPECT_EQ(Str(At(shop, {"in"})), "path");
  EXPECT_TRUE(At(shop, {"required"}).bool_value());
  EXPECT_EQ(Str(At(get, {"responses", "200", "content", "application/json", "schema", "$ref"})),
            "#/components/schemas/comptoir.shops.v1.Shop");
  EXPECT_EQ(Str(At(get, {"responses", "404", "$ref"})), "#/components/responses/NotFound");
  EXPECT_EQ(Str(At(get, {"responses", "429", "$ref"})), "#/components/responses/TooManyRequests");

  // Query parameters by JSON name, typed as the transcoder parses them.
  Value list = At(doc, {"paths", "/v1/shops", "get"});
  Value page_size = Param(list, "pageSize");
  EXPECT_EQ(Str(At(page_size, {"in"})), "query");
  EXPECT_EQ(Str(At(page_size, {"schema", "type"})), "integer");
  EXPECT_EQ(Str(At(Param(list, "pageToken"), {"schema", "type"})), "string");

  // Body field mapping: the request body is the `shop` field.
  Value create = At(doc, {"paths", "/v1/shops", "post"});
  EXPECT_EQ(Str(At(create, {"requestBody", "content", "application/json", "schema", "$ref"})),
            "#/components/schemas/comptoir.shops.v1.Shop");
  EXPECT_EQ(Str(At(create, {"responses", "415", "$ref"})),
            "#/components/responses/UnsupportedMediaType");

  Value props = At(doc, {"components", "schemas", "comptoir.shops.v1.Shop", "properties"});
  EXPECT_EQ(Str(At(props, {"communeInsee", "type"})), "string");
  EXPECT_TRUE(At(props, {"id", "readOnly"}).bool_value());
  EXPECT_EQ(Str(At(props, {"createTime", "format"})), "date-time");
  EXPECT_FALSE(Str(At(props, {"name", "description"})).empty());

  EXPECT_EQ(Str(At(doc, {"components", "securitySchemes", "bearerAuth", "scheme"})), "bearer");
  EXPECT_EQ(Str(At(doc, {"components", "securitySchemes", "partnerKey", "name"})), "X-Api-Key");
  EXPECT_EQ(Str(At(doc, {"components", "responses", "BadRequest", "content",
                         "application/problem+json", "schema", "$ref"})),
            "#/components/schemas/Problem");
}

// A service with the shapes the shops proto lacks: enums, repeated and map fields, a
// field mask, a nested path capture and a body field.
constexpr char kThingsProto[] = R"pb(
  name: "things/v1/things.proto"
  package: "things.v1"
  dependency: "google/api/annotations.proto"
  dependency: "google/protobuf/field_mask.proto"
  dependency: "google/protobuf/timestamp.proto"
  syntax: "proto3"
  enum_type {
    name: "Kind"
    value { name: "KIND_UNSPECIFIED" number: 0 }
    value { name: "KIND_CHEESE" number: 1 }
  }
  message_type {
    name: "Thing"
    field { name: "name" number: 1 label: LABEL_OPTIONAL type: TYPE_STRING }
    field { name: "labels" number: 2 label: LABEL_REPEATED type: TYPE_STRING }
    field {
      name: "counts"
      number: 3
      label: LABEL_REPEATED
      type: TYPE_MESSAGE
      type_name: ".things.v1.Thing.CountsEntry"
    }
    field {
      name: "kind"
      number: 4
      label: LABEL_OPTIONAL
      type: TYPE_ENUM
      type_name: ".things.v1.Kind"
    }
    field { name: "price_cents" number: 5 label: LABEL_OPTIONAL type: TYPE_INT64 }
    field {
      name: "parts"
      number: 6
      label: LABEL_REPEATED
      type: TYPE_MESSAGE
      type_name: ".things.v1.Thing"
    }
    nested_type {
      name: "CountsEntry"
      field { name: "key" number: 1 label: LABEL_OPTIONAL type: TYPE_STRING }
      field { name: "value" number: 2 label: LABEL_OPTIONAL type: TYPE_INT32 }
      options { map_entry: true }
    }
  }
  message_type {
    name: "UpdateThingRequest"
    field {
      name: "thing"
      number: 1
      label: LABEL_OPTIONAL
      type: TYPE_MESSAGE
      type_name: ".things.v1.Thing"
    }
    field {
      name: "update_mask"
      number: 2
      label: LABEL_OPTIONAL
      type: TYPE_MESSAGE
      type_name: ".google.protobuf.FieldMask"
    }
  }
  message_type {
    name: "ListThingsRequest"
    field { name: "labels" number: 1 label: LABEL_REPEATED type: TYPE_STRING }
    field {
      name: "kind"
      number: 2
      label: LABEL_OPTIONAL
      type: TYPE_ENUM
      type_name: ".things.v1.Kind"
    }
    field {
      name: "since"
      number: 3
      label: LABEL_OPTIONAL
      type: TYPE_MESSAGE
      type_name: ".google.protobuf.Timestamp"
    }
  }
  message_type {
    name: "ListThingsResponse"
    field {
      name: "things"
      number: 1
      label: LABEL_REPEATED
      type: TYPE_MESSAGE
      type_name: ".things.v1.Thing"
    }
  }
  service {
    name: "ThingService"
    method {
      name: "UpdateThing"
      input_type: ".things.v1.UpdateThingRequest"
      output_type: ".things.v1.Thing"
      options {
        [google.api.http] { patch: "/v1/{thing.name=things/*}" body: "thing" }
      }
    }
    method {
      name: "ListThings"
      input_type: ".things.v1.ListThingsRequest"
      output_type: ".things.v1.ListThingsResponse"
      options {
        [google.api.http] { get: "/v1/things" }
      }
    }
  }
)pb";

class ThingsOpenApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // The things file's dependencies, copied from the generated pool in dependency order.
    for (const char* name : {"google/protobuf/descriptor.proto", "google/api/http.proto",
                             "google/api/annotations.proto", "google/protobuf/field_mask.proto",
                             "google/protobuf/timestamp.proto"}) {
      const auto* file = google::protobuf::DescriptorPool::generated_pool()->FindFileByName(name);
      ASSERT_NE(file, nullptr) << name;
      google::protobuf::FileDescriptorProto proto;
      file->CopyTo(&proto);
      ASSERT_NE(pool_.BuildFile(proto), nullptr) << file->name();
    }
    google::protobuf::FileDescriptorProto things;
    ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(kThingsProto, &things));
    ASSERT_NE(pool_.BuildFile(things), nullptr);
    auto routes = RouteTable::Build({{"things.v1.ThingService", "127.0.0.1:1"}}, pool_);
    ASSERT_TRUE(routes.ok()) << routes.status();
    doc_ = Parse(GenerateOpenApi(*routes, ProtoComments()));
  }

  google::protobuf::DescriptorPool pool_;
  Value doc_;
};

TEST_F(ThingsOpenApiTest, SchemasFollowTheProtobufJsonMapping) {
  Value props = At(doc_, {"components", "schemas", "things.v1.Thing", "properties"});
  EXPECT_EQ(Str(At(props, {"labels", "type"})), "array");
  EXPECT_EQ(Str(At(props, {"labels", "items", "type"})), "string");
  EXPECT_EQ(Str(At(props, {"counts", "type"})), "object");
  EXPECT_EQ(Str(At(props, {"counts", "additionalProperties", "type"})), "integer");
  EXPECT_EQ(Str(At(props, {"kind", "$ref"})), "#/components/schemas/things.v1.Kind");
  EXPECT_EQ(Str(At(props, {"priceCents", "type"})), "string");  // 64-bit: a JSON string
  EXPECT_EQ(Str(At(props, {"priceCents", "format"})), "int64");
  EXPECT_EQ(Str(At(props, {"parts", "items", "$ref"})), "#/components/schemas/things.v1.Thing");
  Value kind = At(doc_, {"components", "schemas", "things.v1.Kind"});
  EXPECT_EQ(Str(At(kind, {"type"})), "string");
  EXPECT_EQ(Str(At(kind, {"enum", "1"})), "KIND_CHEESE");
}

TEST_F(ThingsOpenApiTest, PatchTakesTheBodyFieldAndTheMaskInTheQuery) {
  Value patch = At(doc_, {"paths", "/v1/{thing.name}", "patch"});
  EXPECT_EQ(Str(At(Param(patch, "thing.name"), {"in"})), "path");
  EXPECT_EQ(Str(At(Param(patch, "updateMask"), {"in"})), "query");
  EXPECT_EQ(Str(At(Param(patch, "updateMask"), {"schema", "type"})), "string");
  EXPECT_EQ(Str(At(patch, {"requestBody", "content", "application/json", "schema", "$ref"})),
            "#/components/schemas/things.v1.Thing");
  EXPECT_EQ(Str(At(patch, {"responses", "409", "$ref"})), "#/components/responses/Conflict");

  Value list = At(doc_, {"paths", "/v1/things", "get"});
  Value labels = Param(list, "labels");
  EXPECT_EQ(Str(At(labels, {"schema", "type"})), "array");
  EXPECT_TRUE(At(labels, {"explode"}).bool_value());
  EXPECT_EQ(Str(At(Param(list, "since"), {"schema", "format"})), "date-time");
  EXPECT_EQ(Str(At(Param(list, "kind"), {"schema", "$ref"})),
            "#/components/schemas/things.v1.Kind");
}

// Every service of the API, as the gateway would serve them all, through @redocly/cli.
TEST(OpenApiLintTest, WholeApiPassesRedoclyLint) {
  const std::filesystem::path dir = std::filesystem::path(COMPTOIR_SOURCE_DIR) / "tests/openapi";
  const std::filesystem::path redocly = dir / "node_modules/.bin/redocly";
  if (!std::filesystem::exists(redocly)) {
    const char* required = std::getenv("COMPTOIR_REQUIRE_OPENAPI_LINT");
    if (required == nullptr || std::string(required) != "1") {
      GTEST_SKIP() << "run `npm ci --prefix tests/openapi` to lint /openapi.json";
    }
    FAIL() << redocly << " is missing: run `npm ci --prefix tests/openapi`";
  }
  ProtoComments comments = ProtoComments::Embedded();
  std::map<std::string, std::string> upstreams;
  for (const std::string& service : comments.ServiceNames()) {
    if (google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(service) != nullptr) {
      upstreams.emplace(service, "127.0.0.1:1");
    }
  }
  ASSERT_FALSE(upstreams.empty());
  auto routes = RouteTable::Build(upstreams);
  ASSERT_TRUE(routes.ok()) << routes.status();
  const std::filesystem::path file =
      std::filesystem::temp_directory_path() / ("openapi-" + std::to_string(::getpid()) + ".json");
  std::ofstream(file) << GenerateOpenApi(*routes, comments);

  const std::string command = "cd '" + dir.string() +
                              "' && REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true "
                              "node_modules/.bin/redocly lint --config redocly.yaml '" +
                              file.string() + "' 2>&1";
  std::string output;
  FILE* pipe = ::popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  char buffer[4096];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) output.append(buffer, n);
  const int status = ::pclose(pipe);
  std::filesystem::remove(file);
  EXPECT_EQ(status, 0) << output;
  EXPECT_EQ(output.find("warning"), std::string::npos) << output;
  EXPECT_NE(output.find("valid"), std::string::npos) << output;
}

}  // namespace
}  // namespace comptoir::gateway
