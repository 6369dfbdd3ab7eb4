// The OpenAPI 3.0 document of the gateway's API, generated once at start-up from the route
// table (the same google.api.http rules that route requests) and the .proto comments, so the
// document cannot drift from what the gateway serves. Served as /openapi.json.
// Immutable once built: ProtoComments and the generated text are safe to share between threads.
//
//   ProtoComments comments = ProtoComments::Embedded();
//   std::string doc = GenerateOpenApi(routes, comments);
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "google/protobuf/descriptor.h"
#include "route_table.h"

namespace comptoir::gateway {

// Comments of .proto elements. C++ generated descriptors carry none, so they come from a
// FileDescriptorSet built with `protoc --include_source_info --include_imports`; elements
// are looked up by full name, so the generated descriptors the routes use can be passed in.
class ProtoComments {
 public:
  ProtoComments();  // knows no comments
  ~ProtoComments();
  ProtoComments(ProtoComments&&) noexcept;
  ProtoComments& operator=(ProtoComments&&) noexcept;

  // InvalidArgument when the bytes are not a descriptor set whose files build in order.
  static absl::StatusOr<ProtoComments> FromDescriptorSet(std::string_view serialized);
  // The set compiled into the gateway (gateway/CMakeLists.txt); no comments if it is broken.
  static ProtoComments Embedded();

  // The leading comment (else the trailing one) of the element, trimmed; "" when none.
  std::string Of(const google::protobuf::ServiceDescriptor* d) const;
  std::string Of(const google::protobuf::MethodDescriptor* d) const;
  std::string Of(const google::protobuf::Descriptor* d) const;
  std::string Of(const google::protobuf::FieldDescriptor* d) const;
  std::string Of(const google::protobuf::EnumDescriptor* d) const;
  std::string Of(const google::protobuf::EnumValueDescriptor* d) const;

  // Full names of the services defined in the set (all of the API's, routed or not).
  std::vector<std::string> ServiceNames() const;

 private:
  std::unique_ptr<google::protobuf::DescriptorPool> pool_;
  std::vector<std::string> service_names_;
};

struct OpenApiOptions {
  std::string title = "Comptoir API";
  std::string version = "v1";
};

// The document as compact JSON. Deterministic for a given route table and comments.
std::string GenerateOpenApi(const RouteTable& routes, const ProtoComments& comments,
                            const OpenApiOptions& options = {});

// The path of a route as OpenAPI writes it: "/v1/shops/{shop}:approve"; a capture with a
// pattern ("{name=shops/*}") becomes "{name}".
std::string OpenApiPath(const PathTemplate& path);

}  // namespace comptoir::gateway
