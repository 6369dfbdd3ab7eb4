#include "pg_shops_repository.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"

namespace comptoir::shops {
namespace {

// Columns of a shop joined with its commune, in the order RowToShop reads them.
constexpr char kShopColumns[] =
    "s.id::text, s.slug, s.name, s.commune_insee, c.name, c.department_code, s.category, "
    "s.status, (extract(epoch from s.create_time) * 1000000)::bigint";
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
  return shop;
}

// NULL-able text parameter: empty means "no filter".
const char* OrNull(const std::string& s) { return s.empty() ? nullptr : s.c_str(); }

}  // namespace

std::vector<common::PreparedStatement> PgShopsRepository::Statements() {
  return {
      {"shops_commune",
       "SELECT insee_code, name, department_code FROM geo.communes WHERE insee_code = $1"},
      {"shops_insert",
       absl::StrCat("WITH s AS (INSERT INTO shops.shops (slug, name, commune_insee, category) "
                    "VALUES ($1, $2, $3, $4) RETURNING *) SELECT ",
                    kShopColumns, " FROM s JOIN geo.communes c ON c.insee_code = s.commune_insee")},
      {"shops_by_id", absl::StrCat("SELECT ", kShopColumns, kShopFrom, "WHERE s.id = $1::uuid")},
      {"shops_by_slug", absl::StrCat("SELECT ", kShopColumns, kShopFrom, "WHERE s.slug = $1")},
      // One statement for every filter combination: NULL parameters disable their filter.
      // The cursor is (create_time, id) of the last shop of the previous page.
      {"shops_list",
       absl::StrCat("SELECT ", kShopColumns, kShopFrom,
                    "WHERE ($1::text IS NULL OR s.commune_insee = $1) "
                    "AND ($2::text IS NULL OR s.category = $2) "
                    "AND s.status <> 'closed' "
                    "AND ($3::bigint IS NULL OR (s.create_time, s.id) < "
                    "(timestamptz 'epoch' + $3::bigint * interval '1 microsecond', $4::uuid)) "
                    "ORDER BY s.create_time DESC, s.id DESC LIMIT $5")},
  };
}

absl::StatusOr<std::optional<Commune>> PgShopsRepository::FindCommune(const std::string& insee_code,
                                                                      Deadline deadline) {
  return pool_.Run<std::optional<
      Commune>>(deadline, [&](pqxx::work& tx) -> absl::StatusOr<std::optional<Commune>> {
    pqxx::result r = tx.exec_prepared("shops_commune", insee_code);
    if (r.empty()) return std::optional<Commune>();
    return Commune{r[0][0].as<std::string>(), r[0][1].as<std::string>(), r[0][2].as<std::string>()};
  });
}

absl::StatusOr<Shop> PgShopsRepository::Insert(const Shop& shop, Deadline deadline) {
  return pool_.Run<Shop>(deadline, [&](pqxx::work& tx) -> absl::StatusOr<Shop> {
    pqxx::result r =
        tx.exec_prepared("shops_insert", shop.slug, shop.name, shop.commune_insee, shop.category);
    if (r.empty()) return absl::FailedPreconditionError("commune is not in the reference data");
    return RowToShop(r[0]);
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
  return pool_.Run<ShopPage>(deadline, [&](pqxx::work& tx) -> absl::StatusOr<ShopPage> {
    // One row more than the page tells whether another page follows.
    const int limit = query.page_size + 1;
    pqxx::result r;
    if (query.after.has_value()) {
      r = tx.exec_prepared("shops_list", OrNull(query.commune_insee), OrNull(query.category),
                           absl::ToUnixMicros(query.after->create_time), query.after->id, limit);
    } else {
      r = tx.exec_prepared("shops_list", OrNull(query.commune_insee), OrNull(query.category),
                           static_cast<const char*>(nullptr), static_cast<const char*>(nullptr),
                           limit);
    }
    ShopPage page;
    for (const pqxx::row& row : r) {
      if (static_cast<int>(page.shops.size()) == query.page_size) {
        const Shop& last = page.shops.back();
        page.next = ShopCursor{last.create_time, last.id};
        break;
      }
      page.shops.push_back(RowToShop(row));
    }
    return page;
  });
}

}  // namespace comptoir::shops
