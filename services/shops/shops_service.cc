#include "shops_service.h"

#include <algorithm>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "comptoir/common/status.h"
#include "comptoir/common/utf8.h"
#include "shop_export.h"
#include "shop_rules.h"

namespace comptoir::shops {
namespace {

using common::PrintableLength;
using common::Violations;

bool ValidDepartmentCode(const std::string& code) {
  return code.size() == 2 && ((absl::ascii_isdigit(static_cast<unsigned char>(code[0])) &&
                               absl::ascii_isdigit(static_cast<unsigned char>(code[1]))) ||
                              (code[0] == '2' && (code[1] == 'A' || code[1] == 'B')));
}

bool ValidInseeCode(const std::string& code) {
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

// Folds the accented Latin letters of French (and a few neighbours) to ASCII.
std::string FoldAccent(std::string_view utf8_char) {
  static const std::pair<const char*, const char*> kFolds[] = {
      {"à", "a"}, {"â", "a"}, {"ä", "a"},  {"á", "a"},  {"ã", "a"}, {"å", "a"},  {"ç", "c"},
      {"é", "e"}, {"è", "e"}, {"ê", "e"},  {"ë", "e"},  {"î", "i"}, {"ï", "i"},  {"í", "i"},
      {"ì", "i"}, {"ô", "o"}, {"ö", "o"},  {"ó", "o"},  {"ò", "o"}, {"õ", "o"},  {"ù", "u"},
      {"û", "u"}, {"ü", "u"}, {"ú", "u"},  {"ÿ", "y"},  {"ñ", "n"}, {"œ", "oe"}, {"æ", "ae"},
      {"À", "a"}, {"Â", "a"}, {"Ä", "a"},  {"Ç", "c"},  {"É", "e"}, {"È", "e"},  {"Ê", "e"},
      {"Ë", "e"}, {"Î", "i"}, {"Ï", "i"},  {"Ô", "o"},  {"Ö", "o"}, {"Ù", "u"},  {"Û", "u"},
      {"Ü", "u"}, {"Ÿ", "y"}, {"Œ", "oe"}, {"Æ", "ae"}, {"ß", "ss"}};
  for (const auto& [from, to] : kFolds) {
    if (utf8_char == from) return to;
  }
  return "";
}

// The stored profile as a creation request, so an update re-validates the whole result.
NewShop NewShopOf(const Shop& shop) {
  NewShop out;
  out.name = shop.name;
  out.commune_insee = shop.commune_insee;
  out.category = shop.category;
  out.siret = shop.siret;
  out.description = shop.description;
  out.street_address = shop.street_address;
  out.postal_code = shop.postal_code;
  out.latitude = shop.latitude;
  out.longitude = shop.longitude;
  out.phone = shop.phone;
  out.email = shop.email;
  out.website = shop.website;
  out.photo_urls = shop.photo_urls;
  out.click_and_collect = shop.click_and_collect;
  out.preparation_minutes = shop.preparation_minutes;
  ToProto(shop.opening_hours, &out.opening_hours);
  return out;
}

ShopCursor CursorOf(const Shop& shop) {
  return ShopCursor{shop.create_time, shop.id, shop.distance_km};
}

}  // namespace

const std::vector<std::string>& UpdatableShopFields() {
  static const auto* fields = new std::vector<std::string>{"name",
                                                           "commune_insee",
                                                           "category",
                                                           "siret",
                                                           "description",
                                                           "street_address",
                                                           "postal_code",
                                                           "latitude",
                                                           "longitude",
                                                           "phone",
                                                           "email",
                                                           "website",
                                                           "photo_urls",
                                                           "click_and_collect",
                                                           "preparation_minutes",
                                                           "opening_hours"};
  return *fields;
}

const std::vector<std::string>& ShopCategories() {
  static const auto* categories =
      new std::vector<std::string>{"boulangerie",  "boucherie-charcuterie",
                                   "fromagerie",   "primeur",
                                   "epicerie",     "caviste",
                                   "poissonnerie", "librairie",
                                   "fleuriste",    "quincaillerie",
                                   "producteur",   "artisan",
                                   "autre"};
  return *categories;
}

std::string Slugify(const std::string& text) {
  std::string out;
  bool pending_hyphen = false;
  auto emit = [&](std::string_view piece) {
    if (pending_hyphen && !out.empty()) out.push_back('-');
    pending_hyphen = false;
    out.append(piece);
  };
  for (size_t i = 0; i < text.size();) {
    auto c = static_cast<unsigned char>(text[i]);
    size_t len = std::max<size_t>(common::Utf8SequenceLength(text, i), 1);
    if (len == 1 && absl::ascii_isalnum(c)) {
      emit(std::string(1, absl::ascii_tolower(c)));
    } else if (std::string folded = FoldAccent(std::string_view(text).substr(i, len));
               !folded.empty()) {
      emit(folded);
    } else {
      pending_hyphen = true;
    }
    i += len;
  }
  if (out.size() > 80) {
    out.resize(80);
    while (!out.empty() && out.back() == '-') out.pop_back();
  }
  return out;
}

std::string EncodePageToken(const ShopCursor& cursor) {
  if (cursor.distance_km.has_value()) {
    // %.17g round-trips the double exactly: the next page resumes right after this shop.
    return absl::WebSafeBase64Escape(
        absl::StrCat("d1|", absl::StrFormat("%.17g", *cursor.distance_km), "|", cursor.id));
  }
  return absl::WebSafeBase64Escape(
      absl::StrCat("v1|", absl::ToUnixMicros(cursor.create_time), "|", cursor.id));
}

absl::StatusOr<ShopCursor> DecodePageToken(const std::string& token) {
  std::string raw;
  if (token.size() > 200 || !absl::WebSafeBase64Unescape(token, &raw)) {
    return common::InvalidField("page_token", "is not a token from a previous page");
  }
  std::vector<std::string> parts = absl::StrSplit(raw, '|');
  int64_t micros = 0;
  double distance = 0;
  if (parts.size() == 3 && parts[0] == "d1" && absl::SimpleAtod(parts[1], &distance) &&
      distance >= 0 && LooksLikeUuid(parts[2])) {
    ShopCursor cursor;
    cursor.id = parts[2];
    cursor.distance_km = distance;
    return cursor;
  }
  if (parts.size() != 3 || parts[0] != "v1" || !absl::SimpleAtoi(parts[1], &micros) ||
      !LooksLikeUuid(parts[2])) {
    return common::InvalidField("page_token", "is not a token from a previous page");
  }
  ShopCursor cursor;
  cursor.create_time = absl::FromUnixMicros(micros);
  cursor.id = parts[2];
  return cursor;
}

absl::StatusOr<Shop> ShopsService::CreateShop(const NewShop& request, const Caller& caller,
                                              Deadline deadline) {
  RETURN_IF_ERROR(common::RequireAuthenticated(caller));
  ASSIGN_OR_RETURN(Shop shop, ValidateProfile(request, "shop", deadline));
  // A readable slug: the name alone when free, then with the commune, then numbered.
  const std::string base = Slugify(shop.name);
  const std::string with_commune = absl::StrCat(base, "-", Slugify(shop.commune_name));
  for (int attempt = 0; attempt < 20; ++attempt) {
    shop.slug = attempt == 0   ? base
                : attempt == 1 ? with_commune
                               : absl::StrCat(with_commune, "-", attempt);
    absl::StatusOr<Shop> stored = repository_.Insert(shop, caller.user_id, deadline);
    if (stored.status().code() != absl::StatusCode::kAlreadyExists) return stored;
  }
  return absl::AbortedError("could not find a free slug for this shop; try again");
}

absl::StatusOr<Shop> ShopsService::ValidateProfile(const NewShop& request,
                                                   const std::string& prefix, Deadline deadline) {
  auto F = [&prefix](const char* field) { return absl::StrCat(prefix, ".", field); };
  Violations violations;
  std::string name(absl::StripAsciiWhitespace(request.name));
  int name_length = PrintableLength(name);
  if (name.empty()) {
    violations.Add(F("name"), "is required");
  } else if (name_length < 0) {
    violations.Add(F("name"), "must be UTF-8 text without control characters");
  } else if (name_length > kMaxNameLength) {
    violations.Add(F("name"), absl::StrCat("must be at most ", kMaxNameLength, " characters"));
  } else if (Slugify(name).empty()) {
    violations.Add(F("name"), "must contain at least one letter or digit");
  }
  std::optional<Commune> commune;
  if (request.commune_insee.empty()) {
    violations.Add(F("commune_insee"), "is required");
  } else if (!ValidInseeCode(request.commune_insee)) {
    violations.Add(F("commune_insee"), "must be a 5-character INSEE code such as 21231");
  } else {
    ASSIGN_OR_RETURN(commune, repository_.FindCommune(request.commune_insee, deadline));
    if (!commune.has_value()) {
      violations.Add(F("commune_insee"),
                     absl::StrCat("no commune of Bourgogne-Franche-Comte has INSEE code ",
                                  request.commune_insee));
    }
  }
  const auto& categories = ShopCategories();
  if (request.category.empty()) {
    violations.Add(F("category"), "is required");
  } else if (std::find(categories.begin(), categories.end(), request.category) ==
             categories.end()) {
    violations.Add(F("category"), "is not one of the shop categories");
  }

  Shop shop;
  shop.siret = StripSeparators(request.siret);
  if (request.siret.empty()) {
    violations.Add(F("siret"), "is required");
  } else if (!ValidSiret(shop.siret)) {
    violations.Add(F("siret"), "must be 14 digits with a valid check key");
  }
  // Descriptions are paragraphs: newlines are fine, other controls are not.
  std::string description_flat = request.description;
  std::replace(description_flat.begin(), description_flat.end(), '\n', ' ');
  const int description_length = PrintableLength(description_flat);
  if (description_length < 0) {
    violations.Add(F("description"), "must be UTF-8 text without control characters");
  } else if (description_length > kMaxDescriptionLength) {
    violations.Add(F("description"),
                   absl::StrCat("must be at most ", kMaxDescriptionLength, " characters"));
  }
  shop.description = request.description;
  shop.street_address = std::string(absl::StripAsciiWhitespace(request.street_address));
  const int address_length = common::PrintableLength(shop.street_address);
  if (address_length < 0 || address_length > kMaxAddressLength) {
    violations.Add(F("street_address"),
                   absl::StrCat("must be one line of at most ", kMaxAddressLength, " characters"));
  }
  shop.postal_code = request.postal_code;
  if (!request.postal_code.empty() && !ValidPostalCodeFormat(request.postal_code)) {
    violations.Add(F("postal_code"), "must be 5 digits");
  } else if (commune.has_value()) {
    if (shop.postal_code.empty() && !commune->postal_codes.empty()) {
      shop.postal_code = commune->postal_codes.front();
    } else if (!shop.postal_code.empty() &&
               std::find(commune->postal_codes.begin(), commune->postal_codes.end(),
                         shop.postal_code) == commune->postal_codes.end()) {
      violations.Add(F("postal_code"),
                     absl::StrCat("is not a postal code of ", commune->name, " (",
                                  absl::StrJoin(commune->postal_codes, ", "), ")"));
    }
  }
  if (request.latitude.has_value() != request.longitude.has_value()) {
    violations.Add(request.latitude.has_value() ? F("longitude") : F("latitude"),
                   "give both coordinates or neither");
  } else if (request.latitude.has_value()) {
    // Bourgogne-Franche-Comte, with a margin: a point outside is a typo or a swap.
    if (!(*request.latitude >= 46.0 && *request.latitude <= 48.6)) {
      violations.Add(F("latitude"), "must be in Bourgogne-Franche-Comte (46.0 to 48.6)");
    }
    if (!(*request.longitude >= 2.6 && *request.longitude <= 7.4)) {
      violations.Add(F("longitude"), "must be in Bourgogne-Franche-Comte (2.6 to 7.4)");
    }
    shop.latitude = *request.latitude;
    shop.longitude = *request.longitude;
  } else if (commune.has_value()) {
    shop.latitude = commune->latitude;
    shop.longitude = commune->longitude;
  }
  if (!request.phone.empty()) {
    absl::StatusOr<std::string> phone = NormalizeFrenchPhone(request.phone);
    if (phone.ok()) {
      shop.phone = *phone;
    } else {
      violations.Add(F("phone"), std::string(phone.status().message()));
    }
  }
  shop.email = std::string(absl::StripAsciiWhitespace(request.email));
  if (!shop.email.empty() && !ValidEmail(shop.email)) {
    violations.Add(F("email"), "must be an e-mail address such as contact@example.fr");
  }
  shop.website = std::string(absl::StripAsciiWhitespace(request.website));
  if (!shop.website.empty() && !ValidWebUrl(shop.website)) {
    violations.Add(F("website"), "must be an http(s) address such as https://example.fr");
  }
  if (static_cast<int>(request.photo_urls.size()) > kMaxPhotos) {
    violations.Add(F("photo_urls"), absl::StrCat("at most ", kMaxPhotos, " photos"));
  } else {
    for (std::size_t i = 0; i < request.photo_urls.size(); ++i) {
      if (!ValidWebUrl(request.photo_urls[i]) ||
          !absl::StartsWith(request.photo_urls[i], "https://")) {
        violations.Add(absl::StrCat(prefix, ".photo_urls[", i, "]"), "must be an https:// address");
      }
    }
  }
  shop.photo_urls = request.photo_urls;
  shop.click_and_collect = request.click_and_collect;
  if (request.preparation_minutes < 0 || request.preparation_minutes > kMaxPreparationMinutes) {
    violations.Add(F("preparation_minutes"),
                   absl::StrCat("must be between 0 and ", kMaxPreparationMinutes));
  }
  shop.preparation_minutes = request.preparation_minutes;
  absl::StatusOr<OpeningHours> hours = ParseOpeningHours(request.opening_hours, F("opening_hours"));
  if (hours.ok()) {
    shop.opening_hours = *std::move(hours);
  } else {
    for (const common::FieldViolation& v : common::FieldViolationsOf(hours.status())) {
      violations.Add(v.field, v.description);
    }
  }
  RETURN_IF_ERROR(violations.ToStatus());
  shop.name = name;
  shop.commune_insee = request.commune_insee;
  shop.commune_name = commune->name;
  shop.department_code = commune->department_code;
  shop.category = request.category;
  return shop;
}

absl::StatusOr<Shop> ShopsService::Find(const std::string& id_or_slug, Deadline deadline) {
  if (id_or_slug.empty() || id_or_slug.size() > 160) {
    return common::InvalidField("shop", "must be a shop id or slug");
  }
  if (LooksLikeUuid(id_or_slug)) {
    return repository_.FindById(absl::AsciiStrToLower(id_or_slug), deadline);
  }
  if (Slugify(id_or_slug) != id_or_slug) {
    return absl::NotFoundError(absl::StrCat("no shop \"", id_or_slug, "\""));
  }
  return repository_.FindBySlug(id_or_slug, deadline);
}

absl::Status ShopsService::RequireMember(const Shop& shop, const Caller& caller,
                                         const std::vector<std::string>& roles, Deadline deadline) {
  RETURN_IF_ERROR(common::RequireAuthenticated(caller));
  if (caller.HasRole(common::kRoleAdmin)) return absl::OkStatus();
  ASSIGN_OR_RETURN(std::optional<std::string> role,
                   repository_.MemberRole(shop.id, caller.user_id, deadline));
  if (role.has_value() && std::find(roles.begin(), roles.end(), *role) != roles.end()) {
    return absl::OkStatus();
  }
  return absl::PermissionDeniedError(role.has_value() ? "only the shop's owner may do this"
                                                      : "you are not a member of this shop");
}

absl::StatusOr<Shop> ShopsService::GetShop(const std::string& id_or_slug, const Caller& caller,
                                           Deadline deadline) {
  ASSIGN_OR_RETURN(Shop shop, Find(id_or_slug, deadline));
  if (shop.status == kStatusActive) return shop;
  // Not public: members and admins only; others are told it does not exist.
  if (caller.authenticated() &&
      RequireMember(shop, caller, {kRoleOwner, kRoleStaff}, deadline).ok()) {
    return shop;
  }
  return absl::NotFoundError(absl::StrCat("no shop \"", id_or_slug, "\""));
}

absl::StatusOr<Shop> ShopsService::SetOpeningHours(const std::string& id_or_slug,
                                                   const v1::OpeningHours& hours,
                                                   const Caller& caller, Deadline deadline) {
  RETURN_IF_ERROR(common::RequireAuthenticated(caller));
  ASSIGN_OR_RETURN(OpeningHours parsed, ParseOpeningHours(hours, "opening_hours"));
  ASSIGN_OR_RETURN(Shop shop, GetShop(id_or_slug, caller, deadline));
  RETURN_IF_ERROR(RequireMember(shop, caller, {kRoleOwner, kRoleStaff}, deadline));
  if (shop.status == kStatusClosed) {
    return absl::FailedPreconditionError("the shop is closed");
  }
  return repository_.SetOpeningHours(shop.id, parsed, caller.user_id, deadline);
}

absl::StatusOr<Shop> ShopsService::ApproveShop(const std::string& id_or_slug, const Caller& caller,
                                               Deadline deadline) {
  RETURN_IF_ERROR(common::RequireRole(caller, common::kRoleAdmin));
  ASSIGN_OR_RETURN(Shop shop, Find(id_or_slug, deadline));
  return repository_.ChangeStatus(shop.id, {kStatusPending, kStatusSuspended}, kStatusActive,
                                  {"approve", caller.user_id, ""}, deadline);
}

absl::StatusOr<Shop> ShopsService::SuspendShop(const std::string& id_or_slug,
                                               const std::string& reason, const Caller& caller,
                                               Deadline deadline) {
  RETURN_IF_ERROR(common::RequireRole(caller, common::kRoleAdmin));
  const std::string trimmed(absl::StripAsciiWhitespace(reason));
  const int length = PrintableLength(trimmed);
  if (trimmed.empty()) return common::InvalidField("reason", "is required");
  if (length < 0 || length > kMaxReasonLength) {
    return common::InvalidField(
        "reason", absl::StrCat("must be one line of at most ", kMaxReasonLength, " characters"));
  }
  ASSIGN_OR_RETURN(Shop shop, Find(id_or_slug, deadline));
  return repository_.ChangeStatus(shop.id, {kStatusPending, kStatusActive}, kStatusSuspended,
                                  {"suspend", caller.user_id, trimmed}, deadline);
}

absl::StatusOr<std::string> ShopsService::ResolveMember(const std::string& user_id_or_email,
                                                        const std::string& field,
                                                        Deadline deadline) {
  if (LooksLikeUuid(user_id_or_email)) return absl::AsciiStrToLower(user_id_or_email);
  if (accounts_ == nullptr) {
    return absl::UnavailableError("members cannot be found by e-mail address right now");
  }
  absl::StatusOr<std::string> id = accounts_->AccountIdByEmail(user_id_or_email, deadline);
  if (id.status().code() == absl::StatusCode::kNotFound) {
    return common::InvalidField(
        field, "no account has this e-mail address: the person must sign up first");
  }
  return id;
}

namespace {

// A member is named by account UUID or by the e-mail address of their account.
bool ValidMemberReference(const std::string& value) {
  return LooksLikeUuid(value) || (value.find('@') != std::string::npos && ValidEmail(value));
}

}  // namespace

absl::StatusOr<Member> ShopsService::AddMember(const std::string& id_or_slug,
                                               const std::string& user_id, const std::string& role,
                                               const Caller& caller, Deadline deadline) {
  RETURN_IF_ERROR(common::RequireAuthenticated(caller));
  Violations violations;
  const std::string who(absl::StripAsciiWhitespace(user_id));
  const std::string field = who.find('@') != std::string::npos ? "member.email" : "member.user_id";
  if (!ValidMemberReference(who)) {
    violations.Add(field, "must be an account id (UUID) or the e-mail address of an account");
  }
  const std::string effective_role = role.empty() ? kRoleStaff : role;
  if (effective_role != kRoleOwner && effective_role != kRoleStaff) {
    violations.Add("member.role", "must be owner or staff");
  }
  RETURN_IF_ERROR(violations.ToStatus());
  ASSIGN_OR_RETURN(Shop shop, GetShop(id_or_slug, caller, deadline));
  // Owners only may look addresses up: nobody else learns who has an account.
  RETURN_IF_ERROR(RequireMember(shop, caller, {kRoleOwner}, deadline));
  ASSIGN_OR_RETURN(std::string member_id, ResolveMember(who, field, deadline));
  return repository_.PutMember(shop.id, member_id, effective_role, deadline);
}

absl::Status ShopsService::RemoveMember(const std::string& id_or_slug, const std::string& user_id,
                                        const Caller& caller, Deadline deadline) {
  RETURN_IF_ERROR(common::RequireAuthenticated(caller));
  const std::string who(absl::StripAsciiWhitespace(user_id));
  if (!ValidMemberReference(who)) {
    return common::InvalidField("user_id",
                                "must be an account id (UUID) or the e-mail address of an account");
  }
  ASSIGN_OR_RETURN(Shop shop, GetShop(id_or_slug, caller, deadline));
  RETURN_IF_ERROR(RequireMember(shop, caller, {kRoleOwner}, deadline));
  ASSIGN_OR_RETURN(std::string member_id, ResolveMember(who, "user_id", deadline));
  return repository_.RemoveMember(shop.id, member_id, deadline);
}

absl::StatusOr<std::vector<Member>> ShopsService::ListMembers(const std::string& id_or_slug,
                                                              const Caller& caller,
                                                              Deadline deadline) {
  RETURN_IF_ERROR(common::RequireAuthenticated(caller));
  ASSIGN_OR_RETURN(Shop shop, GetShop(id_or_slug, caller, deadline));
  RETURN_IF_ERROR(RequireMember(shop, caller, {kRoleOwner, kRoleStaff}, deadline));
  return repository_.ListMembers(shop.id, deadline);
}

absl::StatusOr<Shop> ShopsService::CloseShop(const std::string& id_or_slug,
                                             const std::string& reason, const Caller& caller,
                                             Deadline deadline) {
  RETURN_IF_ERROR(common::RequireAuthenticated(caller));
  const std::string trimmed(absl::StripAsciiWhitespace(reason));
  const int length = PrintableLength(trimmed);
  if (length < 0 || length > kMaxReasonLength) {
    return common::InvalidField(
        "reason", absl::StrCat("must be one line of at most ", kMaxReasonLength, " characters"));
  }
  ASSIGN_OR_RETURN(Shop shop, GetShop(id_or_slug, caller, deadline));
  RETURN_IF_ERROR(RequireMember(shop, caller, {kRoleOwner}, deadline));
  return repository_.ChangeStatus(shop.id, {kStatusPending, kStatusActive, kStatusSuspended},
                                  kStatusClosed, {"close", caller.user_id, trimmed}, deadline);
}

absl::StatusOr<ListShopsResult> ShopsService::ListShops(const ListShopsParams& params,
                                                        Deadline deadline) {
  Violations violations;
  ShopQuery query;
  if (params.page_size < 0 || params.page_size > kMaxPageSize) {
    violations.Add("page_size", absl::StrCat("must be between 1 and ", kMaxPageSize));
  }
  query.page_size = params.page_size == 0 ? kDefaultPageSize : params.page_size;
  if (!params.commune_insee.empty() && !ValidInseeCode(params.commune_insee)) {
    violations.Add("commune", "must be a 5-character INSEE code such as 21231");
  }
  query.commune_insee = params.commune_insee;
  const auto& categories = ShopCategories();
  if (!params.category.empty() &&
      std::find(categories.begin(), categories.end(), params.category) == categories.end()) {
    violations.Add("category", "is not one of the shop categories");
  }
  query.category = params.category;
  if (!params.department_code.empty() && !ValidDepartmentCode(params.department_code)) {
    violations.Add("department", "must be a department code such as 21");
  }
  query.department_code = params.department_code;
  if (!params.q.empty()) {
    const std::string q(absl::StripAsciiWhitespace(params.q));
    const int length = PrintableLength(q);
    if (length < 2 || length > kMaxNameQueryLength) {
      violations.Add("q", absl::StrCat("must be 2 to ", kMaxNameQueryLength, " characters"));
    } else if (Slugify(q).empty()) {
      violations.Add("q", "must contain at least one letter or digit");
    } else {
      query.name_query = q;
    }
  }
  const bool around = !params.near.empty() || !params.near_commune.empty();
  if (!params.near.empty() && !params.near_commune.empty()) {
    violations.Add("near_commune", "give near or near_commune, not both");
  } else if (!params.near.empty()) {
    std::vector<std::string> parts = absl::StrSplit(params.near, ',');
    GeoPoint point;
    if (parts.size() != 2 ||
        !absl::SimpleAtod(absl::StripAsciiWhitespace(parts[0]), &point.latitude) ||
        !absl::SimpleAtod(absl::StripAsciiWhitespace(parts[1]), &point.longitude) ||
        !(point.latitude >= -90 && point.latitude <= 90) ||
        !(point.longitude >= -180 && point.longitude <= 180)) {
      violations.Add("near", "must be a point LAT,LON in degrees, such as 47.3216,5.0415");
    } else {
      query.near = point;
    }
  } else if (!params.near_commune.empty()) {
    if (!ValidInseeCode(params.near_commune)) {
      violations.Add("near_commune", "must be a 5-character INSEE code such as 25056");
    } else {
      ASSIGN_OR_RETURN(std::optional<Commune> commune,
                       repository_.FindCommune(params.near_commune, deadline));
      if (commune.has_value()) {
        query.near = GeoPoint{commune->latitude, commune->longitude};
      } else {
        violations.Add("near_commune", absl::StrCat("no commune of Bourgogne-Franche-Comte has "
                                                    "INSEE code ",
                                                    params.near_commune));
      }
    }
  }
  if (!params.status.empty() && params.status != kStatusActive) {
    if (params.status != kStatusPending && params.status != kStatusSuspended &&
        params.status != kStatusClosed) {
      violations.Add("status", "must be one of active, pending, suspended, closed");
    } else if (around || params.open_now) {
      violations.Add("status", "moderation lists cannot be combined with near or open_now");
    } else {
      query.status = params.status;
    }
  }
  if (around) {
    if (params.radius_km == 0) {
      query.radius_km = kDefaultRadiusKm;
    } else if (!(params.radius_km > 0 && params.radius_km <= kMaxRadiusKm)) {
      violations.Add("radius_km", absl::StrCat("must be more than 0 and at most ", kMaxRadiusKm));
    } else {
      query.radius_km = params.radius_km;
    }
  } else if (params.radius_km != 0) {
    violations.Add("near", "is required with radius_km");
  }
  if (!params.page_token.empty()) {
    absl::StatusOr<ShopCursor> cursor = DecodePageToken(params.page_token);
    // A nearest-first token only continues a search around a point, and the other way round.
    if (cursor.ok() && cursor->distance_km.has_value() == around) {
      query.after = *cursor;
    } else {
      violations.Add("page_token", "is not a token from a previous page");
    }
  }
  RETURN_IF_ERROR(violations.ToStatus());

  ListShopsResult result;
  if (!params.open_now) {
    ASSIGN_OR_RETURN(ShopPage page, repository_.List(query, deadline));
    result.shops = std::move(page.shops);
    if (page.next.has_value()) result.next_page_token = EncodePageToken(*page.next);
    return result;
  }
  // Hours are evaluated here, not in SQL (they are a rule set in the shop's time zone): read
  // in batches and keep the open shops. The token resumes after the last shop looked at.
  const absl::Time now = now_();
  const int page_size = query.page_size;
  query.page_size = std::max(page_size, 100);
  int scanned = 0;
  for (;;) {
    ASSIGN_OR_RETURN(ShopPage batch, repository_.List(query, deadline));
    for (std::size_t i = 0; i < batch.shops.size(); ++i) {
      ++scanned;
      if (!IsOpenAt(batch.shops[i].opening_hours, now, ParisTimeZone())) continue;
      result.shops.push_back(std::move(batch.shops[i]));
      if (static_cast<int>(result.shops.size()) == page_size) {
        const bool nothing_after = i + 1 == batch.shops.size() && !batch.next.has_value();
        if (!nothing_after) result.next_page_token = EncodePageToken(CursorOf(result.shops.back()));
        return result;
      }
    }
    if (!batch.next.has_value()) return result;
    if (scanned >= kOpenNowScanLimit) {
      result.next_page_token = EncodePageToken(*batch.next);
      return result;
    }
    query.after = *batch.next;
  }
}

absl::StatusOr<Shop> ShopsService::UpdateShop(const std::string& id_or_slug, const ShopPatch& patch,
                                              const Caller& caller, Deadline deadline) {
  RETURN_IF_ERROR(common::RequireAuthenticated(caller));
  const std::vector<std::string>& updatable = UpdatableShopFields();
  std::set<std::string> paths;
  Violations mask_violations;
  for (const std::string& path : patch.paths) {
    if (std::find(updatable.begin(), updatable.end(), path) == updatable.end()) {
      mask_violations.Add("update_mask", absl::StrCat("\"", path.substr(0, 60),
                                                      "\" is not a field that can be updated"));
    } else {
      paths.insert(path);
    }
  }
  if (patch.paths.empty()) mask_violations.Add("update_mask", "names no field to update");
  if (paths.count("latitude") != paths.count("longitude")) {
    mask_violations.Add("update_mask", "latitude and longitude are updated together");
  }
  RETURN_IF_ERROR(mask_violations.ToStatus());

  ASSIGN_OR_RETURN(Shop current, GetShop(id_or_slug, caller, deadline));
  RETURN_IF_ERROR(RequireMember(current, caller, {kRoleOwner, kRoleStaff}, deadline));
  if (current.status == kStatusClosed) return absl::FailedPreconditionError("the shop is closed");

  NewShop merged = NewShopOf(current);
  const NewShop& v = patch.values;
  auto has = [&paths](const char* field) { return paths.count(field) > 0; };
  if (has("name")) merged.name = v.name;
  if (has("category")) merged.category = v.category;
  if (has("siret")) merged.siret = v.siret;
  if (has("description")) merged.description = v.description;
  if (has("street_address")) merged.street_address = v.street_address;
  if (has("postal_code")) merged.postal_code = v.postal_code;
  if (has("commune_insee")) {
    merged.commune_insee = v.commune_insee;
    // A shop that moves takes the new commune's defaults unless it says otherwise.
    if (v.commune_insee != current.commune_insee) {
      if (!has("postal_code")) merged.postal_code.clear();
      if (!has("latitude")) merged.latitude = merged.longitude = std::nullopt;
    }
  }
  if (has("latitude")) {
    merged.latitude = v.latitude;
    merged.longitude = v.longitude;
  }
  if (has("phone")) merged.phone = v.phone;
  if (has("email")) merged.email = v.email;
  if (has("website")) merged.website = v.website;
  if (has("photo_urls")) merged.photo_urls = v.photo_urls;
  if (has("click_and_collect")) merged.click_and_collect = v.click_and_collect;
  if (has("preparation_minutes")) merged.preparation_minutes = v.preparation_minutes;
  if (has("opening_hours")) merged.opening_hours = v.opening_hours;
  ASSIGN_OR_RETURN(Shop updated, ValidateProfile(merged, "profile", deadline));

  // The SIRET is what the region checked when it approved the shop: after that, only a
  // region admin changes it. Before, the owner may fix a typo (staff may not).
  if (updated.siret != current.siret && !caller.HasRole(common::kRoleAdmin)) {
    if (current.status != kStatusPending) {
      return absl::PermissionDeniedError(
          "the SIRET of an approved shop can only be changed by a region admin");
    }
    RETURN_IF_ERROR(RequireMember(current, caller, {kRoleOwner}, deadline));
  }
  updated.id = current.id;
  updated.slug = current.slug;  // stable: links and bookmarks keep working
  updated.status = current.status;
  updated.status_reason = current.status_reason;
  updated.create_time = current.create_time;
  return repository_.Update(updated, current.version, caller.user_id, deadline);
}

absl::StatusOr<ShopsExport> ShopsService::ExportShops(const std::string& format,
                                                      const std::string& department,
                                                      Deadline deadline) {
  Violations violations;
  const std::string lowered = absl::AsciiStrToLower(format);
  const bool jsonld = lowered == "jsonld" || lowered == "json-ld";
  if (!jsonld && !lowered.empty() && lowered != "csv") {
    violations.Add("format", "must be csv or jsonld");
  }
  if (!department.empty() && !ValidDepartmentCode(department)) {
    violations.Add("department", "must be a department code such as 21");
  }
  RETURN_IF_ERROR(violations.ToStatus());
  ShopQuery query;
  query.department_code = department;
  query.page_size = 500;
  std::vector<Shop> shops;
  for (;;) {
    ASSIGN_OR_RETURN(ShopPage page, repository_.List(query, deadline));
    for (Shop& shop : page.shops) shops.push_back(std::move(shop));
    if (!page.next.has_value() || static_cast<int>(shops.size()) >= kMaxExportedShops) break;
    query.after = *page.next;
  }
  ShopsExport out;
  out.shop_count = static_cast<int>(shops.size());
  out.content_type = jsonld ? kJsonLdContentType : kCsvContentType;
  out.content = jsonld ? ShopsJsonLd(shops) : ShopsCsv(shops);
  return out;
}

absl::StatusOr<std::vector<Commune>> ShopsService::ListCommunes(const std::string& q, int page_size,
                                                                Deadline deadline) {
  Violations violations;
  const std::string trimmed(absl::StripAsciiWhitespace(q));
  const int length = PrintableLength(trimmed);
  if (trimmed.empty()) {
    violations.Add("q", "is required");
  } else if (length < 2 || length > 60) {
    violations.Add("q", "must be 2 to 60 characters");
  }
  if (page_size < 0 || page_size > kMaxCommunes) {
    violations.Add("page_size", absl::StrCat("must be between 1 and ", kMaxCommunes));
  }
  RETURN_IF_ERROR(violations.ToStatus());
  return repository_.SearchCommunes(trimmed, page_size == 0 ? kDefaultCommunes : page_size,
                                    deadline);
}

}  // namespace comptoir::shops
