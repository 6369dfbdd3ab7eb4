#include "comptoir/common/log.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <mutex>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "comptoir/common/crypto.h"
#include "comptoir/common/utf8.h"

namespace comptoir::common {
namespace {

std::atomic<int> g_level{static_cast<int>(LogLevel::kInfo)};

// The service name is set once in main before threads start, then only read.
std::string& ServiceName() {
  static auto* name = new std::string("comptoir");
  return *name;
}

thread_local std::string t_request_id;
thread_local std::string t_trace_id;

std::string_view LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

}  // namespace

void SetLogLevel(LogLevel level) { g_level.store(static_cast<int>(level)); }

bool SetLogLevel(std::string_view name) {
  for (LogLevel level : {LogLevel::kDebug, LogLevel::kInfo, LogLevel::kWarn, LogLevel::kError}) {
    if (name == LevelName(level)) {
      SetLogLevel(level);
      return true;
    }
  }
  return false;
}

void SetLogService(std::string name) { ServiceName() = std::move(name); }

std::string JsonQuote(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  out.push_back('"');
  for (size_t i = 0; i < text.size();) {
    auto c = static_cast<unsigned char>(text[i]);
    switch (c) {
      case '"':
        out += "\\\"";
        ++i;
        continue;
      case '\\':
        out += "\\\\";
        ++i;
        continue;
      case '\n':
        out += "\\n";
        ++i;
        continue;
      case '\r':
        out += "\\r";
        ++i;
        continue;
      case '\t':
        out += "\\t";
        ++i;
        continue;
      default:
        break;
    }
    if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
      ++i;
      continue;
    }
    size_t len = Utf8SequenceLength(text, i);
    if (len == 0) {
      out += "\\ufffd";  // invalid byte: replaced so every line stays valid JSON
      ++i;
      continue;
    }
    out.append(text.substr(i, len));
    i += len;
  }
  out.push_back('"');
  return out;
}

std::string FormatLogLine(LogLevel level, std::string_view message,
                          std::initializer_list<LogField> fields) {
  std::string line = "{\"ts\":";
  line += JsonQuote(absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(), absl::UTCTimeZone()));
  line += ",\"level\":";
  line += JsonQuote(LevelName(level));
  line += ",\"service\":";
  line += JsonQuote(ServiceName());
  line += ",\"msg\":";
  line += JsonQuote(message);
  if (!t_request_id.empty()) {
    line += ",\"request_id\":";
    line += JsonQuote(t_request_id);
  }
  if (!t_trace_id.empty()) {
    line += ",\"trace_id\":";
    line += JsonQuote(t_trace_id);
  }
  for (const LogField& field : fields) {
    line += ',';
    line += JsonQuote(field.first);
    line += ':';
    line += JsonQuote(field.second);
  }
  line += '}';
  return line;
}

void Log(LogLevel level, std::string_view message, std::initializer_list<LogField> fields) {
  if (static_cast<int>(level) < g_level.load(std::memory_order_relaxed)) return;
  std::string line = FormatLogLine(level, message, fields);
  line += '\n';
  // One write(2) per line keeps lines whole when threads log at once.
  ssize_t ignored = ::write(STDERR_FILENO, line.data(), line.size());
  (void)ignored;
}

ScopedRequestId::ScopedRequestId(std::string id, std::string trace_id)
    : previous_(std::move(t_request_id)), previous_trace_id_(std::move(t_trace_id)) {
  t_request_id = std::move(id);
  t_trace_id = std::move(trace_id);
}

ScopedRequestId::~ScopedRequestId() {
  t_request_id = std::move(previous_);
  t_trace_id = std::move(previous_trace_id_);
}

const std::string& CurrentRequestId() { return t_request_id; }
const std::string& CurrentTraceId() { return t_trace_id; }

std::string_view TraceIdOf(std::string_view v) {
  // version (2 hex, not "ff") - trace id (32 hex, not all zero) - parent id (16 hex, not all
  // zero) - flags (2 hex); version 00 is exactly this long.
  auto hex = [](std::string_view s) {
    return std::all_of(s.begin(), s.end(),
                       [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
  };
  auto zero = [](std::string_view s) { return s.find_first_not_of('0') == std::string_view::npos; };
  if (v.size() == 55 && v[2] == '-' && v[35] == '-' && v[52] == '-' && hex(v.substr(0, 2)) &&
      v.substr(0, 2) != "ff" && hex(v.substr(3, 32)) && hex(v.substr(36, 16)) &&
      hex(v.substr(53, 2)) && !zero(v.substr(3, 32)) && !zero(v.substr(36, 16))) {
    return v.substr(3, 32);
  }
  return {};
}

std::string NewRequestId() { return RandomHex(16); }

}  // namespace comptoir::common
