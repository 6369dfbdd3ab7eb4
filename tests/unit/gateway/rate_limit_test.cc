// GCRA arithmetic, and the gateway's use of a rate limiter: 401 for bad tokens before any
// limit, 429 with Retry-After and RateLimit headers, and the fail-open / fail-closed choice.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <future>
#include <map>
#include <mutex>
#include <thread>

#include "comptoir/common/auth.h"
#include "gateway.h"
#include "rate_limiter.h"

namespace comptoir::gateway {
namespace {

namespace http = boost::beast::http;
using std::chrono::milliseconds;

TEST(GcraTest, AllowsABurstOfTheLimitThenOneRequestPerInterval) {
  const RateLimit limit{10, milliseconds(1000)};  // one every 100 ms, burst 10
  int64_t tat = 0;
  for (int i = 0; i < 10; ++i) {
    RateDecision d = Gcra(1000, tat, limit);
    ASSERT_TRUE(d.allowed) << i;
    EXPECT_EQ(d.remaining, 9 - i);
    tat = d.tat_ms;
  }
  RateDecision refused = Gcra(1000, tat, limit);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.remaining, 0);
  EXPECT_EQ(refused.retry_after, milliseconds(100));
  EXPECT_EQ(refused.reset, milliseconds(1000));
  // 100 ms later exactly one more fits.
  RateDecision later = Gcra(1100, tat, limit);
  EXPECT_TRUE(later.allowed);
  EXPECT_EQ(later.remaining, 0);
  EXPECT_FALSE(Gcra(1100, later.tat_ms, limit).allowed);
}

TEST(GcraTest, SustainedRateMatchesTheConfiguration) {
  const RateLimit limit{60, milliseconds(60000)};  // one a second
  int64_t tat = 0;
  int allowed = 0;
  // A client hammering every 10 ms for 20 s gets the burst plus one a second.
  for (int64_t now = 0; now < 20000; now += 10) {
    RateDecision d = Gcra(now + 1, tat, limit);
    if (d.allowed) ++allowed, tat = d.tat_ms;
  }
  EXPECT_EQ(allowed, 60 + 19);
}

TEST(ClassifyRouteTest, SignInAndSignUpAreLogins) {
  EXPECT_EQ(ClassifyRoute("POST", "/v1/sessions"), RouteClass::kLogin);
  EXPECT_EQ(ClassifyRoute("POST", "/v1/sessions:refresh"), RouteClass::kLogin);
  EXPECT_EQ(ClassifyRoute("POST", "/v1/accounts"), RouteClass::kLogin);
  EXPECT_EQ(ClassifyRoute("GET", "/v1/shops"), RouteClass::kRead);
  EXPECT_EQ(ClassifyRoute("DELETE", "/v1/sessions/current"), RouteClass::kWrite);
}

// Two keys: "pk_secret" (basic tier, from https://www.beaune-tourisme.fr) and "pk_high";
// anything else is unknown; "pk_down" fails like an accounts outage.
class FakePartnerKeys : public PartnerKeyChecker {
 public:
  void Check(std::string_view secret, const std::string&, Done done) override {
    ++calls;
    if (secret == "pk_down") return done(absl::UnavailableError("accounts down"));
    PartnerKeyInfo info;
    if (secret == "pk_secret" || secret == "pk_high") {
      info.valid = true;
      info.key_id = secret == "pk_secret" ? "key-1" : "key-2";
      info.rate_tier = secret == "pk_secret" ? "basic" : "high";
      info.allowed_origins = {"https://www.beaune-tourisme.fr"};
    }
    done(info);
  }
  std::atomic<int> calls{0};
};

// In memory, with a fixed clock; or failing like a Redis outage.
class FakeLimiter : public RateLimiter {
 public:
  void Check(std::string key, RateLimit limit, Done done) override {
    if (down) return done(absl::UnavailableError("redis down"));
    std::lock_guard<std::mutex> lock(mu);
    keys.push_back(key);
    RateDecision d = Gcra(1000, tats[key], limit);
    if (d.allowed) tats[key] = d.tat_ms;
    done(d);
  }
  std::mutex mu;
  std::map<std::string, int64_t> tats;
  std::vector<std::string> keys;
  bool down = false;
};

class ProtectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto routes = RouteTable::Build({{"comptoir.shops.v1.ShopService", "127.0.0.1:1"},
                                     {"comptoir.accounts.v1.AccountService", "127.0.0.1:1"}});
    ASSERT_TRUE(routes.ok());
    routes_ = std::make_unique<RouteTable>(std::move(*routes));
    // Nothing listens on port 1: forwarded requests end in 503, which is all these tests
    // need to tell "let through" from "refused".
    client_ =
        std::make_unique<UpstreamClient>(std::vector<std::string>{"127.0.0.1:1"},
                                         UpstreamClient::Options{.timeout = milliseconds(500)});
    gateway_ = std::make_unique<Gateway>(*routes_, *client_, nullptr, metrics_, nullptr,
                                         ioc_.get_executor());
    key_ = common::GenerateSigningKey("k1");
    common::TokenVerifierOptions verifier_options;
    verifier_options.public_keys = {{"k1", key_.public_key}};
    verifier_ = std::make_unique<common::TokenVerifier>(std::move(verifier_options));
    ProtectionOptions options;
    options.limiter = &limiter_;
    options.verifier = verifier_.get();
    options.partner_keys = &partner_keys_;
    options.anonymous_reads = {2, std::chrono::seconds(60)};
    options.logins = {1, std::chrono::seconds(60)};
    gateway_->SetProtection(options);
    thread_ = std::thread([this] { ioc_.run(); });
  }
  void TearDown() override {
    client_->Shutdown();
    work_.reset();
    thread_.join();
  }

  HttpResponse Send(http::verb verb, const std::string& target,
                    std::map<std::string, std::string> headers = {}) {
    HttpRequest req{verb, target, 11};
    req.set("X-Client-Address", "10.0.0.1");
    for (const auto& [k, v] : headers) req.set(k, v);
    if (verb == http::verb::post) req.body() = "{}";
    std::promise<HttpResponse> promise;
    gateway_->Handle(std::move(req),
                     [&promise](HttpResponse res) { promise.set_value(std::move(res)); });
    return promise.get_future().get();
  }

  std::string Token(const std::string& subject) {
    common::TokenClaims claims;
    claims.subject = subject;
    claims.roles = {common::kRoleResident};
    claims.issuer = "comptoir-accounts";
    claims.audience = "comptoir";
    claims.issued_at = absl::Now();
    claims.not_before = absl::Now() - absl::Minutes(1);
    claims.expires_at = absl::Now() + absl::Minutes(5);
    claims.token_id = "t1";
    return common::TokenSigner(key_).Sign(claims);
  }

  boost::asio::io_context ioc_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_{
      ioc_.get_executor()};
  std::thread thread_;
  std::unique_ptr<RouteTable> routes_;
  std::unique_ptr<UpstreamClient> client_;
  GatewayMetrics metrics_;
  std::unique_ptr<Gateway> gateway_;
  FakeLimiter limiter_;
  FakePartnerKeys partner_keys_;
  common::SigningKey key_;
  std::unique_ptr<common::TokenVerifier> verifier_;
};

TEST_F(ProtectionTest, AnonymousReadsAreLimitedByAddressWithRateLimitHeaders) {
  auto first = Send(http::verb::get, "/v1/shops/x");
  EXPECT_NE(first.result_int(), 429);
  EXPECT_EQ(first["RateLimit-Limit"], "2");
  EXPECT_EQ(first["RateLimit-Remaining"], "1");
  Send(http::verb::get, "/v1/shops/x");
  auto refused = Send(http::verb::get, "/v1/shops/x");
  EXPECT_EQ(refused.result_int(), 429);
  EXPECT_EQ(refused["Retry-After"], "30");
  EXPECT_EQ(refused["RateLimit-Remaining"], "0");
  EXPECT_EQ(refused[http::field::content_type], "application/problem+json");
  std::lock_guard<std::mutex> lock(limiter_.mu);
  EXPECT_EQ(limiter_.keys.front(), "rl:read:address:10.0.0.1");
}

TEST_F(ProtectionTest, InvalidTokensAreRefusedBeforeAnyLimit) {
  auto res = Send(http::verb::get, "/v1/shops/x", {{"Authorization", "Bearer not.a.token"}});
  EXPECT_EQ(res.result_int(), 401);
  EXPECT_TRUE(limiter_.keys.empty());
  auto scheme = Send(http::verb::get, "/v1/shops/x", {{"Authorization", "Basic abc"}});
  EXPECT_EQ(scheme.result_int(), 401);
}

TEST_F(ProtectionTest, AccountsAndPartnersHaveBudgetsOfTheirOwn) {
  auto res = Send(http::verb::get, "/v1/shops/x", {{"Authorization", "Bearer " + Token("u-1")}});
  EXPECT_NE(res.result_int(), 401);
  EXPECT_EQ(res["RateLimit-Limit"], "600");
  auto partner = Send(http::verb::get, "/v1/shops/x", {{"X-Api-Key", "pk_secret"}});
  EXPECT_EQ(partner["RateLimit-Limit"], "60");  // the key's rate tier
  auto high = Send(http::verb::get, "/v1/shops/x", {{"X-Api-Key", "pk_high"}});
  EXPECT_EQ(high["RateLimit-Limit"], "600");
  std::lock_guard<std::mutex> lock(limiter_.mu);
  ASSERT_EQ(limiter_.keys.size(), 3u);
  EXPECT_EQ(limiter_.keys[0], "rl:read:account:u-1");
  EXPECT_EQ(limiter_.keys[1], "rl:read:partner:key-1");  // the key id, never the secret
  EXPECT_EQ(limiter_.keys[2], "rl:read:partner:key-2");
}

TEST_F(ProtectionTest, PartnerKeyFromAnAllowedOriginGetsCorsHeaders) {
  auto res = Send(http::verb::get, "/v1/shops/x",
                  {{"X-Api-Key", "pk_secret"},
                   {"Origin", "https://www.beaune-tourisme.fr"},
                   {"Host", "api.comptoir.fr"}});
  EXPECT_NE(res.result_int(), 401);
  EXPECT_NE(res.result_int(), 403);
  EXPECT_EQ(res[http::field::access_control_allow_origin], "https://www.beaune-tourisme.fr");
  EXPECT_NE(res[http::field::vary].find("Origin"), std::string::npos);
}

TEST_F(ProtectionTest, PartnerKeyFromAnotherOriginIsRefusedWithoutCorsHeaders) {
  auto res = Send(http::verb::get, "/v1/shops/x",
                  {{"X-Api-Key", "pk_secret"},
                   {"Origin", "https://evil.example"},
                   {"Host", "api.comptoir.fr"}});
  EXPECT_EQ(res.result_int(), 403);
  EXPECT_TRUE(res[http::field::access_control_allow_origin].empty());
  std::lock_guard<std::mutex> lock(limiter_.mu);
  EXPECT_TRUE(limiter_.keys.empty());
}

TEST_F(ProtectionTest, CrossOriginBrowserWithoutKeyOnAPartnerRouteIs401) {
  auto res = Send(http::verb::get, "/v1/shops/x",
                  {{"Origin", "https://www.beaune-tourisme.fr"}, {"Host", "api.comptoir.fr"}});
  EXPECT_EQ(res.result_int(), 401);
  EXPECT_TRUE(res[http::field::access_control_allow_origin].empty());
  // Our own pages (same origin) need no key.
  auto own = Send(http::verb::get, "/v1/shops/x",
                  {{"Origin", "https://api.comptoir.fr"}, {"Host", "api.comptoir.fr"}});
  EXPECT_NE(own.result_int(), 401);
}

TEST_F(ProtectionTest, PartnerKeysAreOnlyForPartnerRoutes) {
  auto res = Send(http::verb::post, "/v1/shops", {{"X-Api-Key", "pk_secret"}});
  EXPECT_EQ(res.result_int(), 403);
  EXPECT_EQ(partner_keys_.calls.load(), 0);
}

TEST_F(ProtectionTest, PartnerKeyCheckOutageFailsClosed) {
  auto res = Send(http::verb::get, "/v1/shops/x", {{"X-Api-Key", "pk_down"}});
  EXPECT_EQ(res.result_int(), 503);
  EXPECT_EQ(res["Retry-After"], "5");
}

TEST_F(ProtectionTest, PreflightOnAPartnerRouteAllowsTheKeyHeader) {
  auto res = Send(http::verb::options, "/v1/shops/x",
                  {{"Origin", "https://any.example"},
                   {"Access-Control-Request-Method", "GET"},
                   {"Access-Control-Request-Headers", "x-api-key"}});
  EXPECT_EQ(res.result_int(), 204);
  EXPECT_EQ(res[http::field::access_control_allow_origin], "https://any.example");
  EXPECT_NE(res[http::field::access_control_allow_headers].find("X-Api-Key"), std::string::npos);
  EXPECT_NE(res[http::field::vary].find("Origin"), std::string::npos);
  auto write = Send(http::verb::options, "/v1/shops",
                    {{"Origin", "https://any.example"}, {"Access-Control-Request-Method", "POST"}});
  EXPECT_EQ(write.result_int(), 403);
  EXPECT_TRUE(write[http::field::access_control_allow_origin].empty());
}

TEST(CrossOriginTest, ComparesTheOriginWithTheHostAndOurOwnOrigins) {
  EXPECT_FALSE(IsCrossOrigin("http://localhost:8080", "localhost:8080", {}));
  EXPECT_FALSE(IsCrossOrigin("HTTPS://API.comptoir.fr", "api.comptoir.fr", {}));
  EXPECT_TRUE(IsCrossOrigin("https://www.beaune-tourisme.fr", "api.comptoir.fr", {}));
  EXPECT_TRUE(IsCrossOrigin("null", "api.comptoir.fr", {}));
  EXPECT_FALSE(
      IsCrossOrigin("https://www.comptoir.fr", "gateway:8080", {"https://www.comptoir.fr"}));
}

TEST_F(ProtectionTest, UnknownPartnerKeysAreRefused) {
  auto res = Send(http::verb::get, "/v1/shops/x", {{"X-Api-Key", "pk_made_up"}});
  EXPECT_EQ(res.result_int(), 401);
  std::lock_guard<std::mutex> lock(limiter_.mu);
  EXPECT_TRUE(limiter_.keys.empty());
}

TEST_F(ProtectionTest, WhenTheLimiterIsDownReadsFailOpenAndLoginsFailClosed) {
  limiter_.down = true;
  auto read = Send(http::verb::get, "/v1/shops/x");
  EXPECT_EQ(read.result_int(), 503);  // forwarded: the (absent) upstream answered
  EXPECT_TRUE(read["Retry-After"].empty());
  auto write = Send(http::verb::post, "/v1/shops");
  EXPECT_EQ(write.result_int(), 503);
  EXPECT_TRUE(write["Retry-After"].empty());
  auto login = Send(http::verb::post, "/v1/sessions");
  EXPECT_EQ(login.result_int(), 503);
  EXPECT_EQ(login["Retry-After"], "5");  // refused by the gateway, not the service
  EXPECT_NE(login.body().find("sign-in is briefly unavailable"), std::string::npos);
}

}  // namespace
}  // namespace comptoir::gateway
