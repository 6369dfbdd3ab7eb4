// What an uncached read costs the gateway's own code. The answer: a page of 20 products
// (ListProductsResponse, as the demo shops return it: French text with accents, two
// timestamps and several 64-bit numbers a product) rendered to JSON by the wire-format
// writer the gateway uses, by the reflection writer (parse, then print), and by protobuf's
// json_util (the baseline, measured in the same run), then the entity tag and the gzip the
// gateway adds. The request: the route look-up of GET /v1/shops/{shop}/products among every
// service's routes, and the query and path turned into the serialized request message.
// Each is timed hot (calls in a loop) and with the data caches evicted before each call
// (8 MiB written in between), nearer a request at concurrency 1, where the service and the
// database run between two requests.
//
//   render_bench [iterations=20000]
#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "comptoir/catalogue/v1/catalogue.pb.h"
#include "gateway.h"  // StrongEtag
#include "json_writer.h"
#include "micro_cache.h"  // Gzip
#include "route_table.h"
#include "transcoder.h"

namespace {

using Clock = std::chrono::steady_clock;
namespace catalogue = comptoir::catalogue::v1;

catalogue::ListProductsResponse DemoPage() {
  const char* names[] = {"Saucisse de Morteau IGP", "Comté AOP 18 mois", "Moutarde de Dijon",
                         "Pain d'épices au miel", "Crème de cassis de Bourgogne"};
  catalogue::ListProductsResponse page;
  for (int i = 0; i < 20; ++i) {
    char id[40];
    std::snprintf(id, sizeof id, "2ac5b66a-1e87-4e68-84e6-9298c043%04d", i);
    std::string json = std::string(R"({"id":")") + id +
                       R"(","shopId":"73375c8f-4324-44ea-8d5d-6686c502eac5","sku":"CHAR-000)" +
                       std::to_string(i % 10) + R"(","name":")" + names[i % 5] +
                       R"(","description":")" + names[i % 5] +
                       R"(, sélectionné par la boutique.","category":"charcuterie",)"
                       R"("labels":["igp"],"priceCents":"933","vatRateBp":550,)"
                       R"("saleUnit":"pièce 350 g","netQuantity":"350","netQuantityUnit":"g",)"
                       R"("unitPriceCents":"2666","unitPricePer":"kg","stockTracked":true,)"
                       R"("stock":"20","visible":true,"version":"1",)"
                       R"("createTime":"2026-11-26T09:26:27.251930Z",)"
                       R"("updateTime":"2026-11-26T09:26:27.251930Z",)"
                       R"("shopName":"Boucherie-Charcuterie Bonnet","communeInsee":"71076",)"
                       R"("departmentCode":"71"})";
    if (!google::protobuf::util::JsonStringToMessage(json, page.add_products()).ok()) {
      std::fprintf(stderr, "demo product does not parse: %s\n", json.c_str());
      std::exit(1);
    }
  }
  return page;
}

// Microseconds per call of `fn` over `iterations` calls (after a warm-up tenth).
double MicrosPerCall(int iterations, const std::function<void()>& fn) {
  for (int i = 0; i < iterations / 10; ++i) fn();
  const auto start = Clock::now();
  for (int i = 0; i < iterations; ++i) fn();
  return std::chrono::duration<double, std::micro>(Clock::now() - start).count() / iterations;
}

// The same with the data caches evicted before each call, only the call timed.
double MicrosPerEvictedCall(int iterations, const std::function<void()>& fn) {
  static std::vector<char> junk(8 << 20);
  double total = 0;
  for (int i = 0; i < iterations; ++i) {
    for (size_t j = 0; j < junk.size(); j += 64) ++junk[j];
    const auto start = Clock::now();
    fn();
    total += std::chrono::duration<double, std::micro>(Clock::now() - start).count();
  }
  return total / iterations;
}

// Hot and evicted figures of one step.
struct Cost {
  double hot_us;
  double evicted_us;
};
Cost Measure(int iterations, const std::function<void()>& fn) {
  return {MicrosPerCall(iterations, fn), MicrosPerEvictedCall(std::max(iterations / 20, 1), fn)};
}

}  // namespace

int main(int argc, char** argv) {
  const int iterations = argc > 1 ? std::atoi(argv[1]) : 20000;
  if (iterations <= 0) {
    std::fprintf(stderr, "usage: %s [iterations > 0]\n", argv[0]);
    return 2;
  }
  const catalogue::ListProductsResponse page = DemoPage();
  const std::string wire = page.SerializeAsString();
  const google::protobuf::Descriptor* type = page.GetDescriptor();

  std::string reference;
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = false;
  options.preserve_proto_field_names = false;
  (void)google::protobuf::util::MessageToJsonString(page, &reference, options);
  std::string json;
  if (!comptoir::gateway::AppendWireJson(type, wire, &json) || json != reference) {
    std::fprintf(stderr, "the wire writer does not print what json_util prints\n");
    return 1;
  }

  std::string out;
  const Cost util = Measure(iterations, [&] {
    catalogue::ListProductsResponse parsed;
    parsed.ParseFromString(wire);
    out.clear();
    (void)google::protobuf::util::MessageToJsonString(parsed, &out, options);
  });
  const Cost reflection = Measure(iterations, [&] {
    catalogue::ListProductsResponse parsed;
    parsed.ParseFromString(wire);
    out.clear();
    comptoir::gateway::AppendMessageJson(parsed, &out);
  });
  const Cost wire_writer = Measure(iterations, [&] {
    out.clear();
    comptoir::gateway::AppendWireJson(type, wire, &out);
  });
  std::string etag;
  const Cost etag_cost =
      Measure(iterations, [&] { etag = comptoir::gateway::StrongEtag(reference); });
  std::string gzipped;
  const Cost gzip_cost =
      Measure(iterations / 10, [&] { gzipped = comptoir::gateway::Gzip(reference); });

  // The request side, on the routes of every service the gateway serves.
  std::map<std::string, std::string> upstreams;
  for (const char* service :
       {"comptoir.accounts.v1.AccountService", "comptoir.accounts.v1.PartnerService",
        "comptoir.shops.v1.ShopService", "comptoir.catalogue.v1.CatalogueService",
        "comptoir.orders.v1.OrderService", "comptoir.delivery.v1.DeliveryService"}) {
    upstreams.emplace(service, "127.0.0.1:1");
  }
  auto routes = comptoir::gateway::RouteTable::Build(upstreams);
  const std::string path = "/v1/shops/73375c8f-4324-44ea-8d5d-6686c502eac5/products";
  const std::string query = "page_size=20";
  comptoir::gateway::RouteMatch match =
      routes.ok() ? routes->Find("GET", path) : comptoir::gateway::RouteMatch{};
  if (match.route == nullptr || match.route->grpc_path.find("ListProducts") == std::string::npos) {
    std::fprintf(stderr, "GET %s finds no ListProducts route\n", path.c_str());
    return 1;
  }
  const Cost find = Measure(iterations, [&] {
    if (routes->Find("GET", path).route != match.route) std::abort();
  });
  std::string request_bytes;
  const Cost build = Measure(iterations, [&] {
    auto params = comptoir::gateway::ParseQuery(query);
    auto request = comptoir::gateway::BuildRequest(*match.route, match.captures, *params, "");
    request_bytes.clear();
    if (!request.ok() || !(*request)->SerializeToString(&request_bytes)) std::abort();
  });

  std::printf("render of ListProductsResponse, 20 products: %zu wire bytes -> %zu JSON bytes\n",
              wire.size(), reference.size());
  std::printf("  %-34s %8s  %8s\n", "", "hot", "evicted");
  auto row = [&](const char* what, const Cost& cost, const std::string& note) {
    std::printf("  %-34s %8.2f  %8.2f us%s%s\n", what, cost.hot_us, cost.evicted_us,
                note.empty() ? "" : "  ", note.c_str());
  };
  auto versus_util = [&](const Cost& cost) {
    char note[96];
    std::snprintf(note, sizeof note, "%7.0f MB/s JSON hot  (%.2fx json_util's time)",
                  static_cast<double>(reference.size()) / cost.hot_us, cost.hot_us / util.hot_us);
    return std::string(note);
  };
  row("json_util (parse + print)", util, versus_util(util));
  row("reflection writer (parse + print)", reflection, versus_util(reflection));
  row("wire writer (the gateway's path)", wire_writer, versus_util(wire_writer));
  row("strong ETag of the body", etag_cost, "");
  row("gzip of the body", gzip_cost,
      "(" + std::to_string(reference.size()) + " -> " + std::to_string(gzipped.size()) + " bytes)");
  std::printf("request GET %s?%s\n", path.c_str(), query.c_str());
  row("route look-up", find, "(" + std::to_string(routes->routes().size()) + " routes)");
  row("query + request message, serialized", build,
      "(" + std::to_string(request_bytes.size()) + " bytes)");
  return 0;
}
