// The gateway in process, end to end over real sockets: a real gRPC server hosting a fake
// ShopService, the real HTTP server, and a Beast client. No external services.
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>
#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "comptoir/common/status.h"
#include "comptoir/shops/v1/shops.grpc.pb.h"
#include "gateway.h"
#include "http_server.h"
#include "http_test_client.h"
#include "openapi.h"

namespace comptoir::gateway {
namespace {

namespace http = boost::beast::http;
using shops::v1::Shop;
using testing::HttpTestClient;

class FakeShops final : public shops::v1::ShopService::Service {
 public:
  grpc::Status CreateShop(grpc::ServerContext* ctx, const shops::v1::CreateShopRequest* req,
                          Shop* out) override {
    auto rid = ctx->client_metadata().find("x-request-id");
    last_request_id = rid == ctx->client_metadata().end()
                          ? ""
                          : std::string(rid->second.data(), rid->second.size());
    if (req->shop().name().empty()) {
      return common::ToGrpcStatus(common::InvalidField("shop.name", "must not be empty"));
    }
    *out = req->shop();
    out->set_id("0b7c6a52-7d1e-4f3e-9a57-3e1f0f1d2c11");
    out->set_status("pending");
    return grpc::Status::OK;
  }
  grpc::Status GetShop(grpc::ServerContext* ctx, const shops::v1::GetShopRequest* req,
                       Shop* out) override {
    ++get_calls;
    {
      std::lock_guard<std::mutex> lock(mu);
      seen_metadata.clear();
      for (const auto& [key, value] : ctx->client_metadata()) {
        seen_metadata[std::string(key.data(), key.size())] =
            std::string(value.data(), value.size());
      }
    }
    if (req->shop() == "slow") {
      // Longer than the gateway's deadline; stops when the gateway gives up.
      for (int i = 0; i < 300 && !ctx->IsCancelled(); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
      return grpc::Status(grpc::StatusCode::CANCELLED, "gave up");
    }
    if (req->shop() != "fromagerie-gaugry") {
      return grpc::Status(grpc::StatusCode::NOT_FOUND, "no shop \"" + req->shop() + "\"");
    }
    out->set_id("1");
    out->set_slug(req->shop());
    out->set_commune_insee("21231");
    return grpc::Status::OK;
  }
  grpc::Status ListShops(grpc::ServerContext*, const shops::v1::ListShopsRequest* req,
                         shops::v1::ListShopsResponse* out) override {
    if (req->category() == "many") {  // a small reply with a large JSON (control characters)
      for (int i = 0; i < 1500; ++i) {
        out->add_shops()->set_name("shop " + std::to_string(i) + " " + std::string(150, '\x01'));
      }
      return grpc::Status::OK;
    }
    out->add_shops()->set_name("commune " + req->commune());
    out->set_next_page_token(std::to_string(req->page_size()));
    return grpc::Status::OK;
  }
  std::string last_request_id;
  std::atomic<int> get_calls{0};
  std::mutex mu;
  std::map<std::string, std::string> seen_metadata;  // of the last GetShop, guarded by mu
};

// `size` pseudo-random bytes.
std::string RandomBytes(size_t size, unsigned seed) {
  std::string bytes(size, '\0');
  std::mt19937 random(seed);
  for (char& c : bytes) c = static_cast<char>(random());
  return bytes;
}

// A GET whose answer the client reads only later, once the server's socket buffer is full.
HttpResponse GetReadLate(HttpTestClient& c, const std::string& target) {
  c.SendOnly("GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  return c.Receive();
}

class GatewayServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::EnableDefaultHealthCheckService(true);
    grpc::ServerBuilder builder;
    int grpc_port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &grpc_port);
    builder.RegisterService(&shops_);
    grpc_server_ = builder.BuildAndStart();
    ASSERT_NE(grpc_port, 0);
    const std::string address = "127.0.0.1:" + std::to_string(grpc_port);

    web_root_ = std::filesystem::temp_directory_path() /
                ("gw-web-" + std::to_string(::getpid()) + "-" + std::to_string(grpc_port));
    std::filesystem::create_directories(web_root_);
    std::ofstream(web_root_ / "index.html") << "<!doctype html><title>Comptoir</title>";
    std::ofstream(web_root_ / "app.js") << "console.log(1)";
    std::ofstream css(web_root_ / "app.css");
    for (int i = 0; i < 200; ++i) css << ".shop-" << i << " { color: #333; margin: 0 auto; }\n";

    auto routes = RouteTable::Build({{"comptoir.shops.v1.ShopService", address}});
    ASSERT_TRUE(routes.ok()) << routes.status();
    routes_ = std::make_unique<RouteTable>(std::move(*routes));
    client_ = std::make_unique<UpstreamClient>(
        std::vector<std::string>{address},
        UpstreamClient::Options{.timeout = std::chrono::milliseconds(300)});
    health_ = std::make_unique<UpstreamHealth>(*client_, ioc_.get_executor(),
                                               std::chrono::milliseconds(50));
    static_files_ = std::make_unique<StaticFiles>(web_root_.string());
    gateway_ = std::make_unique<Gateway>(*routes_, *client_, health_.get(), metrics_,
                                         static_files_.get(), ioc_.get_executor());
    gateway_->SetApiDocument(GenerateOpenApi(*routes_, ProtoComments::Embedded()));
    gateway_->SetMicroCache(&micro_cache_);
    HttpServerOptions options;
    options.header_limit = 4096;
    options.body_limit = 64 * 1024;
    options.large_body_limit = 256 * 1024;
    options.url_limit = 2048;
    server_ = std::make_unique<HttpServer>(
        ioc_,
        [this](HttpRequest req, Responder done, StreamOpener open_stream,
               boost::asio::any_io_executor connection) {
          gateway_->Handle(std::move(req), std::move(done), std::move(open_stream),
                           std::move(connection));
        },
        options);
    ASSERT_TRUE(server_->Listen("127.0.0.1:0").ok());
    server_->Start();
    health_->Start();
    for (int i = 0; i < 2; ++i) threads_.emplace_back([this] { ioc_.run(); });
  }

  void TearDown() override {
    if (server_) {
      server_->Stop();
      EXPECT_TRUE(server_->WaitDrained(std::chrono::seconds(5)));
    }
    if (health_) health_->Stop();
    if (client_) client_->Shutdown();
    ioc_.stop();
    for (auto& t : threads_) t.join();
    server_.reset();
    if (grpc_server_) grpc_server_->Shutdown(std::chrono::system_clock::now());
    std::filesystem::remove_all(web_root_);
  }

  unsigned short port() const { return server_->port(); }

  FakeShops shops_;
  std::unique_ptr<grpc::Server> grpc_server_;
  std::filesystem::path web_root_;
  boost::asio::io_context ioc_;
  std::unique_ptr<RouteTable> routes_;
  std::unique_ptr<UpstreamClient> client_;
  std::unique_ptr<UpstreamHealth> health_;
  GatewayMetrics metrics_;
  std::unique_ptr<StaticFiles> static_files_;
  MicroCache micro_cache_{MicroCache::Options{.ttl = std::chrono::seconds(60)}};
  std::unique_ptr<Gateway> gateway_;
  std::unique_ptr<HttpServer> server_;
  std::vector<std::thread> threads_;
};

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// The Redis-backed shared cache's contract, in memory.
class FakeSharedCache : public SharedResponseCache {
 public:
  void Get(const std::string& key, GetDone done) override {
    std::shared_ptr<const CachedBody> found;
    {
      std::lock_guard<std::mutex> lock(mu);
      auto it = entries.find(key);
      if (it != entries.end()) found = it->second;
    }
    done(found);
  }
  void Put(const std::string& key, std::shared_ptr<const CachedBody> body) override {
    std::lock_guard<std::mutex> lock(mu);
    entries[key] = std::move(body);
  }
  std::mutex mu;
  std::map<std::string, std::shared_ptr<const CachedBody>> entries;
};

TEST_F(GatewayServerTest, CreatesAndReadsAShopOverOneKeptAliveConnection) {
  HttpTestClient c(port());
  auto created = c.Send(http::verb::post, "/v1/shops",
                        R"({"name":"Fromagerie Gaugry","communeInsee":"21231"})",
                        {{"X-Request-Id", "test-req-1"}});
  EXPECT_EQ(created.result_int(), 200);
  EXPECT_EQ(created[http::field::content_type], "application/json");
  EXPECT_EQ(created.body(),
            R"({"id":"0b7c6a52-7d1e-4f3e-9a57-3e1f0f1d2c11","name":"Fromagerie Gaugry",)"
            R"("communeInsee":"21231","status":"pending"})");
  EXPECT_EQ(created["X-Request-Id"], "test-req-1");
  EXPECT_EQ(shops_.last_request_id, "test-req-1");

  auto got = c.Send(http::verb::get, "/v1/shops/fromagerie-gaugry");
  EXPECT_EQ(got.result_int(), 200);
  EXPECT_EQ(got.body(), R"({"id":"1","slug":"fromagerie-gaugry","communeInsee":"21231"})");
  EXPECT_EQ(got["X-Request-Id"].size(), 32u);  // generated when the caller sent none

  auto listed = c.Send(http::verb::get, "/v1/shops?commune=21231&pageSize=7");
  EXPECT_EQ(listed.result_int(), 200);
  EXPECT_EQ(listed.body(), R"({"shops":[{"name":"commune 21231"}],"nextPageToken":"7"})");
}

TEST_F(GatewayServerTest, UpstreamErrorsBecomeProblems) {
  HttpTestClient c(port());
  auto missing = c.Send(http::verb::get, "/v1/shops/nope");
  EXPECT_EQ(missing.result_int(), 404);
  EXPECT_EQ(missing[http::field::content_type], "application/problem+json");
  EXPECT_TRUE(Contains(missing.body(), R"("code":"NOT_FOUND")")) << missing.body();
  EXPECT_TRUE(Contains(missing.body(), R"("instance":"/v1/shops/nope")")) << missing.body();

  auto invalid = c.Send(http::verb::post, "/v1/shops", R"({"communeInsee":"21231"})");
  EXPECT_EQ(invalid.result_int(), 400);
  EXPECT_TRUE(Contains(invalid.body(),
                       R"("errors":[{"field":"shop.name","description":"must not be empty"}])"))
      << invalid.body();
}

TEST_F(GatewayServerTest, GatewayChecksGiveProblems) {
  HttpTestClient c(port());
  auto bad_json = c.Send(http::verb::post, "/v1/shops", R"({"name": })");
  EXPECT_EQ(bad_json.result_int(), 400);
  EXPECT_TRUE(Contains(bad_json.body(), "line 1, column 10")) << bad_json.body();

  auto unknown = c.Send(http::verb::get, "/v1/shops?colour=red");
  EXPECT_EQ(unknown.result_int(), 400);
  EXPECT_TRUE(Contains(unknown.body(), R"("field":"colour")")) << unknown.body();

  auto wrong_method = c.Send(http::verb::put, "/v1/shops");
  EXPECT_EQ(wrong_method.result_int(), 405);
  EXPECT_EQ(wrong_method[http::field::allow], "GET, POST");

  auto no_route = c.Send(http::verb::get, "/v1/unknown");
  EXPECT_EQ(no_route.result_int(), 404);
  EXPECT_TRUE(Contains(no_route.body(), R"("code":"NOT_FOUND")"));

  auto media = c.Send(http::verb::post, "/v1/shops", "name=x", {{"Content-Type", "text/plain"}});
  EXPECT_EQ(media.result_int(), 415);
}

TEST_F(GatewayServerTest, DeadlineGivesGatewayTimeout) {
  HttpTestClient c(port());
  auto start = std::chrono::steady_clock::now();
  auto slow = c.Send(http::verb::get, "/v1/shops/slow");
  EXPECT_EQ(slow.result_int(), 504);
  EXPECT_TRUE(Contains(slow.body(), R"("code":"DEADLINE_EXCEEDED")")) << slow.body();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
}

TEST_F(GatewayServerTest, OversizeRequestsAreRefused) {
  HttpTestClient big_body(port());
  auto too_large = big_body.SendRaw(
      "POST /v1/shops HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Content-Length: 100000\r\n\r\n{");
  EXPECT_EQ(too_large.result_int(), 413);
  EXPECT_TRUE(big_body.ServerClosed());

  HttpTestClient big_header(port());
  auto too_many = big_header.SendRaw(
      "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(8000, 'a') + "\r\n\r\n");
  EXPECT_EQ(too_many.result_int(), 431);

  HttpTestClient after(port());  // the gateway keeps serving
  EXPECT_EQ(after.Send(http::verb::get, "/healthz").result_int(), 200);
}

TEST_F(GatewayServerTest, HealthReadinessAndMetrics) {
  HttpTestClient c(port());
  EXPECT_EQ(c.Send(http::verb::get, "/healthz").body(), R"({"status":"ok"})");
  int ready = 0;
  for (int i = 0; i < 100 && ready != 200; ++i) {
    ready = c.Send(http::verb::get, "/readyz").result_int();
    if (ready != 200) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(ready, 200);

  grpc_server_->GetHealthCheckService()->SetServingStatus(false);
  int not_ready = 0;
  std::string body;
  for (int i = 0; i < 100 && not_ready != 503; ++i) {
    auto res = c.Send(http::verb::get, "/readyz");
    not_ready = res.result_int();
    body = res.body();
    if (not_ready != 503) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(not_ready, 503);
  EXPECT_TRUE(Contains(body, "not serving")) << body;

  c.Send(http::verb::get, "/v1/shops/fromagerie-gaugry");
  auto metrics = c.Send(http::verb::get, "/metrics");
  EXPECT_EQ(metrics.result_int(), 200);
  EXPECT_TRUE(Contains(
      metrics.body(),
      R"(comptoir_gateway_http_requests_total{method="GET",route="GET /v1/shops/{shop}",status="200"} 1)"))
      << metrics.body();
}

TEST_F(GatewayServerTest, ServesStaticFilesInsideTheWebRootOnly) {
  HttpTestClient c(port());
  auto index = c.Send(http::verb::get, "/");
  EXPECT_EQ(index.result_int(), 200);
  EXPECT_EQ(index[http::field::content_type], "text/html; charset=utf-8");
  EXPECT_TRUE(Contains(index.body(), "Comptoir"));
  auto js = c.Send(http::verb::get, "/app.js");
  EXPECT_EQ(js[http::field::content_type], "text/javascript; charset=utf-8");
  for (const char* bad : {"/../etc/passwd", "/%2e%2e/etc/passwd", "/a/..%2f..%2fetc/passwd",
                          "/.hidden", "/missing.css"}) {
    auto res = c.Send(http::verb::get, bad);
    EXPECT_EQ(res.result_int(), 404) << bad;
    EXPECT_EQ(res[http::field::content_type], "application/problem+json") << bad;
  }
  EXPECT_EQ(c.Send(http::verb::post, "/app.js").result_int(), 405);
}

// An answer larger than the socket's buffers, to a client that reads only later: the part
// written at once stops at the full buffer, the rest goes out asynchronously, byte for
// byte, and the connection then serves its next request.
TEST_F(GatewayServerTest, AnswersLargerThanTheSocketBufferGoOutWhole) {
  const std::string big = RandomBytes(7 << 20, 7);
  std::ofstream(web_root_ / "big.bin", std::ios::binary) << big;
  HttpTestClient c(port(), 64 * 1024);
  auto res = GetReadLate(c, "/big.bin");
  ASSERT_EQ(res.result_int(), 200);
  EXPECT_EQ(res.body().size(), big.size());
  EXPECT_TRUE(res.body() == big);
  EXPECT_EQ(c.Send(http::verb::get, "/healthz").result_int(), 200);
}

// A large answer to an upstream reply, rendered and written from the thread where the reply
// arrived (the JSON of control characters is six times the reply), then the next request.
TEST_F(GatewayServerTest, LargeUpstreamAnswersRenderedInPlaceGoOutWholeThenTheNextRequest) {
  HttpTestClient c(port(), 64 * 1024);
  auto res = GetReadLate(c, "/v1/shops?category=many");
  ASSERT_EQ(res.result_int(), 200);
  std::string escaped;
  for (int i = 0; i < 150; ++i) escaped += "\\u0001";
  size_t names = 0;
  for (size_t at = res.body().find(escaped); at != std::string::npos;
       at = res.body().find(escaped, at + escaped.size())) {
    ++names;
  }
  EXPECT_EQ(names, 1500u);
  const std::string last = "{\"name\":\"shop 1499 " + escaped + "\"}]}";
  ASSERT_GE(res.body().size(), last.size());
  EXPECT_EQ(res.body().substr(res.body().size() - last.size()), last);
  EXPECT_EQ(c.Send(http::verb::get, "/v1/shops?commune=21231").result_int(), 200);
}

// The server alone, its handler answering from threads of its own: the part the socket
// takes is written by that thread, the rest goes out asynchronously on the connection's
// strand, whole, and the connection then serves its next request.
TEST(HttpServerTest, AnswersFromAnotherThreadLargerThanTheSocketBufferGoOutWhole) {
  const std::string big = RandomBytes(7 << 20, 11);
  std::mutex mu;
  std::vector<std::thread> responders;
  boost::asio::io_context ioc;
  HttpServer server(
      ioc,
      [&](HttpRequest req, Responder done, StreamOpener, boost::asio::any_io_executor) {
        std::lock_guard<std::mutex> lock(mu);
        responders.emplace_back([&big, req = std::move(req), done = std::move(done)] {
          HttpResponse res{http::status::ok, req.version()};
          res.body() = req.target() == "/big" ? big : "small";
          res.prepare_payload();
          done(std::move(res));
        });
      },
      HttpServerOptions{});
  ASSERT_TRUE(server.Listen("127.0.0.1:0").ok());
  server.Start();
  std::thread io([&ioc] { ioc.run(); });
  {
    HttpTestClient c(server.port(), 64 * 1024);
    auto res = GetReadLate(c, "/big");
    ASSERT_EQ(res.result_int(), 200);
    EXPECT_EQ(res.body().size(), big.size());
    EXPECT_TRUE(res.body() == big);
    EXPECT_EQ(c.Send(http::verb::get, "/small").body(), "small");
  }
  server.Stop();
  EXPECT_TRUE(server.WaitDrained(std::chrono::seconds(5)));
  ioc.stop();
  io.join();
  std::lock_guard<std::mutex> lock(mu);
  for (auto& t : responders) t.join();
}

TEST_F(GatewayServerTest, StaticTextIsGzippedOnceWhenAcceptedWithItsOwnEtag) {
  HttpTestClient c(port());
  auto plain = c.Send(http::verb::get, "/app.css");
  ASSERT_EQ(plain.result_int(), 200);
  EXPECT_EQ(plain[http::field::content_encoding], "");
  EXPECT_EQ(plain[http::field::vary], "Accept-Encoding");
  const std::string etag(plain[http::field::etag]);
  ASSERT_EQ(etag.size(), 18u);
  auto gz = c.Send(http::verb::get, "/app.css", "", {{"Accept-Encoding", "br, gzip"}});
  ASSERT_EQ(gz.result_int(), 200);
  EXPECT_EQ(gz[http::field::content_encoding], "gzip");
  EXPECT_EQ(gz[http::field::vary], "Accept-Encoding");
  ASSERT_GE(gz.body().size(), 2u);
  EXPECT_EQ(gz.body().substr(0, 2), "\x1f\x8b");  // the gzip magic
  EXPECT_LT(gz.body().size(), plain.body().size() / 4);
  EXPECT_NE(gz[http::field::etag], etag);  // another representation, another tag
  auto refused = c.Send(http::verb::get, "/app.css", "", {{"Accept-Encoding", "gzip;q=0"}});
  EXPECT_EQ(refused[http::field::content_encoding], "");
  EXPECT_EQ(refused.body(), plain.body());
  auto again =
      c.Send(http::verb::get, "/app.css", "",
             {{"Accept-Encoding", "gzip"}, {"If-None-Match", std::string(gz[http::field::etag])}});
  EXPECT_EQ(again.result_int(), 304);
  EXPECT_TRUE(again.body().empty());
  // Small files are not worth it.
  auto js = c.Send(http::verb::get, "/app.js", "", {{"Accept-Encoding", "gzip"}});
  EXPECT_EQ(js[http::field::content_encoding], "");
  EXPECT_EQ(js.body(), "console.log(1)");
  // A file changed on disk is read again.
  std::ofstream(web_root_ / "app.js") << "console.log(22)";  // another size: mtimes may be coarse
  EXPECT_EQ(c.Send(http::verb::get, "/app.js").body(), "console.log(22)");
}

TEST_F(GatewayServerTest, SharedCacheAnswersWhatAnotherReplicaRenderedAndIsFilledByThisOne) {
  // No micro-cache here: every public read asks the shared cache first.
  FakeSharedCache shared;
  gateway_->SetMicroCache(nullptr);
  gateway_->SetSharedCache(&shared);
  HttpTestClient c(port());
  auto first = c.Send(http::verb::get, "/v1/shops/fromagerie-gaugry");
  ASSERT_EQ(first.result_int(), 200);
  const std::string key = "GET /v1/shops/fromagerie-gaugry";
  {
    std::lock_guard<std::mutex> lock(shared.mu);
    ASSERT_EQ(shared.entries.count(key), 1u);
    EXPECT_EQ(shared.entries[key]->body, first.body());
    // Another replica rendered a newer answer.
    shared.entries[key] =
        std::make_shared<const CachedBody>(MakeCachedBody(R"({"id":"1","slug":"other"})"));
  }
  auto second = c.Send(http::verb::get, "/v1/shops/fromagerie-gaugry");
  EXPECT_EQ(second.result_int(), 200);
  EXPECT_EQ(second.body(), R"({"id":"1","slug":"other"})");
  EXPECT_EQ(second[http::field::cache_control], "public, max-age=5");
  // Served from the entry: nothing was rendered and stored again.
  std::lock_guard<std::mutex> lock(shared.mu);
  EXPECT_EQ(shared.entries.size(), 1u);
}

TEST_F(GatewayServerTest, ServesTheApiDocumentWithRevalidation) {
  HttpTestClient c(port());
  auto doc = c.Send(http::verb::get, "/openapi.json");
  EXPECT_EQ(doc.result_int(), 200);
  EXPECT_EQ(doc[http::field::content_type], "application/json");
  EXPECT_TRUE(Contains(doc.body(), R"("/v1/shops/{shop}")")) << doc.body().substr(0, 300);
  const std::string etag(doc[http::field::etag]);
  ASSERT_EQ(etag.size(), 18u);
  auto again = c.Send(http::verb::get, "/openapi.json", "", {{"If-None-Match", etag}});
  EXPECT_EQ(again.result_int(), 304);
  EXPECT_TRUE(again.body().empty());
  auto other = c.Send(http::verb::get, "/openapi.json", "", {{"If-None-Match", "\"x\""}});
  EXPECT_EQ(other.result_int(), 200);
}

TEST_F(GatewayServerTest, ForwardsIdentityAndTraceContextToServices) {
  HttpTestClient c(port());
  const std::string trace = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  auto res = c.Send(http::verb::get, "/v1/shops/fromagerie-gaugry", "",
                    {{"Authorization", "Bearer abc.def.ghi"},
                     {"traceparent", trace},
                     {"If-Match", "\"v3\""},
                     {"X-Client-Address", "6.6.6.6"},  // a client cannot choose its address
                     {"X-Request-Id", "req-7"}});
  EXPECT_EQ(res.result_int(), 200);
  std::lock_guard<std::mutex> lock(shops_.mu);
  EXPECT_EQ(shops_.seen_metadata["authorization"], "Bearer abc.def.ghi");
  EXPECT_EQ(shops_.seen_metadata["traceparent"], trace);
  EXPECT_EQ(shops_.seen_metadata["if-match"], "\"v3\"");
  EXPECT_EQ(shops_.seen_metadata["x-client-address"], "127.0.0.1");
  EXPECT_EQ(shops_.seen_metadata["x-request-id"], "req-7");
}

TEST_F(GatewayServerTest, StartsATraceWhenTheCallerSentNoneOrAMalformedOne) {
  HttpTestClient c(port());
  c.Send(http::verb::get, "/v1/shops/fromagerie-gaugry", "", {{"traceparent", "00-zz-1-01"}});
  std::string trace;
  {
    std::lock_guard<std::mutex> lock(shops_.mu);
    trace = shops_.seen_metadata["traceparent"];
  }
  EXPECT_EQ(trace.size(), 55u);
  EXPECT_EQ(TraceparentFor(trace), trace);  // well-formed, so services can pass it on
}

TEST_F(GatewayServerTest, SetsSecurityHeaders) {
  HttpTestClient c(port());
  auto page = c.Send(http::verb::get, "/");
  EXPECT_EQ(page["X-Content-Type-Options"], "nosniff");
  EXPECT_EQ(page["X-Frame-Options"], "DENY");
  EXPECT_EQ(page["Referrer-Policy"], "strict-origin-when-cross-origin");
  EXPECT_TRUE(Contains(std::string(page["Content-Security-Policy"]), "script-src 'self'"));
  auto api = c.Send(http::verb::get, "/v1/shops/nope");
  EXPECT_EQ(api["X-Frame-Options"], "DENY");
  EXPECT_TRUE(api["Content-Security-Policy"].empty());  // JSON is not rendered as a page
}

TEST_F(GatewayServerTest, RefusesLongUrlsAndDeepJson) {
  HttpTestClient long_url(port());
  auto too_long = long_url.Send(http::verb::get, "/v1/shops?q=" + std::string(3000, 'a'));
  EXPECT_EQ(too_long.result_int(), 414);

  HttpTestClient c(port());
  std::string deep = R"({"name":)" + std::string(40, '[') + std::string(40, ']') + "}";
  auto res = c.Send(http::verb::post, "/v1/shops", deep);
  EXPECT_EQ(res.result_int(), 400);
  EXPECT_TRUE(Contains(res.body(), "nested deeper than 32")) << res.body();
  std::string nested_in_string =
      R"({"name":")" + std::string(40, '[') + R"(","communeInsee":"21231"})";
  EXPECT_EQ(c.Send(http::verb::post, "/v1/shops", nested_in_string).result_int(), 200);
}

TEST_F(GatewayServerTest, ImportRoutesAcceptLargerBodies) {
  HttpTestClient big(port());
  // 100 KB is over the JSON limit (64 KiB here) but within the import limit: no 413, the
  // request reaches routing (no such route in this test: 404).
  auto res = big.Send(http::verb::post, "/v1/shops/x/products:import", std::string(100000, 'a'),
                      {{"Content-Type", "text/csv"}});
  EXPECT_EQ(res.result_int(), 404);
  HttpTestClient huge(port());
  auto refused = huge.SendRaw(
      "POST /v1/shops/x/products:import HTTP/1.1\r\nHost: x\r\nContent-Length: 300000\r\n\r\n");
  EXPECT_EQ(refused.result_int(), 413);
}

TEST_F(GatewayServerTest, PublicReadsAreServedFromTheMicroCacheWithEtags) {
  HttpTestClient c(port());
  auto first = c.Send(http::verb::get, "/v1/shops/fromagerie-gaugry");
  auto second = c.Send(http::verb::get, "/v1/shops/fromagerie-gaugry");
  EXPECT_EQ(shops_.get_calls.load(), 1);  // the second came from the cache
  EXPECT_EQ(second.body(), first.body());
  EXPECT_EQ(second[http::field::cache_control], "public, max-age=5");
  const std::string etag(first[http::field::etag]);
  ASSERT_FALSE(etag.empty());
  EXPECT_EQ(second[http::field::etag], etag);
  auto revalidated =
      c.Send(http::verb::get, "/v1/shops/fromagerie-gaugry", "", {{"If-None-Match", etag}});
  EXPECT_EQ(revalidated.result_int(), 304);

  // With a token the answer may be personal: never cached, never public.
  auto personal = c.Send(http::verb::get, "/v1/shops/fromagerie-gaugry", "",
                         {{"Authorization", "Bearer x.y.z"}});
  EXPECT_EQ(shops_.get_calls.load(), 2);
  EXPECT_EQ(personal[http::field::cache_control], "private, no-cache");
  EXPECT_EQ(personal[http::field::etag], etag);

  auto metrics = c.Send(http::verb::get, "/metrics");
  EXPECT_TRUE(Contains(
      metrics.body(),
      R"(comptoir_gateway_micro_cache_total{outcome="hit",route="GET /v1/shops/{shop}"} 2)"))
      << metrics.body();
}

TEST_F(GatewayServerTest, LargeAnswersAreGzippedWhenAccepted) {
  HttpTestClient c(port());
  const std::string target = "/v1/shops?commune=" + std::string(1500, 'c');
  auto plain = c.Send(http::verb::get, target);
  EXPECT_TRUE(plain[http::field::content_encoding].empty());
  auto zipped = c.Send(http::verb::get, target, "", {{"Accept-Encoding", "gzip"}});
  EXPECT_EQ(zipped[http::field::content_encoding], "gzip");
  // Shop reads are partner routes: their CORS headers vary on Origin too.
  EXPECT_EQ(zipped[http::field::vary], "Accept-Encoding, Origin");
  EXPECT_LT(zipped.body().size(), plain.body().size() / 4);
  const std::string zipped_etag(zipped[http::field::etag]);
  EXPECT_NE(zipped_etag, plain[http::field::etag]);  // another representation, another tag
  auto revalidated = c.Send(http::verb::get, target, "",
                            {{"Accept-Encoding", "gzip"}, {"If-None-Match", zipped_etag}});
  EXPECT_EQ(revalidated.result_int(), 304);
}

TEST(JsonDepthTest, CountsNestingOutsideStrings) {
  EXPECT_FALSE(JsonDeeperThan(R"({"a":[{"b":1}]})", 3));
  EXPECT_TRUE(JsonDeeperThan(R"({"a":[{"b":[1]}]})", 3));
  EXPECT_FALSE(JsonDeeperThan(R"({"a":"[[[[\"[[["})", 1));
}

TEST(EtagTest, StrongTagsAndIfNoneMatchLists) {
  const std::string tag = StrongEtag("body");
  EXPECT_EQ(tag, StrongEtag("body"));
  EXPECT_NE(tag, StrongEtag("body2"));
  // XXH3-64 (reference values from the xxHash project's Python binding): every replica and
  // version tags the same body alike, so a browser's If-None-Match holds across them.
  EXPECT_EQ(tag, "\"84f2c8ee187fe1fa\"");
  EXPECT_EQ(StrongEtag(""), "\"2d06800538d394c2\"");
  EXPECT_TRUE(IfNoneMatchHits("\"a\", " + tag, tag));
  EXPECT_TRUE(IfNoneMatchHits("W/" + tag, tag));
  EXPECT_TRUE(IfNoneMatchHits("*", tag));
  EXPECT_FALSE(IfNoneMatchHits("\"a\"", tag));
}

}  // namespace
}  // namespace comptoir::gateway
