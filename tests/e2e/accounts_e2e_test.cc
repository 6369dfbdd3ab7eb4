// Accounts end to end over real HTTP: a fresh database, the real comptoir-accounts and
// comptoir-gateway binaries on free ports, and requests as a browser or curl sends them.
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "comptoir/accounts/v1/accounts.pb.h"
#include "comptoir/common/auth.h"
#include "comptoir/common/crypto.h"
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
namespace v1 = comptoir::accounts::v1;

// Login counters live in the shared test Redis for minutes: addresses unique to this run
// keep a re-run from inheriting them.
const std::string& RunTag() {
  static const auto* tag = new std::string(common::RandomHex(4));
  return *tag;
}
std::string AdminEmail() { return absl::StrCat("admin-", RunTag(), "@region-bfc.fr"); }
std::string Email(const std::string& name) {
  return absl::StrCat(name, "-", RunTag(), "@example.fr");
}
constexpr char kAdminPassword[] = "Admin-Passw0rd-Long";
constexpr char kPassword[] = "Correct-Horse-Battery-42";
constexpr int kPerAccountLimit = 5;

// Every secret a test handled, to make sure none reached a log.
std::vector<std::string>& Secrets() {
  static auto* secrets = new std::vector<std::string>{kAdminPassword, kPassword};
  return *secrets;
}

class Stack {
 public:
  static Stack& Get() {
    static Stack* stack = new Stack();
    return *stack;
  }
  int http_port() const { return http_port_; }
  std::string Logs() const {
    return absl::StrCat(accounts_ ? accounts_->Log() : "", "\n", gateway_ ? gateway_->Log() : "",
                        "\n", admin_log_);
  }
  std::string error;

 private:
  Stack() {
    if (absl::Status started = Start(); !started.ok()) error = started.ToString();
  }

  absl::Status Start() {
    ASSIGN_OR_RETURN(db_, ScratchDatabase::Create());
    ASSIGN_OR_RETURN(std::string redis_url, TestRedisUrl());
    common::SigningKey key = common::GenerateSigningKey("e2e");
    Secrets().push_back(common::Base64UrlEncode(key.secret_key));
    const std::string internal = "e2e-internal-credential-0123456789";
    std::map<std::string, std::string> env = {
        {"PG_URL", db_->RoleUrl("accounts")},
        {"REDIS_URL", redis_url},
        {"AUTH_SIGNING_KEYS", common::FormatSigningKey(key)},
        {"INTERNAL_CREDENTIAL", internal},
        {"LOGIN_LIMIT_PER_ACCOUNT", std::to_string(kPerAccountLimit)},
        {"LOGIN_LIMIT_PER_ADDRESS", "1000"},
        {"COMPTOIR_ADMIN_EMAIL", AdminEmail()},
        {"COMPTOIR_ADMIN_PASSWORD", kAdminPassword}};

    for (const char* step : {"migrate", "ensure-admin"}) {
      RETURN_IF_ERROR(RunToCompletion(BinaryPath("comptoir-accounts"), {step}, env, &admin_log_));
    }
    ASSIGN_OR_RETURN(StartedService accounts, StartService(BinaryPath("comptoir-accounts"), env));
    accounts_ = std::move(accounts.process);
    const std::string upstream = "=" + accounts.address();
    ASSIGN_OR_RETURN(
        StartedGateway gateway,
        StartGateway(absl::StrCat("comptoir.accounts.v1.AccountService", upstream,
                                  ",comptoir.accounts.v1.PartnerService", upstream),
                     {{"REDIS_URL", redis_url},
                      {"AUTH_PUBLIC_KEYS", common::FormatPublicKey(key)},
                      // The gateway's own per-address limits would answer first: these tests
                      // are about the accounts service's limits (per account, before hashing).
                      {"RATE_LIMIT_LOGINS", "100000"},
                      {"RATE_LIMIT_WRITES", "100000"}}));
    gateway_ = std::move(gateway.process);
    http_port_ = gateway.http_port;
    return absl::OkStatus();
  }

  std::unique_ptr<ScratchDatabase> db_;
  std::unique_ptr<ChildProcess> accounts_;
  std::unique_ptr<ChildProcess> gateway_;
  std::string admin_log_;
  int http_port_ = 0;
};

class AccountsEndToEnd : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(Stack::Get().error, "") << "stack failed to start"; }

  static HttpResponse Call(const std::string& method, const std::string& target,
                           const std::string& body = "", const std::string& token = "") {
    std::map<std::string, std::string> headers;
    if (!token.empty()) headers["Authorization"] = "Bearer " + token;
    return HttpRequest(Stack::Get().http_port(), method, target, body, headers);
  }

  static v1::Account SignUp(const std::string& email) {
    HttpResponse r =
        Call("POST", "/v1/accounts",
             absl::StrCat(R"({"email":")", email,
                          R"(","displayName":"Camille Martin","password":")", kPassword, R"("})"));
    EXPECT_EQ(r.status, 200) << r.body;
    v1::Account account;
    EXPECT_TRUE(JsonStringToMessage(r.body, &account).ok()) << r.body;
    return account;
  }

  static HttpResponse LoginResponse(const std::string& email, const std::string& password) {
    return Call("POST", "/v1/sessions",
                absl::StrCat(R"({"email":")", email, R"(","password":")", password, R"("})"));
  }

  static v1::Session Login(const std::string& email, const std::string& password = kPassword) {
    HttpResponse r = LoginResponse(email, password);
    EXPECT_EQ(r.status, 200) << r.body;
    v1::Session session;
    EXPECT_TRUE(JsonStringToMessage(r.body, &session).ok()) << r.body;
    Secrets().push_back(session.access_token());
    Secrets().push_back(session.refresh_token());
    return session;
  }

  static HttpResponse Refresh(const std::string& refresh_token) {
    return Call("POST", "/v1/sessions:refresh",
                absl::StrCat(R"({"refreshToken":")", refresh_token, R"("})"));
  }

  static std::string Detail(const HttpResponse& r) {
    google::protobuf::Struct problem;
    if (!JsonStringToMessage(r.body, &problem).ok()) return "";
    auto it = problem.fields().find("detail");
    return it == problem.fields().end() ? "" : it->second.string_value();
  }
};

TEST_F(AccountsEndToEnd, SignUpLogInRefreshAndLogOut) {
  v1::Account account = SignUp(absl::StrCat("Camille.Martin-", RunTag(), "@Example.FR"));
  EXPECT_EQ(account.email(), Email("camille.martin"));
  EXPECT_EQ(account.id().size(), 36u);

  v1::Session session = Login(Email("camille.martin"));
  EXPECT_EQ(session.token_type(), "Bearer");
  EXPECT_EQ(session.expires_in_seconds(), 900);
  HttpResponse me = Call("GET", "/v1/accounts/me", "", session.access_token());
  ASSERT_EQ(me.status, 200) << me.body;
  v1::Account read;
  ASSERT_TRUE(JsonStringToMessage(me.body, &read).ok());
  EXPECT_EQ(read.id(), account.id());
  EXPECT_EQ(me.body.find("password"), std::string::npos);

  HttpResponse refreshed = Refresh(session.refresh_token());
  ASSERT_EQ(refreshed.status, 200) << refreshed.body;
  v1::Session next;
  ASSERT_TRUE(JsonStringToMessage(refreshed.body, &next).ok());
  Secrets().push_back(next.refresh_token());
  Secrets().push_back(next.access_token());
  EXPECT_NE(next.refresh_token(), session.refresh_token());
  EXPECT_EQ(Call("GET", "/v1/accounts/me", "", next.access_token()).status, 200);

  // Log out (every session of the caller): the refresh token is dead.
  EXPECT_EQ(Call("DELETE", "/v1/sessions/current", "", next.access_token()).status, 200);
  EXPECT_EQ(Refresh(next.refresh_token()).status, 401);
}

TEST_F(AccountsEndToEnd, ReusingASpentRefreshTokenRevokesTheFamily) {
  SignUp(Email("dominique"));
  v1::Session session = Login(Email("dominique"));
  HttpResponse first = Refresh(session.refresh_token());
  ASSERT_EQ(first.status, 200);
  v1::Session live;
  ASSERT_TRUE(JsonStringToMessage(first.body, &live).ok());
  Secrets().push_back(live.refresh_token());
  Secrets().push_back(live.access_token());

  EXPECT_EQ(Refresh(session.refresh_token()).status, 401);  // replay
  EXPECT_EQ(Refresh(live.refresh_token()).status, 401);     // the whole family went with it
}

TEST_F(AccountsEndToEnd, WrongPasswordIs401WithoutSayingWhichPartWasWrong) {
  SignUp(Email("sacha"));
  HttpResponse wrong_password = LoginResponse(Email("sacha"), "Not-The-Password-1");
  HttpResponse unknown_email = LoginResponse(Email("nobody"), kPassword);
  EXPECT_EQ(wrong_password.status, 401) << wrong_password.body;
  EXPECT_EQ(unknown_email.status, 401) << unknown_email.body;
  EXPECT_EQ(Detail(wrong_password), Detail(unknown_email));
  EXPECT_EQ(Detail(wrong_password), "wrong email or password");
}

TEST_F(AccountsEndToEnd, LoginFloodIsAnswered429) {
  const std::string email = Email("flood");
  SignUp(email);
  int too_many = 0;
  HttpResponse last;
  for (int i = 0; i < kPerAccountLimit + 5; ++i) {
    last = LoginResponse(email, "Wrong-Password-123");
    if (last.status == 429) ++too_many;
  }
  EXPECT_EQ(too_many, 5) << last.body;
  EXPECT_NE(Detail(last).find("retry after"), std::string::npos) << last.body;
  // The service's own delay reaches HTTP clients as Retry-After.
  int64_t retry_after = 0;
  EXPECT_TRUE(absl::SimpleAtoi(last.header("retry-after"), &retry_after)) << last.body;
  EXPECT_GT(retry_after, 0);
  // The right password is refused too while the window lasts: the limit is per account.
  EXPECT_EQ(LoginResponse(email, kPassword).status, 429);
}

TEST_F(AccountsEndToEnd, ResidentsCannotCallAdminRoutes) {
  v1::Account resident = SignUp(Email("resident"));
  v1::Session session = Login(Email("resident"));
  const std::string grant = absl::StrCat("/v1/accounts/", resident.id(), ":grantCourier");
  EXPECT_EQ(Call("POST", "/v1/partners", R"({"name":"OT"})", session.access_token()).status, 403);
  EXPECT_EQ(Call("GET", "/v1/partners", "", session.access_token()).status, 403);
  EXPECT_EQ(Call("POST", grant, "{}", session.access_token()).status, 403);
  EXPECT_EQ(Call("POST", "/v1/partners", R"({"name":"OT"})").status, 401);
  EXPECT_EQ(Call("GET", "/v1/accounts/me", "", "not-a-token").status, 401);

  v1::Session admin = Login(AdminEmail(), kAdminPassword);
  HttpResponse granted = Call("POST", grant, "{}", admin.access_token());
  ASSERT_EQ(granted.status, 200) << granted.body;
  EXPECT_NE(granted.body.find("courier"), std::string::npos);
  HttpResponse partner = Call("POST", "/v1/partners", R"({"name":"Office de tourisme de Beaune"})",
                              admin.access_token());
  ASSERT_EQ(partner.status, 200) << partner.body;
  v1::Partner created;
  ASSERT_TRUE(JsonStringToMessage(partner.body, &created).ok());
  HttpResponse key =
      Call("POST", absl::StrCat("/v1/partners/", created.id(), "/keys"),
           R"({"allowedOrigins":["https://www.beaune-tourisme.fr"]})", admin.access_token());
  ASSERT_EQ(key.status, 200) << key.body;
  v1::PartnerKey shown;
  ASSERT_TRUE(JsonStringToMessage(key.body, &shown).ok());
  Secrets().push_back(shown.secret());
  EXPECT_EQ(shown.secret().rfind("cpk_", 0), 0u);
  HttpResponse listed =
      Call("GET", absl::StrCat("/v1/partners/", created.id(), "/keys"), "", admin.access_token());
  ASSERT_EQ(listed.status, 200);
  EXPECT_EQ(listed.body.find(shown.secret()), std::string::npos);  // shown once only
}

TEST_F(AccountsEndToEnd, ExportReturnsThePersonsData) {
  v1::Account account = SignUp(Email("export"));
  v1::Session session = Login(Email("export"));
  HttpResponse exported = Call("GET", "/v1/accounts/me:export", "", session.access_token());
  ASSERT_EQ(exported.status, 200) << exported.body;
  v1::ExportMyDataResponse data;
  ASSERT_TRUE(JsonStringToMessage(exported.body, &data).ok()) << exported.body;
  ASSERT_GE(data.parts_size(), 1);
  EXPECT_EQ(data.parts(0).service(), "accounts");
  const auto& fields = data.parts(0).data().fields();
  EXPECT_EQ(fields.at("email").string_value(), Email("export"));
  EXPECT_EQ(fields.at("display_name").string_value(), "Camille Martin");
  EXPECT_EQ(fields.at("id").string_value(), account.id());
  EXPECT_EQ(exported.body.find("argon2"), std::string::npos);
}

TEST_F(AccountsEndToEnd, AfterErasureLoginFailsAndTheEmailIsFree) {
  v1::Account account = SignUp(Email("erase"));
  v1::Session session = Login(Email("erase"));
  EXPECT_EQ(Call("DELETE", "/v1/accounts/me", "", session.access_token()).status, 200);
  EXPECT_EQ(LoginResponse(Email("erase"), kPassword).status, 401);
  EXPECT_EQ(Refresh(session.refresh_token()).status, 401);
  v1::Account again = SignUp(Email("erase"));
  EXPECT_NE(again.id(), account.id());
}

// Declared last: runs after the others have put passwords and tokens through the stack.
TEST_F(AccountsEndToEnd, PasswordsAndTokensNeverAppearInLogs) {
  const std::string logs = Stack::Get().Logs();
  ASSERT_FALSE(logs.empty());
  EXPECT_GT(Secrets().size(), 5u);
  for (const std::string& secret : Secrets()) {
    if (secret.empty()) continue;
    EXPECT_EQ(logs.find(secret), std::string::npos) << "a secret appears in the logs";
  }
  EXPECT_EQ(logs.find("Bearer "), std::string::npos);
}

}  // namespace
}  // namespace comptoir::testing
