// catalogue_search_bench: search latency (p50, p99) and throughput per query class with
// concurrent clients, over a generated catalogue, next to a baseline (product by id) measured
// in the same run. Goes through CatalogueService and PgCatalogueRepository in-process (no
// gRPC), so the figures are the database and domain cost of a search.
//
//   BENCH_PG_URL=postgresql://postgres@127.0.0.1:5432/postgres BENCH_PRODUCTS=100000
//   BENCH_SHOPS=1000 BENCH_CLIENTS=8 BENCH_QUERIES=400 build/bin/catalogue_search_bench
//
// BENCH_PG_URL is a superuser URL of a throwaway cluster: the bench (re)creates the database
// BENCH_DATABASE (default `comptoir_bench_catalogue`) there, with the production bootstrap
// (geo, ext) and the catalogue migrations, and generates the data unless it already holds
// BENCH_PRODUCTS. One database per size lets 100k and 1M stay loaded side by side.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "catalogue_service.h"
#include "comptoir/common/db_bootstrap.h"
#include "comptoir/common/migrations.h"
#include "comptoir/common/pg_pool.h"
#include "pg_catalogue_repository.h"

namespace {

using namespace comptoir;  // NOLINT: a program, not a library
using Clock = std::chrono::steady_clock;

std::string Env(const char* name, const std::string& fallback) {
  const char* value = std::getenv(name);
  return value == nullptr || *value == '\0' ? fallback : std::string(value);
}

// `url` with its database replaced by `database`, and its user by `user` when not empty.
std::string DatabaseUrl(const std::string& url, const std::string& database,
                        const std::string& user = "") {
  const std::size_t scheme = url.find("://");
  const std::size_t host = scheme == std::string::npos ? 0 : scheme + 3;
  const std::size_t slash = url.find('/', host);
  std::string authority = url.substr(host, slash == std::string::npos ? slash : slash - host);
  if (!user.empty()) {
    const std::size_t at = authority.find('@');
    authority =
        absl::StrCat(user, "@", at == std::string::npos ? authority : authority.substr(at + 1));
  }
  return absl::StrCat(url.substr(0, host), authority, "/", database);
}

// The 1, 5 and 15 minute load averages, as /proc/loadavg gives them.
std::string LoadAverage() {
  std::FILE* file = std::fopen("/proc/loadavg", "r");
  if (file == nullptr) return "unknown";
  double one = 0, five = 0, fifteen = 0;
  const int read = std::fscanf(file, "%lf %lf %lf", &one, &five, &fifteen);
  std::fclose(file);
  if (read != 3) return "unknown";
  char text[64];
  std::snprintf(text, sizeof text, "%.2f %.2f %.2f", one, five, fifteen);
  return text;
}

void Fail(const std::string& what, const absl::Status& status) {
  std::fprintf(stderr, "%s: %s\n", what.c_str(), status.ToString().c_str());
  std::exit(1);
}

// Product names per shop category, French and realistic enough for stemming and typos: a
// VALUES list (service roles may not create temporary tables).
constexpr char kNamesSql[] = R"sql(
(VALUES
 ('fromage','fromagerie','Comté AOP 18 mois','250 g',250,'g',690,550),
 ('fromage','fromagerie','Comté fruité 12 mois','500 g',500,'g',1190,550),
 ('fromage','fromagerie','Morbier au lait cru','300 g',300,'g',620,550),
 ('fromage','fromagerie','Époisses de Bourgogne','250 g',250,'g',990,550),
 ('fromage','fromagerie','Camembert fermier','250 g',250,'g',450,550),
 ('fromage','fromagerie','Mont d''Or Vacherin du Haut-Doubs','500 g',500,'g',1490,550),
 ('fromage','fromagerie','Bleu de Gex affiné','200 g',200,'g',560,550),
 ('fromage','fromagerie','Cancoillotte nature','250 g',250,'g',390,550),
 ('boulangerie','boulangerie','Pain de campagne au levain','pièce',0,'',420,550),
 ('boulangerie','boulangerie','Baguette tradition','pièce',0,'',120,550),
 ('patisserie','boulangerie','Tarte aux myrtilles','pièce',0,'',1850,550),
 ('patisserie','boulangerie','Pain d''épices de Dijon','400 g',400,'g',650,550),
 ('vin','caviste','Vin jaune du Jura','bouteille 62 cl',62,'cl',3500,2000),
 ('vin','caviste','Crémant de Bourgogne brut','bouteille 75 cl',75,'cl',1290,2000),
 ('vin','caviste','Côte de Nuits-Villages rouge','bouteille 75 cl',75,'cl',2890,2000),
 ('vin','caviste','Chablis premier cru','bouteille 75 cl',75,'cl',2450,2000),
 ('vin','caviste','Macvin du Jura','bouteille 75 cl',75,'cl',2200,2000),
 ('charcuterie','boucherie-charcuterie','Saucisse de Morteau IGP','pièce 350 g',350,'g',890,550),
 ('charcuterie','boucherie-charcuterie','Jambon persillé de Bourgogne','200 g',200,'g',540,550),
 ('viande','boucherie-charcuterie','Bœuf charolais à bourguignon','1 kg',1,'kg',1890,550),
 ('fruits-legumes','primeur','Pommes de terre de Bresse','1 kg',1,'kg',250,550),
 ('fruits-legumes','primeur','Carottes des sables','1 kg',1,'kg',220,550),
 ('fruits-legumes','primeur','Cassis de Bourgogne','250 g',250,'g',450,550),
 ('epicerie','epicerie','Moutarde de Dijon à l''ancienne','200 g',200,'g',390,550),
 ('epicerie','epicerie','Miel de sapin des Vosges','500 g',500,'g',1250,550),
 ('epicerie','epicerie','Crème de cassis','bouteille 50 cl',50,'cl',1690,2000),
 ('livre','librairie','Guide des fromages de Franche-Comté','pièce',0,'',2200,550),
 ('livre','librairie','Recettes de Bourgogne','pièce',0,'',1990,550),
 ('fleur','fleuriste','Bouquet de saison','pièce',0,'',2500,1000),
 ('fleur','fleuriste','Orchidée en pot','pièce',0,'',2990,1000))
AS names (category, shop_category, name, unit, qty, qunit, price, vat)
)sql";

// Creates and bootstraps the bench database; returns the catalogue role's URL of it.
std::string Prepare(const std::string& admin_url, int products, int shops) {
  const std::string database = Env("BENCH_DATABASE", "comptoir_bench_catalogue");
  const std::string password = Env("BENCH_ROLE_PASSWORD", "comptoir-bench");
  try {
    pqxx::connection admin(admin_url);
    pqxx::nontransaction tx(admin);
    if (tx.exec_params("SELECT 1 FROM pg_database WHERE datname = $1", database).empty()) {
      tx.exec(absl::StrCat("CREATE DATABASE ", tx.quote_name(database)));
    }
  } catch (const std::exception& e) {
    Fail("create database", common::StatusFromPgException(e));
  }
  common::BootstrapOptions bootstrap;
  bootstrap.admin_url = DatabaseUrl(admin_url, database);
  bootstrap.roles = {"catalogue"};
  bootstrap.passwords = {{"catalogue", password}};
  bootstrap.communes_csv = COMPTOIR_SOURCE_DIR "/data/communes-bfc.csv";
  if (absl::Status s = common::BootstrapDatabase(bootstrap); !s.ok()) Fail("bootstrap", s);
  const std::string role_url = DatabaseUrl(admin_url, database, "catalogue:" + password);
  if (absl::StatusOr<int> m =
          common::ApplyMigrations(role_url, "catalogue", catalogue::Migrations());
      !m.ok()) {
    Fail("migrations", m.status());
  }
  try {
    pqxx::connection conn(role_url);
    pqxx::work tx(conn);
    const int64_t have = tx.exec("SELECT count(*) FROM catalogue.products")[0][0].as<int64_t>();
    if (have == products) return role_url;
    std::printf("generating %d products across %d shops...\n", products, shops);
    std::fflush(stdout);
    tx.exec("TRUNCATE catalogue.products, catalogue.shops");
    // Shops over the most populated communes first, so towns get more of them; one in 50
    // is suspended (its products must not show).
    tx.exec_params(
        "INSERT INTO catalogue.shops (id, slug, name, status, commune_insee, department_code, "
        " latitude, longitude, category, source_version) "
        "SELECT gen_random_uuid(), 'shop-' || i, 'Boutique ' || i, "
        " CASE WHEN i % 50 = 0 THEN 'suspended' ELSE 'active' END, c.insee_code, "
        " c.department_code, c.latitude, c.longitude, "
        " (ARRAY['fromagerie','boulangerie','caviste','boucherie-charcuterie','primeur',"
        "        'epicerie','librairie','fleuriste'])[1 + i % 8], 1 "
        "FROM generate_series(1, $1::int) i "
        "JOIN (SELECT insee_code, department_code, latitude, longitude, "
        "             row_number() OVER (ORDER BY population DESC) - 1 AS rank "
        "      FROM geo.communes) c ON c.rank = (i * i) % 400",
        shops);
    tx.exec_params(
        absl::StrCat(
            "WITH s AS (SELECT id, name, category, row_number() OVER (ORDER BY slug) - 1 AS k "
            "           FROM catalogue.shops), "
            "n AS (SELECT *, row_number() OVER (PARTITION BY shop_category ORDER BY name) - 1 AS "
            "j, "
            "             count(*) OVER (PARTITION BY shop_category) AS cnt FROM ",
            kNamesSql,
            ") "
            "INSERT INTO catalogue.products (shop_id, sku, name, description, category, labels, "
            " price_cents, vat_rate_bp, sale_unit, net_quantity, net_quantity_unit, stock_tracked, "
            " stock, create_time) "
            "SELECT s.id, 'SKU-' || g, n.name || CASE WHEN g % 3 = 0 THEN ' ' || (ARRAY['maison',"
            " 'artisanal','du producteur','de saison','tradition'])[1 + g % 5] ELSE '' END, "
            " 'Produit de ' || s.name || ' : ' || n.name || ', sélectionné pour sa qualité.', "
            " n.category, (CASE g % 6 WHEN 1 THEN '{bio}' WHEN 2 THEN '{aop-aoc}' WHEN 3 THEN "
            "'{local}' "
            " WHEN 4 THEN '{bio,local}' WHEN 5 THEN '{fait-maison}' ELSE '{}' END)::text[], "
            " n.price + (g % 13) * 10, n.vat, n.unit, n.qty, n.qunit, g % 4 <> 0, g % 25, "
            " now() - make_interval(secs => g) "
            "FROM generate_series(1, $1::int) g "
            "JOIN s ON s.k = g % $2::int "
            "JOIN n ON n.shop_category = s.category AND n.j = (g / $2::int) % n.cnt"),
        products, shops);
    tx.commit();
    // What autovacuum does soon after a bulk load in production: statistics, the visibility
    // map, and the GIN pending lists merged (searches otherwise scan them linearly).
    pqxx::nontransaction vacuum(conn);
    vacuum.exec("VACUUM ANALYZE catalogue.products");
    vacuum.exec("VACUUM ANALYZE catalogue.shops");
  } catch (const std::exception& e) {
    Fail("generate", common::StatusFromPgException(e));
  }
  return role_url;
}

struct Figures {
  double p50_ms = 0, p99_ms = 0, max_ms = 0, qps = 0;
  int errors = 0;
  std::size_t results = 0;
};

Figures Measure(int clients, int queries,
                const std::function<absl::StatusOr<std::size_t>()>& run_one) {
  std::vector<std::vector<double>> latencies(clients);
  std::atomic<int> next{0}, errors{0};
  std::atomic<std::size_t> results{0};
  const Clock::time_point start = Clock::now();
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      while (next.fetch_add(1) < queries) {
        const Clock::time_point t0 = Clock::now();
        absl::StatusOr<std::size_t> n = run_one();
        latencies[c].push_back(
            std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
        if (n.ok()) {
          results = *n;
        } else {
          if (errors.fetch_add(1) == 0) std::fprintf(stderr, "%s\n", n.status().ToString().c_str());
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  std::vector<double> all;
  for (const auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  std::sort(all.begin(), all.end());
  Figures f;
  if (!all.empty()) {
    f.p50_ms = all[all.size() / 2];
    f.p99_ms = all[std::min(all.size() - 1, all.size() * 99 / 100)];
    f.max_ms = all.back();
  }
  f.qps = static_cast<double>(all.size()) / seconds;
  f.errors = errors.load();
  f.results = results.load();
  return f;
}

}  // namespace

int main() {
  const std::string admin_url = Env("BENCH_PG_URL", "");
  if (admin_url.empty()) {
    std::fprintf(stderr, "set BENCH_PG_URL to a superuser URL of a throwaway cluster\n");
    return 2;
  }
  const int products = std::atoi(Env("BENCH_PRODUCTS", "50000").c_str());
  const int shops = std::atoi(Env("BENCH_SHOPS", "500").c_str());
  const int clients = std::atoi(Env("BENCH_CLIENTS", "8").c_str());
  const int queries = std::atoi(Env("BENCH_QUERIES", "400").c_str());
  const std::string role_url = Prepare(admin_url, products, shops);

  common::PgPoolOptions options;
  options.url = role_url;
  options.size = static_cast<std::size_t>(clients);
  options.statements = catalogue::PgCatalogueRepository::Statements();
  common::PgPool pool(options);
  catalogue::PgCatalogueRepository repository(pool);
  catalogue::CatalogueService service(repository);
  const auto deadline = [] { return common::DeadlineIn(std::chrono::seconds(30)); };

  absl::StatusOr<catalogue::SearchResult> any =
      service.SearchProducts({.page_size = 1}, deadline());
  if (!any.ok() || any->products.empty()) Fail("no product to look up", any.status());
  const std::string some_id = any->products[0].id;

  struct Class {
    const char* name;
    catalogue::SearchParams params;
  };
  const std::vector<Class> classes = {
      {"rare term (vacherin)", {.q = "vacherin"}},
      {"common term (fromage)", {.q = "fromage"}},
      {"two terms (comte fruite)", {.q = "comte fruite"}},
      {"prefix (moutar)", {.q = "moutar"}},
      {"typo (camenbert)", {.q = "camenbert"}},
      {"radius 20 km + category",
       {.category = "fromage", .near = "47.322,5.041", .radius_km = 20, .sort = "distance"}},
      {"facets on (bourgogne)", {.q = "bourgogne", .facets = true}},
      {"filters, newest, no text", {.department_code = "21", .in_stock = true}},
  };

  std::printf("catalogue search: %d products, %d shops, %d clients, %d queries per class\n",
              products, shops, clients, queries);
  std::printf("load average at start: %s\n", LoadAverage().c_str());
  std::printf("%-32s %9s %9s %9s %8s %9s\n", "class", "p50 ms", "p99 ms", "req/s", "results",
              "cold ms");
  // Each class first runs untimed, 4 queries a client: every pooled connection then has
  // prepared the class's statement shape and the repository knows its words' frequencies, as
  // in a service that has been up for a while. "cold ms" is the slowest of those first
  // queries (preparing a shape on a fresh connection), so the one-off cost stays visible.
  const auto measure = [&](const std::function<absl::StatusOr<std::size_t>()>& run_one) {
    const Figures warm_up = Measure(clients, clients * 4, run_one);
    Figures f = Measure(clients, queries, run_one);
    f.errors += warm_up.errors;
    f.max_ms = warm_up.max_ms;
    return f;
  };
  const auto print = [](const char* name, const Figures& f) {
    std::printf("%-32s %9.2f %9.2f %9.1f %8zu %9.2f%s\n", name, f.p50_ms, f.p99_ms, f.qps,
                f.results, f.max_ms,
                f.errors > 0 ? absl::StrCat("  (", f.errors, " errors)").c_str() : "");
  };
  print("baseline: product by id", measure([&]() -> absl::StatusOr<std::size_t> {
          absl::StatusOr<catalogue::Product> p = repository.FindById(some_id, deadline());
          if (!p.ok()) return p.status();
          return std::size_t{1};
        }));
  for (const Class& c : classes) {
    print(c.name, measure([&]() -> absl::StatusOr<std::size_t> {
            absl::StatusOr<catalogue::SearchResult> r =
                service.SearchProducts(c.params, deadline());
            if (!r.ok()) return r.status();
            return r->products.size();
          }));
  }
  // The machine is shared: the figures only mean something next to its load.
  std::printf("load average at end: %s\n", LoadAverage().c_str());
  return 0;
}
