// The product CSV as shopkeepers' spreadsheets write it: separators, BOM, Windows-1252,
// decimal commas, quoted cells with line breaks, CRLF; every bad line reported by line,
// column and reason; and an export that imports back to the same products.
#include "product_csv.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "comptoir/common/csv.h"

namespace comptoir::catalogue {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

std::vector<std::string> Describe(const ParsedProductCsv& parsed) {
  std::vector<std::string> out;
  for (const CsvError& e : parsed.errors) {
    out.push_back(std::to_string(e.line) + ":" + e.column);
  }
  return out;
}

TEST(ProductCsv, ReadsFrenchExcelSemicolonsBomDecimalCommasAndCrlf) {
  const std::string csv =
      "\xEF\xBB\xBFsku;name;category;price;vat_rate;sale_unit;net_quantity;net_quantity_unit;"
      "stock;labels;visible\r\n"
      "COMTE-18;Comté AOP 18 mois;fromage;23,90;5,5;250 g;250;g;12;aop-aoc|local;oui\r\n"
      "VIN-J;Vin jaune;vin;1 234,50 €;20;bouteille 62 cl;62;cl;;;non\r\n";
  ParsedProductCsv parsed = ParseProductCsv(csv);
  EXPECT_THAT(Describe(parsed), IsEmpty());
  EXPECT_EQ(parsed.separator, ';');
  EXPECT_EQ(parsed.encoding, "utf-8");
  EXPECT_EQ(parsed.records, 2);
  ASSERT_EQ(parsed.products.size(), 2u);
  const Product& comte = parsed.products[0];
  EXPECT_EQ(comte.sku, "COMTE-18");
  EXPECT_EQ(comte.name, "Comté AOP 18 mois");
  EXPECT_EQ(comte.price_cents, 2390);
  EXPECT_EQ(comte.vat_rate_bp, 550);
  EXPECT_EQ(comte.net_quantity, 250);
  EXPECT_EQ(comte.net_quantity_unit, "g");
  EXPECT_TRUE(comte.stock_tracked);
  EXPECT_EQ(comte.stock, 12);
  EXPECT_THAT(comte.labels, ElementsAre("aop-aoc", "local"));
  EXPECT_TRUE(comte.visible);
  const Product& vin = parsed.products[1];
  EXPECT_EQ(vin.price_cents, 123450);
  EXPECT_EQ(vin.vat_rate_bp, 2000);
  EXPECT_FALSE(vin.stock_tracked);
  EXPECT_FALSE(vin.visible);
  EXPECT_THAT(parsed.lines, ElementsAre(2, 3));
}

TEST(ProductCsv, ReadsCommasWithQuotedCellsHoldingCommasQuotesAndLineBreaks) {
  const std::string csv =
      "sku,name,description,category,price,vat_rate,sale_unit\n"
      "PAIN,\"Pain \"\"maison\"\", au levain\",\"Cuit au feu de bois,\nle matin.\",boulangerie,"
      "4.20,5.5,pièce\n"
      "BAD,Baguette,,boulangerie,abc,5.5,pièce\n";
  ParsedProductCsv parsed = ParseProductCsv(csv);
  EXPECT_EQ(parsed.separator, ',');
  ASSERT_EQ(parsed.products.size(), 1u);
  EXPECT_EQ(parsed.products[0].name, "Pain \"maison\", au levain");
  EXPECT_EQ(parsed.products[0].description, "Cuit au feu de bois,\nle matin.");
  EXPECT_EQ(parsed.products[0].price_cents, 420);
  // The record after a two-line one starts on line 4 of the file.
  EXPECT_THAT(Describe(parsed), ElementsAre("4:price"));
}

TEST(ProductCsv, ConvertsWindows1252AndRefusesBytesThatAreNeither) {
  const std::string cp1252 =
      "sku;name;category;price;vat_rate;sale_unit\r\n"
      "COMTE;Comt\xE9 \x80 la coupe;fromage;23,90;5,5;pi\xE8"
      "ce\r\n";
  ParsedProductCsv parsed = ParseProductCsv(cp1252);
  EXPECT_THAT(Describe(parsed), IsEmpty());
  EXPECT_EQ(parsed.encoding, "windows-1252");
  ASSERT_EQ(parsed.products.size(), 1u);
  EXPECT_EQ(parsed.products[0].name, "Comté € la coupe");
  EXPECT_EQ(parsed.products[0].sale_unit, "pièce");

  ParsedProductCsv neither = ParseProductCsv("sku;name\r\nA;\x81\xE9\r\n");
  ASSERT_EQ(neither.errors.size(), 1u);
  EXPECT_EQ(neither.errors[0].line, 0);
  EXPECT_THAT(neither.errors[0].reason, ::testing::HasSubstr("neither UTF-8 nor Windows-1252"));
  EXPECT_TRUE(neither.products.empty());
}

TEST(ProductCsv, ReportsEveryBadLineWithItsColumnAndReason) {
  const std::string csv =
      "sku;name;category;price;vat_rate;sale_unit;stock;allergens\n"
      "OK-1;Comté;fromage;23,90;5,5;250 g;;lait\n"
      "bad sku;Comté;fromage;23,90;5,5;250 g;;\n"
      "OK-2;Morbier;fromage;-3;7;250 g;;\n"
      "OK-3;Bleu;poisson-volant;9,90;5,5;250 g;beaucoup;arachide\n"
      "OK-1;Doublon;fromage;1;5,5;pièce;;\n";
  ParsedProductCsv parsed = ParseProductCsv(csv);
  EXPECT_THAT(Describe(parsed), ElementsAre("3:sku", "4:price", "4:vat_rate", "5:stock",
                                            "5:category", "5:allergens", "6:sku"));
  EXPECT_EQ(parsed.error_count, 7);
  EXPECT_EQ(parsed.records, 5);
  EXPECT_EQ(parsed.products.size(), 1u);
}

TEST(ProductCsv, RefusesAHeaderWithoutTheRequiredOrWithUnknownColumns) {
  ParsedProductCsv parsed =
      ParseProductCsv("sku;nom;price;vat_rate;sale_unit;category\nA;B;1;20;x;vin\n");
  EXPECT_THAT(Describe(parsed), ElementsAre("1:nom", "1:name"));
  EXPECT_TRUE(parsed.products.empty());
  EXPECT_THAT(Describe(ParseProductCsv("")), ElementsAre("1:"));
}

TEST(ProductCsv, ExportImportsBackToTheSameProducts) {
  Product a;
  a.sku = "COMTE-18";
  a.name = "=Comté; \"le vrai\"";  // looks like a formula, holds the separator and quotes
  a.description = "Affiné 18 mois.\r\nÀ la coupe; au lait cru.";
  a.category = "fromage";
  a.labels = {"aop-aoc", "local"};
  a.allergens = {"lait"};
  a.photo_urls = {"https://img.example/comte.jpg", "https://img.example/a,b;c.jpg"};
  a.price_cents = 2390;
  a.vat_rate_bp = 550;
  a.sale_unit = "250 g";
  a.net_quantity = 250;
  a.net_quantity_unit = "g";
  a.stock_tracked = true;
  a.stock = 0;
  a.visible = false;
  Product b;
  b.sku = "PAIN";
  b.name = "'-Pain";  // an apostrophe then a formula sign: escaped once more, then unescaped
  b.category = "boulangerie";
  b.price_cents = 5;
  b.vat_rate_bp = 210;
  b.sale_unit = "pièce";
  const std::string csv = WriteProductCsv({a, b});
  EXPECT_EQ(csv.substr(0, 3), "\xEF\xBB\xBF");
  ParsedProductCsv parsed = ParseProductCsv(csv);
  EXPECT_THAT(Describe(parsed), IsEmpty());
  ASSERT_EQ(parsed.products.size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    const Product& want = i == 0 ? a : b;
    const Product& got = parsed.products[i];
    EXPECT_EQ(got.sku, want.sku);
    EXPECT_EQ(got.name, want.name);
    EXPECT_EQ(got.description, want.description);
    EXPECT_EQ(got.category, want.category);
    EXPECT_EQ(got.labels, want.labels);
    EXPECT_EQ(got.allergens, want.allergens);
    EXPECT_EQ(got.photo_urls, want.photo_urls);
    EXPECT_EQ(got.price_cents, want.price_cents);
    EXPECT_EQ(got.vat_rate_bp, want.vat_rate_bp);
    EXPECT_EQ(got.sale_unit, want.sale_unit);
    EXPECT_EQ(got.net_quantity, want.net_quantity);
    EXPECT_EQ(got.net_quantity_unit, want.net_quantity_unit);
    EXPECT_EQ(got.stock_tracked, want.stock_tracked);
    EXPECT_EQ(got.stock, want.stock);
    EXPECT_EQ(got.visible, want.visible);
  }
  // And the export of what was read is the same file.
  EXPECT_EQ(WriteProductCsv(parsed.products), csv);
}

TEST(ProductCsv, ReportsValidationProgress) {
  std::string csv = "sku;name;category;price;vat_rate;sale_unit\n";
  for (int i = 0; i < 600; ++i) csv += "S" + std::to_string(i) + ";Pain;boulangerie;1;5,5;pièce\n";
  std::vector<int> seen;
  ParsedProductCsv parsed = ParseProductCsv(csv, [&](int n) { seen.push_back(n); });
  EXPECT_EQ(parsed.products.size(), 600u);
  EXPECT_THAT(seen, ElementsAre(250, 500, 600));
}

TEST(Money, ReadsEurosWithCommasPointsSpacesAndTheEuroSign) {
  EXPECT_EQ(ParseEuros("23,90"), 2390);
  EXPECT_EQ(ParseEuros("23.9"), 2390);
  EXPECT_EQ(ParseEuros("23"), 2300);
  EXPECT_EQ(ParseEuros("1\xC2\xA0"
                       "234,56 \xE2\x82\xAC"),
            123456);
  EXPECT_EQ(ParseEuros("0,05"), 5);
  EXPECT_EQ(ParseEuros("12,345"), std::nullopt);  // three decimals: not a price
  EXPECT_EQ(ParseEuros("-1"), std::nullopt);
  EXPECT_EQ(ParseEuros("12,"), std::nullopt);
  EXPECT_EQ(ParseEuros(""), std::nullopt);
  EXPECT_EQ(ParseEuros("1000001"), std::nullopt);
  EXPECT_EQ(FormatEuros(2390), "23,90");
  EXPECT_EQ(FormatEuros(5), "0,05");
  EXPECT_EQ(FormatEuros(100), "1,00");
}

TEST(Money, ReadsAndWritesVatRatesInPercent) {
  EXPECT_EQ(ParsePercent("5,5"), 550);
  EXPECT_EQ(ParsePercent("5.5 %"), 550);
  EXPECT_EQ(ParsePercent("2,1"), 210);
  EXPECT_EQ(ParsePercent("20"), 2000);
  EXPECT_EQ(ParsePercent("cinq"), std::nullopt);
  EXPECT_EQ(FormatPercent(550), "5,5");
  EXPECT_EQ(FormatPercent(210), "2,1");
  EXPECT_EQ(FormatPercent(2000), "20");
  EXPECT_EQ(FormatPercent(1000), "10");
}

TEST(SpreadsheetCells, FormulaEscapingIsUndoneExactly) {
  for (const std::string value : {"=1+1", "'=1+1", "''@x", "-3", "'plain", "plain", ""}) {
    const std::string cell = common::CsvCell(value, ';', true);
    EXPECT_FALSE(!cell.empty() && (cell[0] == '=' || cell[0] == '-' || cell[0] == '@')) << cell;
    EXPECT_EQ(common::UnescapeCsvFormula(cell), value);
  }
  EXPECT_EQ(common::CsvCell("a;b", ';', false), "\"a;b\"");
  EXPECT_EQ(common::CsvCell("a,b", ';', false), "a,b");
  EXPECT_EQ(common::DetectCsvSeparator("\"a;b\",c,d\nx;y;z;w"), ',');
  EXPECT_EQ(common::DetectCsvSeparator("a;b;c\n"), ';');
}

}  // namespace
}  // namespace comptoir::catalogue
