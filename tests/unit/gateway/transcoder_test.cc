// Transcoding JSON, path captures and query parameters into request messages, responses
// back into JSON, and errors into problem+json.
#include "transcoder.h"

#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "comptoir/common/log.h"  // JsonQuote
#include "comptoir/common/status.h"
#include "comptoir/shops/v1/shops.pb.h"
#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/type.pb.h"
#include "google/protobuf/util/json_util.h"
#include "problem.h"

namespace comptoir::gateway {
namespace {

using google::protobuf::Field;
using google::protobuf::Type;
using shops::v1::CreateShopRequest;
using shops::v1::GetShopRequest;
using shops::v1::ListShopsRequest;

template <typename T>
absl::StatusOr<T> Build(const std::string& body_field, const Captures& captures,
                        const std::string& query, const std::string& body) {
  auto params = ParseQuery(query);
  if (!params.ok()) return params.status();
  auto msg = BuildMessage(T::descriptor(), body_field, captures, *params, body);
  if (!msg.ok()) return msg.status();
  T out;
  out.CopyFrom(**msg);
  return out;
}

std::vector<std::string> Fields(const absl::Status& st) {
  std::vector<std::string> out;
  for (const auto& v : common::FieldViolationsOf(st)) out.push_back(v.field);
  return out;
}

TEST(Transcoder, BodyFieldFillsThatField) {
  auto req = Build<CreateShopRequest>(
      "shop", {}, "", R"({"name":"Fromagerie","communeInsee":"21231","category":"fromagerie"})");
  ASSERT_TRUE(req.ok()) << req.status();
  EXPECT_EQ(req->shop().name(), "Fromagerie");
  EXPECT_EQ(req->shop().commune_insee(), "21231");
  // Proto field names are accepted as well as lowerCamelCase.
  auto snake = Build<CreateShopRequest>("shop", {}, "", R"({"commune_insee":"21231"})");
  ASSERT_TRUE(snake.ok()) << snake.status();
  EXPECT_EQ(snake->shop().commune_insee(), "21231");
}

TEST(Transcoder, BodyStarFillsWholeRequestAndPathWins) {
  auto req = Build<GetShopRequest>("*", {{"shop", "from-path"}}, "", R"({"shop":"from-body"})");
  ASSERT_TRUE(req.ok()) << req.status();
  EXPECT_EQ(req->shop(), "from-path");
}

TEST(Transcoder, EmptyBodyIsAnEmptyMessage) {
  auto req = Build<CreateShopRequest>("shop", {}, "", "  ");
  ASSERT_TRUE(req.ok());
  EXPECT_FALSE(req->has_shop());
}

TEST(Transcoder, QuerySetsScalarsRepeatedAndNestedFields) {
  auto list = Build<ListShopsRequest>("", {}, "commune=21231&pageSize=5&page_token=a%2Bb+c", "");
  ASSERT_TRUE(list.ok()) << list.status();
  EXPECT_EQ(list->commune(), "21231");
  EXPECT_EQ(list->page_size(), 5);
  EXPECT_EQ(list->page_token(), "a+b c");

  auto type = Build<Type>(
      "", {}, "oneofs=a&oneofs=b&source_context.file_name=x.proto&syntax=SYNTAX_PROTO3", "");
  ASSERT_TRUE(type.ok()) << type.status();
  EXPECT_EQ(type->oneofs_size(), 2);
  EXPECT_EQ(type->oneofs(1), "b");
  EXPECT_EQ(type->source_context().file_name(), "x.proto");
  EXPECT_EQ(type->syntax(), google::protobuf::SYNTAX_PROTO3);
  auto camel = Build<Type>("", {}, "sourceContext.fileName=y.proto", "");
  ASSERT_TRUE(camel.ok()) << camel.status();
  EXPECT_EQ(camel->source_context().file_name(), "y.proto");
}

TEST(Transcoder, PathCapturesSetNestedAndTypedFields) {
  auto field = Build<Field>("", {{"number", "7"}, {"name", "n"}}, "packed=true", "");
  ASSERT_TRUE(field.ok()) << field.status();
  EXPECT_EQ(field->number(), 7);
  EXPECT_TRUE(field->packed());
  auto type = Build<Type>("", {{"source_context.file_name", "a/b.proto"}}, "", "");
  ASSERT_TRUE(type.ok()) << type.status();
  EXPECT_EQ(type->source_context().file_name(), "a/b.proto");
}

TEST(Transcoder, MalformedJsonSaysWhere) {
  auto req = Build<CreateShopRequest>("shop", {}, "", "{\"name\": \"x\",\n  , }");
  ASSERT_EQ(req.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(std::string(req.status().message()),
            "malformed JSON body at line 2, column 3: Expected an object key or }");
  auto truncated = Build<CreateShopRequest>("shop", {}, "", R"({"name": "x")");
  EXPECT_TRUE(
      absl::StartsWith(truncated.status().message(), "malformed JSON body at the end of the body"))
      << truncated.status();
  auto star = Build<GetShopRequest>("*", {}, "", "not json");
  EXPECT_EQ(std::string(star.status().message()),
            "malformed JSON body at line 1, column 1: Unexpected token");
}

TEST(Transcoder, UnknownBodyFieldIsNamed) {
  auto req = Build<CreateShopRequest>("shop", {}, "", R"({"nmae":"x"})");
  ASSERT_EQ(req.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Fields(req.status()), std::vector<std::string>{"shop.nmae"});
}

TEST(Transcoder, WrongTypeIsNamed) {
  auto req = Build<CreateShopRequest>("shop", {}, "", R"({"name": 5})");
  ASSERT_EQ(req.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Fields(req.status()), std::vector<std::string>{"shop.name"});
  auto list = Build<ListShopsRequest>("", {}, "page_size=abc", "");
  EXPECT_EQ(Fields(list.status()), std::vector<std::string>{"page_size"});
  auto field = Build<Field>("", {}, "packed=yes&number=99999999999", "");
  EXPECT_EQ(Fields(field.status()), (std::vector<std::string>{"packed", "number"}));
}

TEST(Transcoder, UnknownQueryParameterIsNamed) {
  auto list = Build<ListShopsRequest>("", {}, "comune=21231&category=x&zz=1", "");
  ASSERT_EQ(list.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Fields(list.status()), (std::vector<std::string>{"comune", "zz"}));
  // With body "*" the query has nothing left to set.
  auto star = Build<GetShopRequest>("*", {}, "shop=x", "{}");
  EXPECT_EQ(Fields(star.status()), std::vector<std::string>{"shop"});
  // The body field and path-bound fields cannot be set from the query.
  auto body = Build<CreateShopRequest>("shop", {}, "shop.name=x", "{}");
  EXPECT_EQ(Fields(body.status()), std::vector<std::string>{"shop.name"});
  auto path = Build<GetShopRequest>("", {{"shop", "a"}}, "shop=b", "");
  EXPECT_EQ(Fields(path.status()), std::vector<std::string>{"shop"});
}

TEST(Transcoder, SingularFieldGivenTwiceIsRejected) {
  auto list = Build<ListShopsRequest>("", {}, "commune=1&commune=2", "");
  EXPECT_EQ(Fields(list.status()), std::vector<std::string>{"commune"});
}

TEST(Transcoder, BodyOnBodylessRouteIsRejected) {
  auto get = Build<GetShopRequest>("", {{"shop", "a"}}, "", R"({"x":1})");
  EXPECT_EQ(get.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(Transcoder, ResponseUsesLowerCamelCaseAndOmitsDefaults) {
  shops::v1::Shop shop;
  shop.set_id("1");
  shop.set_commune_insee("21231");
  Route route{"GET", *PathTemplate::Parse("/v1/shops/{shop}"), nullptr, "", "", "", "", ""};
  route.method = GetShopRequest::descriptor()->file()->service(0)->FindMethodByName("GetShop");
  auto json = RenderResponse(route, shop.SerializeAsString());
  ASSERT_TRUE(json.ok()) << json.status();
  EXPECT_EQ(*json, R"({"id":"1","communeInsee":"21231"})");
  EXPECT_EQ(RenderResponse(route, "\xff\xff").status().code(), absl::StatusCode::kInternal);
}

// Types made by the tests live for the whole process: NewMessage keeps a prototype per
// descriptor, which must not outlive its pool.
const google::protobuf::FileDescriptor* BuildOnce(
    const google::protobuf::FileDescriptorProto& file) {
  static auto* const pool = new google::protobuf::DescriptorPool();
  if (const auto* built = pool->FindFileByName(file.name())) return built;
  return pool->BuildFile(file);
}

// Query values are read without the JSON parser when they are plain (canonical integers,
// true/false, UTF-8 strings); every other spelling goes through it. Either way the result
// must be the JSON mapping's: compared here with parsing {"field": value} for values on
// both sides of the line, on a proto3 type with one field of each kind.
TEST(Transcoder, QueryValuesReadLikeTheJsonMapping) {
  google::protobuf::FileDescriptorProto file;
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(
      R"pb(
        name: "query_values_test.proto"
        package: "querytest"
        syntax: "proto3"
        message_type {
          name: "Q"
          field { name: "i32" number: 1 label: LABEL_OPTIONAL type: TYPE_INT32 json_name: "i32" }
          field { name: "i64" number: 2 label: LABEL_OPTIONAL type: TYPE_INT64 json_name: "i64" }
          field { name: "u32" number: 3 label: LABEL_OPTIONAL type: TYPE_UINT32 json_name: "u32" }
          field { name: "u64" number: 4 label: LABEL_OPTIONAL type: TYPE_UINT64 json_name: "u64" }
          field { name: "flag" number: 5 label: LABEL_OPTIONAL type: TYPE_BOOL json_name: "flag" }
          field { name: "text" number: 6 label: LABEL_OPTIONAL type: TYPE_STRING json_name: "text" }
          field {
            name: "texts"
            number: 7
            label: LABEL_REPEATED
            type: TYPE_STRING
            json_name: "texts"
          }
          field { name: "s32" number: 8 label: LABEL_OPTIONAL type: TYPE_SINT32 json_name: "s32" }
          field {
            name: "opt"
            number: 9
            label: LABEL_OPTIONAL
            type: TYPE_INT32
            json_name: "opt"
            proto3_optional: true
            oneof_index: 0
          }
          oneof_decl { name: "_opt" }
        })pb",
      &file));
  const google::protobuf::FileDescriptor* built = BuildOnce(file);
  ASSERT_NE(built, nullptr);
  const google::protobuf::Descriptor* type = built->FindMessageTypeByName("Q");
  const std::vector<std::string> values = {"0",
                                           "-0",
                                           "1",
                                           "-1",
                                           "007",
                                           "+5",
                                           "1e2",
                                           "2.0",
                                           " 3",
                                           "2147483647",
                                           "2147483648",
                                           "-2147483648",
                                           "-2147483649",
                                           "4294967295",
                                           "4294967296",
                                           "9223372036854775807",
                                           "9223372036854775808",
                                           "18446744073709551615",
                                           "18446744073709551616",
                                           "99999999999999999999",
                                           "true",
                                           "false",
                                           "TRUE",
                                           "",
                                           "Comt\xc3\xa9",
                                           "a\"b\\c",
                                           "bad \xc3(",
                                           "line\nbreak"};
  for (const std::string field :
       {"i32", "i64", "u32", "u64", "flag", "text", "texts", "s32", "opt"}) {
    for (const std::string& value : values) {
      SCOPED_TRACE(field + "=" + value);
      absl::StatusOr<std::unique_ptr<google::protobuf::Message>> direct =
          BuildMessage(type, "", {}, {{field, value}}, "");
      std::unique_ptr<google::protobuf::Message> parsed = NewMessage(type);
      const std::string literal = field == "flag" && (value == "true" || value == "false")
                                      ? value
                                      : common::JsonQuote(value);
      const std::string json =
          "{\"" + field + "\":" + (field == "texts" ? "[" + literal + "]" : literal) + "}";
      // Booleans are only ever the literals (the JSON mapping would take "0" or "1").
      const bool parsed_ok = (field != "flag" || value == "true" || value == "false") &&
                             google::protobuf::util::JsonStringToMessage(json, parsed.get()).ok();
      ASSERT_EQ(direct.ok(), parsed_ok) << direct.status() << " " << json << " "
                                        << (direct.ok() ? (*direct)->ShortDebugString() : "");
      if (parsed_ok) {
        EXPECT_EQ((*direct)->SerializeAsString(), parsed->SerializeAsString());
      }
    }
  }
}

// A field inside a well-known type ("from.seconds" of a Timestamp) is read as the JSON
// mapping reads {"from": {"seconds": "5"}}, and the Timestamp's own form still works.
TEST(Transcoder, QueryInsideAWellKnownTypeReadsLikeTheJsonMapping) {
  // ListShopOrdersRequest.from is a google.protobuf.Timestamp.
  const google::protobuf::Descriptor* type =
      google::protobuf::DescriptorPool::generated_pool()->FindMessageTypeByName(
          "comptoir.orders.v1.ListShopOrdersRequest");
  ASSERT_NE(type, nullptr);
  std::unique_ptr<google::protobuf::Message> parsed = NewMessage(type);
  ASSERT_TRUE(
      google::protobuf::util::JsonStringToMessage(R"({"from":{"seconds":"5"}})", parsed.get())
          .ok());
  auto nested = BuildMessage(type, "", {}, {{"from.seconds", "5"}}, "");
  ASSERT_TRUE(nested.ok()) << nested.status();
  EXPECT_EQ((*nested)->SerializeAsString(), parsed->SerializeAsString());
  auto whole = BuildMessage(type, "", {}, {{"from", "2026-11-26T12:00:00Z"}}, "");
  ASSERT_TRUE(whole.ok()) << whole.status();
  EXPECT_EQ((*whole)->ShortDebugString(), "from { seconds: 1795694400 }");
}

TEST(StatusMapping, FollowsTheGrpcGatewayTable) {
  using C = absl::StatusCode;
  const std::pair<C, int> table[] = {
      {C::kInvalidArgument, 400},  {C::kFailedPrecondition, 400}, {C::kOutOfRange, 400},
      {C::kNotFound, 404},         {C::kAlreadyExists, 409},      {C::kAborted, 409},
      {C::kPermissionDenied, 403}, {C::kUnauthenticated, 401},    {C::kResourceExhausted, 429},
      {C::kUnavailable, 503},      {C::kDeadlineExceeded, 504},   {C::kCancelled, 499},
      {C::kUnimplemented, 501},    {C::kInternal, 500},           {C::kUnknown, 500},
      {C::kDataLoss, 500}};
  for (const auto& [code, http] : table) {
    EXPECT_EQ(HttpStatusFromCode(code), http) << static_cast<int>(code);
  }
}

TEST(Problem, RendersRfc9457WithFieldViolations) {
  absl::Status st = common::InvalidArgumentWithFields(
      {{"shop.name", "must not be empty"}, {"shop.commune_insee", "unknown \"commune\""}});
  Problem p = ProblemFromStatus(st, "/v1/shops", "rid-1");
  EXPECT_EQ(p.status, 400);
  EXPECT_EQ(RenderProblem(p),
            R"({"type":"about:blank","title":"Bad Request","status":400,)"
            R"("detail":"shop.name: must not be empty; shop.commune_insee: unknown \"commune\"",)"
            R"("instance":"/v1/shops","request_id":"rid-1","code":"INVALID_ARGUMENT",)"
            R"("errors":[{"field":"shop.name","description":"must not be empty"},)"
            R"({"field":"shop.commune_insee","description":"unknown \"commune\""}]})");
}

TEST(Problem, HidesInternalMessages) {
  Problem p = ProblemFromStatus(absl::InternalError("pqxx: relation shops.x"), "/v1/x", "r");
  EXPECT_EQ(p.status, 500);
  EXPECT_EQ(p.detail.find("pqxx"), std::string::npos);
  EXPECT_EQ(p.code, "INTERNAL");
}

TEST(Problem, SurvivesTheGrpcRoundTrip) {
  absl::Status st = common::InvalidField("shop.name", "must not be empty");
  absl::Status back = common::FromGrpcStatus(common::ToGrpcStatus(st));
  Problem p = ProblemFromStatus(back, "/v1/shops", "r");
  ASSERT_EQ(p.errors.size(), 1u);
  EXPECT_EQ(p.errors[0].field, "shop.name");
}

}  // namespace
}  // namespace comptoir::gateway
