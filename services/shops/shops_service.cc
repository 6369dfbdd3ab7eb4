#include "shops_service.h"

#include <algorithm>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "comptoir/common/status.h"
#include "comptoir/common/utf8.h"

namespace comptoir::shops {
namespace {

using common::PrintableLength;
using common::Violations;

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

}  // namespace

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

bool LooksLikeUuid(const std::string& text) {
  if (text.size() != 36) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    bool hyphen = i == 8 || i == 13 || i == 18 || i == 23;
    if (hyphen != (text[i] == '-')) return false;
    if (!hyphen && !absl::ascii_isxdigit(static_cast<unsigned char>(text[i]))) return false;
  }
  return true;
}

std::string EncodePageToken(const ShopCursor& cursor) {
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
  if (parts.size() != 3 || parts[0] != "v1" || !absl::SimpleAtoi(parts[1], &micros) ||
      !LooksLikeUuid(parts[2])) {
    return common::InvalidField("page_token", "is not a token from a previous page");
  }
  return ShopCursor{absl::FromUnixMicros(micros), parts[2]};
}

absl::StatusOr<Shop> ShopsService::CreateShop(const NewShop& request, Deadline deadline) {
  Violations violations;
  std::string name(absl::StripAsciiWhitespace(request.name));
  int name_length = PrintableLength(name);
  if (name.empty()) {
    violations.Add("shop.name", "is required");
  } else if (name_length < 0) {
    violations.Add("shop.name", "must be UTF-8 text without control characters");
  } else if (name_length > kMaxNameLength) {
    violations.Add("shop.name", absl::StrCat("must be at most ", kMaxNameLength, " characters"));
  } else if (Slugify(name).empty()) {
    violations.Add("shop.name", "must contain at least one letter or digit");
  }
  std::optional<Commune> commune;
  if (request.commune_insee.empty()) {
    violations.Add("shop.commune_insee", "is required");
  } else if (!ValidInseeCode(request.commune_insee)) {
    violations.Add("shop.commune_insee", "must be a 5-character INSEE code such as 21231");
  } else {
    ASSIGN_OR_RETURN(commune, repository_.FindCommune(request.commune_insee, deadline));
    if (!commune.has_value()) {
      violations.Add("shop.commune_insee",
                     absl::StrCat("no commune of Bourgogne-Franche-Comte has INSEE code ",
                                  request.commune_insee));
    }
  }
  const auto& categories = ShopCategories();
  if (request.category.empty()) {
    violations.Add("shop.category", "is required");
  } else if (std::find(categories.begin(), categories.end(), request.category) ==
             categories.end()) {
    violations.Add("shop.category", "is not one of the shop categories");
  }
  RETURN_IF_ERROR(violations.ToStatus());

  Shop shop;
  shop.name = name;
  shop.commune_insee = request.commune_insee;
  shop.category = request.category;
  // A readable slug: the name alone when free, then with the commune, then numbered.
  const std::string base = Slugify(name);
  const std::string with_commune = absl::StrCat(base, "-", Slugify(commune->name));
  for (int attempt = 0; attempt < 20; ++attempt) {
    shop.slug = attempt == 0   ? base
                : attempt == 1 ? with_commune
                               : absl::StrCat(with_commune, "-", attempt);
    absl::StatusOr<Shop> stored = repository_.Insert(shop, deadline);
    if (stored.status().code() != absl::StatusCode::kAlreadyExists) return stored;
  }
  return absl::AbortedError("could not find a free slug for this shop; try again");
}

absl::StatusOr<Shop> ShopsService::GetShop(const std::string& id_or_slug, Deadline deadline) {
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
  if (!params.page_token.empty()) {
    absl::StatusOr<ShopCursor> cursor = DecodePageToken(params.page_token);
    if (cursor.ok()) {
      query.after = *cursor;
    } else {
      violations.Add("page_token", "is not a token from a previous page");
    }
  }
  RETURN_IF_ERROR(violations.ToStatus());

  ASSIGN_OR_RETURN(ShopPage page, repository_.List(query, deadline));
  ListShopsResult result;
  result.shops = std::move(page.shops);
  if (page.next.has_value()) result.next_page_token = EncodePageToken(*page.next);
  return result;
}

}  // namespace comptoir::shops
