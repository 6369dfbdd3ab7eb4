// What an uncached answer costs the gateway between the service's bytes and the HTTP body:
// a page of 20 products (ListProductsResponse, as the demo shops return it: French text with
// accents, two timestamps and several 64-bit numbers a product) rendered to JSON by the
// wire-format writer the gateway uses, by the reflection writer (parse, then print), and by
// protobuf's json_util (the baseline, measured in the same run), then the entity tag and the
// gzip the gateway adds. Hot-cache figures: the first answer after a wake-up costs more.
//
//   render_bench [iterations=20000]
#include <google/protobuf/util/json_util.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>

#include "comptoir/catalogue/v1/catalogue.pb.h"
#include "gateway.h"  // StrongEtag
#include "json_writer.h"
#include "micro_cache.h"  // Gzip

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
  const double util_us = MicrosPerCall(iterations, [&] {
    catalogue::ListProductsResponse parsed;
    parsed.ParseFromString(wire);
    out.clear();
    (void)google::protobuf::util::MessageToJsonString(parsed, &out, options);
  });
  const double reflection_us = MicrosPerCall(iterations, [&] {
    catalogue::ListProductsResponse parsed;
    parsed.ParseFromString(wire);
    out.clear();
    comptoir::gateway::AppendMessageJson(parsed, &out);
  });
  const double wire_us = MicrosPerCall(iterations, [&] {
    out.clear();
    comptoir::gateway::AppendWireJson(type, wire, &out);
  });
  std::string etag;
  const double etag_us =
      MicrosPerCall(iterations, [&] { etag = comptoir::gateway::StrongEtag(reference); });
  std::string gzipped;
  const double gzip_us =
      MicrosPerCall(iterations / 10, [&] { gzipped = comptoir::gateway::Gzip(reference); });

  std::printf("render of ListProductsResponse, 20 products: %zu wire bytes -> %zu JSON bytes\n",
              wire.size(), reference.size());
  auto row = [&](const char* what, double us) {
    std::printf("  %-34s %8.2f us  %7.0f MB/s JSON  (%.2fx json_util's time)\n", what, us,
                static_cast<double>(reference.size()) / us, us / util_us);
  };
  row("json_util (parse + print)", util_us);
  row("reflection writer (parse + print)", reflection_us);
  row("wire writer (the gateway's path)", wire_us);
  std::printf("  %-34s %8.2f us\n", "strong ETag of the body", etag_us);
  std::printf("  %-34s %8.2f us  (%zu -> %zu bytes)\n", "gzip of the body", gzip_us,
              reference.size(), gzipped.size());
  return 0;
}
