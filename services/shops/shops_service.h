// The shops domain: validates requests, derives slugs, applies moderation and membership
// rules, pages through shops. No gRPC, no SQL: it speaks to storage through ShopsRepository,
// so unit tests run it over a fake. Callers are identified by common::Caller (verified by the
// transport). Thread-safe when the repository is.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "account_directory.h"
#include "comptoir/common/auth.h"
#include "comptoir/common/ids.h"
#include "comptoir/shops/v1/hours.pb.h"
#include "shops_repository.h"

namespace comptoir::shops {

using common::Caller;

struct NewShop {
  std::string name;
  std::string commune_insee;
  std::string category;
  std::string siret;
  std::string description;
  std::string street_address;
  std::string postal_code;         // empty: the commune's main postal code
  std::optional<double> latitude;  // both or neither; neither: the commune centre
  std::optional<double> longitude;
  std::string phone;
  std::string email;
  std::string website;
  std::vector<std::string> photo_urls;
  bool click_and_collect = false;
  int preparation_minutes = 0;
  v1::OpeningHours opening_hours;
};

// A partial update: `values` holds the new values of the fields named in `paths` (proto
// field names: "name", "opening_hours", ...); other values are ignored.
struct ShopPatch {
  NewShop values;
  std::vector<std::string> paths;
};

// The profile fields UpdateShop accepts in a mask, in proto order.
const std::vector<std::string>& UpdatableShopFields();

struct ShopsExport {
  std::string content_type;
  std::string content;
  int shop_count = 0;
};

struct ListShopsParams {
  std::string commune_insee;
  std::string category;
  int page_size = 0;  // 0: default
  std::string page_token;
  std::string department_code = "";
  std::string near = "";  // "LAT,LON"
  double radius_km = 0;   // 0: kDefaultRadiusKm when near is set
  std::string q = "";     // words of the name
  bool open_now = false;
  std::string near_commune = "";  // INSEE code: around its centre (instead of near)
  // Moderation lists: "pending", "suspended" or "closed" (the caller must be a region admin:
  // checked by the transport, which knows the caller); empty or "active": public directory.
  std::string status = "";
};

struct ListShopsResult {
  std::vector<Shop> shops;
  std::string next_page_token;  // empty on the last page
};

class ShopsService {
 public:
  static constexpr int kDefaultPageSize = 20;
  static constexpr int kMaxPageSize = 100;
  static constexpr int kMaxNameLength = 120;  // characters, not bytes
  static constexpr int kMaxDescriptionLength = 4000;
  static constexpr int kMaxAddressLength = 200;
  static constexpr int kMaxPhotos = 10;
  static constexpr int kMaxPreparationMinutes = 7 * 24 * 60;
  static constexpr int kMaxReasonLength = 1000;
  static constexpr double kDefaultRadiusKm = 10;
  static constexpr double kMaxRadiusKm = 100;
  static constexpr int kMaxNameQueryLength = 100;
  // "Open now" filters after storage: a page scans at most this many shops, then returns
  // what it found with a token to go on (so a quiet night costs bounded work per call).
  static constexpr int kOpenNowScanLimit = 2000;
  static constexpr int kMaxExportedShops = 50000;
  static constexpr int kDefaultCommunes = 10;
  static constexpr int kMaxCommunes = 50;

  // `accounts` resolves e-mail addresses of new members (nullptr: adding by e-mail is
  // Unavailable); `now` is the clock of "open now".
  explicit ShopsService(
      ShopsRepository& repository, AccountDirectory* accounts = nullptr,
      std::function<absl::Time()> now = [] { return absl::Now(); })
      : repository_(repository), accounts_(accounts), now_(std::move(now)) {}

  // Needs an authenticated caller, who becomes the owner. InvalidArgument naming every bad
  // field ("shop.name", "shop.siret", "shop.opening_hours.weekly[0].ranges[1].close", ...).
  absl::StatusOr<Shop> CreateShop(const NewShop& request, const Caller& caller, Deadline deadline);
  // `id_or_slug`: a UUID or a slug. Active shops are public; others are visible to their
  // members and to admins only (NotFound for everyone else, so their existence stays private).
  absl::StatusOr<Shop> GetShop(const std::string& id_or_slug, const Caller& caller,
                               Deadline deadline);
  // Active shops only (the public directory).
  absl::StatusOr<ListShopsResult> ListShops(const ListShopsParams& params, Deadline deadline);

  // Members (owner or staff) of the shop, or admins: the fields of `patch.paths` (all of
  // UpdatableShopFields) validated like CreateShop, violations named "profile.<field>". The
  // slug stays. A changed SIRET needs an admin once the shop left `pending` (PermissionDenied),
  // and an owner before. Aborted when the shop changed between read and write (retry).
  absl::StatusOr<Shop> UpdateShop(const std::string& id_or_slug, const ShopPatch& patch,
                                  const Caller& caller, Deadline deadline);
  // The open-data directory of active shops (optionally one department): `format` "csv"
  // (default) or "jsonld" (schema.org). Public.
  absl::StatusOr<ShopsExport> ExportShops(const std::string& format, const std::string& department,
                                          Deadline deadline);
  // Communes for a form's look-up: `q` is the start of a name or of a postal code.
  absl::StatusOr<std::vector<Commune>> ListCommunes(const std::string& q, int page_size,
                                                    Deadline deadline);

  // Members (owner or staff) of the shop, or admins.
  absl::StatusOr<Shop> SetOpeningHours(const std::string& id_or_slug, const v1::OpeningHours& hours,
                                       const Caller& caller, Deadline deadline);
  // Admins only: pending or suspended -> active.
  absl::StatusOr<Shop> ApproveShop(const std::string& id_or_slug, const Caller& caller,
                                   Deadline deadline);
  // Admins only: pending or active -> suspended, with a reason (required).
  absl::StatusOr<Shop> SuspendShop(const std::string& id_or_slug, const std::string& reason,
                                   const Caller& caller, Deadline deadline);
  // Owners (or admins): adds `user_id` (an account UUID, or the e-mail address of an
  // account, looked up in accounts) as `role` ("staff" when empty) or changes the role of a
  // member.
  absl::StatusOr<Member> AddMember(const std::string& id_or_slug, const std::string& user_id,
                                   const std::string& role, const Caller& caller,
                                   Deadline deadline);
  // Owners (or admins); `user_id` as for AddMember. The last owner cannot be removed
  // (FailedPrecondition).
  absl::Status RemoveMember(const std::string& id_or_slug, const std::string& user_id,
                            const Caller& caller, Deadline deadline);
  // Members of the shop (or admins).
  absl::StatusOr<std::vector<Member>> ListMembers(const std::string& id_or_slug,
                                                  const Caller& caller, Deadline deadline);
  // The owner (or an admin): pending, active or suspended -> closed.
  absl::StatusOr<Shop> CloseShop(const std::string& id_or_slug, const std::string& reason,
                                 const Caller& caller, Deadline deadline);

 private:
  // Validates a whole profile (creation, or an update merged over the stored shop), naming
  // bad fields under `prefix` ("shop" or "profile"). The shop returned has every profile
  // field set, the commune's name and department included.
  absl::StatusOr<Shop> ValidateProfile(const NewShop& request, const std::string& prefix,
                                       Deadline deadline);
  // An account UUID as given, or the id of the account with that e-mail address.
  absl::StatusOr<std::string> ResolveMember(const std::string& user_id_or_email,
                                            const std::string& field, Deadline deadline);
  // The shop, whatever its status (no visibility rule).
  absl::StatusOr<Shop> Find(const std::string& id_or_slug, Deadline deadline);
  // OK when the caller is an admin or has one of `roles` in the shop (checked in storage,
  // which knows a membership before the caller's token does).
  absl::Status RequireMember(const Shop& shop, const Caller& caller,
                             const std::vector<std::string>& roles, Deadline deadline);

  ShopsRepository& repository_;
  AccountDirectory* const accounts_;
  const std::function<absl::Time()> now_;
};

// "Fromagerie Gaugry à Dijon" -> "fromagerie-gaugry-a-dijon": lower case ASCII letters and
// digits, French accents folded, other characters turned into single hyphens. At most 80.
std::string Slugify(const std::string& text);

using common::LooksLikeUuid;  // comptoir/common/ids.h

// Opaque keyset page tokens (newest-first or nearest-first positions).
std::string EncodePageToken(const ShopCursor& cursor);
absl::StatusOr<ShopCursor> DecodePageToken(const std::string& token);

}  // namespace comptoir::shops
