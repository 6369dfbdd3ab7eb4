// The direct JSON writer against json_util, the reference it replaces: for every message type
// of the API's .proto files, many randomly filled messages (every field kind, nested and
// repeated, maps, well-known types, strings with escapes, accents and special code points,
// unknown enum values, non-finite numbers; no invalid UTF-8: proto3 refuses to parse it) must
// render byte for byte as MessageToJsonString renders them with the gateway's options, or be
// declined (false) only where json_util refuses too or for the types the writer leaves to it.
#include "json_writer.h"

#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/text_format.h>
#include <google/protobuf/timestamp.pb.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "comptoir/common/embedded_file.h"
#include "transcoder.h"  // NewMessage

namespace comptoir::gateway {

// Defined by the file comptoir_embed_files generates (gateway/CMakeLists.txt).
std::vector<common::EmbeddedFile> ApiDescriptorSets();

namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

std::string Reference(const Message& message, bool* ok) {
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = false;
  options.preserve_proto_field_names = false;
  std::string json;
  *ok = google::protobuf::util::MessageToJsonString(message, &json, options).ok();
  return json;
}

class Filler {
 public:
  explicit Filler(uint32_t seed) : rng_(seed) {}

  void Fill(Message* m, int depth) {
    const Descriptor* d = m->GetDescriptor();
    const Reflection* r = m->GetReflection();
    if (d->full_name() == "google.protobuf.Timestamp") {
      r->SetInt64(m, d->FindFieldByNumber(1),
                  Pick<int64_t>({0, 1, 1764150000, 253402300799, -62135596800, 951782400}));
      r->SetInt32(m, d->FindFieldByNumber(2),
                  Pick<int32_t>({0, 5, 120000000, 123456000, 123456789, 999999999}));
      return;
    }
    if (d->full_name() == "google.protobuf.Value") return FillValue(m, depth);
    for (int i = 0; i < d->field_count(); ++i) {
      const FieldDescriptor* f = d->field(i);
      if (Chance(0.35)) continue;
      if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE && depth >= 3) continue;
      if (f->is_repeated()) {
        const int n = static_cast<int>(rng_() % 4);
        for (int k = 0; k < n; ++k) {
          if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
            Fill(r->AddMessage(m, f), depth + 1);
          } else {
            AddScalar(m, f);
          }
        }
      } else if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
        Fill(r->MutableMessage(m, f), depth + 1);
      } else {
        SetScalar(m, f);
      }
    }
  }

 private:
  template <typename T>
  T Pick(std::initializer_list<T> values) {
    return *(values.begin() + rng_() % values.size());
  }
  bool Chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng_) < p; }

  std::string String() {
    return Pick<std::string>(
        {"", "a", "Épicerie du Marché", "pain & \"beurre\" <b>", "tab\tnew\nline", "back\\slash",
         std::string("nul\0byte", 8), "\x7f\xc2\x80\xc2\xad", "\xe2\x80\xa8sep\xe2\x80\x8b",
         "emoji \xf0\x9f\x8d\x9e", "\xf3\xa0\x80\x81tag", "6f9619ff-8b86-d011-b42d",
         "\xef\xbb\xbf"
         "bom",
         "\xd8\x80"
         "arabic"});
  }
  double Double() {
    return Pick<double>({0.0, 1.0, -2.5, 47.3220, 5.0415, 0.1, 1e21, 1e-7, 123456789.125,
                         std::numeric_limits<double>::infinity(),
                         -std::numeric_limits<double>::infinity(),
                         std::numeric_limits<double>::quiet_NaN(), -0.0, 1.0 / 3.0});
  }
  int EnumNumber(const FieldDescriptor* f) {
    if (Chance(0.1)) return 97;  // unknown to the schema
    return f->enum_type()
        ->value(static_cast<int>(rng_() % f->enum_type()->value_count()))
        ->number();
  }

  void SetScalar(Message* m, const FieldDescriptor* f) {
    const Reflection* r = m->GetReflection();
    switch (f->cpp_type()) {
      case FieldDescriptor::CPPTYPE_INT32:
        return r->SetInt32(m, f, Pick<int32_t>({0, 1, -7, 2147483647, -2147483647 - 1, 1500}));
      case FieldDescriptor::CPPTYPE_UINT32:
        return r->SetUInt32(m, f, Pick<uint32_t>({0, 1, 4294967295u, 20}));
      case FieldDescriptor::CPPTYPE_INT64:
        return r->SetInt64(m, f, Pick<int64_t>({0, 1, -1, 9007199254740993, 1250, INT64_MIN}));
      case FieldDescriptor::CPPTYPE_UINT64:
        return r->SetUInt64(m, f, Pick<uint64_t>({0, 18446744073709551615ull, 42}));
      case FieldDescriptor::CPPTYPE_DOUBLE:
        return r->SetDouble(m, f, Double());
      case FieldDescriptor::CPPTYPE_FLOAT:
        return r->SetFloat(m, f, static_cast<float>(Double()));
      case FieldDescriptor::CPPTYPE_BOOL:
        return r->SetBool(m, f, Chance(0.5));
      case FieldDescriptor::CPPTYPE_ENUM:
        return r->SetEnumValue(m, f, EnumNumber(f));
      case FieldDescriptor::CPPTYPE_STRING:
        return r->SetString(m, f, String());
      case FieldDescriptor::CPPTYPE_MESSAGE:
        return;
    }
  }
  void AddScalar(Message* m, const FieldDescriptor* f) {
    const Reflection* r = m->GetReflection();
    switch (f->cpp_type()) {
      case FieldDescriptor::CPPTYPE_INT32:
        return r->AddInt32(m, f, Pick<int32_t>({0, 3, -9}));
      case FieldDescriptor::CPPTYPE_UINT32:
        return r->AddUInt32(m, f, Pick<uint32_t>({0, 3}));
      case FieldDescriptor::CPPTYPE_INT64:
        return r->AddInt64(m, f, Pick<int64_t>({0, -12, 1764150000123}));
      case FieldDescriptor::CPPTYPE_UINT64:
        return r->AddUInt64(m, f, Pick<uint64_t>({0, 77}));
      case FieldDescriptor::CPPTYPE_DOUBLE:
        return r->AddDouble(m, f, Double());
      case FieldDescriptor::CPPTYPE_FLOAT:
        return r->AddFloat(m, f, static_cast<float>(Double()));
      case FieldDescriptor::CPPTYPE_BOOL:
        return r->AddBool(m, f, Chance(0.5));
      case FieldDescriptor::CPPTYPE_ENUM:
        return r->AddEnumValue(m, f, EnumNumber(f));
      case FieldDescriptor::CPPTYPE_STRING:
        return r->AddString(m, f, String());
      case FieldDescriptor::CPPTYPE_MESSAGE:
        return;
    }
  }
  void FillValue(Message* m, int depth) {
    auto* value = static_cast<google::protobuf::Value*>(m);
    switch (rng_() % (depth >= 3 ? 4 : 6)) {
      case 0:
        return value->set_null_value(google::protobuf::NULL_VALUE);
      case 1:
        return value->set_number_value(Double());
      case 2:
        return value->set_string_value(String());
      case 3:
        return value->set_bool_value(Chance(0.5));
      case 4:
        return Fill(value->mutable_struct_value(), depth + 1);
      default:
        return Fill(value->mutable_list_value(), depth + 1);
    }
  }

  std::mt19937 rng_;
};

std::vector<const Descriptor*> ApiMessageTypes() {
  std::vector<const Descriptor*> types;
  const auto* pool = google::protobuf::DescriptorPool::generated_pool();
  for (const common::EmbeddedFile& file : ApiDescriptorSets()) {
    google::protobuf::FileDescriptorSet set;
    if (!set.ParseFromString(file.contents)) continue;
    for (const auto& proto : set.file()) {
      // The API's own messages (the well-known types come in as their fields).
      if (proto.name().rfind("comptoir/", 0) != 0) continue;
      const auto* fd = pool->FindFileByName(proto.name());
      if (fd == nullptr) continue;
      for (int i = 0; i < fd->message_type_count(); ++i) types.push_back(fd->message_type(i));
    }
  }
  return types;
}

// Whether messages of `type` can hold a map (Struct is one), at any depth.
bool HoldsMap(const Descriptor* type, std::vector<const Descriptor*>* seen) {
  if (std::find(seen->begin(), seen->end(), type) != seen->end()) return false;
  seen->push_back(type);
  if (type->full_name() == "google.protobuf.Struct") return true;
  for (int i = 0; i < type->field_count(); ++i) {
    const FieldDescriptor* f = type->field(i);
    if (f->is_map()) return true;
    if (f->message_type() != nullptr && HoldsMap(f->message_type(), seen)) return true;
  }
  return false;
}
bool HoldsMap(const Descriptor* type) {
  std::vector<const Descriptor*> seen;
  return HoldsMap(type, &seen);
}

struct Written {
  bool direct = false;  // by AppendMessageJson
  bool wire = false;    // by AppendWireJson
};

// Renders `message` after a trip through the wire format, as the gateway does with an
// upstream's bytes, with both writers (the reflection one on the parsed message, the wire
// one on the bytes); checks each agrees with json_util. Returns which wrote.
Written ExpectSameAsJsonUtil(const Message& filled) {
  const std::string bytes = filled.SerializePartialAsString();
  std::unique_ptr<Message> parsed = NewMessage(filled.GetDescriptor());
  EXPECT_TRUE(parsed->ParsePartialFromString(bytes));
  Written written;
  std::string direct;
  written.direct = AppendMessageJson(*parsed, &direct);
  std::string wire;
  written.wire = AppendWireJson(filled.GetDescriptor(), bytes, &wire);
  bool reference_ok = false;
  const std::string reference = Reference(*parsed, &reference_ok);
  if (written.direct) {
    EXPECT_TRUE(reference_ok) << filled.GetDescriptor()->full_name()
                              << ": the writer accepted what json_util refuses: " << direct;
    EXPECT_EQ(direct, reference) << filled.GetDescriptor()->full_name() << "\n"
                                 << filled.ShortDebugString();
  }
  if (written.wire) {
    EXPECT_TRUE(reference_ok) << filled.GetDescriptor()->full_name()
                              << ": the wire writer accepted what json_util refuses: " << wire;
    EXPECT_EQ(wire, reference) << filled.GetDescriptor()->full_name() << " (from the wire)\n"
                               << filled.ShortDebugString();
  }
  // Bytes from a serializer are canonical: the wire writer declines only what the
  // reflection writer declines, and maps (Struct).
  if (!HoldsMap(filled.GetDescriptor())) {
    EXPECT_EQ(written.wire, written.direct) << filled.GetDescriptor()->full_name() << "\n"
                                            << filled.ShortDebugString();
  }
  return written;
}

TEST(JsonWriterTest, MatchesJsonUtilOnEveryApiMessageType) {
  const auto types = ApiMessageTypes();
  ASSERT_GT(types.size(), 50u) << "the API's descriptors are not linked in";
  int written = 0;
  int total = 0;
  for (const Descriptor* type : types) {
    for (uint32_t seed = 0; seed < 40; ++seed) {
      std::unique_ptr<Message> m = NewMessage(type);
      ASSERT_NE(m, nullptr) << type->full_name();
      Filler(seed * 7919 + static_cast<uint32_t>(total)).Fill(m.get(), 0);
      ++total;
      if (ExpectSameAsJsonUtil(*m).direct) ++written;
      if (HasFailure()) return;  // one clear failure beats thousands
    }
  }
  // Declining is for what json_util refuses (NaN in a Struct, a Value without a kind) and
  // rare types: the common case must take the fast path.
  EXPECT_GT(written, total * 3 / 4) << written << " of " << total;
}

TEST(JsonWriterTest, WellKnownTypesAndEmptyMessages) {
  google::protobuf::Timestamp ts;
  ts.set_seconds(1764150000);
  ts.set_nanos(120000000);
  std::string out;
  ASSERT_TRUE(AppendMessageJson(ts, &out));
  EXPECT_EQ(out, "\"2025-11-26T09:40:00.120Z\"");
  out.clear();
  ASSERT_TRUE(AppendWireJson(ts.GetDescriptor(), ts.SerializeAsString(), &out));
  EXPECT_EQ(out, "\"2025-11-26T09:40:00.120Z\"");
  google::protobuf::Struct empty;
  ExpectSameAsJsonUtil(empty);
  google::protobuf::Struct s;
  (*s.mutable_fields())["a"].set_number_value(1.5);
  (*s.mutable_fields())["b"].mutable_list_value()->add_values()->set_string_value("x");
  (*s.mutable_fields())["c"].set_null_value(google::protobuf::NULL_VALUE);
  EXPECT_TRUE(ExpectSameAsJsonUtil(s).direct);
  // json_util refuses these; the writer declines them so the caller hears the same.
  google::protobuf::Value no_kind;
  out.clear();
  EXPECT_FALSE(AppendMessageJson(no_kind, &out));
  google::protobuf::Timestamp far;
  far.set_seconds(253402300800);
  out.clear();
  EXPECT_FALSE(AppendMessageJson(far, &out));
}

// Bytes written by hand, for what a serializer never writes, and a proto3 type made here
// for the shapes the API does not use (packed repeated scalars).
class WireJsonTest : public ::testing::Test {
 protected:
  void SetUp() override {
    google::protobuf::FileDescriptorProto file;
    ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(
        R"pb(
          name: "wire_json_test.proto"
          package: "wiretest"
          syntax: "proto3"
          message_type {
            name: "Packed"
            field {
              name: "ints"
              number: 1
              label: LABEL_REPEATED
              type: TYPE_INT32
              json_name: "ints"
            }
            field { name: "zig" number: 2 label: LABEL_REPEATED type: TYPE_SINT64 json_name: "zig" }
            field {
              name: "reals"
              number: 3
              label: LABEL_REPEATED
              type: TYPE_DOUBLE
              json_name: "reals"
            }
            field {
              name: "flag"
              number: 4
              label: LABEL_OPTIONAL
              type: TYPE_BOOL
              json_name: "flag"
              proto3_optional: true
              oneof_index: 0
            }
            oneof_decl { name: "_flag" }
          }
          message_type {
            name: "Node"
            field {
              name: "child"
              number: 1
              label: LABEL_OPTIONAL
              type: TYPE_MESSAGE
              type_name: ".wiretest.Node"
              json_name: "child"
            }
          })pb",
        &file));
    const google::protobuf::FileDescriptor* built = pool_.BuildFile(file);
    ASSERT_NE(built, nullptr);
    packed_ = built->FindMessageTypeByName("Packed");
    node_ = built->FindMessageTypeByName("Node");
  }

  // A length-delimited field (string, message or packed run) of a field below 16.
  static std::string Delimited(int number, std::string_view value) {
    std::string out(1, static_cast<char>(number << 3 | 2));
    for (size_t n = value.size();; n >>= 7) {
      out.push_back(static_cast<char>((n & 0x7f) | (n >= 0x80 ? 0x80 : 0)));
      if (n < 0x80) break;
    }
    return out + std::string(value);
  }
  static std::string Json(const Descriptor* type, const std::string& bytes, bool* ok) {
    std::string out;
    *ok = AppendWireJson(type, bytes, &out);
    return out;
  }

  // comptoir.catalogue.v1.Product: id (1), name (4), labels (7, repeated).
  const Descriptor* product_ =
      google::protobuf::DescriptorPool::generated_pool()->FindMessageTypeByName(
          "comptoir.catalogue.v1.Product");
  google::protobuf::DescriptorPool pool_;
  const Descriptor* packed_ = nullptr;
  const Descriptor* node_ = nullptr;
};

TEST_F(WireJsonTest, PrintsCanonicalBytesLikeTheParsedMessage) {
  ASSERT_NE(product_, nullptr);
  bool ok = false;
  EXPECT_EQ(
      Json(product_, Delimited(4, "Comt\xc3\xa9") + Delimited(7, "a") + Delimited(7, "b"), &ok),
      "{\"name\":\"Comt\xc3\xa9\",\"labels\":[\"a\",\"b\"]}");
  EXPECT_TRUE(ok);
}

TEST_F(WireJsonTest, SkipsUnknownFieldsAsParsingDoes) {
  const std::string unknown("\x98\x06\x05", 3);  // field 99, a varint
  bool ok = false;
  EXPECT_EQ(Json(product_, Delimited(4, "x") + unknown + Delimited(7, "a"), &ok),
            "{\"name\":\"x\",\"labels\":[\"a\"]}");
  EXPECT_TRUE(ok);
}

TEST_F(WireJsonTest, LeavesNonCanonicalOrMalformedBytesToParsing) {
  bool ok = true;
  Json(product_, Delimited(7, "a") + Delimited(4, "x"), &ok);  // out of number order
  EXPECT_FALSE(ok);
  Json(product_, Delimited(4, "x") + Delimited(4, "y"), &ok);  // singular twice: the last wins
  EXPECT_FALSE(ok);
  Json(product_, Delimited(7, "a") + Delimited(8, "x") + Delimited(7, "b"), &ok);  // two runs
  EXPECT_FALSE(ok);
  Json(product_, Delimited(4, "bad \xc3("), &ok);  // invalid UTF-8, which parsing refuses
  EXPECT_FALSE(ok);
  Json(product_, Delimited(4, "xyz").substr(0, 3), &ok);  // truncated
  EXPECT_FALSE(ok);
  Json(product_, std::string("\x20\x01", 2), &ok);  // the name (4) sent as a varint
  EXPECT_FALSE(ok);
  std::string deep;  // Node in Node, 70 levels: past the limit of 64
  for (int i = 0; i < 70; ++i) deep = Delimited(1, deep);
  Json(node_, deep, &ok);
  EXPECT_FALSE(ok);
  std::string shallow;  // 60 levels are fine
  for (int i = 0; i < 60; ++i) shallow = Delimited(1, shallow);
  Json(node_, shallow, &ok);
  EXPECT_TRUE(ok);
}

TEST_F(WireJsonTest, AcceptsPackedAndUnpackedRepeatedScalars) {
  bool ok = false;
  // ints [1, 2, -1] packed (-1 takes ten bytes), zig [-2] unpacked, reals [0.5] packed.
  const std::string ints =
      Delimited(1, std::string("\x01\x02\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 12));
  const std::string zig("\x10\x03", 2);
  const std::string reals = Delimited(3, std::string("\x00\x00\x00\x00\x00\x00\xe0\x3f", 8));
  EXPECT_EQ(Json(packed_, ints + zig + reals, &ok),
            "{\"ints\":[1,2,-1],\"zig\":[\"-2\"],\"reals\":[0.5]}");
  EXPECT_TRUE(ok);
  EXPECT_EQ(Json(packed_, std::string("\x08\x01\x08\x02", 4), &ok), "{\"ints\":[1,2]}");
  EXPECT_TRUE(ok);
  // An optional field set to its default is printed; an empty packed run is left to parsing.
  EXPECT_EQ(Json(packed_, std::string("\x20\x00", 2), &ok), "{\"flag\":false}");
  EXPECT_TRUE(ok);
  Json(packed_, Delimited(1, ""), &ok);
  EXPECT_FALSE(ok);
}

}  // namespace
}  // namespace comptoir::gateway
