#include "comptoir/common/log.h"

#include <unistd.h>

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

ScopedRequestId::ScopedRequestId(std::string id) : previous_(std::move(t_request_id)) {
  t_request_id = std::move(id);
}

ScopedRequestId::~ScopedRequestId() { t_request_id = std::move(previous_); }

const std::string& CurrentRequestId() { return t_request_id; }

std::string NewRequestId() { return RandomHex(16); }

}  // namespace comptoir::common
