#include "comptoir/common/log.h"

#include <gtest/gtest.h>

#include "comptoir/common/utf8.h"

namespace comptoir::common {
namespace {

TEST(JsonQuote, EscapesQuotesControlsAndInvalidUtf8) {
  EXPECT_EQ(JsonQuote("plain"), "\"plain\"");
  EXPECT_EQ(JsonQuote("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(JsonQuote("l1\nl2\t\x01"), "\"l1\\nl2\\t\\u0001\"");
  EXPECT_EQ(JsonQuote("Comté"), "\"Comté\"");
  EXPECT_EQ(JsonQuote("bad\xff"), "\"bad\\ufffd\"");
  EXPECT_EQ(JsonQuote("cut\xc3"), "\"cut\\ufffd\"");
}

TEST(LogLine, IsOneJsonObjectWithRequestIdAndFields) {
  SetLogService("shops");
  ScopedRequestId rid("abc123");
  std::string line = FormatLogLine(LogLevel::kInfo, "shop created", {{"shop_id", "42"}});
  EXPECT_EQ(line.front(), '{');
  EXPECT_EQ(line.back(), '}');
  EXPECT_EQ(line.find('\n'), std::string::npos);
  EXPECT_NE(line.find("\"level\":\"info\""), std::string::npos);
  EXPECT_NE(line.find("\"service\":\"shops\""), std::string::npos);
  EXPECT_NE(line.find("\"msg\":\"shop created\""), std::string::npos);
  EXPECT_NE(line.find("\"request_id\":\"abc123\""), std::string::npos);
  EXPECT_NE(line.find("\"shop_id\":\"42\""), std::string::npos);
}

TEST(ScopedRequestId, RestoresThePreviousId) {
  {
    ScopedRequestId outer("outer");
    {
      ScopedRequestId inner("inner");
      EXPECT_EQ(CurrentRequestId(), "inner");
    }
    EXPECT_EQ(CurrentRequestId(), "outer");
  }
  EXPECT_EQ(CurrentRequestId(), "");
}

TEST(NewRequestId, Is32HexCharactersAndFresh) {
  std::string a = NewRequestId();
  std::string b = NewRequestId();
  EXPECT_EQ(a.size(), 32u);
  EXPECT_NE(a, b);
  EXPECT_EQ(a.find_first_not_of("0123456789abcdef"), std::string::npos);
}

TEST(Utf8, ValidatesAndCountsCodePoints) {
  EXPECT_EQ(PrintableLength("Fromagerie"), 10);
  EXPECT_EQ(PrintableLength("Épicerie à Ornans"), 17);
  EXPECT_EQ(PrintableLength("tab\there"), -1);
  EXPECT_EQ(PrintableLength("\xc0\xaf"), -1);                     // overlong
  EXPECT_EQ(PrintableLength("\xe2\x82"), -1);                     // truncated
  EXPECT_EQ(PrintableLength("\xe0\x80\xaf"), -1);                 // overlong, three bytes
  EXPECT_EQ(PrintableLength("\xf0\x80\x80\xaf"), -1);             // overlong, four bytes
  EXPECT_EQ(PrintableLength("\xed\xa0\x80"), -1);                 // a UTF-16 surrogate
  EXPECT_EQ(PrintableLength("\xf4\x90\x80\x80"), -1);             // past U+10FFFF
  EXPECT_EQ(PrintableLength("\xed\x9f\xbf\xf4\x8f\xbf\xbf"), 2);  // U+D7FF, U+10FFFF
  EXPECT_TRUE(IsValidUtf8("Comt\xc3\xa9 \xf0\x9f\xa7\x80"));
  EXPECT_FALSE(IsValidUtf8("Comt\xc3"));
  EXPECT_EQ(PrintableLength(""), 0);
}

}  // namespace
}  // namespace comptoir::common
