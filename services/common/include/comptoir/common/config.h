// Configuration from environment variables, read once at start-up.
//
//   EnvConfig env;                       // or EnvConfig env(map) in tests
//   auto pg_url = env.Required("PG_URL");
//   auto workers = env.Int("WORKERS", 8, 1, 256);
//   env.ExitIfInvalid("comptoir-shops"); // lists every missing or bad variable, then exits
//
// Not thread-safe; use it from main before starting threads.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"

namespace comptoir::common {

class EnvConfig {
 public:
  // Reads the process environment.
  EnvConfig();
  // Reads `vars` instead of the environment (tests).
  explicit EnvConfig(std::map<std::string, std::string> vars);

  std::string Required(const std::string& name);
  std::string String(const std::string& name, const std::string& fallback);
  int64_t Int(const std::string& name, int64_t fallback, int64_t min, int64_t max);
  bool Bool(const std::string& name, bool fallback);
  // Durations as "250ms", "5s", "2m" or a bare number of milliseconds.
  std::chrono::milliseconds Duration(const std::string& name, std::chrono::milliseconds fallback);
  // "host:port", with port 1-65535.
  std::string HostPort(const std::string& name, const std::string& fallback);

  // Records a problem found by a caller's own parsing (e.g. a key list), same format as above.
  void AddError(std::string error) { errors_.push_back(std::move(error)); }

  // Every problem found so far, one line each ("PG_URL: required but not set").
  const std::vector<std::string>& errors() const { return errors_; }
  // OK, or InvalidArgument listing every problem.
  absl::Status Validate() const;
  // Prints every problem to stderr and exits with status 2 when there is any.
  void ExitIfInvalid(const std::string& program) const;

 private:
  std::optional<std::string> Lookup(const std::string& name) const;

  std::optional<std::map<std::string, std::string>> vars_;  // absent: the process environment
  std::vector<std::string> errors_;
};

// Parses "250ms", "5s", "2m", "1h" or a bare number of milliseconds.
std::optional<std::chrono::milliseconds> ParseDuration(const std::string& text);

}  // namespace comptoir::common
