// End to end over real HTTP: a fresh database, the real comptoir-catalogue and
// comptoir-gateway binaries on free ports, requests as a client sends them (with access
// tokens signed by a test key), and the stock service over gRPC with the internal credential.
#include <google/protobuf/util/json_util.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <pqxx/pqxx>
#include <string>
#include <thread>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "comptoir/catalogue/v1/catalogue.grpc.pb.h"
#include "comptoir/common/auth.h"
#include "comptoir/common/redis_pool.h"
#include "comptoir/common/status.h"
#include "e2e_stack.h"
#include "http_client.h"
#include "process.h"
#include "scratch_database.h"
#include "status_testing.h"
#include "test_env.h"

namespace comptoir::testing {
namespace {

using google::protobuf::util::JsonStringToMessage;
namespace v1 = comptoir::catalogue::v1;

constexpr char kShop[] = "5a0f3c2e-8d1b-4c6a-9e7f-0123456789ab";
constexpr char kOtherShop[] = "6b1f3c2e-8d1b-4c6a-9e7f-0123456789ab";
constexpr char kInternal[] = "e2e-internal-credential";

class Stack {
 public:
  static Stack& Get() {
    static Stack* stack = new Stack();
    return *stack;
  }
  int http_port() const { return http_port_; }
  int grpc_port() const { return grpc_port_; }
  const std::string& admin_url() const { return db_->admin_url(); }
  std::string Token(const std::string& shop) const {
    common::TokenClaims claims;
    claims.subject = "7c2f3c2e-8d1b-4c6a-9e7f-0123456789ab";
    claims.roles = {"resident"};
    claims.shop_ids = {shop};
    claims.issuer = "comptoir-accounts";
    claims.audience = "comptoir";
    claims.issued_at = absl::Now();
    claims.not_before = absl::Now() - absl::Minutes(1);
    claims.expires_at = absl::Now() + absl::Minutes(10);
    claims.token_id = "e2e";
    return common::TokenSigner(key_).Sign(claims);
  }
  std::string error;

  // Writes a shop into the catalogue's projection as the shops events would.
  void SetShop(const std::string& id, const std::string& status, int64_t version) {
    pqxx::connection conn(db_->admin_url());
    pqxx::work tx(conn);
    tx.exec_params(
        "INSERT INTO catalogue.shops (id, slug, name, status, commune_insee, department_code, "
        "latitude, longitude, category, source_version) VALUES ($1::uuid, $1, 'Fromagerie', $2, "
        "'21231', '21', 47.32, 5.04, 'fromagerie', $3) ON CONFLICT (id) DO UPDATE SET "
        "status = EXCLUDED.status, source_version = EXCLUDED.source_version",
        id, status, version);
    tx.commit();
    // The shop event consumer drops the catalogue's cached copies after it applies a change;
    // this shortcut past the event stream must do the same (keys: cached_catalogue_repository.h).
    common::RedisPoolOptions options;
    options.url = redis_url_;
    common::RedisPool redis(options);
    (void)redis.Pipeline(
        {{"INCR", "cat:v1:sv:" + id}, {"INCR", "cat:v1:sg:" + id}, {"INCR", "cat:v1:gen"}});
  }

 private:
  Stack() : key_(common::GenerateSigningKey("e2e")) {
    if (absl::Status started = Start(); !started.ok()) error = started.ToString();
  }

  absl::Status Start() {
    ASSIGN_OR_RETURN(db_, ScratchDatabase::Create());
    ASSIGN_OR_RETURN(std::string redis_url, TestRedisUrl());
    redis_url_ = redis_url;
    std::map<std::string, std::string> env = {{"PG_URL", db_->RoleUrl("catalogue")},
                                              {"REDIS_URL", redis_url},
                                              {"AUTH_PUBLIC_KEYS", common::FormatPublicKey(key_)},
                                              {"INTERNAL_CREDENTIAL", kInternal}};
    RETURN_IF_ERROR(RunToCompletion(BinaryPath("comptoir-catalogue"), {"migrate"}, env));
    SetShop(kShop, "active", 1);
    SetShop(kOtherShop, "active", 1);

    ASSIGN_OR_RETURN(StartedService catalogue, StartService(BinaryPath("comptoir-catalogue"), env));
    catalogue_ = std::move(catalogue.process);
    grpc_port_ = catalogue.grpc_port;
    ASSIGN_OR_RETURN(
        StartedGateway gateway,
        StartGateway("comptoir.catalogue.v1.CatalogueService=" + catalogue.address(),
                     {{"AUTH_PUBLIC_KEYS", common::FormatPublicKey(key_)},
                      {"REDIS_URL", redis_url},
                      // Searches right after a moderation change must not come from the
                      // gateway's micro-cache: this test checks the catalogue, not the cache.
                      {"MICRO_CACHE_TTL", "0"},
                      {"SHARED_CACHE_TTL", "0"}}));
    gateway_ = std::move(gateway.process);
    http_port_ = gateway.http_port;
    return absl::OkStatus();
  }

  common::SigningKey key_;
  std::unique_ptr<ScratchDatabase> db_;
  std::string redis_url_;
  std::unique_ptr<ChildProcess> catalogue_;
  std::unique_ptr<ChildProcess> gateway_;
  int http_port_ = 0;
  int grpc_port_ = 0;
};

class CatalogueEndToEnd : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(Stack::Get().error, "") << "stack failed to start"; }

  HttpResponse Call(const std::string& method, const std::string& target,
                    const std::string& body = "", const std::string& shop = "",
                    std::map<std::string, std::string> headers = {}) {
    if (!shop.empty()) headers["authorization"] = "Bearer " + Stack::Get().Token(shop);
    return HttpRequest(Stack::Get().http_port(), method, target, body, headers);
  }

  v1::Product CreateProduct(const std::string& sku, const std::string& name, int stock) {
    HttpResponse created =
        Call("POST", absl::StrCat("/v1/shops/", kShop, "/products"),
             absl::StrCat(R"({"sku": ")", sku, R"(", "name": ")", name,
                          R"(", "category": "fromage", "priceCents": 2390, "vatRateBp": 550,
                         "saleUnit": "250 g", "netQuantity": 250, "netQuantityUnit": "g",
                         "stockTracked": true, "stock": )",
                          stock, "}"),
             kShop);
    EXPECT_EQ(created.status, 200) << created.body;
    v1::Product product;
    EXPECT_TRUE(JsonStringToMessage(created.body, &product).ok()) << created.body;
    return product;
  }

  v1::Product Get(const std::string& id) {
    HttpResponse response = Call("GET", "/v1/products/" + id);
    EXPECT_EQ(response.status, 200) << response.body;
    v1::Product product;
    EXPECT_TRUE(JsonStringToMessage(response.body, &product).ok()) << response.body;
    return product;
  }

  v1::SearchProductsResponse Search(const std::string& query) {
    HttpResponse response = Call("GET", "/v1/products:search?" + query);
    EXPECT_EQ(response.status, 200) << response.body;
    v1::SearchProductsResponse result;
    EXPECT_TRUE(JsonStringToMessage(response.body, &result).ok()) << response.body;
    return result;
  }
};

TEST_F(CatalogueEndToEnd, ShopMemberCreatesAndResidentsFindItInFrench) {
  v1::Product comte = CreateProduct("E2E-COMTE", "Comté AOP 18 mois", 5);
  EXPECT_EQ(comte.unit_price_cents(), 9560);  // 23,90 € les 250 g: 95,60 €/kg
  EXPECT_EQ(comte.unit_price_per(), "kg");
  EXPECT_EQ(comte.version(), 1);

  v1::SearchProductsResponse found = Search("q=comte");
  ASSERT_EQ(found.products_size(), 1);
  EXPECT_EQ(found.products(0).id(), comte.id());
  EXPECT_EQ(Search("q=fromages%20comt").products_size(), 0);  // every word must match

  HttpResponse got = Call("GET", "/v1/products/" + comte.id());
  EXPECT_EQ(got.status, 200) << got.body;
}

TEST_F(CatalogueEndToEnd, WritesNeedAMemberOfTheShop) {
  HttpResponse anonymous =
      Call("POST", absl::StrCat("/v1/shops/", kShop, "/products"), R"({"sku": "X", "name": "X"})");
  EXPECT_EQ(anonymous.status, 401) << anonymous.body;
  HttpResponse stranger =
      Call("POST", absl::StrCat("/v1/shops/", kShop, "/products"),
           R"({"sku": "X", "name": "Fromage", "category": "fromage", "priceCents": 100,
               "vatRateBp": 550, "saleUnit": "pièce"})",
           kOtherShop);
  EXPECT_EQ(stranger.status, 403) << stranger.body;
}

TEST_F(CatalogueEndToEnd, StaleVersionIsRefusedAndChangesNothing) {
  v1::Product product = CreateProduct("E2E-STALE", "Morbier", 3);
  const std::string path = "/v1/products/" + product.id() + "?updateMask=priceCents";
  HttpResponse first = Call("PATCH", path, R"({"priceCents": 2500, "version": "1"})", kShop);
  ASSERT_EQ(first.status, 200) << first.body;
  HttpResponse stale = Call("PATCH", path, R"({"priceCents": 100, "version": "1"})", kShop);
  EXPECT_EQ(stale.status, 409) << stale.body;  // ABORTED; If-Match -> 412 is the gateway's
  v1::Product read = Get(product.id());
  EXPECT_EQ(read.price_cents(), 2500);
  EXPECT_EQ(read.version(), 2);
}

TEST_F(CatalogueEndToEnd, ProductsOfASuspendedShopVanishFromSearch) {
  Stack::Get().SetShop(kOtherShop, "active", 1);
  HttpResponse created =
      Call("POST", absl::StrCat("/v1/shops/", kOtherShop, "/products"),
           R"({"sku": "BLEU", "name": "Bleu de Gex", "category": "fromage", "priceCents": 560,
               "vatRateBp": 550, "saleUnit": "200 g", "netQuantity": 200,
               "netQuantityUnit": "g"})",
           kOtherShop);
  ASSERT_EQ(created.status, 200) << created.body;
  EXPECT_EQ(Search("q=gex").products_size(), 1);
  Stack::Get().SetShop(kOtherShop, "suspended", 2);
  EXPECT_EQ(Search("q=gex").products_size(), 0);
  Stack::Get().SetShop(kOtherShop, "active", 3);
}

TEST_F(CatalogueEndToEnd, StockServiceReservesOnlyWithTheInternalCredential) {
  v1::Product product = CreateProduct("E2E-STOCK", "Vacherin Mont-d'Or", 2);
  auto channel = grpc::CreateChannel(absl::StrCat("127.0.0.1:", Stack::Get().grpc_port()),
                                     grpc::InsecureChannelCredentials());
  auto stub = v1::StockInternal::NewStub(channel);
  v1::ReserveStockRequest request;
  request.set_order_id("8d2f3c2e-8d1b-4c6a-9e7f-0123456789ab");
  v1::StockLine* line = request.add_lines();
  line->set_product_id(product.id());
  line->set_quantity(2);

  v1::ReserveStockResponse response;
  grpc::ClientContext no_credential;
  EXPECT_EQ(stub->ReserveStock(&no_credential, request, &response).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  for (bool replay : {false, true}) {
    grpc::ClientContext context;
    context.AddMetadata(common::kInternalCredentialHeader, kInternal);
    grpc::Status status = stub->ReserveStock(&context, request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(response.replayed(), replay);
  }
  v1::Product read = Get(product.id());
  EXPECT_EQ(read.stock(), 0);
}

TEST_F(CatalogueEndToEnd, AStaleIfMatchGets412AndChangesNothing) {
  v1::Product product = CreateProduct("E2E-IFMATCH", "Comté", 3);
  const std::string path = "/v1/products/" + product.id() + "?updateMask=priceCents";
  HttpResponse first =
      Call("PATCH", path, R"({"priceCents": 2500})", kShop, {{"if-match", "\"v1\""}});
  ASSERT_EQ(first.status, 200) << first.body;
  HttpResponse stale =
      Call("PATCH", path, R"({"priceCents": 100})", kShop, {{"if-match", "\"v1\""}});
  EXPECT_EQ(stale.status, 412) << stale.body;
  EXPECT_EQ(Get(product.id()).price_cents(), 2500);
}

TEST_F(CatalogueEndToEnd, ACsvImportAppliesAllOrNothingAndExportsBack) {
  const std::string header = "sku;name;category;price;vat_rate;sale_unit;stock\r\n";
  std::string bad = "\xEF\xBB\xBF" + header;
  std::string good = bad;
  for (int i = 1; i <= 500; ++i) {
    const bool broken = i == 10 || i == 200 || i == 499;
    absl::StrAppend(&bad, "CSV-", i, ";Tomme du Jura n°", i, ";fromage;",
                    broken ? "douze euros" : "12,50", ";5,5;pièce;4\r\n");
    absl::StrAppend(&good, "CSV-", i, ";Tomme du Jura n°", i, ";fromage;12,50;5,5;pièce;4\r\n");
  }
  const std::string path = absl::StrCat("/v1/shops/", kShop, "/products:import");
  const auto body = [](const std::string& csv) {
    return absl::StrCat(R"({"csv": ")", absl::Base64Escape(csv), R"("})");
  };
  HttpResponse refused = Call("POST", path, body(bad), kShop);
  ASSERT_EQ(refused.status, 200) << refused.body;
  v1::ImportJob failed;
  ASSERT_TRUE(JsonStringToMessage(refused.body, &failed).ok()) << refused.body;
  EXPECT_EQ(failed.state(), v1::ImportJob::FAILED);
  ASSERT_EQ(failed.errors_size(), 3);
  EXPECT_EQ(failed.errors(0).line(), 11);
  EXPECT_EQ(failed.errors(1).line(), 201);
  EXPECT_EQ(failed.errors(2).line(), 500);
  EXPECT_EQ(Search("q=tomme").products_size(), 0);

  HttpResponse applied = Call("POST", path, body(good), kShop);
  ASSERT_EQ(applied.status, 200) << applied.body;
  v1::ImportJob succeeded;
  ASSERT_TRUE(JsonStringToMessage(applied.body, &succeeded).ok()) << applied.body;
  EXPECT_EQ(succeeded.state(), v1::ImportJob::SUCCEEDED);
  EXPECT_EQ(succeeded.created(), 500);
  EXPECT_EQ(Search("q=tomme&pageSize=100").products_size(), 100);
  HttpResponse job = Call("GET", "/v1/imports/" + succeeded.id(), "", kShop);
  EXPECT_EQ(job.status, 200) << job.body;
  EXPECT_EQ(Call("GET", "/v1/imports/" + succeeded.id(), "", kOtherShop).status, 404);

  HttpResponse exported =
      Call("GET", absl::StrCat("/v1/shops/", kShop, "/products:export"), "", kShop);
  ASSERT_EQ(exported.status, 200) << exported.body;
  v1::ExportProductsResponse csv;
  ASSERT_TRUE(JsonStringToMessage(exported.body, &csv).ok()) << exported.body;
  EXPECT_NE(csv.csv().find("CSV-250;Tomme du Jura n°250;;fromage;;;;12,50;5,5;pièce;;;4;oui"),
            std::string::npos);
  EXPECT_EQ(
      Call("GET", absl::StrCat("/v1/shops/", kShop, "/products:export"), "", kOtherShop).status,
      403);
}

}  // namespace
}  // namespace comptoir::testing
