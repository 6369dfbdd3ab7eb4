// Path templates and the route table: parsing, captures, `**`, verbs, precedence, 405.
#include "path_template.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <string>

#include "comptoir/shops/v1/shops.pb.h"
#include "openapi.h"
#include "route_table.h"

namespace comptoir::gateway {
namespace {

Captures MatchOrDie(const std::string& tmpl, const std::string& path) {
  auto t = PathTemplate::Parse(tmpl);
  EXPECT_TRUE(t.ok()) << t.status();
  auto m = t->Match(path);
  EXPECT_TRUE(m.has_value()) << tmpl << " should match " << path;
  return m.value_or(Captures{});
}

bool Matches(const std::string& tmpl, const std::string& path) {
  auto t = PathTemplate::Parse(tmpl);
  EXPECT_TRUE(t.ok()) << t.status();
  return t.ok() && t->Match(path).has_value();
}

TEST(PathTemplate, ParsesTheGoogleApiGrammar) {
  for (const char* ok :
       {"/", "/v1/shops", "/v1/shops/{shop}", "/v1/{name=shops/*}",
        "/v1/{name=shops/*/products/*}:export", "/v1/shops/{shop}:approve", "/v1/*/x",
        "/v1/files/**", "/v1/{path=**}", "/v1/{a.b.c}", "/v1/shops:export"}) {
    EXPECT_TRUE(PathTemplate::Parse(ok).ok()) << ok;
  }
}

TEST(PathTemplate, RejectsMalformedTemplates) {
  for (const char* bad :
       {"", "v1/shops", "/v1/shops/", "/v1/{shop", "/v1/{}", "/v1/{1x}", "/v1/**/x", "/v1/{a}/{a}",
        "/v1/{a={b}}", "/v1/a b", "/v1/x:", "/v1//x", "/v1/{a}x"}) {
    EXPECT_FALSE(PathTemplate::Parse(bad).ok()) << bad;
  }
}

TEST(PathTemplate, CapturesSingleSegmentsDecoded) {
  EXPECT_EQ(MatchOrDie("/v1/shops/{shop}", "/v1/shops/fromagerie-gaugry"),
            (Captures{{"shop", "fromagerie-gaugry"}}));
  EXPECT_EQ(MatchOrDie("/v1/shops/{shop}", "/v1/shops/caf%C3%A9%2Fbar"),
            (Captures{{"shop", "café/bar"}}));
  EXPECT_EQ(MatchOrDie("/v1/{a.b}/x/{c}", "/v1/1/x/2"), (Captures{{"a.b", "1"}, {"c", "2"}}));
}

TEST(PathTemplate, MultiSegmentCapturesKeepEncodedSlashes) {
  EXPECT_EQ(MatchOrDie("/v1/{name=shops/*/products/*}", "/v1/shops/a/products/b%2Fc"),
            (Captures{{"name", "shops/a/products/b%2Fc"}}));
  EXPECT_EQ(MatchOrDie("/v1/{path=**}", "/v1/a/b/c"), (Captures{{"path", "a/b/c"}}));
  EXPECT_EQ(MatchOrDie("/v1/files/{path=**}", "/v1/files"), (Captures{{"path", ""}}));
  EXPECT_TRUE(Matches("/v1/files/**", "/v1/files/x/y/z"));
}

TEST(PathTemplate, RejectsPathsOfAnotherShape) {
  EXPECT_FALSE(Matches("/v1/shops/{shop}", "/v1/shops"));
  EXPECT_FALSE(Matches("/v1/shops/{shop}", "/v1/shops/"));  // empty segment
  EXPECT_FALSE(Matches("/v1/shops/{shop}", "/v1/shops/a/b"));
  EXPECT_FALSE(Matches("/v1/shops", "/v1/shopsx"));
  EXPECT_FALSE(Matches("/v1/shops/{shop}", "/v1/shops/%zz"));  // bad escape
  EXPECT_FALSE(Matches("/v1/{name=shops/*}", "/v1/products/x"));
  EXPECT_FALSE(Matches("/", "/x"));
  EXPECT_TRUE(Matches("/", "/"));
}

TEST(PathTemplate, VerbSplitsOnlyTheLastColon) {
  EXPECT_EQ(MatchOrDie("/v1/shops/{shop}:approve", "/v1/shops/abc:approve"),
            (Captures{{"shop", "abc"}}));
  // A colon inside the value stays in the value.
  EXPECT_EQ(MatchOrDie("/v1/shops/{shop}:approve", "/v1/shops/a:b:approve"),
            (Captures{{"shop", "a:b"}}));
  EXPECT_EQ(MatchOrDie("/v1/shops/{shop}", "/v1/shops/a:b"), (Captures{{"shop", "a:b"}}));
  EXPECT_FALSE(Matches("/v1/shops/{shop}:approve", "/v1/shops/abc:suspend"));
  EXPECT_FALSE(Matches("/v1/shops/{shop}:approve", "/v1/shops/abc"));
  // An encoded colon is data, not a verb separator.
  EXPECT_FALSE(Matches("/v1/shops/{shop}:approve", "/v1/shops/abc%3Aapprove"));
  EXPECT_TRUE(Matches("/v1/shops:export", "/v1/shops:export"));
  EXPECT_EQ(MatchOrDie("/v1/{name=shops/*}:approve", "/v1/shops/x:approve"),
            (Captures{{"name", "shops/x"}}));
}

TEST(PathTemplate, MoreLiteralTemplatesAreMoreSpecific) {
  auto spec = [](const char* a, const char* b) {
    return PathTemplate::Parse(a)->CompareSpecificity(*PathTemplate::Parse(b));
  };
  EXPECT_LT(spec("/v1/shops/mine", "/v1/shops/{shop}"), 0);
  EXPECT_LT(spec("/v1/shops/{shop}", "/v1/{name=**}"), 0);
  EXPECT_LT(spec("/v1/shops/{shop}:approve", "/v1/shops/{shop}"), 0);
  EXPECT_GT(spec("/v1/*/x", "/v1/a/{b}"), 0);
  EXPECT_EQ(spec("/v1/shops/{shop}", "/v1/shops/{id}"), 0);  // equivalent: a conflict
}

// The shops service is linked into this test (its header is included), so its
// annotations are in the generated pool.
const std::map<std::string, std::string> kShops = {
    {"comptoir.shops.v1.ShopService", "127.0.0.1:50052"}};

TEST(RouteTable, BuildsRoutesFromShopServiceAnnotations) {
  (void)comptoir::shops::v1::Shop::descriptor();
  auto table = RouteTable::Build(kShops);
  ASSERT_TRUE(table.ok()) << table.status();
  std::vector<std::string> names;
  for (const Route& r : table->routes()) names.push_back(r.name + " -> " + r.grpc_path);
  // The shops service grows; these routes (in declaration order) must stay.
  ASSERT_GE(names.size(), 3u);
  EXPECT_EQ(
      std::vector<std::string>(names.begin(), names.begin() + 3),
      (std::vector<std::string>{"POST /v1/shops -> /comptoir.shops.v1.ShopService/CreateShop",
                                "GET /v1/shops/{shop} -> /comptoir.shops.v1.ShopService/GetShop",
                                "GET /v1/shops -> /comptoir.shops.v1.ShopService/ListShops"}));
  EXPECT_EQ(table->routes()[0].body, "shop");
  EXPECT_EQ(table->routes()[0].upstream, "127.0.0.1:50052");
}

TEST(RouteTable, FindsRouteMethodNotAllowedAndNotFound) {
  auto table = RouteTable::Build(kShops);
  ASSERT_TRUE(table.ok());
  RouteMatch get = table->Find("GET", "/v1/shops/abc");
  ASSERT_EQ(get.kind, RouteMatch::Kind::kFound);
  EXPECT_EQ(get.route->method->name(), "GetShop");
  EXPECT_EQ(get.captures, (Captures{{"shop", "abc"}}));

  EXPECT_EQ(table->Find("GET", "/v1/shops").route->method->name(), "ListShops");
  EXPECT_EQ(table->Find("POST", "/v1/shops").route->method->name(), "CreateShop");

  RouteMatch put = table->Find("PUT", "/v1/shops");
  EXPECT_EQ(put.kind, RouteMatch::Kind::kMethodNotAllowed);
  EXPECT_EQ(put.allow, (std::vector<std::string>{"GET", "POST"}));

  EXPECT_EQ(table->Find("GET", "/v1/nothing").kind, RouteMatch::Kind::kNotFound);
  EXPECT_EQ(table->Find("GET", "/v1/shops/a/b").kind, RouteMatch::Kind::kNotFound);
}

TEST(RouteTable, RejectsUnknownServices) {
  auto table = RouteTable::Build({{"comptoir.nope.v1.NopeService", "127.0.0.1:1"}});
  EXPECT_EQ(table.status().code(), absl::StatusCode::kNotFound);
}

TEST(Upstreams, ParsesServiceEqualsAddressList) {
  auto parsed = ParseUpstreams(" a.B=127.0.0.1:1 , c.D=[::1]:2,");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(*parsed,
            (std::map<std::string, std::string>{{"a.B", "127.0.0.1:1"}, {"c.D", "[::1]:2"}}));
  EXPECT_FALSE(ParseUpstreams("").ok());
  EXPECT_FALSE(ParseUpstreams("a.B").ok());
  EXPECT_FALSE(ParseUpstreams("a.B=host").ok());
  EXPECT_FALSE(ParseUpstreams("a.B=h:1,a.B=h:2").ok());
}

}  // namespace
// Find tries only the routes keyed by the request's first two segments (and its method's
// others): for a request to each route of every linked service (plain, with its first
// segment percent-escaped, which is looked up by scanning), it picks what trying every route
// picks.
TEST(RouteTable, IndexedLookupPicksWhatTryingEveryRoutePicks) {
  std::map<std::string, std::string> upstreams;
  for (const std::string& service : ProtoComments::Embedded().ServiceNames()) {
    if (google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(service) != nullptr) {
      upstreams.emplace(service, "127.0.0.1:1");
    }
  }
  auto table = RouteTable::Build(upstreams);
  ASSERT_TRUE(table.ok()) << table.status();
  ASSERT_GE(table->routes().size(), 20u);
  auto scan = [&](const std::string& method, const std::string& path) -> const Route* {
    const Route* best = nullptr;
    for (const Route& route : table->routes()) {
      if (route.http_method != method || !route.path.Match(path)) continue;
      if (best == nullptr || route.path.CompareSpecificity(best->path) < 0) best = &route;
    }
    return best;
  };
  for (const Route& route : table->routes()) {
    std::string path;
    for (const PathTemplate::Segment& segment : route.path.segments()) {
      path += "/";
      switch (segment.kind) {
        case PathTemplate::SegmentKind::kLiteral:
          path += segment.literal;
          break;
        case PathTemplate::SegmentKind::kSingle:
          path += "x1";
          break;
        case PathTemplate::SegmentKind::kMulti:
          path += "a/b";
          break;
      }
    }
    if (!route.path.verb().empty()) path += ":" + route.path.verb();
    std::string escaped = path;
    if (escaped.size() > 1) {
      char hex[4];
      std::snprintf(hex, sizeof hex, "%%%02X", static_cast<unsigned char>(escaped[1]));
      escaped.replace(1, 1, hex);
    }
    for (const std::string& request : {path, escaped}) {
      const RouteMatch found = table->Find(route.http_method, request);
      ASSERT_EQ(found.kind, RouteMatch::Kind::kFound) << route.name << ": " << request;
      EXPECT_EQ(found.route, scan(route.http_method, request)) << route.name << ": " << request;
    }
  }
}

}  // namespace comptoir::gateway
