#include "shop_rules.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace comptoir::shops {
namespace {

bool AllDigits(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

absl::string_view AbslView(std::string_view s) { return absl::string_view(s.data(), s.size()); }

}  // namespace

bool LuhnValid(std::string_view digits) {
  if (!AllDigits(digits)) return false;
  int sum = 0;
  bool doubled = false;  // the rightmost digit is the key: not doubled
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    int d = *it - '0';
    if (doubled) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    doubled = !doubled;
  }
  return sum % 10 == 0;
}

bool ValidSiret(std::string_view siret) {
  if (siret.size() != 14 || !AllDigits(siret)) return false;
  if (LuhnValid(siret)) return true;
  if (siret.substr(0, 9) == "356000000") {
    int sum = 0;
    for (char c : siret) sum += c - '0';
    return sum % 5 == 0;
  }
  return false;
}

std::string StripSeparators(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c != ' ' && c != '.' && c != '-') out.push_back(c);
  }
  return out;
}

absl::StatusOr<std::string> NormalizeFrenchPhone(std::string_view text) {
  if (text.size() > 40) return absl::InvalidArgumentError("is too long for a phone number");
  std::string compact = StripSeparators(text);
  // "+33 (0)3 ..." : the national trunk 0 written in brackets after the country code.
  if (std::string_view(compact).substr(0, 6) == "+33(0)") compact = "+33" + compact.substr(6);
  std::string national;
  if (absl::StartsWith(compact, "+33")) {
    national = "0" + compact.substr(3);
  } else if (absl::StartsWith(compact, "0033")) {
    national = "0" + compact.substr(4);
  } else {
    national = compact;
  }
  if (national.size() != 10 || !AllDigits(national) || national[0] != '0' || national[1] == '0') {
    return absl::InvalidArgumentError(
        "must be a French phone number such as 03 80 12 34 56 or +33 3 80 12 34 56");
  }
  return absl::StrCat("+33", national.substr(1));
}

std::string FormatFrenchPhone(std::string_view e164) {
  if (e164.size() != 12 || e164.substr(0, 3) != "+33") return std::string(e164);
  std::string national = absl::StrCat("0", AbslView(e164.substr(3)));
  std::string out;
  for (std::size_t i = 0; i < national.size(); i += 2) {
    if (!out.empty()) out.push_back(' ');
    out.append(national, i, 2);
  }
  return out;
}

bool ValidPostalCodeFormat(std::string_view code) { return code.size() == 5 && AllDigits(code); }

bool ValidEmail(std::string_view email) {
  if (email.empty() || email.size() > 254) return false;
  const std::size_t at = email.find('@');
  if (at == std::string_view::npos || at == 0 ||
      email.find('@', at + 1) != std::string_view::npos) {
    return false;
  }
  for (char c : email) {
    if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f) return false;
  }
  std::string_view domain = email.substr(at + 1);
  const std::size_t dot = domain.rfind('.');
  return dot != std::string_view::npos && dot > 0 && dot + 1 < domain.size() &&
         domain.find("..") == std::string_view::npos;
}

bool ValidWebUrl(std::string_view url) {
  if (url.size() > 2048) return false;
  std::string_view rest;
  if (url.substr(0, 8) == "https://") {
    rest = url.substr(8);
  } else if (url.substr(0, 7) == "http://") {
    rest = url.substr(7);
  } else {
    return false;
  }
  for (char c : url) {
    if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f) return false;
  }
  const std::size_t end = rest.find_first_of("/?#");
  std::string_view host = rest.substr(0, end);
  return !host.empty() && host.find('.') != std::string_view::npos && host.front() != '.' &&
         host.find('@') == std::string_view::npos;
}

double DistanceKm(double lat1, double lon1, double lat2, double lon2) {
  constexpr double kEarthRadiusKm = 6371.0088;
  constexpr double kRadians = M_PI / 180.0;
  const double dlat = (lat2 - lat1) * kRadians;
  const double dlon = (lon2 - lon1) * kRadians;
  const double a = std::pow(std::sin(dlat / 2), 2) + std::cos(lat1 * kRadians) *
                                                         std::cos(lat2 * kRadians) *
                                                         std::pow(std::sin(dlon / 2), 2);
  return 2 * kEarthRadiusKm * std::asin(std::min(1.0, std::sqrt(a)));
}

bool ValidDepartmentCode(std::string_view code) {
  return code.size() == 2 && ((absl::ascii_isdigit(static_cast<unsigned char>(code[0])) &&
                               absl::ascii_isdigit(static_cast<unsigned char>(code[1]))) ||
                              (code[0] == '2' && (code[1] == 'A' || code[1] == 'B')));
}

bool ValidInseeCode(std::string_view code) {
  // Five characters; Corsica's departments 2A/2B put a letter second (never in this region,
  // but a clear "unknown commune" beats a format error for them).
  if (code.size() != 5) return false;
  for (size_t i = 0; i < 5; ++i) {
    char c = code[i];
    bool ok =
        absl::ascii_isdigit(static_cast<unsigned char>(c)) || (i == 1 && (c == 'A' || c == 'B'));
    if (!ok) return false;
  }
  return true;
}

}  // namespace comptoir::shops
