// The direct JSON writer against json_util, the reference it replaces: for every message type
// of the API's .proto files, many randomly filled messages (every field kind, nested and
// repeated, maps, well-known types, strings with escapes, accents and special code points,
// unknown enum values, non-finite numbers; no invalid UTF-8: proto3 refuses to parse it) must
// render byte for byte as MessageToJsonString renders them with the gateway's options, or be
// declined (false) only where json_util refuses too or for the types the writer leaves to it.
#include "json_writer.h"

#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/timestamp.pb.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <memory>
#include <random>
#include <string>
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

// Renders `message` after a trip through the wire format, as the gateway does with an
// upstream's bytes; checks the writer agrees with json_util. Returns whether it wrote.
bool ExpectSameAsJsonUtil(const Message& filled) {
  std::unique_ptr<Message> parsed = NewMessage(filled.GetDescriptor());
  EXPECT_TRUE(parsed->ParsePartialFromString(filled.SerializePartialAsString()));
  std::string direct;
  const bool wrote = AppendMessageJson(*parsed, &direct);
  bool reference_ok = false;
  const std::string reference = Reference(*parsed, &reference_ok);
  if (wrote) {
    EXPECT_TRUE(reference_ok) << filled.GetDescriptor()->full_name()
                              << ": the writer accepted what json_util refuses: " << direct;
    EXPECT_EQ(direct, reference) << filled.GetDescriptor()->full_name() << "\n"
                                 << filled.ShortDebugString();
  }
  return wrote;
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
      if (ExpectSameAsJsonUtil(*m)) ++written;
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
  google::protobuf::Struct empty;
  ExpectSameAsJsonUtil(empty);
  google::protobuf::Struct s;
  (*s.mutable_fields())["a"].set_number_value(1.5);
  (*s.mutable_fields())["b"].mutable_list_value()->add_values()->set_string_value("x");
  (*s.mutable_fields())["c"].set_null_value(google::protobuf::NULL_VALUE);
  EXPECT_TRUE(ExpectSameAsJsonUtil(s));
  // json_util refuses these; the writer declines them so the caller hears the same.
  google::protobuf::Value no_kind;
  out.clear();
  EXPECT_FALSE(AppendMessageJson(no_kind, &out));
  google::protobuf::Timestamp far;
  far.set_seconds(253402300800);
  out.clear();
  EXPECT_FALSE(AppendMessageJson(far, &out));
}

}  // namespace
}  // namespace comptoir::gateway
