#include "pg_zone_repository.h"

#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace comptoir::delivery {
namespace {

constexpr char kZoneColumns[] =
    "id::text, name, communes, departments, radius_km, fee_cents, minimum_order_cents, "
    "free_delivery_threshold_cents";

std::vector<std::string> SplitList(const std::string& text) {
  if (text.empty()) return {};
  return absl::StrSplit(text, ',');
}

Zone RowToZone(const pqxx::row& row) {
  return Zone{.id = row[0].as<std::string>(),
              .name = row[1].as<std::string>(),
              .communes = SplitList(row[2].as<std::string>()),
              .departments = SplitList(row[3].as<std::string>()),
              .radius_km = row[4].as<double>(),
              .fee_cents = row[5].as<int64_t>(),
              .minimum_order_cents = row[6].as<int64_t>(),
              .free_delivery_threshold_cents = row[7].as<int64_t>()};
}

}  // namespace

std::vector<common::PreparedStatement> PgZoneRepository::Statements() {
  return {
      {"dlv_delete_zones", "DELETE FROM delivery.zones WHERE shop_id = $1::uuid"},
      {"dlv_insert_zone",
       std::string("INSERT INTO delivery.zones (shop_id, position, name, communes, departments, "
                   "radius_km, fee_cents, minimum_order_cents, free_delivery_threshold_cents) "
                   "VALUES ($1::uuid, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING ") +
           kZoneColumns},
      {"dlv_list_zones", std::string("SELECT ") + kZoneColumns +
                             " FROM delivery.zones WHERE shop_id = $1::uuid ORDER BY position"},
      {"dlv_find_shop",
       "SELECT id::text, name, status, commune_insee, latitude, longitude, preparation_minutes, "
       "opening_hours FROM delivery.shops WHERE id = $1::uuid"},
  };
}

absl::StatusOr<std::vector<Zone>> PgZoneRepository::ReplaceZones(const std::string& shop_id,
                                                                 const std::vector<Zone>& zones,
                                                                 Deadline deadline) {
  return pool_.Run<std::vector<Zone>>(
      deadline, [&](pqxx::work& tx) -> absl::StatusOr<std::vector<Zone>> {
        tx.exec_prepared("dlv_delete_zones", shop_id);
        std::vector<Zone> stored;
        for (size_t i = 0; i < zones.size(); ++i) {
          const Zone& z = zones[i];
          const pqxx::result r = tx.exec_prepared(
              "dlv_insert_zone", shop_id, static_cast<int>(i), z.name,
              absl::StrJoin(z.communes, ","), absl::StrJoin(z.departments, ","), z.radius_km,
              z.fee_cents, z.minimum_order_cents, z.free_delivery_threshold_cents);
          stored.push_back(RowToZone(r[0]));
        }
        return stored;
      });
}

absl::StatusOr<std::vector<Zone>> PgZoneRepository::ListZones(const std::string& shop_id,
                                                              Deadline deadline) {
  return pool_.Run<std::vector<Zone>>(
      deadline, [&](pqxx::work& tx) -> absl::StatusOr<std::vector<Zone>> {
        std::vector<Zone> zones;
        for (const pqxx::row& row : tx.exec_prepared("dlv_list_zones", shop_id)) {
          zones.push_back(RowToZone(row));
        }
        return zones;
      });
}

absl::StatusOr<std::optional<DeliveryShop>> PgZoneRepository::FindShop(const std::string& shop_id,
                                                                       Deadline deadline) {
  return pool_.Run<std::optional<DeliveryShop>>(
      deadline, [&](pqxx::work& tx) -> absl::StatusOr<std::optional<DeliveryShop>> {
        const pqxx::result r = tx.exec_prepared("dlv_find_shop", shop_id);
        if (r.empty()) return std::optional<DeliveryShop>();
        const pqxx::row& row = r[0];
        DeliveryShop shop{.id = row[0].as<std::string>(),
                          .name = row[1].as<std::string>(),
                          .status = row[2].as<std::string>(),
                          .commune_insee = row[3].as<std::string>(),
                          .preparation_minutes = row[6].as<int>()};
        if (!row[4].is_null() && !row[5].is_null()) {
          shop.point = routing::GeoPoint{row[4].as<double>(), row[5].as<double>()};
        }
        const pqxx::binarystring hours(row[7]);
        shop.opening_hours = hours.str();
        return std::optional<DeliveryShop>(std::move(shop));
      });
}

}  // namespace comptoir::delivery
