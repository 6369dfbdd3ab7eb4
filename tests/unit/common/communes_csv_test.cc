// ParseCommunesCsv / ParsePostalCodesCsv: the reference data loader refuses bad files with
// every bad line named, and reads the shipped files whole.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "comptoir/common/db_bootstrap.h"

namespace comptoir::common {
namespace {

constexpr char kHeader[] =
    "insee_code,name,postal_code,department_code,latitude,longitude,population\n";

std::string ReadSourceFile(const std::string& relative) {
  std::ifstream in(std::string(COMPTOIR_SOURCE_DIR) + "/" + relative, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

TEST(ParseCommunesCsv, ReadsTheShippedRegionFile) {
  absl::StatusOr<std::vector<Commune>> communes =
      ParseCommunesCsv(ReadSourceFile("data/communes-bfc.csv"));
  ASSERT_TRUE(communes.ok()) << communes.status();
  EXPECT_EQ(communes->size(), 3699u);
  EXPECT_EQ(communes->front().insee_code, "21001");
  EXPECT_EQ(communes->front().name, "Agencourt");
  EXPECT_EQ(communes->front().postal_code, "21700");
  EXPECT_EQ(communes->front().department_code, "21");
  EXPECT_DOUBLE_EQ(communes->front().latitude, 47.1256);
  EXPECT_DOUBLE_EQ(communes->front().longitude, 4.9883);
  EXPECT_EQ(communes->front().population, 441);
}

TEST(ParseCommunesCsv, AcceptsBomCrlfQuotesAndAnyColumnOrder) {
  const std::string text =
      "\xEF\xBB\xBFname,insee_code,postal_code,department_code,latitude,longitude,population\r\n"
      "\"Saint-Martin, la \"\"Belle\"\"\",2A004,20000,2A,41.9,8.7,100\r\n";
  absl::StatusOr<std::vector<Commune>> communes = ParseCommunesCsv(text);
  ASSERT_TRUE(communes.ok()) << communes.status();
  ASSERT_EQ(communes->size(), 1u);
  EXPECT_EQ((*communes)[0].name, "Saint-Martin, la \"Belle\"");
  EXPECT_EQ((*communes)[0].insee_code, "2A004");
}

TEST(ParseCommunesCsv, ReportsEveryBadLineWithItsNumber) {
  const std::string text = std::string(kHeader) +
                           "21001,Agencourt,21700,21,47.1,4.9,441\n"
                           "2100,Short,21700,21,47.1,4.9,1\n"
                           "21003,Ahuy,217,21,north,4.9,-5\n"
                           "21001,Again,21700,21,47.1,4.9,1\n";
  absl::StatusOr<std::vector<Commune>> communes = ParseCommunesCsv(text);
  ASSERT_EQ(communes.status().code(), absl::StatusCode::kInvalidArgument);
  const std::string message(communes.status().message());
  EXPECT_NE(message.find("line 3: insee_code '2100'"), std::string::npos) << message;
  EXPECT_NE(message.find("line 4: postal_code '217'"), std::string::npos) << message;
  EXPECT_NE(message.find("line 4: latitude 'north'"), std::string::npos) << message;
  EXPECT_NE(message.find("line 4: population '-5'"), std::string::npos) << message;
  EXPECT_NE(message.find("line 5: insee_code 21001 appears twice"), std::string::npos) << message;
}

TEST(ParseCommunesCsv, RejectsMissingColumnsAndRaggedLines) {
  EXPECT_EQ(ParseCommunesCsv("insee_code,name\n21001,A\n").status().code(),
            absl::StatusCode::kInvalidArgument);
  absl::StatusOr<std::vector<Commune>> ragged =
      ParseCommunesCsv(std::string(kHeader) + "21001,Agencourt,21700\n");
  ASSERT_FALSE(ragged.ok());
  EXPECT_NE(std::string(ragged.status().message()).find("line 2: expected 7 fields"),
            std::string::npos);
  EXPECT_FALSE(ParseCommunesCsv("").ok());
  EXPECT_FALSE(ParseCommunesCsv(kHeader).ok());
  EXPECT_FALSE(ParseCommunesCsv(std::string(kHeader) + "\"21001,open quote\n").ok());
}

TEST(ParsePostalCodesCsv, ReadsTheShippedFile) {
  absl::StatusOr<std::vector<CommunePostalCode>> pairs =
      ParsePostalCodesCsv(ReadSourceFile("data/communes-bfc.postal-codes.csv"));
  ASSERT_TRUE(pairs.ok()) << pairs.status();
  EXPECT_EQ(pairs->size(), 3726u);
  EXPECT_TRUE(pairs->front().is_main);
}

TEST(ParsePostalCodesCsv, RejectsBadFlagAndDuplicates) {
  const std::string text =
      "insee_code,postal_code,is_main_postal_code\n21001,21700,yes\n21002,21410,1\n"
      "21002,21410,0\n";
  absl::StatusOr<std::vector<CommunePostalCode>> pairs = ParsePostalCodesCsv(text);
  ASSERT_FALSE(pairs.ok());
  const std::string message(pairs.status().message());
  EXPECT_NE(message.find("line 2: is_main_postal_code 'yes'"), std::string::npos) << message;
  EXPECT_NE(message.find("line 4: pair 21002/21410 appears twice"), std::string::npos) << message;
}

TEST(ValidateServiceRoleName, AcceptsServiceNamesRejectsReservedAndOddOnes) {
  EXPECT_TRUE(ValidateServiceRoleName("shops").ok());
  EXPECT_TRUE(ValidateServiceRoleName("delivery_v2").ok());
  for (const char* bad : {"", "Shops", "2shops", "shops-x", "geo", "ext", "public", "pg_shops",
                          "postgres", "shops;drop"}) {
    EXPECT_FALSE(ValidateServiceRoleName(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace comptoir::common
