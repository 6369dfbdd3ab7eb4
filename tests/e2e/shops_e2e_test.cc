// End to end over real HTTP: a fresh database, the real comptoir-accounts (for staff added
// by e-mail), comptoir-shops and comptoir-gateway binaries on free ports, and requests as a
// client sends them.
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "comptoir/accounts/v1/accounts.pb.h"
#include "comptoir/common/auth.h"
#include "comptoir/common/status.h"
#include "comptoir/shops/v1/shops.pb.h"
#include "e2e_stack.h"
#include "http_client.h"
#include "process.h"
#include "scratch_database.h"
#include "scratch_redis.h"
#include "status_testing.h"
#include "test_env.h"

namespace comptoir::testing {
namespace {

using google::protobuf::Struct;

// Great-circle distance in km (haversine, mean Earth radius), computed independently of the
// service to check the distances it returns.
double HaversineKm(double lat1, double lon1, double lat2, double lon2) {
  constexpr double kRadians = M_PI / 180;
  const double a = std::pow(std::sin((lat2 - lat1) * kRadians / 2), 2) +
                   std::cos(lat1 * kRadians) * std::cos(lat2 * kRadians) *
                       std::pow(std::sin((lon2 - lon1) * kRadians / 2), 2);
  return 6371.0088 * 2 * std::asin(std::min(1.0, std::sqrt(a)));
}
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

  // "Bearer <token>" for a user, signed with the key the services trust (what accounts
  // would issue at login).
  std::string Bearer(const std::string& user_id, std::vector<std::string> roles) const {
    common::TokenClaims claims;
    claims.subject = user_id;
    claims.roles = std::move(roles);
    claims.issuer = "comptoir-accounts";
    claims.audience = "comptoir";
    claims.issued_at = absl::Now();
    claims.not_before = absl::Now();
    claims.expires_at = absl::Now() + absl::Minutes(15);
    claims.token_id = "e2e";
    return "Bearer " + common::TokenSigner(key_).Sign(claims);
  }

 private:
  Stack() {
    if (absl::Status started = Start(); !started.ok()) error = started.ToString();
  }

  absl::Status Start() {
    ASSIGN_OR_RETURN(db_, ScratchDatabase::Create());
    // A Redis of its own: the shop cache is keyed by id and slug, which a previous run against
    // a shared Redis (with another database) may have left behind.
    ASSIGN_OR_RETURN(redis_, ScratchRedis::Create());
    const std::string redis_url = redis_->url();
    const std::string public_keys = common::FormatPublicKey(key_);
    const std::string internal = "e2e-shops-internal-credential-0123456789";
    // Accounts signs with the key the test signs with, so tokens of either kind are trusted.
    std::map<std::string, std::string> accounts_env = {
        {"PG_URL", db_->RoleUrl("accounts")},
        {"REDIS_URL", redis_url},
        {"AUTH_SIGNING_KEYS", common::FormatSigningKey(key_)},
        {"INTERNAL_CREDENTIAL", internal}};
    RETURN_IF_ERROR(RunToCompletion(BinaryPath("comptoir-accounts"), {"migrate"}, accounts_env));
    ASSIGN_OR_RETURN(StartedService accounts,
                     StartService(BinaryPath("comptoir-accounts"), accounts_env));
    accounts_ = std::move(accounts.process);
    std::map<std::string, std::string> shops_env = {{"PG_URL", db_->RoleUrl("shops")},
                                                    {"REDIS_URL", redis_url},
                                                    {"AUTH_PUBLIC_KEYS", public_keys},
                                                    {"ACCOUNTS_GRPC", accounts.address()},
                                                    {"INTERNAL_CREDENTIAL", internal}};

    RETURN_IF_ERROR(RunToCompletion(BinaryPath("comptoir-shops"), {"migrate"}, shops_env));
    ASSIGN_OR_RETURN(StartedService shops, StartService(BinaryPath("comptoir-shops"), shops_env));
    shops_ = std::move(shops.process);
    ASSIGN_OR_RETURN(
        StartedGateway gateway,
        StartGateway(absl::StrCat("comptoir.shops.v1.ShopService=", shops.address(),
                                  ",comptoir.accounts.v1.AccountService=", accounts.address()),
                     {{"REDIS_URL", redis_url},
                      {"AUTH_PUBLIC_KEYS", public_keys},
                      // These cases read a shop right before and after moderation
                      // changes it; the micro-cache (2 s in production, by
                      // design) would answer the earlier state.
                      {"MICRO_CACHE_TTL", "0"},
                      {"SHARED_CACHE_TTL", "0"}}));
    gateway_ = std::move(gateway.process);
    http_port_ = gateway.http_port;
    return absl::OkStatus();
  }

  const common::SigningKey key_ = common::GenerateSigningKey("e2e-key");
  std::unique_ptr<ScratchRedis> redis_;  // outlives the processes using it
  std::unique_ptr<ScratchDatabase> db_;
  std::unique_ptr<ChildProcess> accounts_;
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
  // The same, as a logged-in user (`roles` of the token).
  HttpResponse CallAs(const std::string& user_id, const std::string& method,
                      const std::string& target, const std::string& body = "",
                      std::vector<std::string> roles = {"resident"}) {
    return HttpRequest(Stack::Get().http_port(), method, target, body,
                       {{"authorization", Stack::Get().Bearer(user_id, std::move(roles))}});
  }
  HttpResponse AsOwner(const std::string& method, const std::string& target,
                       const std::string& body = "") {
    return CallAs(kOwner, method, target, body);
  }
  HttpResponse AsAdmin(const std::string& method, const std::string& target,
                       const std::string& body = "") {
    return CallAs(kAdmin, method, target, body, {"resident", "admin"});
  }
  // Creates a shop as the owner and has it approved; returns it.
  comptoir::shops::v1::Shop CreateActive(const std::string& json) {
    comptoir::shops::v1::Shop shop;
    HttpResponse created = AsOwner("POST", "/v1/shops", json);
    EXPECT_EQ(created.status, 200) << created.body;
    EXPECT_TRUE(JsonStringToMessage(created.body, &shop).ok()) << created.body;
    HttpResponse approved = AsAdmin("POST", "/v1/shops/" + shop.id() + ":approve", "{}");
    EXPECT_EQ(approved.status, 200) << approved.body;
    EXPECT_TRUE(JsonStringToMessage(approved.body, &shop).ok()) << approved.body;
    return shop;
  }

  static constexpr char kOwner[] = "11111111-1111-4111-8111-111111111111";
  static constexpr char kOther[] = "33333333-3333-4333-8333-333333333333";
  static constexpr char kAdmin[] = "44444444-4444-4444-8444-444444444444";

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

TEST_F(ShopsEndToEnd, CreatePendingThenApproveThenListed) {
  HttpResponse created =
      AsOwner("POST", "/v1/shops",
              R"({"name": "Épicerie du Morvan", "communeInsee": "58145", "category": "epicerie",
                  "siret": "732 829 320 00074", "phone": "03 86 22 00 00"})");
  ASSERT_EQ(created.status, 200) << created.body;
  EXPECT_EQ(created.header("content-type"), "application/json");
  comptoir::shops::v1::Shop shop;
  ASSERT_TRUE(JsonStringToMessage(created.body, &shop).ok()) << created.body;
  EXPECT_EQ(shop.name(), "Épicerie du Morvan");
  EXPECT_EQ(shop.slug(), "epicerie-du-morvan");
  EXPECT_EQ(shop.commune_name(), "Lormes");
  EXPECT_EQ(shop.department_code(), "58");
  EXPECT_EQ(shop.status(), "pending");
  EXPECT_EQ(shop.phone(), "+33386220000");
  EXPECT_EQ(shop.id().size(), 36u);

  // Pending: the public neither sees nor lists it; only an admin may approve it.
  ExpectProblem(Call("GET", "/v1/shops/" + shop.slug()), 404);
  ExpectProblem(AsOwner("POST", "/v1/shops/" + shop.id() + ":approve", "{}"), 403);
  ASSERT_EQ(AsAdmin("POST", "/v1/shops/" + shop.id() + ":approve", "{}").status, 200);

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

TEST_F(ShopsEndToEnd, SuspendedShopDisappearsAndItsOwnerSeesWhy) {
  comptoir::shops::v1::Shop shop = CreateActive(
      R"({"name": "Fleurs de Saône", "communeInsee": "71076", "category": "fleuriste",
          "siret": "73282932000074"})");
  ASSERT_EQ(Call("GET", "/v1/shops/" + shop.slug()).status, 200);
  ExpectProblem(AsAdmin("POST", "/v1/shops/" + shop.id() + ":suspend", "{}"), 400);
  HttpResponse suspended = AsAdmin("POST", "/v1/shops/" + shop.id() + ":suspend",
                                   R"({"reason": "Adresse introuvable"})");
  ASSERT_EQ(suspended.status, 200) << suspended.body;

  ExpectProblem(Call("GET", "/v1/shops/" + shop.slug()), 404);
  HttpResponse listed = Call("GET", "/v1/shops?commune=71076");
  comptoir::shops::v1::ListShopsResponse list;
  ASSERT_TRUE(JsonStringToMessage(listed.body, &list).ok()) << listed.body;
  EXPECT_EQ(list.shops_size(), 0);
  HttpResponse seen = AsOwner("GET", "/v1/shops/" + shop.slug());
  ASSERT_EQ(seen.status, 200) << seen.body;
  EXPECT_EQ(Json(seen.body).fields().at("statusReason").string_value(), "Adresse introuvable");
}

TEST_F(ShopsEndToEnd, MembersSetHoursAndOthersAreRefused) {
  comptoir::shops::v1::Shop shop = CreateActive(
      R"({"name": "Boucherie Perrin", "communeInsee": "21231", "category": "boucherie-charcuterie",
          "siret": "73282932000074"})");
  const std::string hours =
      R"({"weekly": [{"weekday": 2, "ranges": [{"open": "08:00", "close": "12:30"},
                                                {"open": "14:30", "close": "19:00"}]}]})";
  ExpectProblem(Call("PUT", "/v1/shops/" + shop.id() + "/hours", hours), 401);
  ExpectProblem(CallAs(kOther, "PUT", "/v1/shops/" + shop.id() + "/hours", hours), 403);
  HttpResponse updated = AsOwner("PUT", "/v1/shops/" + shop.id() + "/hours", hours);
  ASSERT_EQ(updated.status, 200) << updated.body;
  comptoir::shops::v1::Shop read;
  ASSERT_TRUE(JsonStringToMessage(updated.body, &read).ok()) << updated.body;
  ASSERT_EQ(read.opening_hours().weekly_size(), 1);
  EXPECT_EQ(read.opening_hours().weekly(0).ranges_size(), 2);
  EXPECT_TRUE(read.has_next_opening_time());

  HttpResponse bad = AsOwner("PUT", "/v1/shops/" + shop.id() + "/hours",
                             R"({"weekly": [{"weekday": 2, "ranges": [{"open": "25:00",
                                 "close": "12:00"}]}]})");
  ExpectProblem(bad, 400);
  EXPECT_EQ(ProblemFields(Json(bad.body)),
            std::vector<std::string>{"opening_hours.weekly[0].ranges[0].open"});
}

TEST_F(ShopsEndToEnd, AnonymousCannotCreateAShop) {
  ExpectProblem(Call("POST", "/v1/shops",
                     R"({"name": "Chez Paul", "communeInsee": "21231", "category": "epicerie",
                         "siret": "73282932000074"})"),
                401);
}

TEST_F(ShopsEndToEnd, ListingPagesWithTheNextPageToken) {
  for (int i = 0; i < 3; ++i) {
    CreateActive(absl::StrCat(R"({"name": "Boulangerie )", i,
                              R"(", "communeInsee": "25056", "category": "boulangerie",
                                  "siret": "73282932000074"})"));
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
  HttpResponse response = AsOwner("POST", "/v1/shops", R"({"name": "Chez Paul", )");
  ExpectProblem(response, 400);
  EXPECT_FALSE(Json(response.body).fields().at("detail").string_value().empty());
}

TEST_F(ShopsEndToEnd, UnknownCommuneNamesTheField) {
  HttpResponse response =
      AsOwner("POST", "/v1/shops",
              R"({"name": "Chez Paul", "communeInsee": "75056", "category": "epicerie",
                  "siret": "73282932000074"})");
  ExpectProblem(response, 400);
  EXPECT_EQ(ProblemFields(Json(response.body)), std::vector<std::string>{"shop.commune_insee"});
}

TEST_F(ShopsEndToEnd, MissingFieldsAreAllNamed) {
  HttpResponse response = AsOwner("POST", "/v1/shops", R"({"name": "Chez Paul"})");
  ExpectProblem(response, 400);
  EXPECT_EQ(ProblemFields(Json(response.body)),
            (std::vector<std::string>{"shop.commune_insee", "shop.category", "shop.siret"}));
}

TEST_F(ShopsEndToEnd, EveryBadProfileFieldIsNamed) {
  HttpResponse response =
      AsOwner("POST", "/v1/shops",
              R"({"name": "Chez Paul", "communeInsee": "21231", "category": "epicerie",
                  "siret": "73282932000075", "postalCode": "58140", "phone": "12",
                  "email": "paul@", "website": "ftp://x.fr"})");
  ExpectProblem(response, 400);
  EXPECT_EQ(ProblemFields(Json(response.body)),
            (std::vector<std::string>{"shop.siret", "shop.postal_code", "shop.phone", "shop.email",
                                      "shop.website"}));
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

TEST_F(ShopsEndToEnd, PatchUpdatesTheMaskedFieldsAndOthersAreRefused) {
  comptoir::shops::v1::Shop shop = CreateActive(
      R"({"name": "Quincaillerie Patch", "communeInsee": "71076", "category": "quincaillerie",
          "siret": "73282932000074"})");
  HttpResponse patched =
      AsOwner("PATCH", "/v1/shops/" + shop.slug() + "?updateMask=description,phone",
              R"({"description": "Outils et visserie", "phone": "03 85 12 34 56",
                  "website": "not in the mask"})");
  ASSERT_EQ(patched.status, 200) << patched.body;
  HttpResponse read = Call("GET", "/v1/shops/" + shop.slug());
  ASSERT_EQ(read.status, 200);
  comptoir::shops::v1::Shop after;
  ASSERT_TRUE(JsonStringToMessage(read.body, &after).ok());
  EXPECT_EQ(after.description(), "Outils et visserie");
  EXPECT_EQ(after.phone(), "+33385123456");
  EXPECT_EQ(after.website(), "");
  EXPECT_EQ(after.slug(), shop.slug());

  // Without a mask, the fields present in the body are the ones updated.
  HttpResponse unmasked =
      AsOwner("PATCH", "/v1/shops/" + shop.id(), R"({"preparationMinutes": 45})");
  ASSERT_EQ(unmasked.status, 200) << unmasked.body;
  EXPECT_EQ(Json(unmasked.body).fields().at("preparationMinutes").number_value(), 45);
  EXPECT_EQ(Json(unmasked.body).fields().at("description").string_value(), "Outils et visserie");

  ExpectProblem(CallAs(kOther, "PATCH", "/v1/shops/" + shop.id(), R"({"name": "Pirate"})"), 403);
  ExpectProblem(Call("PATCH", "/v1/shops/" + shop.id(), R"({"name": "Anonyme"})"), 401);
  HttpResponse bad = AsOwner("PATCH", "/v1/shops/" + shop.id(),
                             R"({"phone": "12", "website": "ftp://x.fr", "siret": "1"})");
  ExpectProblem(bad, 400);
  EXPECT_EQ(ProblemFields(Json(bad.body)),
            (std::vector<std::string>{"profile.siret", "profile.phone", "profile.website"}));
  // Approved: the SIRET is the admin's to change.
  ExpectProblem(AsOwner("PATCH", "/v1/shops/" + shop.id(), R"({"siret": "35600000000048"})"), 403);
  EXPECT_EQ(AsAdmin("PATCH", "/v1/shops/" + shop.id(), R"({"siret": "35600000000048"})").status,
            200);
}

TEST_F(ShopsEndToEnd, OwnerAddsAndRemovesStaffByEmail) {
  comptoir::shops::v1::Shop shop = CreateActive(
      R"({"name": "Fleuriste Staff", "communeInsee": "71076", "category": "fleuriste",
          "siret": "73282932000074"})");
  const std::string email =
      absl::StrCat("vendeuse-", absl::ToUnixMicros(absl::Now()), "@example.fr");
  HttpResponse signed_up = Call(
      "POST", "/v1/accounts",
      absl::StrCat(R"({"email": ")", email,
                   R"(", "displayName": "Vendeuse", "password": "un mot de passe solide 42"})"));
  ASSERT_EQ(signed_up.status, 200) << signed_up.body;
  comptoir::accounts::v1::Account account;
  ASSERT_TRUE(JsonStringToMessage(signed_up.body, &account).ok()) << signed_up.body;

  // Only owners may add, and nobody else learns whether the address has an account.
  ExpectProblem(CallAs(kOther, "POST", "/v1/shops/" + shop.id() + "/members",
                       absl::StrCat(R"({"email": ")", email, R"("})")),
                403);
  HttpResponse unknown =
      AsOwner("POST", "/v1/shops/" + shop.id() + "/members", R"({"email": "personne@example.fr"})");
  ExpectProblem(unknown, 400);
  EXPECT_EQ(ProblemFields(Json(unknown.body)), std::vector<std::string>{"member.email"});

  HttpResponse added = AsOwner(
      "POST", "/v1/shops/" + shop.id() + "/members",
      absl::StrCat(R"({"email": ")", absl::AsciiStrToUpper(email), R"(", "role": "staff"})"));
  ASSERT_EQ(added.status, 200) << added.body;
  EXPECT_EQ(Json(added.body).fields().at("userId").string_value(), account.id());
  // The new staff member edits the shop; staff of no shop cannot.
  EXPECT_EQ(CallAs(account.id(), "PATCH", "/v1/shops/" + shop.id(),
                   R"({"description": "Bouquets du jour"})")
                .status,
            200);
  HttpResponse removed = AsOwner("DELETE", "/v1/shops/" + shop.id() + "/members/" + email);
  ASSERT_EQ(removed.status, 200) << removed.body;
  ExpectProblem(
      CallAs(account.id(), "PATCH", "/v1/shops/" + shop.id(), R"({"description": "Plus membre"})"),
      403);
}

TEST_F(ShopsEndToEnd, RadiusAroundACommuneIsExactNearestFirstWithDistances) {
  // Vesoul (centre), Lure and Luxeuil (~26 km), Héricourt (~46 km): around Vesoul within 30 km.
  const std::vector<std::string> communes = {"70550", "70310", "70311", "70285"};
  std::vector<std::pair<double, std::string>> expected;
  for (const std::string& insee : communes) {
    comptoir::shops::v1::Shop shop =
        CreateActive(absl::StrCat(R"({"name": "Primeur )", insee, R"(", "communeInsee": ")", insee,
                                  R"(", "category": "primeur", "siret": "73282932000074"})"));
    const double d = HaversineKm(47.6323, 6.1523, shop.latitude(), shop.longitude());
    if (d <= 30) expected.push_back({d, shop.id()});
  }
  std::sort(expected.begin(), expected.end());
  ASSERT_EQ(expected.size(), 3u);
  HttpResponse around = Call("GET", "/v1/shops?nearCommune=70550&radiusKm=30&category=primeur");
  ASSERT_EQ(around.status, 200) << around.body;
  comptoir::shops::v1::ListShopsResponse list;
  ASSERT_TRUE(JsonStringToMessage(around.body, &list).ok());
  ASSERT_EQ(list.shops_size(), 3) << around.body;
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(list.shops(i).id(), expected[i].second) << i;
    EXPECT_NEAR(list.shops(i).distance_km(), expected[i].first, 1e-6);
  }
  // Name search through HTTP: case and a typo do not matter.
  HttpResponse named = Call("GET", "/v1/shops?q=PRIMMEUR&department=70");
  ASSERT_EQ(named.status, 200) << named.body;
  ASSERT_TRUE(JsonStringToMessage(named.body, &list).ok());
  EXPECT_EQ(list.shops_size(), 4) << named.body;
  HttpResponse none = Call("GET", "/v1/shops?q=librairie&department=70");
  ASSERT_TRUE(JsonStringToMessage(none.body, &list).ok());
  EXPECT_EQ(list.shops_size(), 0) << none.body;
  ExpectProblem(Call("GET", "/v1/shops?nearCommune=99999&near=47.6,6.1"), 400);
}

TEST_F(ShopsEndToEnd, CommuneLookUpFindsBesanconFromItsFirstLetters) {
  HttpResponse found = Call("GET", "/v1/communes?q=besan");
  ASSERT_EQ(found.status, 200) << found.body;
  comptoir::shops::v1::ListCommunesResponse communes;
  ASSERT_TRUE(JsonStringToMessage(found.body, &communes).ok());
  ASSERT_GE(communes.communes_size(), 1);
  EXPECT_EQ(communes.communes(0).name(), "Besançon");
  EXPECT_EQ(communes.communes(0).insee_code(), "25056");
  EXPECT_EQ(communes.communes(0).postal_code(), "25000");
  HttpResponse by_code = Call("GET", "/v1/communes?q=39200&page_size=3");
  ASSERT_EQ(by_code.status, 200) << by_code.body;
  ASSERT_TRUE(JsonStringToMessage(by_code.body, &communes).ok());
  ASSERT_GE(communes.communes_size(), 1);
  EXPECT_EQ(communes.communes(0).name(), "Saint-Claude");
  ExpectProblem(Call("GET", "/v1/communes?q=b"), 400);
}

TEST_F(ShopsEndToEnd, ExportGivesTheDirectoryAsCsvAndJsonLd) {
  CreateActive(R"({"name": "Librairie Export", "communeInsee": "58145", "category": "librairie",
                   "siret": "73282932000074", "openingHours": {"weekly": [{"weekday": 2,
                   "ranges": [{"open": "09:00", "close": "12:00"}]}]}})");
  HttpResponse csv = Call("GET", "/v1/shops:export?format=csv&department=58");
  ASSERT_EQ(csv.status, 200) << csv.body;
  comptoir::shops::v1::ExportShopsResponse exported;
  ASSERT_TRUE(JsonStringToMessage(csv.body, &exported).ok());
  EXPECT_EQ(exported.content_type(), "text/csv; charset=utf-8");
  EXPECT_EQ(exported.content().rfind("id,slug,name,", 0), 0u);
  EXPECT_NE(exported.content().find("Librairie Export"), std::string::npos);
  EXPECT_NE(exported.content().find("Tu 09:00-12:00"), std::string::npos);

  HttpResponse jsonld = Call("GET", "/v1/shops:export?format=jsonld&department=58");
  ASSERT_EQ(jsonld.status, 200) << jsonld.body;
  ASSERT_TRUE(JsonStringToMessage(jsonld.body, &exported).ok());
  EXPECT_EQ(exported.content_type(), "application/ld+json");
  Struct document = Json(exported.content());
  EXPECT_EQ(document.fields().at("@type").string_value(), "ItemList");
  EXPECT_NE(exported.content().find("\"OpeningHoursSpecification\""), std::string::npos);
  ExpectProblem(Call("GET", "/v1/shops:export?format=xml"), 400);
}

}  // namespace
}  // namespace comptoir::testing
