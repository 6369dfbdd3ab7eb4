// The shops domain beyond creation: partial updates (field masks, the SIRET rule, a move to
// another commune), members added and removed by e-mail, the "open now" and name filters,
// searches around a commune, the open-data export and the commune look-up. Over the fake
// repository and a fixed clock: no network, no sleeps.
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "fake_shops_repository.h"
#include "shop_export.h"
#include "shops_service.h"
#include "status_testing.h"

namespace comptoir::shops {
namespace {

using ::comptoir::testing::HasFieldViolation;
using ::comptoir::testing::StatusIs;
using ::testing::HasSubstr;

Deadline Soon() { return common::DeadlineIn(std::chrono::seconds(5)); }

Caller User(const std::string& id, std::vector<std::string> roles = {"resident"}) {
  Caller caller;
  caller.user_id = id;
  caller.roles = std::move(roles);
  return caller;
}
const Caller kOwner = User("11111111-1111-4111-8111-111111111111");
const Caller kStaff = User("22222222-2222-4222-8222-222222222222");
const Caller kStranger = User("33333333-3333-4333-8333-333333333333");
const Caller kAdmin = User("44444444-4444-4444-8444-444444444444", {"resident", "admin"});

class FakeAccountDirectory : public AccountDirectory {
 public:
  absl::StatusOr<std::string> AccountIdByEmail(const std::string& email, Deadline) override {
    ++lookups;
    auto it = accounts.find(absl::AsciiStrToLower(email));
    if (it == accounts.end()) return absl::NotFoundError("no account");
    return it->second;
  }
  std::map<std::string, std::string> accounts = {{"staff@example.fr", kStaff.user_id}};
  int lookups = 0;
};

// Wednesday 25 November 2026, 10:00 in Paris (09:00 UTC).
const absl::Time kWednesdayMorning =
    absl::FromCivil(absl::CivilMinute(2026, 11, 25, 9, 0), absl::UTCTimeZone());

v1::OpeningHours WednesdayHours(const std::string& open, const std::string& close) {
  v1::OpeningHours hours;
  v1::DayHours* day = hours.add_weekly();
  day->set_weekday(3);
  v1::TimeRange* range = day->add_ranges();
  range->set_open(open);
  range->set_close(close);
  return hours;
}

class ShopsUpdateTest : public ::testing::Test {
 protected:
  Shop Create(const std::string& name, const Caller& owner = kOwner, v1::OpeningHours hours = {}) {
    NewShop shop;
    shop.name = name;
    shop.commune_insee = "21231";
    shop.category = "epicerie";
    shop.siret = "73282932000074";
    shop.opening_hours = std::move(hours);
    absl::StatusOr<Shop> created = service_.CreateShop(shop, owner, Soon());
    EXPECT_OK(created.status());
    return created.value_or(Shop{});
  }
  Shop Active(const std::string& name, const Caller& owner = kOwner, v1::OpeningHours hours = {}) {
    Shop shop = Create(name, owner, std::move(hours));
    absl::StatusOr<Shop> approved = service_.ApproveShop(shop.id, kAdmin, Soon());
    EXPECT_OK(approved.status());
    return approved.value_or(Shop{});
  }
  static ShopPatch Patch(std::vector<std::string> paths) {
    ShopPatch patch;
    patch.paths = std::move(paths);
    return patch;
  }

  FakeShopsRepository repository_;
  FakeAccountDirectory accounts_;
  ShopsService service_{repository_, &accounts_, [] { return kWednesdayMorning; }};
};

TEST_F(ShopsUpdateTest, PatchChangesOnlyTheMaskedFieldsKeepsTheSlugAndEmitsUpdated) {
  Shop shop = Active("Chez Paul");
  ShopPatch patch = Patch({"name", "phone"});
  patch.values.name = "Chez Paul et Fils";
  patch.values.phone = "03 80 12 34 56";
  patch.values.description = "not in the mask: ignored";
  ASSERT_OK_AND_ASSIGN(Shop updated, service_.UpdateShop(shop.slug, patch, kOwner, Soon()));
  EXPECT_EQ(updated.name, "Chez Paul et Fils");
  EXPECT_EQ(updated.phone, "+33380123456");
  EXPECT_EQ(updated.description, "");
  EXPECT_EQ(updated.slug, shop.slug);
  EXPECT_EQ(updated.status, "active");
  EXPECT_EQ(updated.siret, shop.siret);
  EXPECT_EQ(updated.version, shop.version + 1);
  EXPECT_EQ(repository_.events().back().kind, "updated");
  EXPECT_EQ(repository_.events().back().version, updated.version);
}

TEST_F(ShopsUpdateTest, PatchNamesEveryBadFieldUnderProfile) {
  Shop shop = Active("Chez Paul");
  ShopPatch patch = Patch({"name", "phone", "postal_code", "website", "opening_hours"});
  patch.values.name = "";
  patch.values.phone = "12";
  patch.values.postal_code = "58140";
  patch.values.website = "ftp://x";
  patch.values.opening_hours = WednesdayHours("08:00", "25:00");
  absl::StatusOr<Shop> updated = service_.UpdateShop(shop.id, patch, kOwner, Soon());
  EXPECT_THAT(updated, StatusIs(absl::StatusCode::kInvalidArgument));
  for (const char* field : {"profile.name", "profile.phone", "profile.postal_code",
                            "profile.website", "profile.opening_hours.weekly[0].ranges[0].close"}) {
    EXPECT_THAT(updated.status(), HasFieldViolation(field)) << field;
  }
  EXPECT_EQ(repository_.events().back().kind, "approve");  // nothing written
}

TEST_F(ShopsUpdateTest, MaskMustNameUpdatableFieldsAndBothCoordinates) {
  Shop shop = Active("Chez Paul");
  for (const auto& paths : std::vector<std::vector<std::string>>{
           {}, {"status"}, {"slug"}, {"id"}, {"latitude"}, {"name", "nonsense"}}) {
    EXPECT_THAT(service_.UpdateShop(shop.id, Patch(paths), kOwner, Soon()).status(),
                HasFieldViolation("update_mask"));
  }
}

TEST_F(ShopsUpdateTest, StaffMayEditTheProfileButStaffOfAnotherShopCannot) {
  Shop mine = Active("Chez Paul");
  repository_.AddMember(mine.id, kStaff.user_id, kRoleStaff);
  Active("Chez Pierre", kStranger);
  ShopPatch patch = Patch({"description"});
  patch.values.description = "Fromages affinés";
  EXPECT_OK(service_.UpdateShop(mine.id, patch, kStaff, Soon()));
  EXPECT_THAT(service_.UpdateShop(mine.id, patch, kStranger, Soon()),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(service_.UpdateShop(mine.id, patch, Caller{}, Soon()),
              StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST_F(ShopsUpdateTest, SiretOfAnApprovedShopIsChangedByAnAdminOnly) {
  ShopPatch patch = Patch({"siret"});
  patch.values.siret = "356 000 000 00048";  // La Poste: valid by the sum-of-digits rule
  Shop pending = Create("En attente");
  repository_.AddMember(pending.id, kStaff.user_id, kRoleStaff);
  EXPECT_THAT(service_.UpdateShop(pending.id, patch, kStaff, Soon()),
              StatusIs(absl::StatusCode::kPermissionDenied));
  ASSERT_OK_AND_ASSIGN(Shop fixed, service_.UpdateShop(pending.id, patch, kOwner, Soon()));
  EXPECT_EQ(fixed.siret, "35600000000048");

  Shop approved = Active("Approuvée");
  EXPECT_THAT(service_.UpdateShop(approved.id, patch, kOwner, Soon()),
              StatusIs(absl::StatusCode::kPermissionDenied));
  ASSERT_OK_AND_ASSIGN(Shop by_admin, service_.UpdateShop(approved.id, patch, kAdmin, Soon()));
  EXPECT_EQ(by_admin.siret, "35600000000048");
  // The same SIRET written again is no change: the owner may send the whole profile back.
  EXPECT_OK(service_.UpdateShop(approved.id, patch, kOwner, Soon()));
}

TEST_F(ShopsUpdateTest, MovingToAnotherCommuneTakesItsPostalCodeAndCentre) {
  Shop shop = Active("Chez Paul");
  ShopPatch patch = Patch({"commune_insee"});
  patch.values.commune_insee = "58145";
  ASSERT_OK_AND_ASSIGN(Shop moved, service_.UpdateShop(shop.id, patch, kOwner, Soon()));
  EXPECT_EQ(moved.commune_insee, "58145");
  EXPECT_EQ(moved.postal_code, "58140");
  EXPECT_DOUBLE_EQ(moved.latitude, 47.2897);
  EXPECT_DOUBLE_EQ(moved.longitude, 3.8175);
}

TEST_F(ShopsUpdateTest, ClosedShopCannotBeEdited) {
  Shop shop = Active("Chez Paul");
  ASSERT_OK(service_.CloseShop(shop.id, "", kOwner, Soon()));
  ShopPatch patch = Patch({"description"});
  EXPECT_THAT(service_.UpdateShop(shop.id, patch, kOwner, Soon()),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST_F(ShopsUpdateTest, OwnerAddsAndRemovesStaffByEmail) {
  Shop shop = Active("Chez Paul");
  ASSERT_OK_AND_ASSIGN(Member added,
                       service_.AddMember(shop.id, " Staff@Example.fr ", "", kOwner, Soon()));
  EXPECT_EQ(added.user_id, kStaff.user_id);
  EXPECT_EQ(added.role, "staff");
  EXPECT_THAT(service_.AddMember(shop.id, "nobody@example.fr", "", kOwner, Soon()).status(),
              HasFieldViolation("member.email"));
  EXPECT_THAT(service_.AddMember(shop.id, "not an address@", "", kOwner, Soon()).status(),
              HasFieldViolation("member.email"));
  ASSERT_OK(service_.RemoveMember(shop.id, "staff@example.fr", kOwner, Soon()));
  EXPECT_THAT(service_.RemoveMember(shop.id, "staff@example.fr", kOwner, Soon()),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(ShopsUpdateTest, OnlyOwnersMayLookAddressesUp) {
  Shop shop = Active("Chez Paul");
  const int before = accounts_.lookups;
  EXPECT_THAT(service_.AddMember(shop.id, "staff@example.fr", "", kStranger, Soon()),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(service_.RemoveMember(shop.id, "staff@example.fr", kStranger, Soon()),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_EQ(accounts_.lookups, before);  // nobody learns who has an account
}

TEST_F(ShopsUpdateTest, AddingByEmailWithoutAccountsIsUnavailable) {
  ShopsService service(repository_);
  Shop shop = Active("Chez Paul");
  EXPECT_THAT(service.AddMember(shop.id, "staff@example.fr", "", kOwner, Soon()),
              StatusIs(absl::StatusCode::kUnavailable));
}

TEST_F(ShopsUpdateTest, OpenNowKeepsOnlyShopsOpenAtTheClockAndPagesOn) {
  for (int i = 0; i < 5; ++i) {
    Active(absl::StrCat("Matin ", i), kOwner, WednesdayHours("08:00", "12:00"));
    Active(absl::StrCat("Soir ", i), kOwner, WednesdayHours("14:00", "19:00"));
  }
  ListShopsParams params;
  params.open_now = true;
  params.page_size = 2;
  std::vector<std::string> names;
  for (int guard = 0; guard < 10; ++guard) {
    ASSERT_OK_AND_ASSIGN(ListShopsResult page, service_.ListShops(params, Soon()));
    EXPECT_LE(page.shops.size(), 2u);
    for (const Shop& s : page.shops) names.push_back(s.name);
    if (page.next_page_token.empty()) break;
    params.page_token = page.next_page_token;
  }
  EXPECT_EQ(names.size(), 5u);
  for (const std::string& name : names) EXPECT_THAT(name, HasSubstr("Matin"));
}

TEST_F(ShopsUpdateTest, RadiusAroundACommuneUsesItsCentre) {
  Active("Chez Paul");  // Dijon centre
  ListShopsParams params;
  params.near_commune = "21231";
  params.radius_km = 1;
  ASSERT_OK_AND_ASSIGN(ListShopsResult around_dijon, service_.ListShops(params, Soon()));
  ASSERT_EQ(around_dijon.shops.size(), 1u);
  EXPECT_NEAR(*around_dijon.shops[0].distance_km, 0, 1e-9);
  params.near_commune = "58145";  // Lormes is ~92 km away
  params.radius_km = 50;
  ASSERT_OK_AND_ASSIGN(ListShopsResult around_lormes, service_.ListShops(params, Soon()));
  EXPECT_TRUE(around_lormes.shops.empty());

  params.near = "47.3,5.0";
  EXPECT_THAT(service_.ListShops(params, Soon()).status(), HasFieldViolation("near_commune"));
  params.near.clear();
  params.near_commune = "99999";
  EXPECT_THAT(service_.ListShops(params, Soon()).status(), HasFieldViolation("near_commune"));
}

TEST_F(ShopsUpdateTest, NameQueryIsValidatedAndFilters) {
  Active("Fromagerie Gaugry");
  Active("Boulangerie du Coin");
  ListShopsParams params;
  params.q = "x";
  EXPECT_THAT(service_.ListShops(params, Soon()).status(), HasFieldViolation("q"));
  params.q = "--";
  EXPECT_THAT(service_.ListShops(params, Soon()).status(), HasFieldViolation("q"));
  params.q = "FROMAGERIE";
  ASSERT_OK_AND_ASSIGN(ListShopsResult found, service_.ListShops(params, Soon()));
  ASSERT_EQ(found.shops.size(), 1u);
  EXPECT_EQ(found.shops[0].name, "Fromagerie Gaugry");
}

TEST_F(ShopsUpdateTest, ModerationListsTakeExactlyOneStatusAndNotAPlace) {
  const Shop pending = Create("Épicerie en attente");
  Active("Épicerie en ligne");
  ListShopsParams params;
  params.status = "pending";
  ASSERT_OK_AND_ASSIGN(ListShopsResult queue, service_.ListShops(params, Soon()));
  ASSERT_EQ(queue.shops.size(), 1u);
  EXPECT_EQ(queue.shops[0].id, pending.id);

  params.status = "active";
  ASSERT_OK_AND_ASSIGN(ListShopsResult directory, service_.ListShops(params, Soon()));
  ASSERT_EQ(directory.shops.size(), 1u);
  EXPECT_EQ(directory.shops[0].name, "Épicerie en ligne");

  params.status = "everything";
  EXPECT_THAT(service_.ListShops(params, Soon()).status(), HasFieldViolation("status"));
  params.status = "pending";
  params.near_commune = "21231";
  EXPECT_THAT(service_.ListShops(params, Soon()).status(), HasFieldViolation("status"));
}

TEST_F(ShopsUpdateTest, ExportListsActiveShopsAsCsvAndJsonLd) {
  v1::OpeningHours hours = WednesdayHours("18:00", "02:00");
  v1::DateException* closed = hours.add_exceptions();
  closed->set_start_date("2026-12-25");
  closed->set_closed(true);
  closed->set_label("Noël");
  Active("Chez \"Paul\", fromager", kOwner, hours);
  Create("En attente");  // pending: not in the directory

  ASSERT_OK_AND_ASSIGN(ShopsExport csv, service_.ExportShops("", "", Soon()));
  EXPECT_EQ(csv.content_type, "text/csv; charset=utf-8");
  EXPECT_EQ(csv.shop_count, 1);
  EXPECT_THAT(csv.content, HasSubstr("id,slug,name,category,siret,"));
  EXPECT_THAT(csv.content, HasSubstr(",\"Chez \"\"Paul\"\", fromager\",epicerie,73282932000074,"));
  EXPECT_THAT(csv.content, HasSubstr("We 18:00-02:00; 2026 Dec 25 off"));
  EXPECT_EQ(std::count(csv.content.begin(), csv.content.end(), '\n'), 2);

  ASSERT_OK_AND_ASSIGN(ShopsExport jsonld, service_.ExportShops("jsonld", "21", Soon()));
  EXPECT_EQ(jsonld.content_type, "application/ld+json");
  google::protobuf::Struct parsed;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(jsonld.content, &parsed).ok())
      << jsonld.content;
  EXPECT_EQ(parsed.fields().at("@context").string_value(), "https://schema.org");
  const auto& item = parsed.fields()
                         .at("itemListElement")
                         .list_value()
                         .values(0)
                         .struct_value()
                         .fields()
                         .at("item");
  const auto& business = item.struct_value().fields();
  EXPECT_EQ(business.at("@type").string_value(), "LocalBusiness");
  EXPECT_EQ(business.at("address").struct_value().fields().at("postalCode").string_value(),
            "21000");
  const auto& specs = business.at("openingHoursSpecification").list_value();
  ASSERT_EQ(specs.values_size(), 2);
  const auto& weekly = specs.values(0).struct_value().fields();
  EXPECT_EQ(weekly.at("dayOfWeek").string_value(), "https://schema.org/Wednesday");
  EXPECT_EQ(weekly.at("opens").string_value(), "18:00:00");
  EXPECT_EQ(weekly.at("closes").string_value(), "02:00:00");
  const auto& christmas = specs.values(1).struct_value().fields();
  EXPECT_EQ(christmas.at("validFrom").string_value(), "2026-12-25");
  EXPECT_EQ(christmas.at("opens").string_value(), "00:00:00");
  EXPECT_EQ(christmas.at("closes").string_value(), "00:00:00");

  EXPECT_THAT(service_.ExportShops("xml", "", Soon()).status(), HasFieldViolation("format"));
  EXPECT_THAT(service_.ExportShops("csv", "2x", Soon()).status(), HasFieldViolation("department"));
}

TEST(ShopExport, CsvDefusesFormulasInFreeText) {
  Shop shop;
  shop.name = "=HYPERLINK(\"http://evil\")";
  const std::string csv = ShopsCsv({shop});
  EXPECT_THAT(csv, HasSubstr(",\"'=HYPERLINK(\"\"http://evil\"\")\","));
}

TEST(ShopExport, OsmHoursListDaysThenDatedExceptions) {
  OpeningHours hours;
  hours.weekly[1] = {{480, 750}, {870, 1140}};
  hours.weekly[6] = {{480, 1440}};
  hours.exceptions.push_back(
      {absl::CivilDay(2026, 8, 1), absl::CivilDay(2026, 8, 15), true, {}, "Congés"});
  hours.exceptions.push_back(
      {absl::CivilDay(2026, 12, 20), absl::CivilDay(2026, 12, 20), false, {{600, 720}}, ""});
  EXPECT_EQ(OsmOpeningHours(hours),
            "Tu 08:00-12:30,14:30-19:00; Su 08:00-24:00; 2026 Aug 01-2026 Aug 15 off; "
            "2026 Dec 20 10:00-12:00");
  EXPECT_EQ(OsmOpeningHours(OpeningHours{}), "");
}

TEST_F(ShopsUpdateTest, CommuneLookUpValidatesItsQuery) {
  EXPECT_THAT(service_.ListCommunes("", 0, Soon()).status(), HasFieldViolation("q"));
  EXPECT_THAT(service_.ListCommunes("d", 0, Soon()).status(), HasFieldViolation("q"));
  EXPECT_THAT(service_.ListCommunes("dijon", 51, Soon()).status(), HasFieldViolation("page_size"));
  ASSERT_OK_AND_ASSIGN(std::vector<Commune> found, service_.ListCommunes("DIJ", 0, Soon()));
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].insee_code, "21231");
}

}  // namespace
}  // namespace comptoir::shops
