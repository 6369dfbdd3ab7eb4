// libFuzzer target for what the gateway does with bytes from the network before any
// service sees them: HTTP/1.1 request parsing (Beast, with the gateway's limits), route
// matching over every annotated RPC linked in, query and path mapping, the JSON depth guard
// and JSON -> protobuf transcoding; and, with the same input read as a service's answer,
// protobuf -> JSON rendering, with the wire-format writer checked against the reflection one.
// Crashes, sanitizer reports, leaks and a difference between the two writers are the findings.
//
// Built with clang only (see run_fuzzer.sh): -fsanitize=fuzzer,address,undefined.
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "google/protobuf/stubs/logging.h"
#include "json_writer.h"
#include "route_table.h"
#include "transcoder.h"

namespace {

namespace http = boost::beast::http;
using comptoir::gateway::RouteTable;

// Every public service of the product, at a dummy address: the routes are what matter.
const RouteTable& Routes() {
  static const RouteTable* const table = [] {
    const std::map<std::string, std::string> upstreams = {
        {"comptoir.accounts.v1.AccountService", "x:1"},
        {"comptoir.accounts.v1.PartnerService", "x:1"},
        {"comptoir.shops.v1.ShopService", "x:1"},
        {"comptoir.catalogue.v1.CatalogueService", "x:1"},
        {"comptoir.orders.v1.OrderService", "x:1"},
        {"comptoir.delivery.v1.DeliveryService", "x:1"}};
    std::map<std::string, std::string> present;
    for (const auto& [name, address] : upstreams) {
      if (google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(name) != nullptr) {
        present.emplace(name, address);
      }
    }
    auto built = RouteTable::Build(present);
    if (!built.ok()) __builtin_trap();  // the real gateway refuses to start: a finding too
    return new RouteTable(std::move(*built));
  }();
  return *table;
}

void Transcode(const http::request<http::string_body>& request) {
  std::string_view target = request.target();
  const size_t q = target.find('?');
  const std::string_view path = target.substr(0, q);
  const std::string_view query = q == std::string_view::npos ? "" : target.substr(q + 1);
  auto match = Routes().Find(request.method_string(), path);
  if (match.kind != comptoir::gateway::RouteMatch::Kind::kFound) return;
  if (comptoir::gateway::JsonDeeperThan(request.body(), comptoir::gateway::kMaxJsonDepth)) return;
  auto params = comptoir::gateway::ParseQuery(query);
  if (!params.ok()) return;
  auto message =
      comptoir::gateway::BuildRequest(*match.route, match.captures, *params, request.body());
  if (!message.ok()) return;
  std::string bytes;
  (void)(*message)->SerializeToString(&bytes);
}

}  // namespace

// The fuzzer builds messages with invalid UTF-8 on purpose, and libprotobuf logs an error
// for each one it serializes: that drowned the run's own output. Fatal errors still abort.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  http::request_parser<http::string_body> parser;
  parser.header_limit(16 * 1024);
  parser.body_limit(1024 * 1024);
  parser.eager(true);
  boost::beast::error_code ec;
  parser.put(boost::asio::buffer(input.data(), input.size()), ec);
  if (!ec && !parser.is_done()) parser.put_eof(ec);
  if (!ec && parser.is_done()) Transcode(parser.get());

  // The same bytes as an upstream answer to each route's RPC (bounded: a few routes).
  const auto& routes = Routes().routes();
  if (!routes.empty()) {
    const auto& route = routes[size % routes.size()];
    (void)comptoir::gateway::RenderResponse(route, input);
    // The wire-format writer must print what the reflection writer prints for the parsed
    // message whenever it accepts the bytes: a difference is a finding.
    const google::protobuf::Descriptor* type = route.method->output_type();
    std::string wire;
    if (comptoir::gateway::AppendWireJson(type, input, &wire)) {
      std::unique_ptr<google::protobuf::Message> parsed = comptoir::gateway::NewMessage(type);
      std::string reflected;
      if (!parsed->ParseFromArray(input.data(), static_cast<int>(input.size())) ||
          !comptoir::gateway::AppendMessageJson(*parsed, &reflected) || reflected != wire) {
        __builtin_trap();
      }
    }
  }
  return 0;
}
