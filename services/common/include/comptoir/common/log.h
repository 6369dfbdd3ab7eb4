// Logs as one JSON object a line on stderr, with the request id (and trace id) of the current
// call.
//
//   LOG_INFO("shop created", {{"shop_id", id}});
//   ScopedRequestId rid(request_id);  // every log line of this thread carries it
//
// Thread-safe: a line is written with one write(2); the request id is thread-local.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace comptoir::common {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

using LogField = std::pair<std::string_view, std::string>;

void SetLogLevel(LogLevel level);
// "debug", "info", "warn" or "error"; anything else leaves the level unchanged.
bool SetLogLevel(std::string_view name);
// The service name written in every line.
void SetLogService(std::string name);
void Log(LogLevel level, std::string_view message, std::initializer_list<LogField> fields = {});
// The JSON line Log would write, without the trailing newline (exposed for tests).
std::string FormatLogLine(LogLevel level, std::string_view message,
                          std::initializer_list<LogField> fields);
// JSON string literal with quotes, escaping controls and invalid UTF-8 bytes.
std::string JsonQuote(std::string_view text);

// Sets the thread's request id, and the W3C trace id of the call when known (both written in
// every line), for its lifetime, restoring the previous ones after.
class ScopedRequestId {
 public:
  explicit ScopedRequestId(std::string id, std::string trace_id = {});
  ~ScopedRequestId();
  ScopedRequestId(const ScopedRequestId&) = delete;
  ScopedRequestId& operator=(const ScopedRequestId&) = delete;

 private:
  std::string previous_;
  std::string previous_trace_id_;
};
const std::string& CurrentRequestId();
const std::string& CurrentTraceId();
// The trace id (32 lower-case hex characters) of a W3C trace context header
// ("00-<trace id>-<parent id>-<flags>"); empty when `traceparent` is not a valid one.
std::string_view TraceIdOf(std::string_view traceparent);
// A fresh random request id (32 hex characters).
std::string NewRequestId();

}  // namespace comptoir::common

#define LOG_DEBUG(...) ::comptoir::common::Log(::comptoir::common::LogLevel::kDebug, __VA_ARGS__)
#define LOG_INFO(...) ::comptoir::common::Log(::comptoir::common::LogLevel::kInfo, __VA_ARGS__)
#define LOG_WARN(...) ::comptoir::common::Log(::comptoir::common::LogLevel::kWarn, __VA_ARGS__)
#define LOG_ERROR(...) ::comptoir::common::Log(::comptoir::common::LogLevel::kError, __VA_ARGS__)
