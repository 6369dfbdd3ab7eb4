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

}  // namespace comptoir::shops
