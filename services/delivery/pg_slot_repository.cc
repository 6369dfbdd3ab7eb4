#include "pg_slot_repository.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace comptoir::delivery {
namespace {

constexpr char kTemplateColumns[] =
    "id::text, kind, weekday, start_minute, end_minute, capacity, cutoff_days_before, "
    "cutoff_minute";

SlotTemplate RowToTemplate(const pqxx::row& row) {
  return SlotTemplate{
      .id = row[0].as<std::string>(),
      .kind = row[1].as<std::string>() == "pickup" ? SlotKind::kPickup : SlotKind::kDelivery,
      .weekday = row[2].as<int>(),
      .start_minute = row[3].as<int>(),
      .end_minute = row[4].as<int>(),
      .capacity = row[5].as<int>(),
      .cutoff_days_before = row[6].as<int>(),
      .cutoff_minute = row[7].as<int>()};
}

const char* KindText(SlotKind kind) { return kind == SlotKind::kPickup ? "pickup" : "delivery"; }

}  // namespace

std::vector<common::PreparedStatement> PgSlotRepository::Statements() {
  return {
      {"dlv_retire_templates",
       "UPDATE delivery.slot_templates SET active = false WHERE shop_id = $1::uuid AND active"},
      {"dlv_insert_template",
       absl::StrCat("INSERT INTO delivery.slot_templates (shop_id, kind, weekday, start_minute, "
                    "end_minute, capacity, cutoff_days_before, cutoff_minute) "
                    "VALUES ($1::uuid, $2, $3, $4, $5, $6, $7, $8) RETURNING ",
                    kTemplateColumns)},
      {"dlv_list_templates",
       absl::StrCat("SELECT ", kTemplateColumns,
                    " FROM delivery.slot_templates WHERE shop_id = $1::uuid AND active "
                    "ORDER BY kind, weekday, start_minute")},
      {"dlv_get_template", absl::StrCat("SELECT ", kTemplateColumns,
                                        " FROM delivery.slot_templates "
                                        "WHERE shop_id = $1::uuid AND id = $2::uuid AND active")},
      {"dlv_ensure_counter",
       "INSERT INTO delivery.slot_counters (template_id, day, capacity) "
       "SELECT id, $2::date, capacity FROM delivery.slot_templates "
       "WHERE id = $1::uuid AND shop_id = $3::uuid AND active "
       "ON CONFLICT (template_id, day) DO NOTHING"},
      {"dlv_counter_of_shop",
       "SELECT 1 FROM delivery.slot_counters c JOIN delivery.slot_templates t "
       "ON t.id = c.template_id WHERE c.template_id = $1::uuid AND c.day = $2::date "
       "AND t.shop_id = $3::uuid"},
      // Waits on a concurrent insert of the same order id, then reports the conflict.
      {"dlv_insert_booking",
       "INSERT INTO delivery.slot_bookings (order_id, shop_id, template_id, day, status) "
       "VALUES ($1::uuid, $2::uuid, $3::uuid, $4::date, 'booked') "
       "ON CONFLICT (order_id) DO NOTHING RETURNING order_id"},
      {"dlv_get_booking",
       "SELECT template_id::text, day::text, status FROM delivery.slot_bookings "
       "WHERE order_id = $1::uuid"},
      {"dlv_take_place",
       "UPDATE delivery.slot_counters SET booked = booked + 1 "
       "WHERE template_id = $1::uuid AND day = $2::date AND booked < capacity RETURNING booked"},
      {"dlv_release_booking",
       "UPDATE delivery.slot_bookings SET status = 'released', release_time = now() "
       "WHERE order_id = $1::uuid AND status = 'booked' RETURNING template_id, day"},
      {"dlv_give_place",
       "UPDATE delivery.slot_counters SET booked = booked - 1 "
       "WHERE template_id = $1::uuid AND day = $2::date AND booked > 0"},
      {"dlv_booked",
       "SELECT template_id::text, day::text, booked FROM delivery.slot_counters "
       "WHERE template_id = ANY($1::uuid[]) AND day BETWEEN $2::date AND $3::date "
       "AND booked > 0"},
  };
}

absl::StatusOr<std::vector<SlotTemplate>> PgSlotRepository::ReplaceTemplates(
    const std::string& shop_id, const std::vector<SlotTemplate>& templates, Deadline deadline) {
  return pool_.Run<std::vector<SlotTemplate>>(
      deadline, [&](pqxx::work& tx) -> absl::StatusOr<std::vector<SlotTemplate>> {
        tx.exec_prepared("dlv_retire_templates", shop_id);
        std::vector<SlotTemplate> stored;
        for (const SlotTemplate& t : templates) {
          pqxx::result r = tx.exec_prepared("dlv_insert_template", shop_id, KindText(t.kind),
                                            t.weekday, t.start_minute, t.end_minute, t.capacity,
                                            t.cutoff_days_before, t.cutoff_minute);
          stored.push_back(RowToTemplate(r[0]));
        }
        return stored;
      });
}

absl::StatusOr<std::vector<SlotTemplate>> PgSlotRepository::ListTemplates(
    const std::string& shop_id, Deadline deadline) {
  return pool_.Run<std::vector<SlotTemplate>>(
      deadline, [&](pqxx::work& tx) -> absl::StatusOr<std::vector<SlotTemplate>> {
        std::vector<SlotTemplate> out;
        for (const pqxx::row& row : tx.exec_prepared("dlv_list_templates", shop_id)) {
          out.push_back(RowToTemplate(row));
        }
        return out;
      });
}

absl::StatusOr<SlotTemplate> PgSlotRepository::GetTemplate(const std::string& shop_id,
                                                           const std::string& template_id,
                                                           Deadline deadline) {
  return pool_.Run<SlotTemplate>(deadline, [&](pqxx::work& tx) -> absl::StatusOr<SlotTemplate> {
    pqxx::result r = tx.exec_prepared("dlv_get_template", shop_id, template_id);
    if (r.empty()) return absl::NotFoundError("no such slot template in this shop");
    return RowToTemplate(r[0]);
  });
}

absl::StatusOr<BookingOutcome> PgSlotRepository::Book(const BookingRequest& request,
                                                      Deadline deadline) {
  const std::string day = IsoDate(request.day);
  return pool_.Run<BookingOutcome>(deadline, [&](pqxx::work& tx) -> absl::StatusOr<BookingOutcome> {
    // The counter row must exist before the booking that references it; inserting
    // nothing means the template is not an active one of this shop (or the row exists).
    tx.exec_prepared("dlv_ensure_counter", request.template_id, day, request.shop_id);
    pqxx::result counter =
        tx.exec_prepared("dlv_counter_of_shop", request.template_id, day, request.shop_id);
    if (counter.empty()) return absl::NotFoundError("no such slot template in this shop");
    pqxx::result inserted = tx.exec_prepared("dlv_insert_booking", request.order_id,
                                             request.shop_id, request.template_id, day);
    if (inserted.empty()) {
      pqxx::result existing = tx.exec_prepared("dlv_get_booking", request.order_id);
      if (existing.empty()) return absl::AbortedError("booking changed meanwhile: retry");
      if (existing[0][2].as<std::string>() != "booked") {
        return absl::FailedPreconditionError(
            "this order's slot booking was released; book with a new order");
      }
      if (existing[0][0].as<std::string>() != request.template_id ||
          existing[0][1].as<std::string>() != day) {
        return absl::FailedPreconditionError("this order already holds another slot");
      }
      return BookingOutcome::kAlreadyBooked;
    }
    // Returning an error rolls the booking row back with the transaction.
    if (tx.exec_prepared("dlv_take_place", request.template_id, day).empty()) {
      return absl::ResourceExhaustedError("Ce créneau est complet.");
    }
    return BookingOutcome::kBooked;
  });
}

absl::StatusOr<std::optional<std::string>> PgSlotRepository::HeldSlot(const std::string& order_id,
                                                                      Deadline deadline) {
  return pool_.Run<std::optional<std::string>>(
      deadline, [&](pqxx::work& tx) -> absl::StatusOr<std::optional<std::string>> {
        pqxx::result r = tx.exec_prepared("dlv_get_booking", order_id);
        if (r.empty() || r[0][2].as<std::string>() != "booked") return std::nullopt;
        return absl::StrCat(r[0][0].as<std::string>(), "/", r[0][1].as<std::string>());
      });
}

absl::StatusOr<bool> PgSlotRepository::Release(const std::string& order_id, Deadline deadline) {
  return pool_.Run<bool>(deadline, [&](pqxx::work& tx) -> absl::StatusOr<bool> {
    pqxx::result released = tx.exec_prepared("dlv_release_booking", order_id);
    if (released.empty()) return false;
    tx.exec_prepared("dlv_give_place", released[0][0].as<std::string>(),
                     released[0][1].as<std::string>());
    return true;
  });
}

absl::StatusOr<std::map<std::string, int>> PgSlotRepository::Booked(
    const std::vector<std::string>& template_ids, absl::CivilDay first, absl::CivilDay last,
    Deadline deadline) {
  const std::string ids = absl::StrCat("{", absl::StrJoin(template_ids, ","), "}");
  return pool_.Run<std::map<std::string, int>>(
      deadline, [&](pqxx::work& tx) -> absl::StatusOr<std::map<std::string, int>> {
        std::map<std::string, int> out;
        for (const pqxx::row& row :
             tx.exec_prepared("dlv_booked", ids, IsoDate(first), IsoDate(last))) {
          out[absl::StrCat(row[0].as<std::string>(), "/", row[1].as<std::string>())] =
              row[2].as<int>();
        }
        return out;
      });
}

}  // namespace comptoir::delivery
