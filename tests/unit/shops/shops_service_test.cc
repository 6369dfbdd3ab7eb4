#include "shops_service.h"

#include <gtest/gtest.h>

#include "fake_shops_repository.h"
#include "shop_rules.h"
#include "status_testing.h"

namespace comptoir::shops {
namespace {

using ::comptoir::testing::HasFieldViolation;
using ::comptoir::testing::StatusIs;

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
const Caller kAnonymous;

// The required fields, with a valid SIRET.
NewShop Valid(std::string name, std::string commune, std::string category) {
  NewShop shop;
  shop.name = std::move(name);
  shop.commune_insee = std::move(commune);
  shop.category = std::move(category);
  shop.siret = "732 829 320 00074";
  return shop;
}

class ShopsServiceTest : public ::testing::Test {
 protected:
  absl::StatusOr<Shop> Create(const NewShop& shop) {
    return service_.CreateShop(shop, kOwner, Soon());
  }
  absl::StatusOr<Shop> Create(std::string name, std::string commune, std::string category) {
    return Create(Valid(std::move(name), std::move(commune), std::move(category)));
  }
  // A created and approved shop.
  Shop Active(const std::string& name) {
    absl::StatusOr<Shop> shop = Create(name, "21231", "epicerie");
    EXPECT_OK(shop.status());
    absl::StatusOr<Shop> approved = service_.ApproveShop(shop->id, kAdmin, Soon());
    EXPECT_OK(approved.status());
    return *approved;
  }

  FakeShopsRepository repository_;
  ShopsService service_{repository_};
};

TEST_F(ShopsServiceTest, CreatesAPendingShopWithAReadableSlug) {
  ASSERT_OK_AND_ASSIGN(Shop shop, Create("  Fromagerie Gaugry ", "21231", "fromagerie"));
  EXPECT_EQ(shop.name, "Fromagerie Gaugry");
  EXPECT_EQ(shop.slug, "fromagerie-gaugry");
  EXPECT_EQ(shop.status, "pending");
  EXPECT_EQ(shop.commune_name, "Dijon");
}

TEST_F(ShopsServiceTest, SecondShopOfTheSameNameGetsTheCommuneThenANumber) {
  ASSERT_OK(Create("Le Fournil", "21231", "boulangerie"));
  ASSERT_OK_AND_ASSIGN(Shop second, Create("Le Fournil", "58145", "boulangerie"));
  EXPECT_EQ(second.slug, "le-fournil-lormes");
  ASSERT_OK_AND_ASSIGN(Shop third, Create("Le Fournil", "58145", "boulangerie"));
  EXPECT_EQ(third.slug, "le-fournil-lormes-2");
}

TEST_F(ShopsServiceTest, ReportsEveryMissingFieldAtOnce) {
  absl::StatusOr<Shop> result = Create(NewShop{});
  EXPECT_THAT(result, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(result, HasFieldViolation("shop.name"));
  EXPECT_THAT(result, HasFieldViolation("shop.commune_insee"));
  EXPECT_THAT(result, HasFieldViolation("shop.category"));
}

TEST_F(ShopsServiceTest, RefusesUnknownCommuneBadCodeAndUnknownCategory) {
  EXPECT_THAT(Create("Chez Paul", "75056", "epicerie"), HasFieldViolation("shop.commune_insee"));
  EXPECT_THAT(Create("Chez Paul", "2123", "epicerie"), HasFieldViolation("shop.commune_insee"));
  EXPECT_THAT(Create("Chez Paul", "21231", "casino"), HasFieldViolation("shop.category"));
}

TEST_F(ShopsServiceTest, RefusesNamesTooLongOrWithControlsOrWithoutLetters) {
  EXPECT_THAT(Create(std::string(121, 'a'), "21231", "epicerie"), HasFieldViolation("shop.name"));
  EXPECT_OK(Create(std::string(60, 'a') + std::string(60, 'e'), "21231", "epicerie"));
  EXPECT_THAT(Create("Tab\tname", "21231", "epicerie"), HasFieldViolation("shop.name"));
  EXPECT_THAT(Create("\xff\xfe", "21231", "epicerie"), HasFieldViolation("shop.name"));
  EXPECT_THAT(Create("!!!", "21231", "epicerie"), HasFieldViolation("shop.name"));
}

TEST_F(ShopsServiceTest, FindsAShopByIdOrBySlug) {
  ASSERT_OK_AND_ASSIGN(Shop shop, Create("Cave de Lormes", "58145", "caviste"));
  ASSERT_OK_AND_ASSIGN(Shop by_id, service_.GetShop(shop.id, kOwner, Soon()));
  EXPECT_EQ(by_id.slug, "cave-de-lormes");
  ASSERT_OK_AND_ASSIGN(Shop by_slug, service_.GetShop("cave-de-lormes", kOwner, Soon()));
  EXPECT_EQ(by_slug.id, shop.id);
  EXPECT_THAT(service_.GetShop("no-such-shop", kOwner, Soon()),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(service_.GetShop("Not A Slug!", kOwner, Soon()),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(service_.GetShop("", kOwner, Soon()), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(ShopsServiceTest, PagesThroughEveryShopOnceNewestFirst) {
  for (int i = 0; i < 5; ++i) Active("Primeur " + std::to_string(i));
  std::vector<std::string> seen;
  std::string token;
  int pages = 0;
  do {
    ASSERT_OK_AND_ASSIGN(ListShopsResult page, service_.ListShops({"", "", 2, token}, Soon()));
    for (const Shop& s : page.shops) seen.push_back(s.name);
    token = page.next_page_token;
    ++pages;
  } while (!token.empty());
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(seen, (std::vector<std::string>{"Primeur 4", "Primeur 3", "Primeur 2", "Primeur 1",
                                            "Primeur 0"}));
}

TEST_F(ShopsServiceTest, ValidatesListParameters) {
  EXPECT_THAT(service_.ListShops({"", "", 101, ""}, Soon()), HasFieldViolation("page_size"));
  EXPECT_THAT(service_.ListShops({"", "", -1, ""}, Soon()), HasFieldViolation("page_size"));
  EXPECT_THAT(service_.ListShops({"dijon", "", 0, ""}, Soon()), HasFieldViolation("commune"));
  EXPECT_THAT(service_.ListShops({"", "bar", 0, ""}, Soon()), HasFieldViolation("category"));
  EXPECT_THAT(service_.ListShops({"", "", 0, "garbage!"}, Soon()), HasFieldViolation("page_token"));
}

TEST_F(ShopsServiceTest, CreatingAShopNeedsALoggedInUserWhoBecomesItsOwner) {
  EXPECT_THAT(service_.CreateShop(Valid("Chez Paul", "21231", "epicerie"), kAnonymous, Soon()),
              StatusIs(absl::StatusCode::kUnauthenticated));
  ASSERT_OK_AND_ASSIGN(Shop shop, Create("Chez Paul", "21231", "epicerie"));
  ASSERT_OK_AND_ASSIGN(std::optional<std::string> role,
                       repository_.MemberRole(shop.id, kOwner.user_id, Soon()));
  EXPECT_EQ(role, "owner");
  ASSERT_EQ(repository_.events().size(), 1u);
  EXPECT_EQ(repository_.events()[0].kind, "created");
}

TEST_F(ShopsServiceTest, NormalisesTheProfileAndDefaultsToTheCommune) {
  NewShop request = Valid("Fromagerie Gaugry", "21231", "fromagerie");
  request.phone = "03 80 12 34 56";
  request.email = " contact@gaugry.fr ";
  request.website = "https://gaugry.fr";
  request.photo_urls = {"https://gaugry.fr/vitrine.jpg"};
  request.click_and_collect = true;
  request.preparation_minutes = 30;
  ASSERT_OK_AND_ASSIGN(Shop shop, Create(request));
  EXPECT_EQ(shop.siret, "73282932000074");
  EXPECT_EQ(shop.phone, "+33380123456");
  EXPECT_EQ(shop.email, "contact@gaugry.fr");
  EXPECT_EQ(shop.postal_code, "21000");      // the commune's
  EXPECT_DOUBLE_EQ(shop.latitude, 47.3216);  // the commune centre
  EXPECT_DOUBLE_EQ(shop.longitude, 5.0415);
  EXPECT_TRUE(shop.click_and_collect);
  EXPECT_EQ(shop.preparation_minutes, 30);
}

TEST_F(ShopsServiceTest, NamesEveryBadProfileField) {
  NewShop request = Valid("Fromagerie Gaugry", "21231", "fromagerie");
  request.siret = "73282932000075";
  request.postal_code = "58140";  // Lormes's, not Dijon's
  request.latitude = 48.0;        // longitude missing
  request.phone = "12 34";
  request.email = "contact@";
  request.website = "javascript:alert(1)";
  request.photo_urls = {"http://insecure.fr/a.jpg"};
  request.preparation_minutes = -5;
  request.opening_hours.add_weekly()->set_weekday(9);

  absl::StatusOr<Shop> result = Create(request);

  EXPECT_THAT(result, StatusIs(absl::StatusCode::kInvalidArgument));
  for (const char* field : {"shop.siret", "shop.postal_code", "shop.longitude", "shop.phone",
                            "shop.email", "shop.website", "shop.photo_urls[0]",
                            "shop.preparation_minutes", "shop.opening_hours.weekly[0].weekday"}) {
    EXPECT_THAT(result, HasFieldViolation(field));
  }
}

TEST_F(ShopsServiceTest, RefusesCoordinatesOutsideTheRegion) {
  NewShop request = Valid("Chez Paul", "21231", "epicerie");
  request.latitude = 5.04;  // swapped with the longitude
  request.longitude = 47.32;
  EXPECT_THAT(Create(request), HasFieldViolation("shop.latitude"));
}

TEST_F(ShopsServiceTest, PendingShopIsHiddenUntilAnAdminApprovesIt) {
  ASSERT_OK_AND_ASSIGN(Shop shop, Create("Chez Paul", "21231", "epicerie"));
  EXPECT_THAT(service_.GetShop(shop.slug, kAnonymous, Soon()),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(service_.GetShop(shop.slug, kStranger, Soon()),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_OK(service_.GetShop(shop.slug, kOwner, Soon()));
  ASSERT_OK_AND_ASSIGN(ListShopsResult before, service_.ListShops({}, Soon()));
  EXPECT_TRUE(before.shops.empty());

  EXPECT_THAT(service_.ApproveShop(shop.id, kOwner, Soon()),
              StatusIs(absl::StatusCode::kPermissionDenied));
  ASSERT_OK_AND_ASSIGN(Shop approved, service_.ApproveShop(shop.id, kAdmin, Soon()));

  EXPECT_EQ(approved.status, "active");
  EXPECT_OK(service_.GetShop(shop.slug, kAnonymous, Soon()));
  ASSERT_OK_AND_ASSIGN(ListShopsResult after, service_.ListShops({}, Soon()));
  ASSERT_EQ(after.shops.size(), 1u);
  ASSERT_EQ(repository_.decisions().size(), 1u);
  EXPECT_EQ(repository_.decisions()[0].actor_id, kAdmin.user_id);
  EXPECT_EQ(repository_.events().back().kind, "approve");
  EXPECT_EQ(repository_.events().back().version, 2);
}

TEST_F(ShopsServiceTest, SuspensionNeedsAReasonHidesTheShopAndShowsTheReasonToItsOwner) {
  Shop shop = Active("Chez Paul");
  EXPECT_THAT(service_.SuspendShop(shop.id, "  ", kAdmin, Soon()), HasFieldViolation("reason"));
  EXPECT_THAT(service_.SuspendShop(shop.id, "Photos trompeuses", kOwner, Soon()),
              StatusIs(absl::StatusCode::kPermissionDenied));
  ASSERT_OK(service_.SuspendShop(shop.id, "Photos trompeuses", kAdmin, Soon()));

  EXPECT_THAT(service_.GetShop(shop.id, kAnonymous, Soon()), StatusIs(absl::StatusCode::kNotFound));
  ASSERT_OK_AND_ASSIGN(Shop seen_by_owner, service_.GetShop(shop.id, kOwner, Soon()));
  EXPECT_EQ(seen_by_owner.status, "suspended");
  EXPECT_EQ(seen_by_owner.status_reason, "Photos trompeuses");
  ASSERT_OK_AND_ASSIGN(ListShopsResult listed, service_.ListShops({}, Soon()));
  EXPECT_TRUE(listed.shops.empty());
  EXPECT_EQ(repository_.events().back().kind, "suspend");
  // Approving again lifts the suspension.
  ASSERT_OK_AND_ASSIGN(Shop again, service_.ApproveShop(shop.id, kAdmin, Soon()));
  EXPECT_EQ(again.status_reason, "");
}

TEST_F(ShopsServiceTest, OnlyTheOwnerClosesAndAClosedShopStaysClosed) {
  Shop shop = Active("Chez Paul");
  repository_.AddMember(shop.id, kStaff.user_id, "staff");
  EXPECT_THAT(service_.CloseShop(shop.id, "", kStaff, Soon()),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(service_.CloseShop(shop.id, "", kStranger, Soon()),
              StatusIs(absl::StatusCode::kPermissionDenied));
  ASSERT_OK_AND_ASSIGN(Shop closed, service_.CloseShop(shop.id, "Retraite", kOwner, Soon()));
  EXPECT_EQ(closed.status, "closed");
  EXPECT_THAT(service_.ApproveShop(shop.id, kAdmin, Soon()),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST_F(ShopsServiceTest, MembersSetOpeningHoursAndOthersCannot) {
  Shop shop = Active("Chez Paul");
  repository_.AddMember(shop.id, kStaff.user_id, "staff");
  v1::OpeningHours hours;
  v1::DayHours* monday = hours.add_weekly();
  monday->set_weekday(1);
  monday->add_ranges()->set_open("08:00");
  monday->mutable_ranges(0)->set_close("12:30");

  EXPECT_THAT(service_.SetOpeningHours(shop.id, hours, kStranger, Soon()),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(service_.SetOpeningHours(shop.id, hours, kAnonymous, Soon()),
              StatusIs(absl::StatusCode::kUnauthenticated));
  ASSERT_OK_AND_ASSIGN(Shop updated, service_.SetOpeningHours(shop.id, hours, kStaff, Soon()));

  ASSERT_EQ(updated.opening_hours.weekly[0].size(), 1u);
  EXPECT_EQ(updated.opening_hours.weekly[0][0].close_minute, 12 * 60 + 30);
  EXPECT_EQ(repository_.events().back().kind, "updated");
  monday->mutable_ranges(0)->set_close("31:00");
  EXPECT_THAT(service_.SetOpeningHours(shop.id, hours, kStaff, Soon()),
              HasFieldViolation("opening_hours.weekly[0].ranges[0].close"));
}

TEST_F(ShopsServiceTest, OwnerAddsAndRemovesStaffWhoThenMayOrMayNotEdit) {
  Shop shop = Active("Chez Paul");
  EXPECT_THAT(service_.AddMember(shop.id, kStaff.user_id, "", kStranger, Soon()),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(service_.AddMember(shop.id, "not-a-uuid", "chef", kOwner, Soon()),
              StatusIs(absl::StatusCode::kInvalidArgument));
  ASSERT_OK_AND_ASSIGN(Member added,
                       service_.AddMember(shop.id, kStaff.user_id, "", kOwner, Soon()));
  EXPECT_EQ(added.role, "staff");
  ASSERT_OK(service_.SetOpeningHours(shop.id, v1::OpeningHours(), kStaff, Soon()));
  // Staff may not manage members.
  EXPECT_THAT(service_.AddMember(shop.id, kStranger.user_id, "", kStaff, Soon()),
              StatusIs(absl::StatusCode::kPermissionDenied));
  ASSERT_OK_AND_ASSIGN(std::vector<Member> members, service_.ListMembers(shop.id, kStaff, Soon()));
  ASSERT_EQ(members.size(), 2u);
  EXPECT_EQ(members[0].role, "owner");

  ASSERT_OK(service_.RemoveMember(shop.id, kStaff.user_id, kOwner, Soon()));
  EXPECT_THAT(service_.SetOpeningHours(shop.id, v1::OpeningHours(), kStaff, Soon()),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(service_.RemoveMember(shop.id, kStaff.user_id, kOwner, Soon()),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(ShopsServiceTest, TheLastOwnerCannotBeRemovedNorDemoted) {
  Shop shop = Active("Chez Paul");
  EXPECT_THAT(service_.RemoveMember(shop.id, kOwner.user_id, kOwner, Soon()),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(service_.AddMember(shop.id, kOwner.user_id, "staff", kOwner, Soon()),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  ASSERT_OK(service_.AddMember(shop.id, kStaff.user_id, "owner", kOwner, Soon()));
  EXPECT_OK(service_.RemoveMember(shop.id, kOwner.user_id, kStaff, Soon()));
}

TEST_F(ShopsServiceTest, StaffOfAnotherShopCannotEditThisOne) {
  Shop mine = Active("Chez Paul");
  ASSERT_OK_AND_ASSIGN(Shop theirs, service_.CreateShop(Valid("Chez Pierre", "21231", "epicerie"),
                                                        kStranger, Soon()));
  ASSERT_OK(service_.ApproveShop(theirs.id, kAdmin, Soon()));
  EXPECT_THAT(service_.SetOpeningHours(mine.id, v1::OpeningHours(), kStranger, Soon()),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(service_.CloseShop(mine.id, "", kStranger, Soon()),
              StatusIs(absl::StatusCode::kPermissionDenied));
}

TEST_F(ShopsServiceTest, NearSearchReturnsShopsWithinTheRadiusNearestFirstAcrossPages) {
  const std::vector<std::pair<std::string, double>> shops = {
      {"Loin", 47.60}, {"Moyen", 47.40}, {"Pres", 47.35}, {"Ici", 47.3216}};
  for (const auto& [name, latitude] : shops) {
    NewShop request = Valid(name, "21231", "epicerie");
    request.latitude = latitude;
    request.longitude = 5.0415;
    absl::StatusOr<Shop> shop = Create(request);
    ASSERT_OK(shop.status());
    ASSERT_OK(service_.ApproveShop(shop->id, kAdmin, Soon()));
  }
  std::vector<std::string> names;
  std::string token;
  int pages = 0;
  do {
    ListShopsParams params;
    params.near = "47.3216, 5.0415";
    params.radius_km = 10;
    params.page_size = 2;
    params.page_token = token;
    ASSERT_OK_AND_ASSIGN(ListShopsResult page, service_.ListShops(params, Soon()));
    for (const Shop& s : page.shops) {
      names.push_back(s.name);
      ASSERT_TRUE(s.distance_km.has_value());
      EXPECT_NEAR(*s.distance_km, DistanceKm(47.3216, 5.0415, s.latitude, s.longitude), 1e-9);
    }
    token = page.next_page_token;
    ++pages;
  } while (!token.empty() && pages < 10);
  EXPECT_EQ(names, (std::vector<std::string>{"Ici", "Pres", "Moyen"}));
  EXPECT_EQ(pages, 2);
}

TEST_F(ShopsServiceTest, ValidatesSearchAroundAPoint) {
  ListShopsParams params;
  params.near = "47.3;abc";
  EXPECT_THAT(service_.ListShops(params, Soon()), HasFieldViolation("near"));
  params.near = "47.3,5.04";
  params.radius_km = 150;
  EXPECT_THAT(service_.ListShops(params, Soon()), HasFieldViolation("radius_km"));
  params.near = "";
  params.radius_km = 5;
  EXPECT_THAT(service_.ListShops(params, Soon()), HasFieldViolation("near"));
  params.radius_km = 0;
  params.department_code = "Cote-d'Or";
  EXPECT_THAT(service_.ListShops(params, Soon()), HasFieldViolation("department"));
  // A newest-first token cannot continue a nearest-first search.
  params.department_code = "";
  params.near = "47.3,5.04";
  ShopCursor by_time;
  by_time.id = "0b7f3c1e-2a4d-4c5e-9f60-718293a4b5c6";
  params.page_token = EncodePageToken(by_time);
  EXPECT_THAT(service_.ListShops(params, Soon()), HasFieldViolation("page_token"));
}

TEST(Slugify, FoldsFrenchAccentsAndPunctuation) {
  EXPECT_EQ(Slugify("Fromagerie Gaugry"), "fromagerie-gaugry");
  EXPECT_EQ(Slugify("Épicerie « Chez Zoé » — Ornans"), "epicerie-chez-zoe-ornans");
  EXPECT_EQ(Slugify("L'Œuf & la Poule"), "l-oeuf-la-poule");
  EXPECT_EQ(Slugify("  --  "), "");
  EXPECT_EQ(Slugify("Boulangerie 2000"), "boulangerie-2000");
  EXPECT_LE(Slugify(std::string(200, 'x')).size(), 80u);
}

TEST(PageToken, RoundTripsAndRejectsForgeries) {
  ShopCursor cursor{absl::FromUnixMicros(1'700'000'000'123'456),
                    "0b7f3c1e-2a4d-4c5e-9f60-718293a4b5c6"};
  ASSERT_OK_AND_ASSIGN(ShopCursor back, DecodePageToken(EncodePageToken(cursor)));
  EXPECT_EQ(back.create_time, cursor.create_time);
  EXPECT_EQ(back.id, cursor.id);
  EXPECT_FALSE(DecodePageToken("djF8eHx5").ok());  // "v1|x|y"
  EXPECT_FALSE(DecodePageToken(std::string(500, 'A')).ok());
}

}  // namespace
}  // namespace comptoir::shops
