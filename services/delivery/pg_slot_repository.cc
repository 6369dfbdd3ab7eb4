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

absl::CivilDay DayOf(const pqxx::field& field) {
  absl::CivilDay day;
  ParseIsoDate(field.as<std::string>(), &day);  // PostgreSQL's ISO output
  return day;
}

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
      // Bookings take the shop's closure lock shared (they do not wait for each other), a
      // new closure exclusive: it waits for bookings in flight, and later bookings see it.
      {"dlv_lock_closures_shared",
       "SELECT pg_advisory_xact_lock_shared(hashtextextended('dlv-closures:' || $1, 0))"},
      {"dlv_lock_closures",
       "SELECT pg_advisory_xact_lock(hashtextextended('dlv-closures:' || $1, 0))"},
      {"dlv_day_closed",
       "SELECT 1 FROM delivery.slot_closures c JOIN delivery.slot_templates t ON t.id = $3::uuid "
       "WHERE c.shop_id = $1::uuid AND $2::date BETWEEN c.first_day AND c.last_day "
       "AND ((t.kind = 'pickup' AND c.pickup) OR (t.kind = 'delivery' AND c.delivery)) LIMIT 1"},
      {"dlv_list_closures",
       "SELECT id::text, first_day::text, last_day::text, pickup, delivery, reason "
       "FROM delivery.slot_closures WHERE shop_id = $1::uuid AND last_day >= $2::date "
       "ORDER BY first_day, id LIMIT 1000"},
      {"dlv_count_closures",
       "SELECT count(*) FROM delivery.slot_closures "
       "WHERE shop_id = $1::uuid AND last_day >= $2::date"},
      {"dlv_insert_closure",
       "INSERT INTO delivery.slot_closures (shop_id, first_day, last_day, pickup, delivery, "
       "reason) VALUES ($1::uuid, $2::date, $3::date, $4, $5, $6) RETURNING id::text"},
      {"dlv_delete_closure",
       "DELETE FROM delivery.slot_closures WHERE shop_id = $1::uuid AND id = $2::uuid "
       "RETURNING id"},
      {"dlv_bookings_closed",
       "SELECT b.order_id::text, b.template_id::text, t.kind, b.day::text "
       "FROM delivery.slot_bookings b JOIN delivery.slot_templates t ON t.id = b.template_id "
       "WHERE b.shop_id = $1::uuid AND b.status = 'booked' AND b.day BETWEEN $2::date AND "
       "$3::date AND ((t.kind = 'pickup' AND $4) OR (t.kind = 'delivery' AND $5)) "
       "ORDER BY b.day, b.order_id LIMIT $6"},
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
    tx.exec_prepared("dlv_lock_closures_shared", request.shop_id);
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
    // Returning an error rolls the booking row back with the transaction. A retry of a
    // booking made before the closure was answered above: it keeps its place.
    if (!tx.exec_prepared("dlv_day_closed", request.shop_id, day, request.template_id).empty()) {
      return absl::FailedPreconditionError("La boutique est fermée ce jour-là.");
    }
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

absl::StatusOr<std::vector<Closure>> PgSlotRepository::ListClosures(const std::string& shop_id,
                                                                    absl::CivilDay from,
                                                                    Deadline deadline) {
  return pool_.Run<std::vector<Closure>>(
      deadline, [&](pqxx::work& tx) -> absl::StatusOr<std::vector<Closure>> {
        std::vector<Closure> out;
        for (const pqxx::row& row : tx.exec_prepared("dlv_list_closures", shop_id, IsoDate(from))) {
          out.push_back({.id = row[0].as<std::string>(),
                         .first = DayOf(row[1]),
                         .last = DayOf(row[2]),
                         .pickup = row[3].as<bool>(),
                         .delivery = row[4].as<bool>(),
                         .reason = row[5].as<std::string>()});
        }
        return out;
      });
}

absl::StatusOr<std::pair<Closure, std::vector<HeldBooking>>> PgSlotRepository::AddClosure(
    const std::string& shop_id, const Closure& closure, absl::CivilDay today, int max_open,
    int max_affected, Deadline deadline) {
  using Result = std::pair<Closure, std::vector<HeldBooking>>;
  return pool_.Run<Result>(deadline, [&](pqxx::work& tx) -> absl::StatusOr<Result> {
    // Also serialises closures of one shop, so the count below cannot be raced past.
    tx.exec_prepared("dlv_lock_closures", shop_id);
    if (tx.exec_prepared("dlv_count_closures", shop_id, IsoDate(today))[0][0].as<int>() >=
        max_open) {
      return absl::ResourceExhaustedError(
          absl::StrCat("at most ", max_open, " closures a shop: delete one first"));
    }
    Result result{closure, {}};
    result.first.id = tx.exec_prepared("dlv_insert_closure", shop_id, IsoDate(closure.first),
                                       IsoDate(closure.last), closure.pickup, closure.delivery,
                                       closure.reason)[0][0]
                          .as<std::string>();
    for (const pqxx::row& row :
         tx.exec_prepared("dlv_bookings_closed", shop_id, IsoDate(closure.first),
                          IsoDate(closure.last), closure.pickup, closure.delivery, max_affected)) {
      result.second.push_back(
          {.order_id = row[0].as<std::string>(),
           .template_id = row[1].as<std::string>(),
           .kind = row[2].as<std::string>() == "pickup" ? SlotKind::kPickup : SlotKind::kDelivery,
           .day = DayOf(row[3])});
    }
    return result;
  });
}

absl::Status PgSlotRepository::DeleteClosure(const std::string& shop_id,
                                             const std::string& closure_id, Deadline deadline) {
  return pool_.RunStatus(deadline, [&](pqxx::work& tx) -> absl::Status {
    if (tx.exec_prepared("dlv_delete_closure", shop_id, closure_id).empty()) {
      return absl::NotFoundError("no such closure in this shop");
    }
    return absl::OkStatus();
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
