// The gateway's routes, built once at start-up from the google.api.http annotations of the
// services it is configured with: adding an annotated RPC adds a route, no gateway code.
// Immutable after Build: Find is safe from any thread.
//
//   ASSIGN_OR_RETURN(RouteTable table, RouteTable::Build(ParseUpstreams(env)));
//   RouteMatch m = table.Find("GET", "/v1/shops/fromagerie-gaugry");
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "google/protobuf/descriptor.h"
#include "path_template.h"

namespace comptoir::gateway {

struct Route {
  std::string http_method;  // "GET", "POST", ... as the rule (or custom kind) says
  PathTemplate path;
  const google::protobuf::MethodDescriptor* method = nullptr;
  std::string body;           // "" (no body), "*" (whole request) or a top-level field name
  std::string response_body;  // "" (whole response) or a top-level field name
  std::string upstream;       // "host:port" of the service
  std::string grpc_path;      // "/comptoir.shops.v1.ShopService/GetShop"
  std::string name;           // "GET /v1/shops/{shop}": bounded label for metrics and logs
};

struct RouteMatch {
  enum class Kind { kFound, kMethodNotAllowed, kNotFound };
  Kind kind = Kind::kNotFound;
  const Route* route = nullptr;    // kFound
  Captures captures;               // kFound
  std::vector<std::string> allow;  // kMethodNotAllowed: methods the path accepts, sorted
};

class RouteTable {
 public:
  // `upstreams` maps a fully-qualified service name to "host:port". Fails (start-up
  // misconfiguration) on an unknown service, a bad template, a path variable or body naming
  // no suitable field, or two rules claiming the same method and path.
  static absl::StatusOr<RouteTable> Build(const std::map<std::string, std::string>& upstreams,
                                          const google::protobuf::DescriptorPool& pool =
                                              *google::protobuf::DescriptorPool::generated_pool());

  // `path` is the raw request target without its query string.
  RouteMatch Find(std::string_view http_method, std::string_view path) const;

  const std::vector<Route>& routes() const { return routes_; }

 private:
  void Index();

  std::vector<Route> routes_;
  // Indexes into routes_ by HTTP method and the template's first two segments when both are
  // literal ("GET v1/shops"), or by HTTP method alone ("GET") for the others: Find tries
  // only the candidates of the request's own key and of its method's.
  absl::flat_hash_map<std::string, std::vector<size_t>> by_prefix_;
};

// Parses UPSTREAMS: "pkg.Service=host:port,pkg.Other=host:port".
absl::StatusOr<std::map<std::string, std::string>> ParseUpstreams(std::string_view text);

// Resolves a dotted path of proto field names from `root`; nullptr when a part is unknown
// or crosses a repeated or non-message field.
std::vector<const google::protobuf::FieldDescriptor*> ResolveFieldPath(
    const google::protobuf::Descriptor* root, std::string_view dotted, bool accept_json_names);

}  // namespace comptoir::gateway
