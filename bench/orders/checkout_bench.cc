// orders_checkout_bench: checkouts per second and p50/p99 latency of the checkout saga with
// concurrent residents, uncontended (every checkout buys another product) and contended (every
// checkout buys the same hot product), next to pgbench running the same SQL transactions
// (record the order, reserve the stock, mark it placed) in the same run. The saga runs
// in-process: OrdersService over PgOrdersRepository, the catalogue's CatalogueService over
// PgCatalogueRepository (no gRPC hop), slots booked by a no-op; so the ratio shows what the
// service adds on top of its SQL.
//
//   BENCH_PG_URL=postgresql://postgres@127.0.0.1:5432/postgres BENCH_CLIENTS=16
//   BENCH_CHECKOUTS=2000 BENCH_PGBENCH_SECONDS=10 build/bin/orders_checkout_bench
//
// BENCH_PG_URL is a superuser URL of a throwaway cluster: the bench (re)creates the database
// `comptoir_bench_orders` there with the production bootstrap and both services' migrations.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "catalogue_service.h"
#include "comptoir/common/db_bootstrap.h"
#include "comptoir/common/migrations.h"
#include "comptoir/common/pg_pool.h"
#include "orders_service.h"
#include "pg_catalogue_repository.h"
#include "pg_orders_repository.h"

namespace {

using namespace comptoir;  // NOLINT: a program, not a library
using Clock = std::chrono::steady_clock;

constexpr char kDatabase[] = "comptoir_bench_orders";
constexpr char kShop[] = "0bec0000-0000-4000-8000-000000000001";

std::string Env(const char* name, const std::string& fallback) {
  const char* value = std::getenv(name);
  return value == nullptr || *value == '\0' ? fallback : std::string(value);
}

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

void Fail(const std::string& what, const absl::Status& status) {
  std::fprintf(stderr, "%s: %s\n", what.c_str(), status.ToString().c_str());
  std::exit(1);
}

// The catalogue in-process, as orders sees it over gRPC.
class InProcessCatalogue final : public orders::Catalogue {
 public:
  explicit InProcessCatalogue(catalogue::CatalogueService& service) : service_(service) {}
  absl::StatusOr<orders::ProductFacts> GetProduct(const std::string& id,
                                                  common::Deadline deadline) override {
    absl::StatusOr<catalogue::Product> p = service_.GetProduct(common::Caller{}, id, deadline);
    if (!p.ok()) return p.status();
    return orders::ProductFacts{.id = p->id,
                                .shop_id = p->shop_id,
                                .shop_name = p->shop_name,
                                .department_code = p->department_code,
                                .sku = p->sku,
                                .name = p->name,
                                .sale_unit = p->sale_unit,
                                .price_cents = p->price_cents,
                                .vat_rate_bp = p->vat_rate_bp,
                                .stock_tracked = p->stock_tracked,
                                .stock = p->stock};
  }
  absl::Status ReserveStock(const std::string& order,
                            const std::vector<orders::StockRequestLine>& lines,
                            common::Deadline deadline) override {
    std::vector<catalogue::StockLine> stock;
    for (const auto& l : lines) stock.push_back({l.product_id, l.quantity});
    return service_.ReserveStock(order, stock, deadline).status();
  }
  absl::Status ReleaseStock(const std::string& order, common::Deadline deadline) override {
    absl::Status s = service_.ReleaseStock(order, deadline).status();
    return s.code() == absl::StatusCode::kNotFound ? absl::OkStatus() : s;
  }
  absl::Status CommitStock(const std::string& order, common::Deadline deadline) override {
    return service_.CommitStock(order, deadline).status();
  }

 private:
  catalogue::CatalogueService& service_;
};

class NoDelivery final : public orders::Delivery {
 public:
  absl::StatusOr<int64_t> QuoteFee(const std::string&, const std::string&, int64_t,
                                   common::Deadline) override {
    return 0;
  }
  absl::StatusOr<orders::BookedSlot> BookSlot(const std::string&, const std::string&,
                                              const std::string&, common::Deadline) override {
    return orders::BookedSlot{.start = absl::Now() + absl::Hours(24),
                              .end = absl::Now() + absl::Hours(25)};
  }
  absl::Status ReleaseSlot(const std::string&, common::Deadline) override {
    return absl::OkStatus();
  }
};

struct Figures {
  double per_second = 0;
  double p50_ms = 0;
  double p99_ms = 0;
  int failed = 0;
};

// The same three transactions the saga commits, with the reads it makes, for pgbench.
// :hot = 1 buys product 1 every time, else a random one of :products.
constexpr char kPgbenchScript[] = R"sql(
\set p random(1, :products)
\if :hot
\set p 1
\endif
SELECT id AS product FROM public.bench_products WHERE n = :p \gset
SELECT id, name, price_cents FROM catalogue.products WHERE id = CAST(:product AS uuid);
SELECT id FROM orders.checkouts WHERE customer_user_id = gen_random_uuid() AND idempotency_key = 'x';
BEGIN;
INSERT INTO orders.checkouts (customer_user_id, idempotency_key, request_hash, claimed_until) VALUES (gen_random_uuid(), md5(random()::text), 'h', now() + interval '30 seconds') RETURNING id AS checkout \gset
SELECT nextval('orders.order_number_seq') AS seq \gset
INSERT INTO orders.orders (number, checkout_id, shop_id, customer_user_id, customer_name, customer_phone, status, fulfilment, slot_id, items_cents, delivery_fee_cents, total_cents, payment_method, payment_state) VALUES ('PGB-' || :seq, CAST(:checkout AS uuid), '0bec0000-0000-4000-8000-000000000001', gen_random_uuid(), 'Bench', '0380000000', 'pending', 'pickup', 'slot', 250, 0, 250, 'on_site', 'due') RETURNING id AS ord \gset
INSERT INTO orders.order_lines VALUES (CAST(:ord AS uuid), 0, CAST(:product AS uuid), 'SKU', 'Produit', 'pièce', 1, 250, 550, 250, 13);
INSERT INTO orders.order_history (order_id, from_status, to_status, actor_role) VALUES (CAST(:ord AS uuid), '', 'pending', 'resident');
COMMIT;
BEGIN;
INSERT INTO catalogue.stock_reservations (order_id, state) VALUES (CAST(:ord AS uuid), 'reserved') ON CONFLICT DO NOTHING;
UPDATE catalogue.products SET stock = stock - 1, version = version + 1, update_time = now() WHERE id = CAST(:product AS uuid) AND stock >= 1;
INSERT INTO catalogue.stock_reservation_lines (order_id, product_id, quantity) VALUES (CAST(:ord AS uuid), CAST(:product AS uuid), 1);
COMMIT;
BEGIN;
SELECT id FROM orders.orders WHERE checkout_id = CAST(:checkout AS uuid) FOR UPDATE;
UPDATE orders.orders SET status = 'placed', version = version + 1, update_time = now() WHERE id = CAST(:ord AS uuid);
INSERT INTO orders.order_history (order_id, from_status, to_status, actor_role) VALUES (CAST(:ord AS uuid), 'pending', 'placed', 'system');
INSERT INTO orders.outbox (id, aggregate, type, payload) VALUES (gen_random_uuid(), CAST(:ord AS uuid), 'bench', '\x00');
UPDATE orders.checkouts SET status = 'placed' WHERE id = CAST(:checkout AS uuid);
COMMIT;
SELECT id FROM orders.orders WHERE checkout_id = CAST(:checkout AS uuid);
)sql";

Figures RunSaga(orders::OrdersService& service, const std::vector<std::string>& products, bool hot,
                int clients, int checkouts, const std::string& tag) {
  std::vector<std::vector<double>> latencies(clients);
  std::atomic<int> failed{0};
  const auto start = Clock::now();
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      for (int i = c; i < checkouts; i += clients) {
        orders::CheckoutRequest request;
        request.idempotency_key = absl::StrCat("bench-", tag, "-", i);
        request.lines = {{hot ? products[0] : products[i % products.size()], 1}};
        request.fulfilments = {{.shop_id = kShop, .kind = "pickup", .slot_id = "slot"}};
        request.customer_name = "Résident de banc d'essai";
        request.customer_phone = "03 80 00 00 00";
        const std::string user = absl::StrFormat("be000000-0000-4000-8000-%012d", i);
        const auto t0 = Clock::now();
        absl::StatusOr<orders::CheckoutRecord> r =
            service.Checkout(common::Caller{.user_id = user, .roles = {"resident"}, .shop_ids = {}},
                             request, common::DeadlineIn(std::chrono::seconds(30)));
        latencies[c].push_back(
            std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
        if (!r.ok()) {
          if (failed++ == 0)
            std::fprintf(stderr, "checkout failed: %s\n", r.status().ToString().c_str());
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
  f.per_second = all.size() / seconds;
  f.p50_ms = all[all.size() / 2];
  f.p99_ms = all[std::min(all.size() - 1, all.size() * 99 / 100)];
  f.failed = failed;
  return f;
}

// Runs pgbench with the script; fills per_second and the average latency (as p50).
Figures RunPgbench(const std::string& url, bool hot, int clients, int products, int seconds) {
  const std::string path = "/tmp/comptoir_orders_bench.sql";
  std::ofstream(path) << kPgbenchScript;
  const std::string command =
      absl::StrCat(Env("PGBENCH", "/usr/bin/pgbench"), " -n -M extended -c ", clients, " -j ",
                   std::min(clients, 4), " -T ", seconds, " -D hot=", hot ? 1 : 0,
                   " -D products=", products, " -f ", path, " '", url, "' 2>&1");
  Figures f;
  FILE* out = popen(command.c_str(), "r");
  if (out == nullptr) return f;
  char line[512];
  while (std::fgets(line, sizeof line, out) != nullptr) {
    double value = 0;
    if (std::sscanf(line, "tps = %lf", &value) == 1) f.per_second = value;
    if (std::sscanf(line, "latency average = %lf", &value) == 1) f.p50_ms = value;
    if (std::strstr(line, "aborted") != nullptr || std::strstr(line, "ERROR") != nullptr) {
      std::fputs(line, stderr);
    }
  }
  pclose(out);
  return f;
}

}  // namespace

int main() {
  const std::string admin_url =
      Env("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres");
  const int clients = std::stoi(Env("BENCH_CLIENTS", "16"));
  const int checkouts = std::stoi(Env("BENCH_CHECKOUTS", "2000"));
  const int products_count = std::stoi(Env("BENCH_PRODUCTS", "2000"));
  const int pgbench_seconds = std::stoi(Env("BENCH_PGBENCH_SECONDS", "10"));
  const std::string password = Env("BENCH_ROLE_PASSWORD", "comptoir-bench");
  try {
    pqxx::connection admin(admin_url);
    pqxx::nontransaction tx(admin);
    tx.exec(absl::StrCat("DROP DATABASE IF EXISTS ", kDatabase, " WITH (FORCE)"));
    tx.exec(absl::StrCat("CREATE DATABASE ", kDatabase));
  } catch (const std::exception& e) {
    Fail("create database", common::StatusFromPgException(e));
  }
  common::BootstrapOptions bootstrap;
  bootstrap.admin_url = DatabaseUrl(admin_url, kDatabase);
  bootstrap.roles = {"catalogue", "orders"};
  bootstrap.passwords = {{"catalogue", password}, {"orders", password}};
  bootstrap.communes_csv = COMPTOIR_SOURCE_DIR "/data/communes-bfc.csv";
  if (absl::Status s = common::BootstrapDatabase(bootstrap); !s.ok()) Fail("bootstrap", s);
  const std::string catalogue_url = DatabaseUrl(admin_url, kDatabase, "catalogue:" + password);
  const std::string orders_url = DatabaseUrl(admin_url, kDatabase, "orders:" + password);
  if (auto m = common::ApplyMigrations(catalogue_url, "catalogue", catalogue::Migrations());
      !m.ok()) {
    Fail("catalogue migrations", m.status());
  }
  if (auto m = common::ApplyMigrations(orders_url, "orders", orders::Migrations()); !m.ok()) {
    Fail("orders migrations", m.status());
  }
  std::vector<std::string> products;
  try {
    pqxx::connection conn(bootstrap.admin_url);
    pqxx::work tx(conn);
    tx.exec_params(
        "INSERT INTO catalogue.shops (id, slug, name, status, commune_insee, department_code, "
        "latitude, longitude, category, source_version) VALUES ($1::uuid, 'banc', 'Banc "
        "d''essai', 'active', '21231', '21', 47.32, 5.04, 'epicerie', 1)",
        kShop);
    tx.exec_params(
        "INSERT INTO catalogue.products (id, shop_id, sku, name, category, price_cents, "
        "vat_rate_bp, sale_unit, stock_tracked, stock) SELECT gen_random_uuid(), $1::uuid, "
        "'B-' || i, 'Produit ' || i, 'epicerie', 250, 550, 'pièce', true, 1000000000 "
        "FROM generate_series(1, $2::int) i",
        kShop, products_count);
    tx.exec(
        "CREATE TABLE public.bench_products AS SELECT row_number() OVER (ORDER BY sku) AS n, id "
        "FROM catalogue.products");
    for (const pqxx::row& r : tx.exec("SELECT id::text FROM public.bench_products ORDER BY n")) {
      products.push_back(r[0].as<std::string>());
    }
    tx.commit();
  } catch (const std::exception& e) {
    Fail("products", common::StatusFromPgException(e));
  }

  common::PgPoolOptions catalogue_pool_options;
  catalogue_pool_options.url = catalogue_url;
  catalogue_pool_options.size = clients;
  catalogue_pool_options.statements = catalogue::PgCatalogueRepository::Statements();
  common::PgPool catalogue_pool(catalogue_pool_options);
  catalogue::PgCatalogueRepository catalogue_repository(catalogue_pool);
  catalogue::CatalogueService catalogue_service(catalogue_repository);
  InProcessCatalogue catalogue(catalogue_service);
  common::PgPoolOptions orders_pool_options;
  orders_pool_options.url = orders_url;
  orders_pool_options.size = clients;
  orders_pool_options.statements = orders::PgOrdersRepository::Statements();
  common::PgPool orders_pool(orders_pool_options);
  orders::PgOrdersRepository repository(orders_pool);
  orders::InMemoryCartStore carts;
  NoDelivery delivery;
  orders::OnSitePayment payment;
  orders::OrdersService service(repository, carts, catalogue, delivery, payment, {});

  std::printf("orders checkout bench: %d clients, %d checkouts per case, %d products\n", clients,
              checkouts, products_count);
  std::printf("%-12s %12s %9s %9s %14s %12s %7s\n", "case", "checkouts/s", "p50 ms", "p99 ms",
              "pgbench tps", "pgbench ms", "ratio");
  for (bool hot : {false, true}) {
    const std::string tag = hot ? "contended" : "uncontended";
    RunSaga(service, products, hot, clients, std::max(clients * 4, checkouts / 10), tag + "-warm");
    const Figures saga = RunSaga(service, products, hot, clients, checkouts, tag);
    const Figures sql =
        RunPgbench(bootstrap.admin_url, hot, clients, products_count, pgbench_seconds);
    std::printf("%-12s %12.0f %9.1f %9.1f %14.0f %12.1f %6.0f%%\n", tag.c_str(), saga.per_second,
                saga.p50_ms, saga.p99_ms, sql.per_second, sql.p50_ms,
                sql.per_second > 0 ? 100.0 * saga.per_second / sql.per_second : 0.0);
    if (saga.failed > 0) std::printf("  (%d checkouts failed)\n", saga.failed);
  }
  return 0;
}
