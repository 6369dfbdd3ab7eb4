// End to end over real HTTP: a fresh database, the real comptoir-shops and comptoir-gateway
// binaries on free ports, and requests as a client sends them.
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "comptoir/common/status.h"
#include "comptoir/shops/v1/shops.pb.h"
#include "http_client.h"
#include "process.h"
#include "scratch_database.h"
#include "status_testing.h"
#include "test_env.h"

namespace comptoir::testing {
namespace {

using google::protobuf::Struct;
using google::protobuf::util::JsonStringToMessage;

// One stack for every case of this file: starting it takes a second or two.
class Stack {
 public:
  static Stack& Get() {
    static Stack* stack = new Stack();
    return *stack;
  }
  int http_port() const { return http_port_; }
  std::string error;

 private:
  Stack() {
    if (absl::Status started = Start(); !started.ok()) error = started.ToString();
  }

  absl::Status Start() {
    ASSIGN_OR_RETURN(db_, ScratchDatabase::Create());
    ASSIGN_OR_RETURN(std::string redis_url, TestRedisUrl());
    const std::string bin = COMPTOIR_BINARY_DIR "/bin/";
    std::map<std::string, std::string> shops_env = {{"PG_URL", db_->RoleUrl("shops")},
                                                    {"REDIS_URL", redis_url}};

    ASSIGN_OR_RETURN(auto migrate,
                     ChildProcess::Start({bin + "comptoir-shops", {"migrate"}, shops_env, ""}));
    ASSIGN_OR_RETURN(int migrated, migrate->Wait(std::chrono::seconds(60)));
    if (migrated != 0) return absl::InternalError("comptoir-shops migrate: " + migrate->Log());

    ASSIGN_OR_RETURN(int grpc_port, FreePort());
    ASSIGN_OR_RETURN(int metrics_port, FreePort());
    ASSIGN_OR_RETURN(http_port_, FreePort());
    shops_env["GRPC_LISTEN"] = absl::StrCat("127.0.0.1:", grpc_port);
    shops_env["METRICS_LISTEN"] = absl::StrCat("127.0.0.1:", metrics_port);
    ASSIGN_OR_RETURN(shops_, ChildProcess::Start({bin + "comptoir-shops", {}, shops_env, ""}));
    if (!WaitForTcp(grpc_port, Deadline(std::chrono::seconds(20))).ok()) {
      return absl::InternalError("comptoir-shops did not start: " + shops_->Log());
    }

    ASSIGN_OR_RETURN(
        gateway_,
        ChildProcess::Start(
            {bin + "comptoir-gateway",
             {},
             {{"HTTP_LISTEN", absl::StrCat("127.0.0.1:", http_port_)},
              {"UPSTREAMS", absl::StrCat("comptoir.shops.v1.ShopService=127.0.0.1:", grpc_port)},
              {"REDIS_URL", redis_url},
              {"WEB_ROOT", COMPTOIR_SOURCE_DIR "/web"}},
             ""}));
    if (!WaitForTcp(http_port_, Deadline(std::chrono::seconds(20))).ok()) {
      return absl::InternalError("comptoir-gateway did not start: " + gateway_->Log());
    }
    // Ready means the gateway sees the shops service SERVING.
    for (int i = 0; i < 200; ++i) {
      if (HttpRequest(http_port_, "GET", "/readyz").status == 200) return absl::OkStatus();
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return absl::InternalError("gateway never became ready: " + gateway_->Log());
  }

  std::unique_ptr<ScratchDatabase> db_;
  std::unique_ptr<ChildProcess> shops_;
  std::unique_ptr<ChildProcess> gateway_;
  int http_port_ = 0;
};

class ShopsEndToEnd : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(Stack::Get().error, "") << "stack failed to start"; }

  HttpResponse Call(const std::string& method, const std::string& target,
                    const std::string& body = "") {
    return HttpRequest(Stack::Get().http_port(), method, target, body);
  }

  static Struct Json(const std::string& body) {
    Struct json;
    EXPECT_TRUE(JsonStringToMessage(body, &json).ok()) << body;
    return json;
  }

  static std::vector<std::string> ProblemFields(const Struct& problem) {
    std::vector<std::string> fields;
    auto it = problem.fields().find("errors");
    if (it == problem.fields().end()) return fields;
    for (const auto& e : it->second.list_value().values()) {
      fields.push_back(e.struct_value().fields().at("field").string_value());
    }
    return fields;
  }

  static void ExpectProblem(const HttpResponse& response, int status) {
    EXPECT_EQ(response.status, status) << response.body;
    EXPECT_EQ(response.header("content-type"), "application/problem+json") << response.body;
    Struct problem = Json(response.body);
    EXPECT_EQ(problem.fields().at("status").number_value(), status);
    EXPECT_FALSE(problem.fields().at("title").string_value().empty());
  }
};

TEST_F(ShopsEndToEnd, CreateReadBackAndListAShop) {
  HttpResponse created =
      Call("POST", "/v1/shops",
           R"({"name": "Épicerie du Morvan", "communeInsee": "58145", "category": "epicerie"})");
  ASSERT_EQ(created.status, 200) << created.body;
  EXPECT_EQ(created.header("content-type"), "application/json");
  comptoir::shops::v1::Shop shop;
  ASSERT_TRUE(JsonStringToMessage(created.body, &shop).ok()) << created.body;
  EXPECT_EQ(shop.name(), "Épicerie du Morvan");
  EXPECT_EQ(shop.slug(), "epicerie-du-morvan");
  EXPECT_EQ(shop.commune_name(), "Lormes");
  EXPECT_EQ(shop.department_code(), "58");
  EXPECT_EQ(shop.status(), "pending");
  EXPECT_EQ(shop.id().size(), 36u);

  for (const std::string& key : {shop.id(), shop.slug()}) {
    HttpResponse got = Call("GET", "/v1/shops/" + key);
    ASSERT_EQ(got.status, 200) << got.body;
    comptoir::shops::v1::Shop read;
    ASSERT_TRUE(JsonStringToMessage(got.body, &read).ok());
    EXPECT_EQ(read.id(), shop.id());
    EXPECT_EQ(read.create_time().seconds(), shop.create_time().seconds());
  }

  HttpResponse listed = Call("GET", "/v1/shops?commune=58145&page_size=10");
  ASSERT_EQ(listed.status, 200) << listed.body;
  comptoir::shops::v1::ListShopsResponse list;
  ASSERT_TRUE(JsonStringToMessage(listed.body, &list).ok()) << listed.body;
  ASSERT_EQ(list.shops_size(), 1);
  EXPECT_EQ(list.shops(0).id(), shop.id());
}

TEST_F(ShopsEndToEnd, ListingPagesWithTheNextPageToken) {
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(Call("POST", "/v1/shops",
                   absl::StrCat(R"({"name": "Boulangerie )", i,
                                R"(", "communeInsee": "25056", "category": "boulangerie"})"))
                  .status,
              200);
  }
  std::set<std::string> ids;
  std::string token;
  int pages = 0;
  do {
    HttpResponse page = Call("GET", "/v1/shops?commune=25056&page_size=2" +
                                        (token.empty() ? "" : "&page_token=" + token));
    ASSERT_EQ(page.status, 200) << page.body;
    comptoir::shops::v1::ListShopsResponse list;
    ASSERT_TRUE(JsonStringToMessage(page.body, &list).ok());
    for (const auto& s : list.shops()) ids.insert(s.id());
    token = list.next_page_token();
    ++pages;
  } while (!token.empty() && pages < 10);
  EXPECT_EQ(pages, 2);
  EXPECT_EQ(ids.size(), 3u);
}

TEST_F(ShopsEndToEnd, MalformedJsonIsA400ThatSaysWhere) {
  HttpResponse response = Call("POST", "/v1/shops", R"({"name": "Chez Paul", )");
  ExpectProblem(response, 400);
  EXPECT_FALSE(Json(response.body).fields().at("detail").string_value().empty());
}

TEST_F(ShopsEndToEnd, UnknownCommuneNamesTheField) {
  HttpResponse response =
      Call("POST", "/v1/shops",
           R"({"name": "Chez Paul", "communeInsee": "75056", "category": "epicerie"})");
  ExpectProblem(response, 400);
  EXPECT_EQ(ProblemFields(Json(response.body)), std::vector<std::string>{"shop.commune_insee"});
}

TEST_F(ShopsEndToEnd, MissingFieldsAreAllNamed) {
  HttpResponse response = Call("POST", "/v1/shops", R"({"name": "Chez Paul"})");
  ExpectProblem(response, 400);
  EXPECT_EQ(ProblemFields(Json(response.body)),
            (std::vector<std::string>{"shop.commune_insee", "shop.category"}));
}

TEST_F(ShopsEndToEnd, UnknownShopIs404) {
  ExpectProblem(Call("GET", "/v1/shops/8a6e0804-2bd0-4672-b79d-d97027f9071a"), 404);
  ExpectProblem(Call("GET", "/v1/shops/no-such-shop"), 404);
}

TEST_F(ShopsEndToEnd, HealthAndMetricsAnswer) {
  EXPECT_EQ(Call("GET", "/healthz").status, 200);
  EXPECT_EQ(Call("GET", "/readyz").status, 200);
  HttpResponse metrics = Call("GET", "/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find("# TYPE"), std::string::npos);
}

}  // namespace
}  // namespace comptoir::testing
