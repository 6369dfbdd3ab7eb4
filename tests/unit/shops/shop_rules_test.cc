// Identity and contact rules of a shop profile: SIRET (Luhn, La Poste), French phone
// numbers, postal codes, e-mail and web addresses.
#include "shop_rules.h"

#include <gtest/gtest.h>

#include "status_testing.h"

namespace comptoir::shops {
namespace {

using ::comptoir::testing::StatusIs;

TEST(Siret, AcceptsFourteenDigitsWithARightLuhnKey) {
  EXPECT_TRUE(ValidSiret("73282932000074"));
  EXPECT_TRUE(ValidSiret("35600000000048"));  // La Poste's head office passes Luhn too
}

TEST(Siret, RejectsAWrongKeyOrAWrongShape) {
  EXPECT_FALSE(ValidSiret("73282932000075"));
  EXPECT_FALSE(ValidSiret("7328293200007"));    // 13 digits
  EXPECT_FALSE(ValidSiret("732829320000740"));  // 15 digits
  EXPECT_FALSE(ValidSiret("7328293200007A"));
  EXPECT_FALSE(ValidSiret("732 829 320 00074"));  // spaces: strip them first
  EXPECT_FALSE(ValidSiret(""));
}

TEST(Siret, AcceptsLaPosteEstablishmentsByTheSumOfDigitsRule) {
  ASSERT_FALSE(LuhnValid("35600000049837"));  // fails Luhn ...
  EXPECT_TRUE(ValidSiret("35600000049837"));  // ... but its digits sum to a multiple of 5
}

TEST(Siret, RejectsLaPosteNumbersFailingBothRules) {
  EXPECT_FALSE(ValidSiret("35600000000002"));
  EXPECT_FALSE(ValidSiret("35600000012343"));
}

TEST(Siret, SumOfDigitsRuleIsOnlyForLaPoste) {
  // Digits summing to a multiple of 5 but no Luhn key, outside SIREN 356000000.
  ASSERT_FALSE(LuhnValid("35700000000005"));
  EXPECT_FALSE(ValidSiret("35700000000005"));
}

TEST(FrenchPhone, NormalisesTheUsualWrittenFormsToE164) {
  for (const char* written :
       {"03 80 12 34 56", "0380123456", "03.80.12.34.56", "03-80-12-34-56", "+33 3 80 12 34 56",
        "+33380123456", "+33 (0)3 80 12 34 56", "0033 3 80 12 34 56"}) {
    ASSERT_OK_AND_ASSIGN(std::string e164, NormalizeFrenchPhone(written));
    EXPECT_EQ(e164, "+33380123456") << written;
  }
  ASSERT_OK_AND_ASSIGN(std::string mobile, NormalizeFrenchPhone("06 12 34 56 78"));
  EXPECT_EQ(mobile, "+33612345678");
}

TEST(FrenchPhone, RejectsWhatIsNotAFrenchNumber) {
  for (const char* bad : {"", "12345", "03 80 12 34 5", "03 80 12 34 567", "00 80 12 34 56",
                          "+44 20 7946 0958", "03 80 12 34 5a", "3 80 12 34 56"}) {
    EXPECT_THAT(NormalizeFrenchPhone(bad), StatusIs(absl::StatusCode::kInvalidArgument)) << bad;
  }
}

TEST(FrenchPhone, FormatsForDisplayInPairs) {
  EXPECT_EQ(FormatFrenchPhone("+33380123456"), "03 80 12 34 56");
}

TEST(PostalCode, IsFiveDigits) {
  EXPECT_TRUE(ValidPostalCodeFormat("21000"));
  EXPECT_TRUE(ValidPostalCodeFormat("01500"));
  EXPECT_FALSE(ValidPostalCodeFormat("2100"));
  EXPECT_FALSE(ValidPostalCodeFormat("21 000"));
  EXPECT_FALSE(ValidPostalCodeFormat("2A000"));
}

TEST(Email, AcceptsPlainAddressesAndRejectsMalformedOnes) {
  EXPECT_TRUE(ValidEmail("contact@fromagerie-gaugry.fr"));
  EXPECT_FALSE(ValidEmail("contact@localhost"));
  EXPECT_FALSE(ValidEmail("contact.fromagerie.fr"));
  EXPECT_FALSE(ValidEmail("a@b@c.fr"));
  EXPECT_FALSE(ValidEmail("a b@c.fr"));
  EXPECT_FALSE(ValidEmail("@c.fr"));
}

TEST(WebUrl, AcceptsAbsoluteHttpUrlsOnly) {
  EXPECT_TRUE(ValidWebUrl("https://www.fromagerie-gaugry.fr/"));
  EXPECT_TRUE(ValidWebUrl("http://boulangerie.example.fr/photos/1.jpg"));
  EXPECT_FALSE(ValidWebUrl("javascript:alert(1)"));
  EXPECT_FALSE(ValidWebUrl("ftp://example.fr"));
  EXPECT_FALSE(ValidWebUrl("https://"));
  EXPECT_FALSE(ValidWebUrl("https://exa mple.fr"));
  EXPECT_FALSE(ValidWebUrl("https://user@evil.fr"));
}

}  // namespace
}  // namespace comptoir::shops
