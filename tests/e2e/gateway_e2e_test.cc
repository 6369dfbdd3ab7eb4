// The gateway end to end, as clients see it: real accounts, shops and catalogue binaries on a
// fresh database, the real comptoir-gateway in front, requests over real sockets.
// - every documented GET route answers with a status /openapi.json lists for it;
// - partner keys: allowed origin works (CORS), another origin is refused, a cross-origin
//   browser without a key is 401;
// - a partner's rate limit holds within 5 % over a short window (5 s instead of the issue's
//   20 s, with a budget scaled to keep the same precision, to keep the suite fast);
// - oversize and malformed requests get 413/431/414/400 and the gateway stays up;
// - a stopped backend gives 503 at once and the gateway recovers when it returns.
// SSE is covered in tests/unit/gateway/event_stream_test.cc (no orders service needed).
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "comptoir/accounts/v1/accounts.pb.h"
#include "comptoir/common/auth.h"
#include "comptoir/common/log.h"
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

constexpr char kInternal[] = "e2e-gateway-internal-credential-0123";
constexpr char kAdminEmail[] = "admin-gateway-e2e@region-bfc.fr";
constexpr char kAdminPassword[] = "Gateway-E2E-Admin-Password-42";
constexpr char kPartnerOrigin[] = "https://www.beaune-tourisme.fr";
constexpr char kPlaceholderId[] = "00000000-0000-4000-8000-000000000000";
// The rate-limit test's partner budget, 120 a minute: low enough that a client sending one request
// after another reaches it even on a loaded CI machine (the budget is 120 + 2 per second: ~140
// requests in the 10 s window).
constexpr int kBasicPerMinute = 120;

class Stack {
 public:
  static Stack& Get() {
    static Stack* stack = new Stack();
    return *stack;
  }
  std::string error;
  int http_port() const { return http_port_; }
  const std::string& high_key() const { return high_key_; }
  const std::string& basic_key() const { return basic_key_; }

  void StopCatalogue() { catalogue_->Stop(); }
  absl::Status StartCatalogue() {
    Env env = catalogue_env_;
    env["GRPC_LISTEN"] = absl::StrCat("127.0.0.1:", catalogue_port_);
    ASSIGN_OR_RETURN(int metrics_port, FreePort());
    env["METRICS_LISTEN"] = absl::StrCat("127.0.0.1:", metrics_port);
    ASSIGN_OR_RETURN(catalogue_,
                     ChildProcess::Start({BinaryPath("comptoir-catalogue"), {}, env, ""}));
    return WaitForTcp(catalogue_port_, Deadline(std::chrono::seconds(20)));
  }
  std::string GatewayLog() const { return gateway_ ? gateway_->Log() : ""; }
  std::string ShopsLog() const { return shops_ ? shops_->Log() : ""; }

 private:
  Stack() {
    if (absl::Status started = Start(); !started.ok()) error = started.ToString();
  }

  absl::Status Start() {
    ASSIGN_OR_RETURN(db_, ScratchDatabase::Create());
    ASSIGN_OR_RETURN(std::string redis_url, TestRedisUrl());
    common::SigningKey key = common::GenerateSigningKey("e2e-gw");
    const std::string public_keys = common::FormatPublicKey(key);

    Env accounts_env = {{"PG_URL", db_->RoleUrl("accounts")},
                        {"REDIS_URL", redis_url},
                        {"AUTH_SIGNING_KEYS", common::FormatSigningKey(key)},
                        {"INTERNAL_CREDENTIAL", kInternal},
                        {"LOGIN_LIMIT_PER_ADDRESS", "1000"},
                        {"COMPTOIR_ADMIN_EMAIL", kAdminEmail},
                        {"COMPTOIR_ADMIN_PASSWORD", kAdminPassword}};
    for (const char* step : {"migrate", "ensure-admin"}) {
      RETURN_IF_ERROR(RunToCompletion(BinaryPath("comptoir-accounts"), {step}, accounts_env));
    }
    ASSIGN_OR_RETURN(StartedService accounts,
                     StartService(BinaryPath("comptoir-accounts"), accounts_env));
    accounts_ = std::move(accounts.process);

    Env shops_env = {{"PG_URL", db_->RoleUrl("shops")},
                     {"REDIS_URL", redis_url},
                     {"AUTH_PUBLIC_KEYS", public_keys},
                     {"INTERNAL_CREDENTIAL", kInternal},
                     {"ACCOUNTS_GRPC", accounts.address()}};
    RETURN_IF_ERROR(RunToCompletion(BinaryPath("comptoir-shops"), {"migrate"}, shops_env));
    ASSIGN_OR_RETURN(StartedService shops, StartService(BinaryPath("comptoir-shops"), shops_env));
    shops_ = std::move(shops.process);

    catalogue_env_ = {{"PG_URL", db_->RoleUrl("catalogue")},
                      {"REDIS_URL", redis_url},
                      {"AUTH_PUBLIC_KEYS", public_keys},
                      {"INTERNAL_CREDENTIAL", kInternal}};
    RETURN_IF_ERROR(RunToCompletion(BinaryPath("comptoir-catalogue"), {"migrate"}, catalogue_env_));
    ASSIGN_OR_RETURN(StartedService catalogue,
                     StartService(BinaryPath("comptoir-catalogue"), catalogue_env_));
    catalogue_ = std::move(catalogue.process);
    catalogue_port_ = catalogue.grpc_port;

    const std::string upstreams =
        absl::StrCat("comptoir.accounts.v1.AccountService=", accounts.address(),
                     ",comptoir.accounts.v1.PartnerService=", accounts.address(),
                     ",comptoir.shops.v1.ShopService=", shops.address(),
                     ",comptoir.catalogue.v1.CatalogueService=", catalogue.address());
    ASSIGN_OR_RETURN(
        StartedGateway gateway,
        StartGateway(upstreams, {{"REDIS_URL", redis_url},
                                 {"AUTH_PUBLIC_KEYS", public_keys},
                                 {"INTERNAL_CREDENTIAL", kInternal},
                                 {"RATE_LIMIT_ANONYMOUS_READS", "1000000"},
                                 {"RATE_LIMIT_LOGINS", "100000"},
                                 {"RATE_LIMIT_WRITES", "100000"},
                                 {"RATE_LIMIT_PARTNER_BASIC", std::to_string(kBasicPerMinute)},
                                 {"RATE_LIMIT_PARTNER_HIGH", "1000000"},
                                 {"UPSTREAM_TIMEOUT", "2s"}}));
    gateway_ = std::move(gateway.process);
    http_port_ = gateway.http_port;
    return MakePartnerKeys();
  }

  // As the Region's admin would: a partner, then one key per rate tier.
  absl::Status MakePartnerKeys() {
    HttpResponse login = HttpRequest(
        http_port_, "POST", "/v1/sessions",
        absl::StrCat(R"({"email":")", kAdminEmail, R"(","password":")", kAdminPassword, R"("})"));
    accounts::v1::Session session;
    if (login.status != 200 || !JsonStringToMessage(login.body, &session).ok()) {
      return absl::InternalError("admin login: " + login.body);
    }
    const std::map<std::string, std::string> auth = {
        {"Authorization", "Bearer " + session.access_token()}};
    HttpResponse partner = HttpRequest(http_port_, "POST", "/v1/partners",
                                       R"({"name":"Office de tourisme de Beaune"})", auth);
    accounts::v1::Partner created;
    if (partner.status != 200 || !JsonStringToMessage(partner.body, &created).ok()) {
      return absl::InternalError("create partner: " + partner.body);
    }
    for (const char* tier : {"basic", "high"}) {
      HttpResponse key =
          HttpRequest(http_port_, "POST", absl::StrCat("/v1/partners/", created.id(), "/keys"),
                      absl::StrCat(R"({"allowedOrigins":[")", kPartnerOrigin, R"("],"rateTier":")",
                                   tier, R"("})"),
                      auth);
      accounts::v1::PartnerKey made;
      if (key.status != 200 || !JsonStringToMessage(key.body, &made).ok()) {
        return absl::InternalError("create key: " + key.body);
      }
      (std::string_view(tier) == "basic" ? basic_key_ : high_key_) = made.secret();
    }
    return absl::OkStatus();
  }

  std::unique_ptr<ScratchDatabase> db_;
  std::unique_ptr<ChildProcess> accounts_;
  std::unique_ptr<ChildProcess> shops_;
  std::unique_ptr<ChildProcess> catalogue_;
  std::unique_ptr<ChildProcess> gateway_;
  Env catalogue_env_;
  int catalogue_port_ = 0;
  int http_port_ = 0;
  std::string basic_key_;
  std::string high_key_;
};

class GatewayEndToEnd : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(Stack::Get().error, "") << "stack failed to start"; }

  static HttpResponse Get(const std::string& target,
                          const std::map<std::string, std::string>& headers = {}) {
    return HttpRequest(Stack::Get().http_port(), "GET", target, "", headers);
  }

  // Sends raw bytes and returns the status of the answer (0 when none came).
  static int RawStatus(const std::string& bytes) {
    namespace net = boost::asio;
    net::io_context io;
    net::ip::tcp::socket socket(io);
    socket.connect({net::ip::make_address("127.0.0.1"),
                    static_cast<unsigned short>(Stack::Get().http_port())});
    boost::system::error_code ec;
    net::write(socket, net::buffer(bytes), ec);  // the gateway may answer and close early
    std::string answer(64, '\0');
    size_t n = socket.read_some(net::buffer(answer), ec);
    answer.resize(n);
    if (answer.size() < 12 || answer.rfind("HTTP/1.", 0) != 0) return 0;
    return std::stoi(answer.substr(9, 3));
  }

  static bool GatewayUp() { return Get("/healthz").status == 200; }
};

TEST_F(GatewayEndToEnd, EveryDocumentedReadAnswersAsTheDocumentSays) {
  HttpResponse doc = Get("/openapi.json");
  ASSERT_EQ(doc.status, 200);
  google::protobuf::Struct api;
  ASSERT_TRUE(JsonStringToMessage(doc.body, &api).ok());
  const auto& paths = api.fields().at("paths").struct_value().fields();
  int checked = 0;
  for (const auto& [path, item] : paths) {
    auto get = item.struct_value().fields().find("get");
    if (get == item.struct_value().fields().end()) continue;
    const auto& responses = get->second.struct_value().fields().at("responses").struct_value();
    // Placeholder ids in every path parameter; no query: the route's own defaults.
    std::string target;
    for (size_t i = 0; i < path.size(); ++i) {
      if (path[i] == '{') {
        i = path.find('}', i);
        target += kPlaceholderId;
      } else {
        target += path[i];
      }
    }
    HttpResponse got = Get(target);
    const std::string status = std::to_string(got.status);
    // "default" covers anything: only explicitly listed statuses count.
    EXPECT_TRUE(responses.fields().count(status) > 0)
        << "GET " << target << " answered " << status << " (not in " << path
        << "'s responses): " << got.body;
    EXPECT_LT(got.status, 500) << "GET " << target << ": " << got.body;
    ++checked;
  }
  EXPECT_GE(checked, 8);  // shops, products, search, accounts/me, partners...
}

// The caller's W3C trace context goes on to the service: its log line of the call carries the
// trace id next to the request id, as the gateway's access log line does, in the same form.
TEST_F(GatewayEndToEnd, TraceContextReachesTheServiceLogs) {
  const std::string trace_id = common::NewRequestId();  // 32 hex characters
  const std::string request_id = common::NewRequestId();
  ASSERT_EQ(
      Get("/v1/shops?page_size=1", {{"traceparent", "00-" + trace_id + "-00f067aa0ba902b7-01"},
                                    {"X-Request-Id", request_id}})
          .status,
      200);
  // Both write their line just after the answer: wait for them a little.
  const std::string in_shops =
      absl::StrCat("\"request_id\":\"", request_id, "\",\"trace_id\":\"", trace_id, "\"");
  const std::string& in_gateway = in_shops;  // the same two fields, side by side
  std::string shops_log, gateway_log;
  for (int i = 0; i < 50; ++i) {
    shops_log = Stack::Get().ShopsLog();
    gateway_log = Stack::Get().GatewayLog();
    if (shops_log.find(in_shops) != std::string::npos &&
        gateway_log.find(in_gateway) != std::string::npos) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_NE(shops_log.find(in_shops), std::string::npos)
      << shops_log.substr(shops_log.size() > 2000 ? shops_log.size() - 2000 : 0);
  EXPECT_NE(gateway_log.find(in_gateway), std::string::npos);
}

TEST_F(GatewayEndToEnd, PartnerKeyWorksFromItsOriginOnly) {
  const std::string target = "/v1/products:search?q=comte";
  HttpResponse allowed =
      Get(target, {{"X-Api-Key", Stack::Get().high_key()}, {"Origin", kPartnerOrigin}});
  EXPECT_EQ(allowed.status, 200) << allowed.body;
  EXPECT_EQ(allowed.header("access-control-allow-origin"), kPartnerOrigin);
  EXPECT_NE(allowed.header("vary").find("Origin"), std::string::npos);

  HttpResponse other =
      Get(target, {{"X-Api-Key", Stack::Get().high_key()}, {"Origin", "https://evil.example"}});
  EXPECT_EQ(other.status, 403) << other.body;
  EXPECT_EQ(other.header("access-control-allow-origin"), "");

  HttpResponse no_key = Get(target, {{"Origin", kPartnerOrigin}});
  EXPECT_EQ(no_key.status, 401) << no_key.body;
  EXPECT_EQ(no_key.header("access-control-allow-origin"), "");

  HttpResponse bad_key = Get(target, {{"X-Api-Key", "cpk_not-a-key"}, {"Origin", kPartnerOrigin}});
  EXPECT_EQ(bad_key.status, 401) << bad_key.body;

  HttpResponse preflight = HttpRequest(Stack::Get().http_port(), "OPTIONS", target, "",
                                       {{"Origin", kPartnerOrigin},
                                        {"Access-Control-Request-Method", "GET"},
                                        {"Access-Control-Request-Headers", "x-api-key"}});
  EXPECT_EQ(preflight.status, 204);
  EXPECT_EQ(preflight.header("access-control-allow-origin"), kPartnerOrigin);
  EXPECT_NE(preflight.header("access-control-allow-headers").find("X-Api-Key"), std::string::npos);
}

TEST_F(GatewayEndToEnd, PartnerRateLimitHoldsWithinFivePercent) {
  // GCRA with burst = limit: over a window of w seconds from a full budget, a caller sending
  // as fast as it can gets limit + limit * w / 60 requests through.
  constexpr double kWindowSeconds = 10;
  const std::map<std::string, std::string> headers = {{"X-Api-Key", Stack::Get().basic_key()}};
  int allowed = 0;
  int refused = 0;
  const auto start = std::chrono::steady_clock::now();
  const auto end = start + std::chrono::duration<double>(kWindowSeconds);
  while (std::chrono::steady_clock::now() < end) {
    const int status = Get("/v1/shops?page_size=1", headers).status;
    if (status == 429) {
      ++refused;
    } else {
      ASSERT_EQ(status, 200);
      ++allowed;
    }
  }
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double expected = kBasicPerMinute + kBasicPerMinute * elapsed / 60.0;
  EXPECT_GT(refused, 0) << "the window was too short to reach the limit";
  EXPECT_NEAR(allowed, expected, expected * 0.05)
      << allowed << " allowed, " << refused << " refused in " << elapsed << " s";
}

TEST_F(GatewayEndToEnd, OversizeAndMalformedRequestsAreRefusedAndTheGatewayStaysUp) {
  EXPECT_EQ(RawStatus(absl::StrCat("GET /v1/shops HTTP/1.1\r\nHost: a\r\nX-Big: ",
                                   std::string(20000, 'x'), "\r\n\r\n")),
            431);
  EXPECT_EQ(RawStatus(absl::StrCat("POST /v1/shops HTTP/1.1\r\nHost: a\r\nContent-Length: ",
                                   2 * 1024 * 1024, "\r\nContent-Type: application/json\r\n\r\n{")),
            413);
  EXPECT_EQ(RawStatus(absl::StrCat("GET /v1/shops?q=", std::string(9000, 'a'),
                                   " HTTP/1.1\r\nHost: a\r\n\r\n")),
            414);
  EXPECT_EQ(RawStatus("GET /v1/shops HTTP/9.9 what\r\n\r\n"), 400);
  EXPECT_EQ(RawStatus("POST /v1/shops HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\n"
                      "Content-Length: 5\r\n\r\n{\"a\":"),
            400);
  std::string deep = std::string(100, '[') + std::string(100, ']');
  EXPECT_EQ(RawStatus(absl::StrCat("POST /v1/shops HTTP/1.1\r\nHost: a\r\nContent-Type: "
                                   "application/json\r\nContent-Length: ",
                                   deep.size(), "\r\n\r\n", deep)),
            400);
  EXPECT_TRUE(GatewayUp());
}

TEST_F(GatewayEndToEnd, StoppedBackendIs503AtOnceAndTheGatewayRecovers) {
  const std::string target = absl::StrCat("/v1/products/", kPlaceholderId);
  EXPECT_EQ(Get(target).status, 404);
  Stack::Get().StopCatalogue();
  const auto start = std::chrono::steady_clock::now();
  HttpResponse down = Get(target);
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(down.status, 503) << down.body;
  EXPECT_LT(took, std::chrono::seconds(1));
  EXPECT_EQ(down.header("content-type"), "application/problem+json");
  EXPECT_TRUE(GatewayUp());

  ASSERT_OK(Stack::Get().StartCatalogue());
  int status = 0;
  for (int i = 0; i < 100 && status != 404; ++i) {  // reconnect back-off is at most 2 s
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    status = Get(target).status;
  }
  EXPECT_EQ(status, 404) << "the gateway did not recover";
}

}  // namespace
}  // namespace comptoir::testing
