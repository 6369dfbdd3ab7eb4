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

TEST(LogLine, CarriesTheTraceIdOfTheCallWhenKnown) {
  {
    ScopedRequestId rid("abc123", "4bf92f3577b34da6a3ce929d0e0e4736");
    std::string line = FormatLogLine(LogLevel::kInfo, "rpc", {});
    EXPECT_NE(
        line.find("\"request_id\":\"abc123\",\"trace_id\":\"4bf92f3577b34da6a3ce929d0e0e4736\""),
        std::string::npos)
        << line;
    EXPECT_EQ(CurrentTraceId(), "4bf92f3577b34da6a3ce929d0e0e4736");
  }
  EXPECT_EQ(CurrentTraceId(), "");
  ScopedRequestId rid("abc123");
  EXPECT_EQ(FormatLogLine(LogLevel::kInfo, "rpc", {}).find("trace_id"), std::string::npos);
}

TEST(TraceIdOf, AcceptsOnlyValidW3cTraceContexts) {
  EXPECT_EQ(TraceIdOf("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
            "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(TraceIdOf(""), "");
  EXPECT_EQ(TraceIdOf("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7"), "");     // no flags
  EXPECT_EQ(TraceIdOf("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01"), "");  // upper
  EXPECT_EQ(TraceIdOf("00-00000000000000000000000000000000-00f067aa0ba902b7-01"), "");  // zero
  EXPECT_EQ(TraceIdOf("00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01"), "");  // zero
  EXPECT_EQ(TraceIdOf("ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"), "");  // version
  EXPECT_EQ(TraceIdOf("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\"}"), "");
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
