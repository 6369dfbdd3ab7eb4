#include "pg_shops_repository.h"

#include <algorithm>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "comptoir/common/outbox.h"
#include "shop_proto.h"

namespace comptoir::shops {
namespace {

// Columns of a shop joined with its commune, in the order RowToShop reads them. Photo URLs
// travel newline-joined: validated URLs hold no whitespace.
constexpr char kShopColumns[] =
    "s.id::text, s.slug, s.name, s.commune_insee, c.name, c.department_code, s.category, "
    "s.status, (extract(epoch from s.create_time) * 1000000)::bigint, "
    "coalesce(s.siret, ''), s.description, s.street_address, s.postal_code, "
    "coalesce(s.latitude, c.latitude), coalesce(s.longitude, c.longitude), s.phone, s.email, "
    "s.website, array_to_string(s.photo_urls, E'\\n'), s.click_and_collect, "
    "s.preparation_minutes, s.opening_hours, s.status_reason, s.version";
// Haversine distance in km from ($4, $5) to the shop: the formula of DistanceKm (shop_rules.h).
constexpr char kDistanceKm[] =
    "6371.0088 * 2 * asin(least(1.0, sqrt("
    "power(sin(radians(coalesce(s.latitude, c.latitude) - $4::float8) / 2), 2) + "
    "cos(radians($4::float8)) * cos(radians(coalesce(s.latitude, c.latitude))) * "
    "power(sin(radians(coalesce(s.longitude, c.longitude) - $5::float8) / 2), 2))))";
// Name filter on parameter $N: the folded words as a substring (prefixes while typing), or
// close enough word by word (typos; threshold set per transaction in List).
std::string NameMatches(int n) {
  return absl::StrCat("($", n, "::text IS NULL OR s.name_folded LIKE '%' || shops.fold($", n,
                      ") || '%' OR s.name_folded %>> shops.fold($", n, "))");
}
// Commune rows: INSEE code, name, department, centre, postal codes (main first), population.
constexpr char kCommuneColumns[] =
    "c.insee_code, c.name, c.department_code, c.latitude, c.longitude, "
    "coalesce((SELECT string_agg(p.postal_code, ',' ORDER BY p.is_main DESC, p.postal_code) "
    "FROM geo.postal_codes p WHERE p.insee_code = c.insee_code), c.postal_code), c.population";
constexpr char kShopFrom[] =
    " FROM shops.shops s JOIN geo.communes c ON c.insee_code = s.commune_insee ";

Shop RowToShop(const pqxx::row& row) {
  Shop shop;
  shop.id = row[0].as<std::string>();
  shop.slug = row[1].as<std::string>();
  shop.name = row[2].as<std::string>();
  shop.commune_insee = row[3].as<std::string>();
  shop.commune_name = row[4].as<std::string>();
  shop.department_code = row[5].as<std::string>();
  shop.category = row[6].as<std::string>();
  shop.status = row[7].as<std::string>();
  shop.create_time = absl::FromUnixMicros(row[8].as<int64_t>());
  shop.siret = row[9].as<std::string>();
  shop.description = row[10].as<std::string>();
  shop.street_address = row[11].as<std::string>();
  shop.postal_code = row[12].as<std::string>();
  shop.latitude = row[13].as<double>();
  shop.longitude = row[14].as<double>();
  shop.phone = row[15].as<std::string>();
  shop.email = row[16].as<std::string>();
  shop.website = row[17].as<std::string>();
  const std::string photos = row[18].as<std::string>();
  if (!photos.empty()) shop.photo_urls = absl::StrSplit(photos, '\n');
  shop.click_and_collect = row[19].as<bool>();
  shop.preparation_minutes = row[20].as<int>();
  v1::OpeningHours hours;
  if (hours.ParseFromString(pqxx::binarystring(row[21]).str())) {
    absl::StatusOr<OpeningHours> parsed = ParseOpeningHours(hours, "opening_hours");
    if (parsed.ok()) shop.opening_hours = *std::move(parsed);
  }
  shop.status_reason = row[22].as<std::string>();
  shop.version = row[23].as<int64_t>();
  return shop;
}

Commune RowToCommune(const pqxx::row& row) {
  Commune commune;
  commune.insee_code = row[0].as<std::string>();
  commune.name = row[1].as<std::string>();
  commune.department_code = row[2].as<std::string>();
  commune.latitude = row[3].as<double>();
  commune.longitude = row[4].as<double>();
  commune.postal_codes = absl::StrSplit(row[5].as<std::string>(), ',', absl::SkipEmpty());
  commune.population = row[6].as<int>();
  return commune;
}

pqxx::binarystring HoursBytes(const OpeningHours& hours) {
  v1::OpeningHours proto;
  ToProto(hours, &proto);
  return pqxx::binarystring(proto.SerializeAsString());
}

// NULL-able text parameter: empty means "no filter".
const char* OrNull(const std::string& s) { return s.empty() ? nullptr : s.c_str(); }

void RecordEvent(pqxx::work& tx, const Shop& shop, v1::ShopEvent::Kind kind,
                 const std::string& actor_id, const std::string& reason) {
  v1::ShopEvent event = ShopEventOf(shop, kind, actor_id, reason, absl::Now());
  common::InsertOutboxEvent(
      tx, "shops",
      {.aggregate = shop.id, .type = kShopEventType, .payload = event.SerializeAsString()});
}

v1::ShopEvent::Kind KindOfDecision(const std::string& decision) {
  if (decision == "approve") return v1::ShopEvent::APPROVED;
  if (decision == "suspend") return v1::ShopEvent::SUSPENDED;
  return v1::ShopEvent::CLOSED;
}

}  // namespace

std::vector<common::PreparedStatement> PgShopsRepository::Statements() {
  return {
      {"shops_commune",
       absl::StrCat("SELECT ", kCommuneColumns, " FROM geo.communes c WHERE c.insee_code = $1")},
      // Names starting with the folded query first (an exact name before), then names with a
      // word starting with it; larger communes first. 3,700 rows: folding them all is ~2 ms.
      {"shops_communes_by_name",
       absl::StrCat("SELECT ", kCommuneColumns,
                    " FROM geo.communes c, (SELECT shops.fold($1) AS f) q, "
                    "LATERAL (SELECT shops.fold(c.name) AS n) x "
                    "WHERE q.f <> '' AND (x.n LIKE q.f || '%' OR x.n LIKE '% ' || q.f || '%') "
                    "ORDER BY x.n = q.f DESC, x.n LIKE q.f || '%' DESC, c.population DESC, "
                    "c.name, c.insee_code LIMIT $2")},
      // Postal codes starting with $1 (digits only); one row per commune with the code matched.
      {"shops_communes_by_postal_code",
       absl::StrCat("SELECT * FROM (SELECT DISTINCT ON (c.insee_code) ", kCommuneColumns,
                    ", coalesce(p.postal_code, c.postal_code) AS matched "
                    "FROM geo.communes c LEFT JOIN geo.postal_codes p ON p.insee_code = "
                    "c.insee_code WHERE coalesce(p.postal_code, c.postal_code) LIKE $1 || '%' "
                    "ORDER BY c.insee_code, coalesce(p.postal_code, c.postal_code)) m "
                    "ORDER BY m.matched = $1 DESC, m.population DESC, m.name LIMIT $2")},
      {"shops_update",
       absl::StrCat(
           "WITH s AS (UPDATE shops.shops SET name = $2, category = $3, siret = $4, "
           "description = $5, street_address = $6, postal_code = $7, commune_insee = $8, "
           "latitude = $9, longitude = $10, phone = $11, email = $12, website = $13, "
           "photo_urls = string_to_array($14, E'\\n'), click_and_collect = $15, "
           "preparation_minutes = $16, opening_hours = $17, version = version + 1, "
           "update_time = now() WHERE id = $1::uuid AND version = $18 RETURNING *) SELECT ",
           kShopColumns, " FROM s JOIN geo.communes c ON c.insee_code = s.commune_insee")},
      {"shops_exists", "SELECT 1 FROM shops.shops WHERE id = $1::uuid"},
      {"shops_insert",
       absl::StrCat(
           "WITH s AS (INSERT INTO shops.shops (slug, name, commune_insee, category, siret, "
           "description, street_address, postal_code, latitude, longitude, phone, email, "
           "website, photo_urls, click_and_collect, preparation_minutes, opening_hours) "
           "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, "
           "string_to_array($14, E'\\n'), $15, $16, $17) RETURNING *) SELECT ",
           kShopColumns, " FROM s JOIN geo.communes c ON c.insee_code = s.commune_insee")},
      {"shops_add_member",
       "INSERT INTO shops.members (shop_id, user_id, role) VALUES ($1::uuid, $2::uuid, $3)"},
      {"shops_member_role",
       "SELECT role FROM shops.members WHERE shop_id = $1::uuid AND user_id = $2::uuid "
       "AND removed_at IS NULL"},
      // Re-adding a removed member revives the row; any change is to be synced to accounts.
      {"shops_put_member",
       "INSERT INTO shops.members (shop_id, user_id, role) VALUES ($1::uuid, $2::uuid, $3) "
       "ON CONFLICT (shop_id, user_id) DO UPDATE SET role = EXCLUDED.role, removed_at = NULL, "
       "synced_at = NULL, create_time = CASE WHEN shops.members.removed_at IS NULL "
       "THEN shops.members.create_time ELSE now() END "
       "RETURNING user_id::text, role, (extract(epoch from create_time) * 1000000)::bigint"},
      {"shops_lock_members",
       "SELECT user_id::text, role FROM shops.members WHERE shop_id = $1::uuid "
       "AND removed_at IS NULL FOR UPDATE"},
      {"shops_remove_member",
       "UPDATE shops.members SET removed_at = now(), synced_at = NULL "
       "WHERE shop_id = $1::uuid AND user_id = $2::uuid AND removed_at IS NULL"},
      {"shops_list_members",
       "SELECT user_id::text, role, (extract(epoch from create_time) * 1000000)::bigint "
       "FROM shops.members WHERE shop_id = $1::uuid AND removed_at IS NULL "
       "ORDER BY role = 'owner' DESC, create_time, user_id LIMIT 100"},
      {"shops_by_id", absl::StrCat("SELECT ", kShopColumns, kShopFrom, "WHERE s.id = $1::uuid")},
      {"shops_by_slug", absl::StrCat("SELECT ", kShopColumns, kShopFrom, "WHERE s.slug = $1")},
      {"shops_lock_status", "SELECT status FROM shops.shops WHERE id = $1::uuid FOR UPDATE"},
      {"shops_set_status",
       "UPDATE shops.shops SET status = $2, status_reason = $3, version = version + 1, "
       "update_time = now() WHERE id = $1::uuid"},
      {"shops_record_decision",
       "INSERT INTO shops.moderation_decisions (shop_id, decision, from_status, to_status, "
       "actor_id, reason) VALUES ($1::uuid, $2, $3, $4, $5::uuid, $6)"},
      {"shops_set_hours",
       "UPDATE shops.shops SET opening_hours = $2, version = version + 1, update_time = now() "
       "WHERE id = $1::uuid"},
      // One statement for every filter combination: NULL parameters disable their filter.
      // The cursor is (create_time, id) of the last shop of the previous page.
      {"shops_list",
       absl::StrCat("SELECT ", kShopColumns, kShopFrom,
                    "WHERE ($1::text IS NULL OR s.commune_insee = $1) "
                    "AND ($2::text IS NULL OR s.category = $2) "
                    "AND ($7::text IS NULL OR c.department_code = $7) AND ",
                    NameMatches(8),
                    " AND CASE WHEN $9::text IS NOT NULL THEN s.status = $9 "
                    "ELSE (s.status = 'active' OR NOT $6::boolean AND s.status <> 'closed') END "
                    "AND ($3::bigint IS NULL OR (s.create_time, s.id) < "
                    "(timestamptz 'epoch' + $3::bigint * interval '1 microsecond', $4::uuid)) "
                    "ORDER BY s.create_time DESC, s.id DESC LIMIT $5")},
      // Active shops within $6 km of ($4, $5), nearest first. The latitude band (1 degree is
      // about 111 km) lets the planner skip far rows before the trigonometry; the cursor is
      // (distance, id) of the last shop of the previous page.
      {"shops_near",
       absl::StrCat("SELECT * FROM (SELECT ", kShopColumns, ", ", kDistanceKm, " AS distance_km",
                    kShopFrom,
                    "WHERE s.status = 'active' "
                    "AND ($1::text IS NULL OR s.commune_insee = $1) "
                    "AND ($2::text IS NULL OR s.category = $2) "
                    "AND ($3::text IS NULL OR c.department_code = $3) AND ",
                    NameMatches(10),
                    " AND coalesce(s.latitude, c.latitude) BETWEEN $4::float8 - $6::float8 / 110.0 "
                    "AND $4::float8 + $6::float8 / 110.0) x "
                    "WHERE x.distance_km <= $6::float8 "
                    "AND ($7::float8 IS NULL OR (x.distance_km, x.id) > ($7::float8, $8::text)) "
                    "ORDER BY x.distance_km, x.id LIMIT $9")},
  };
}

absl::StatusOr<std::optional<Commune>> PgShopsRepository::FindCommune(const std::string& insee_code,
                                                                      Deadline deadline) {
  return pool_.Run<std::optional<Commune>>(
      deadline, [&](pqxx::work& tx) -> absl::StatusOr<std::optional<Commune>> {
        pqxx::result r = tx.exec_prepared("shops_commune", insee_code);
        if (r.empty()) return std::optional<Commune>();
        return std::optional<Commune>(RowToCommune(r[0]));
      });
}

absl::StatusOr<std::vector<Commune>> PgShopsRepository::SearchCommunes(const std::string& query,
                                                                       int limit,
                                                                       Deadline deadline) {
  const bool postal_code = !query.empty() && std::all_of(query.begin(), query.end(), [](char c) {
    return c >= '0' && c <= '9';
  });
  return read_pool_.Run<std::vector<Commune>>(
      deadline, [&](pqxx::work& tx) -> absl::StatusOr<std::vector<Commune>> {
        std::vector<Commune> out;
        pqxx::result r = tx.exec_prepared(
            postal_code ? "shops_communes_by_postal_code" : "shops_communes_by_name", query, limit);
        for (const pqxx::row& row : r) {
          Commune commune = RowToCommune(row);
          if (postal_code) commune.matched_postal_code = row[7].as<std::string>();
          out.push_back(std::move(commune));
        }
        return out;
      });
}

absl::StatusOr<Shop> PgShopsRepository::Update(const Shop& shop, int64_t expected_version,
                                               const std::string& actor_id, Deadline deadline) {
  return pool_.Run<Shop>(deadline, [&](pqxx::work& tx) -> absl::StatusOr<Shop> {
    pqxx::result r = tx.exec_prepared(
        "shops_update", shop.id, shop.name, shop.category, shop.siret, shop.description,
        shop.street_address, shop.postal_code, shop.commune_insee, shop.latitude, shop.longitude,
        shop.phone, shop.email, shop.website, absl::StrJoin(shop.photo_urls, "\n"),
        shop.click_and_collect, shop.preparation_minutes, HoursBytes(shop.opening_hours),
        expected_version);
    if (r.empty()) {
      if (tx.exec_prepared("shops_exists", shop.id).empty()) {
        return absl::NotFoundError(absl::StrCat("no shop \"", shop.id, "\""));
      }
      return absl::AbortedError("the shop was changed meanwhile: read it again and retry");
    }
    Shop stored = RowToShop(r[0]);
    RecordEvent(tx, stored, v1::ShopEvent::UPDATED, actor_id, "");
    return stored;
  });
}

absl::StatusOr<Shop> PgShopsRepository::Insert(const Shop& shop, const std::string& owner_id,
                                               Deadline deadline) {
  return pool_.Run<Shop>(deadline, [&](pqxx::work& tx) -> absl::StatusOr<Shop> {
    pqxx::result r = tx.exec_prepared(
        "shops_insert", shop.slug, shop.name, shop.commune_insee, shop.category, shop.siret,
        shop.description, shop.street_address, shop.postal_code, shop.latitude, shop.longitude,
        shop.phone, shop.email, shop.website, absl::StrJoin(shop.photo_urls, "\n"),
        shop.click_and_collect, shop.preparation_minutes, HoursBytes(shop.opening_hours));
    if (r.empty()) return absl::FailedPreconditionError("commune is not in the reference data");
    Shop stored = RowToShop(r[0]);
    tx.exec_prepared("shops_add_member", stored.id, owner_id, kRoleOwner);
    RecordEvent(tx, stored, v1::ShopEvent::CREATED, owner_id, "");
    return stored;
  });
}

absl::StatusOr<Shop> PgShopsRepository::FindOne(const char* statement, const std::string& key,
                                                Deadline deadline) {
  return pool_.Run<Shop>(deadline, [&](pqxx::work& tx) -> absl::StatusOr<Shop> {
    pqxx::result r = tx.exec_prepared(statement, key);
    if (r.empty()) return absl::NotFoundError(absl::StrCat("no shop \"", key, "\""));
    return RowToShop(r[0]);
  });
}

absl::StatusOr<Shop> PgShopsRepository::FindById(const std::string& id, Deadline deadline) {
  return FindOne("shops_by_id", id, deadline);
}

absl::StatusOr<Shop> PgShopsRepository::FindBySlug(const std::string& slug, Deadline deadline) {
  return FindOne("shops_by_slug", slug, deadline);
}

absl::StatusOr<ShopPage> PgShopsRepository::List(const ShopQuery& query, Deadline deadline) {
  return read_pool_.Run<ShopPage>(deadline, [&](pqxx::work& tx) -> absl::StatusOr<ShopPage> {
    // One row more than the page tells whether another page follows.
    const int limit = query.page_size + 1;
    const char* no_value = nullptr;
    const char* name = OrNull(query.name_query);
    // Typo tolerance on whole words: "gaugri" is 0.56 similar to "gaugry" (the catalogue's
    // threshold; the default 0.5 misses two typos in a long name).
    if (name != nullptr) tx.exec("SET LOCAL pg_trgm.strict_word_similarity_threshold = 0.45");
    pqxx::result r;
    if (query.near.has_value()) {
      const bool resume = query.after.has_value() && query.after->distance_km.has_value();
      r = resume ? tx.exec_prepared("shops_near", OrNull(query.commune_insee),
                                    OrNull(query.category), OrNull(query.department_code),
                                    query.near->latitude, query.near->longitude, query.radius_km,
                                    *query.after->distance_km, query.after->id, limit, name)
                 : tx.exec_prepared("shops_near", OrNull(query.commune_insee),
                                    OrNull(query.category), OrNull(query.department_code),
                                    query.near->latitude, query.near->longitude, query.radius_km,
                                    no_value, no_value, limit, name);
    } else if (query.after.has_value()) {
      r = tx.exec_prepared("shops_list", OrNull(query.commune_insee), OrNull(query.category),
                           absl::ToUnixMicros(query.after->create_time), query.after->id, limit,
                           query.active_only, OrNull(query.department_code), name,
                           OrNull(query.status));
    } else {
      r = tx.exec_prepared("shops_list", OrNull(query.commune_insee), OrNull(query.category),
                           no_value, no_value, limit, query.active_only,
                           OrNull(query.department_code), name, OrNull(query.status));
    }
    ShopPage page;
    for (const pqxx::row& row : r) {
      if (static_cast<int>(page.shops.size()) == query.page_size) {
        const Shop& last = page.shops.back();
        ShopCursor next;
        next.create_time = last.create_time;
        next.id = last.id;
        next.distance_km = last.distance_km;
        page.next = next;
        break;
      }
      Shop shop = RowToShop(row);
      if (query.near.has_value()) shop.distance_km = row[24].as<double>();
      page.shops.push_back(std::move(shop));
    }
    return page;
  });
}

absl::StatusOr<std::optional<std::string>> PgShopsRepository::MemberRole(const std::string& shop_id,
                                                                         const std::string& user_id,
                                                                         Deadline deadline) {
  return pool_.Run<std::optional<std::string>>(
      deadline, [&](pqxx::work& tx) -> absl::StatusOr<std::optional<std::string>> {
        pqxx::result r = tx.exec_prepared("shops_member_role", shop_id, user_id);
        if (r.empty()) return std::optional<std::string>();
        return std::optional<std::string>(r[0][0].as<std::string>());
      });
}

absl::StatusOr<Member> PgShopsRepository::PutMember(const std::string& shop_id,
                                                    const std::string& user_id,
                                                    const std::string& role, Deadline deadline) {
  return pool_.Run<Member>(deadline, [&](pqxx::work& tx) -> absl::StatusOr<Member> {
    // Serialises membership changes of the shop, so "the last owner" stays true.
    pqxx::result current = tx.exec_prepared("shops_lock_members", shop_id);
    int owners = 0;
    bool was_owner = false;
    for (const pqxx::row& row : current) {
      if (row[1].as<std::string>() != kRoleOwner) continue;
      ++owners;
      if (row[0].as<std::string>() == user_id) was_owner = true;
    }
    if (was_owner && role != kRoleOwner && owners == 1) {
      return absl::FailedPreconditionError("a shop keeps at least one owner");
    }
    pqxx::row r = tx.exec_prepared1("shops_put_member", shop_id, user_id, role);
    return Member{r[0].as<std::string>(), r[1].as<std::string>(),
                  absl::FromUnixMicros(r[2].as<int64_t>())};
  });
}

absl::Status PgShopsRepository::RemoveMember(const std::string& shop_id, const std::string& user_id,
                                             Deadline deadline) {
  return pool_.RunStatus(deadline, [&](pqxx::work& tx) -> absl::Status {
    pqxx::result current = tx.exec_prepared("shops_lock_members", shop_id);
    int owners = 0;
    bool found = false;
    bool is_owner = false;
    for (const pqxx::row& row : current) {
      const bool owner = row[1].as<std::string>() == kRoleOwner;
      if (owner) ++owners;
      if (row[0].as<std::string>() == user_id) {
        found = true;
        is_owner = owner;
      }
    }
    if (!found) return absl::NotFoundError("no such member of this shop");
    if (is_owner && owners == 1) {
      return absl::FailedPreconditionError("a shop keeps at least one owner");
    }
    tx.exec_prepared("shops_remove_member", shop_id, user_id);
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<Member>> PgShopsRepository::ListMembers(const std::string& shop_id,
                                                                   Deadline deadline) {
  return pool_.Run<std::vector<Member>>(
      deadline, [&](pqxx::work& tx) -> absl::StatusOr<std::vector<Member>> {
        std::vector<Member> members;
        for (const pqxx::row& r : tx.exec_prepared("shops_list_members", shop_id)) {
          members.push_back(Member{r[0].as<std::string>(), r[1].as<std::string>(),
                                   absl::FromUnixMicros(r[2].as<int64_t>())});
        }
        return members;
      });
}

absl::StatusOr<Shop> PgShopsRepository::SetOpeningHours(const std::string& id,
                                                        const OpeningHours& hours,
                                                        const std::string& actor_id,
                                                        Deadline deadline) {
  return pool_.Run<Shop>(deadline, [&](pqxx::work& tx) -> absl::StatusOr<Shop> {
    if (tx.exec_prepared("shops_set_hours", id, HoursBytes(hours)).affected_rows() == 0) {
      return absl::NotFoundError(absl::StrCat("no shop \"", id, "\""));
    }
    Shop shop = RowToShop(tx.exec_prepared1("shops_by_id", id));
    RecordEvent(tx, shop, v1::ShopEvent::UPDATED, actor_id, "");
    return shop;
  });
}

absl::StatusOr<Shop> PgShopsRepository::ChangeStatus(const std::string& id,
                                                     const std::vector<std::string>& from,
                                                     const std::string& to_status,
                                                     const Decision& decision, Deadline deadline) {
  return pool_.Run<Shop>(deadline, [&](pqxx::work& tx) -> absl::StatusOr<Shop> {
    pqxx::result current = tx.exec_prepared("shops_lock_status", id);
    if (current.empty()) return absl::NotFoundError(absl::StrCat("no shop \"", id, "\""));
    const std::string status = current[0][0].as<std::string>();
    if (std::find(from.begin(), from.end(), status) == from.end()) {
      return absl::FailedPreconditionError(
          absl::StrCat("the shop is ", status, ": cannot ", decision.decision, " it"));
    }
    const std::string reason = decision.decision == "approve" ? "" : decision.reason;
    tx.exec_prepared("shops_set_status", id, to_status, reason);
    tx.exec_prepared("shops_record_decision", id, decision.decision, status, to_status,
                     decision.actor_id, decision.reason);
    Shop shop = RowToShop(tx.exec_prepared1("shops_by_id", id));
    RecordEvent(tx, shop, KindOfDecision(decision.decision), decision.actor_id, decision.reason);
    return shop;
  });
}

}  // namespace comptoir::shops
