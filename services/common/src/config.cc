#include "comptoir/common/config.h"

#include <cstdio>
#include <cstdlib>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace comptoir::common {

EnvConfig::EnvConfig() = default;

EnvConfig::EnvConfig(std::map<std::string, std::string> vars) : vars_(std::move(vars)) {}

std::optional<std::string> EnvConfig::Lookup(const std::string& name) const {
  std::optional<std::string> value;
  if (vars_.has_value()) {
    auto it = vars_->find(name);
    if (it != vars_->end()) value = it->second;
  } else if (const char* env = std::getenv(name.c_str()); env != nullptr) {
    value = env;
  }
  // An empty variable means "not set", as in most shells' ${VAR:-default}.
  if (value.has_value() && value->empty()) return std::nullopt;
  return value;
}

std::string EnvConfig::Required(const std::string& name) {
  std::optional<std::string> value = Lookup(name);
  if (!value.has_value()) {
    errors_.push_back(absl::StrCat(name, ": required but not set"));
    return "";
  }
  return *value;
}

std::string EnvConfig::String(const std::string& name, const std::string& fallback) {
  return Lookup(name).value_or(fallback);
}

int64_t EnvConfig::Int(const std::string& name, int64_t fallback, int64_t min, int64_t max) {
  std::optional<std::string> value = Lookup(name);
  if (!value.has_value()) return fallback;
  int64_t parsed = 0;
  if (!absl::SimpleAtoi(*value, &parsed)) {
    errors_.push_back(absl::StrCat(name, ": \"", *value, "\" is not a whole number"));
    return fallback;
  }
  if (parsed < min || parsed > max) {
    errors_.push_back(absl::StrCat(name, ": ", parsed, " is outside ", min, "..", max));
    return fallback;
  }
  return parsed;
}

bool EnvConfig::Bool(const std::string& name, bool fallback) {
  std::optional<std::string> value = Lookup(name);
  if (!value.has_value()) return fallback;
  std::string v = absl::AsciiStrToLower(*value);
  if (v == "1" || v == "true" || v == "yes" || v == "on") return true;
  if (v == "0" || v == "false" || v == "no" || v == "off") return false;
  errors_.push_back(absl::StrCat(name, ": \"", *value, "\" is not a boolean (true/false)"));
  return fallback;
}

std::chrono::milliseconds EnvConfig::Duration(const std::string& name,
                                              std::chrono::milliseconds fallback) {
  std::optional<std::string> value = Lookup(name);
  if (!value.has_value()) return fallback;
  std::optional<std::chrono::milliseconds> parsed = ParseDuration(*value);
  if (!parsed.has_value()) {
    errors_.push_back(
        absl::StrCat(name, ": \"", *value, "\" is not a duration (e.g. 250ms, 5s, 2m)"));
    return fallback;
  }
  return *parsed;
}

std::string EnvConfig::HostPort(const std::string& name, const std::string& fallback) {
  std::string value = String(name, fallback);
  std::string::size_type colon = value.rfind(':');
  int port = 0;
  if (colon == std::string::npos || colon == 0 ||
      !absl::SimpleAtoi(value.substr(colon + 1), &port) || port < 1 || port > 65535) {
    errors_.push_back(absl::StrCat(name, ": \"", value, "\" is not host:port"));
    return fallback;
  }
  return value;
}

absl::Status EnvConfig::Validate() const {
  if (errors_.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrJoin(errors_, "; "));
}

void EnvConfig::ExitIfInvalid(const std::string& program) const {
  if (errors_.empty()) return;
  std::fprintf(stderr, "%s: invalid configuration:\n", program.c_str());
  for (const std::string& e : errors_) std::fprintf(stderr, "  %s\n", e.c_str());
  std::exit(2);
}

std::optional<std::chrono::milliseconds> ParseDuration(const std::string& text) {
  std::string t = absl::AsciiStrToLower(absl::StripAsciiWhitespace(text));
  size_t digits = 0;
  while (digits < t.size() && absl::ascii_isdigit(static_cast<unsigned char>(t[digits]))) {
    ++digits;
  }
  if (digits == 0 || digits > 12) return std::nullopt;
  int64_t n = 0;
  if (!absl::SimpleAtoi(t.substr(0, digits), &n)) return std::nullopt;
  std::string unit = t.substr(digits);
  if (unit.empty() || unit == "ms") return std::chrono::milliseconds(n);
  if (unit == "s") return std::chrono::milliseconds(n * 1000);
  if (unit == "m") return std::chrono::milliseconds(n * 60 * 1000);
  if (unit == "h") return std::chrono::milliseconds(n * 3600 * 1000);
  return std::nullopt;
}

}  // namespace comptoir::common
