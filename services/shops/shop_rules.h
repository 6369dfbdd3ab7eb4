// Format rules of a shop's identity and contact fields (SIRET, French phone numbers, postal
// codes, e-mail, web and photo URLs). Pure functions over values: thread-safe.
//
//   if (!ValidSiret(siret)) violations.Add("shop.siret", "...");
//   absl::StatusOr<std::string> phone = NormalizeFrenchPhone("03 80 12 34 56");  // "+33380123456"
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace comptoir::shops {

// Luhn check over a string of ASCII digits (false when any other character is present).
bool LuhnValid(std::string_view digits);

// A SIRET: 14 digits whose Luhn key is right. La Poste's establishments (SIREN 356000000)
// are numbered past what Luhn allows and use another rule: the sum of the 14 digits is a
// multiple of 5. Spaces are not accepted here: normalise with DigitsOnly first.
bool ValidSiret(std::string_view siret);

// `text` without spaces, dots and hyphens (how people type SIRETs and phone numbers).
std::string StripSeparators(std::string_view text);

// A French phone number in any usual written form ("03 80 12 34 56", "03.80.12.34.56",
// "+33 3 80 12 34 56", "+33 (0)3 80 12 34 56", "0033380123456") as E.164 ("+33380123456").
// Metropolitan and overseas numbers: 10 national digits starting 01-09. InvalidArgument
// otherwise.
absl::StatusOr<std::string> NormalizeFrenchPhone(std::string_view text);
// "+33380123456" -> "03 80 12 34 56", for display.
std::string FormatFrenchPhone(std::string_view e164);

// Five digits (the format only; whether it belongs to the commune is the repository's say).
bool ValidPostalCodeFormat(std::string_view code);

// A department code: two digits, or 2A / 2B (Corsica).
bool ValidDepartmentCode(std::string_view code);
// The format of a commune's INSEE code: five digits, or 2A/2B then three digits.
bool ValidInseeCode(std::string_view code);

// A plausible address: one '@', a local part and a dotted domain, no spaces, <= 254 bytes.
bool ValidEmail(std::string_view email);

// An absolute https:// (or http://) URL with a host, no spaces or controls, <= 2048 bytes.
bool ValidWebUrl(std::string_view url);

// Great-circle distance in kilometres (haversine, mean Earth radius 6371.0088 km): the same
// formula as the SQL of radius searches, so tests can check them.
double DistanceKm(double lat1, double lon1, double lat2, double lon2);

}  // namespace comptoir::shops
