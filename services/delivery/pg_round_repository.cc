#include "pg_round_repository.h"

#include <map>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "slot_calendar.h"

namespace comptoir::delivery {
namespace {

absl::CivilDay ParseDay(const std::string& text) {
  absl::CivilDay day;
  (void)ParseIsoDate(text, &day);  // day::text from PostgreSQL: always YYYY-MM-DD
  return day;
}

std::string TimeText(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", t, absl::UTCTimeZone());
}

std::string Coordinate(double value) { return absl::StrFormat("%.10f", value); }

absl::Time Micros(const pqxx::field& f) { return absl::FromUnixMicros(f.as<int64_t>()); }

StopStatus ParseStopStatus(const std::string& s) {
  if (s == "picked_up") return StopStatus::kPickedUp;
  if (s == "delivered") return StopStatus::kDelivered;
  if (s == "failed") return StopStatus::kFailed;
  if (s == "cancelled") return StopStatus::kCancelled;
  return StopStatus::kPlanned;
}

// The job's columns, selected from `j`, in RowToJob's order (15 columns).
constexpr char kJobColumns[] =
    "j.order_id::text, j.order_number, j.shop_id::text, j.status, j.day::text, "
    "(extract(epoch from j.window_start) * 1000000)::bigint, "
    "(extract(epoch from j.window_end) * 1000000)::bigint, j.latitude, j.longitude, j.address, "
    "j.postal_code, j.commune_insee, j.commune_name, j.customer_name, j.customer_phone";

Job RowToJob(const pqxx::row& row, int at) {
  return Job{.order_id = row[at + 0].as<std::string>(),
             .order_number = row[at + 1].as<std::string>(),
             .shop_id = row[at + 2].as<std::string>(),
             .status = row[at + 3].as<std::string>(),
             .day = ParseDay(row[at + 4].as<std::string>()),
             .window_start = Micros(row[at + 5]),
             .window_end = Micros(row[at + 6]),
             .point = {row[at + 7].as<double>(), row[at + 8].as<double>()},
             .address = row[at + 9].as<std::string>(),
             .postal_code = row[at + 10].as<std::string>(),
             .commune_insee = row[at + 11].as<std::string>(),
             .commune_name = row[at + 12].as<std::string>(),
             .customer_name = row[at + 13].as<std::string>(),
             .customer_phone = row[at + 14].as<std::string>()};
}

// Fills the hand-over lines of jobs, in one query.
void LoadLines(pqxx::work& tx, std::vector<Job*> jobs) {
  if (jobs.empty()) return;
  std::map<std::string, Job*> by_id;
  std::string ids = "{";
  for (Job* job : jobs) {
    by_id[job->order_id] = job;
    if (ids.size() > 1) ids += ",";
    ids += job->order_id;
  }
  ids += "}";
  for (const pqxx::row& row : tx.exec_prepared("dlv_job_lines", ids)) {
    Job* job = by_id[row[0].as<std::string>()];
    job->lines.push_back({.name = row[1].as<std::string>(),
                          .quantity = row[2].as<int>(),
                          .sale_unit = row[3].as<std::string>()});
  }
}

constexpr char kRoundColumns[] =
    "r.id::text, r.day::text, r.depot_shop_id::text, coalesce(s.name, ''), r.depot_latitude, "
    "r.depot_longitude, r.courier_user_id::text, "
    "(extract(epoch from r.departure_time) * 1000000)::bigint, "
    "(extract(epoch from r.return_time) * 1000000)::bigint, r.distance_metres";

RoundRecord RowToRound(const pqxx::row& row) {
  return RoundRecord{.id = row[0].as<std::string>(),
                     .day = ParseDay(row[1].as<std::string>()),
                     .depot_shop_id = row[2].as<std::string>(),
                     .depot_name = row[3].as<std::string>(),
                     .depot = {row[4].as<double>(), row[5].as<double>()},
                     .courier_user_id = row[6].as<std::string>(),
                     .departure = Micros(row[7]),
                     .return_time = Micros(row[8]),
                     .distance_metres = row[9].as<int64_t>()};
}

constexpr char kStopColumns[] =
    "t.id::text, t.round_id::text, t.position, (extract(epoch from t.eta) * 1000000)::bigint, "
    "t.status, t.reason";

StopRecord RowToStop(const pqxx::row& row) {
  StopRecord stop{.id = row[0].as<std::string>(),
                  .round_id = row[1].as<std::string>(),
                  .position = row[2].as<int>(),
                  .eta = Micros(row[3]),
                  .status = ParseStopStatus(row[4].as<std::string>()),
                  .reason = row[5].as<std::string>()};
  stop.job = RowToJob(row, 6);
  return stop;
}

// Reads the stops of the rounds (in place) with their jobs and lines.
void LoadStops(pqxx::work& tx, std::vector<RoundRecord>& rounds) {
  std::vector<Job*> jobs;
  for (RoundRecord& round : rounds) {
    for (const pqxx::row& row : tx.exec_prepared("dlv_round_stops", round.id)) {
      round.stops.push_back(RowToStop(row));
    }
  }
  for (RoundRecord& round : rounds) {
    for (StopRecord& stop : round.stops) jobs.push_back(&stop.job);
  }
  LoadLines(tx, jobs);
}

// A job follows its stop, except that a cancelled order stays cancelled.
const char* JobStatusFor(StopStatus status) {
  switch (status) {
    case StopStatus::kPlanned:
      return "planned";
    case StopStatus::kPickedUp:
      return "picked_up";
    case StopStatus::kDelivered:
      return "delivered";
    case StopStatus::kFailed:
      return "failed";
    case StopStatus::kCancelled:
      return "cancelled";
  }
  return "planned";
}

}  // namespace

const char* StopStatusName(StopStatus status) { return JobStatusFor(status); }

void UpsertJob(pqxx::work& tx, const Job& job, int64_t source_version) {
  const pqxx::result r = tx.exec_params(
      "INSERT INTO delivery.jobs (order_id, order_number, shop_id, status, day, window_start, "
      "window_end, latitude, longitude, address, postal_code, commune_insee, commune_name, "
      "customer_name, customer_phone, source_version, customer_user_id) VALUES ($1::uuid, $2, "
      "$3::uuid, 'pending', $4::date, $5::timestamptz, $6::timestamptz, $7::float8, $8::float8, "
      "$9, $10, $11, $12, $13, $14, $15, NULLIF($16, '')::uuid) "
      "ON CONFLICT (order_id) DO UPDATE SET order_number = EXCLUDED.order_number, "
      "customer_user_id = COALESCE(EXCLUDED.customer_user_id, delivery.jobs.customer_user_id), "
      "address = EXCLUDED.address, postal_code = EXCLUDED.postal_code, "
      "customer_name = EXCLUDED.customer_name, customer_phone = EXCLUDED.customer_phone, "
      "source_version = EXCLUDED.source_version, update_time = now() "
      "WHERE delivery.jobs.source_version < EXCLUDED.source_version "
      "AND delivery.jobs.status <> 'cancelled' RETURNING order_id",
      job.order_id, job.order_number, job.shop_id, IsoDate(job.day), TimeText(job.window_start),
      TimeText(job.window_end), Coordinate(job.point.latitude), Coordinate(job.point.longitude),
      job.address, job.postal_code, job.commune_insee, job.commune_name, job.customer_name,
      job.customer_phone, source_version, job.customer_user_id);
  if (r.empty()) return;  // older snapshot, or cancelled meanwhile
  tx.exec_params("DELETE FROM delivery.job_lines WHERE order_id = $1::uuid", job.order_id);
  for (size_t i = 0; i < job.lines.size(); ++i) {
    tx.exec_params(
        "INSERT INTO delivery.job_lines (order_id, position, name, quantity, sale_unit) "
        "VALUES ($1::uuid, $2, $3, $4, $5)",
        job.order_id, static_cast<int>(i), job.lines[i].name, job.lines[i].quantity,
        job.lines[i].sale_unit);
  }
}

void CancelJob(pqxx::work& tx, const std::string& order_id, int64_t source_version) {
  const pqxx::result r = tx.exec_params(
      "UPDATE delivery.jobs SET status = 'cancelled', source_version = $2, update_time = now() "
      "WHERE order_id = $1::uuid AND source_version < $2 "
      "AND status IN ('pending', 'planned') RETURNING order_id",
      order_id, source_version);
  if (r.empty()) return;
  tx.exec_params(
      "UPDATE delivery.stops SET status = 'cancelled', update_time = now() "
      "WHERE order_id = $1::uuid AND status = 'planned'",
      order_id);
}

std::vector<common::PreparedStatement> PgRoundRepository::Statements() {
  return {
      {"dlv_jobs_to_plan",
       absl::StrCat("SELECT ", kJobColumns,
                    " FROM delivery.jobs j WHERE j.shop_id = $1::uuid AND j.day = $2::date "
                    "AND j.status = 'pending' ORDER BY j.window_start, j.order_id LIMIT 1000")},
      {"dlv_jobs_of_customer",
       absl::StrCat("SELECT ", kJobColumns,
                    " FROM delivery.jobs j WHERE j.customer_user_id = $1::uuid "
                    "ORDER BY j.window_start DESC, j.order_id LIMIT 1000")},
      {"dlv_anonymise_customer",
       "UPDATE delivery.jobs SET customer_name = 'Compte supprimé', customer_phone = '', "
       "address = '', update_time = now() WHERE customer_user_id = $1::uuid AND "
       "(customer_name <> 'Compte supprimé' OR customer_phone <> '' OR address <> '')"},
      {"dlv_job_lines",
       "SELECT order_id::text, name, quantity, sale_unit FROM delivery.job_lines "
       "WHERE order_id = ANY($1::uuid[]) ORDER BY order_id, position"},
      {"dlv_plan_job",
       "UPDATE delivery.jobs SET status = 'planned', update_time = now() "
       "WHERE order_id = $1::uuid AND status = 'pending' RETURNING order_id"},
      {"dlv_insert_round",
       "INSERT INTO delivery.rounds (depot_shop_id, day, courier_user_id, depot_latitude, "
       "depot_longitude, departure_time, return_time, distance_metres, planned_by) "
       "VALUES ($1::uuid, $2::date, $3::uuid, $4::float8, $5::float8, $6::timestamptz, "
       "$7::timestamptz, $8, $9::uuid) RETURNING id::text"},
      {"dlv_insert_stop",
       "INSERT INTO delivery.stops (round_id, position, order_id, eta, status) "
       "VALUES ($1::uuid, $2, $3::uuid, $4::timestamptz, 'planned')"},
      {"dlv_get_round",
       absl::StrCat("SELECT ", kRoundColumns,
                    " FROM delivery.rounds r LEFT JOIN delivery.shops s ON s.id = r.depot_shop_id "
                    "WHERE r.id = $1::uuid")},
      {"dlv_rounds_of_courier",
       absl::StrCat("SELECT ", kRoundColumns,
                    " FROM delivery.rounds r LEFT JOIN delivery.shops s ON s.id = r.depot_shop_id "
                    "WHERE r.courier_user_id = $1::uuid AND r.day = $2::date "
                    "ORDER BY r.departure_time, r.id LIMIT 50")},
      {"dlv_all_rounds_of_courier",
       absl::StrCat("SELECT ", kRoundColumns,
                    " FROM delivery.rounds r LEFT JOIN delivery.shops s ON s.id = r.depot_shop_id "
                    "WHERE r.courier_user_id = $1::uuid "
                    "ORDER BY r.day DESC, r.departure_time DESC, r.id LIMIT 1000")},
      // A round is started once a stop was picked up, delivered or failed.
      {"dlv_unstarted_rounds",
       absl::StrCat("SELECT ", kRoundColumns,
                    " FROM delivery.rounds r LEFT JOIN delivery.shops s ON s.id = r.depot_shop_id "
                    "WHERE r.depot_shop_id = $1::uuid AND r.day = $2::date AND NOT EXISTS "
                    "(SELECT 1 FROM delivery.stops t WHERE t.round_id = r.id "
                    "AND t.status IN ('picked_up', 'delivered', 'failed')) "
                    "ORDER BY r.departure_time, r.id LIMIT 100")},
      {"dlv_delete_unstarted_stops",
       "DELETE FROM delivery.stops WHERE round_id = $1::uuid "
       "AND status IN ('planned', 'cancelled') RETURNING order_id::text, status"},
      {"dlv_unplan_job",
       "UPDATE delivery.jobs SET status = 'pending', update_time = now() "
       "WHERE order_id = $1::uuid AND status = 'planned'"},
      {"dlv_round_has_stops", "SELECT 1 FROM delivery.stops WHERE round_id = $1::uuid LIMIT 1"},
      {"dlv_delete_round",
       "DELETE FROM delivery.rounds WHERE id = $1::uuid AND depot_shop_id = $2::uuid "
       "AND day = $3::date RETURNING id"},
      {"dlv_round_stops",
       absl::StrCat("SELECT ", kStopColumns, ", ", kJobColumns,
                    " FROM delivery.stops t JOIN delivery.jobs j ON j.order_id = t.order_id "
                    "WHERE t.round_id = $1::uuid ORDER BY t.position")},
      {"dlv_get_stop",
       absl::StrCat("SELECT ", kStopColumns, ", ", kJobColumns,
                    ", r.courier_user_id::text FROM delivery.stops t "
                    "JOIN delivery.jobs j ON j.order_id = t.order_id "
                    "JOIN delivery.rounds r ON r.id = t.round_id WHERE t.id = $1::uuid")},
      {"dlv_transition_stop",
       "UPDATE delivery.stops SET status = $3, reason = $4, update_time = now() "
       "WHERE id = $1::uuid AND status = $2 RETURNING order_id::text"},
      {"dlv_job_follows_stop",
       "UPDATE delivery.jobs SET status = $2, update_time = now() "
       "WHERE order_id = $1::uuid AND status <> 'cancelled'"},
  };
}

absl::StatusOr<std::vector<Job>> PgRoundRepository::JobsToPlan(const std::string& shop_id,
                                                               absl::CivilDay day,
                                                               Deadline deadline) {
  return pool_.Run<std::vector<Job>>(
      deadline, [&](pqxx::work& tx) -> absl::StatusOr<std::vector<Job>> {
        std::vector<Job> jobs;
        for (const pqxx::row& row : tx.exec_prepared("dlv_jobs_to_plan", shop_id, IsoDate(day))) {
          jobs.push_back(RowToJob(row, 0));
        }
        std::vector<Job*> refs;
        for (Job& j : jobs) refs.push_back(&j);
        LoadLines(tx, refs);
        return jobs;
      });
}

absl::StatusOr<std::vector<RoundRecord>> PgRoundRepository::UnstartedRounds(
    const std::string& shop_id, absl::CivilDay day, Deadline deadline) {
  return pool_.Run<std::vector<RoundRecord>>(
      deadline, [&](pqxx::work& tx) -> absl::StatusOr<std::vector<RoundRecord>> {
        std::vector<RoundRecord> rounds;
        for (const pqxx::row& row :
             tx.exec_prepared("dlv_unstarted_rounds", shop_id, IsoDate(day))) {
          rounds.push_back(RowToRound(row));
        }
        LoadStops(tx, rounds);
        return rounds;
      });
}

absl::StatusOr<std::vector<RoundRecord>> PgRoundRepository::SaveRounds(
    const std::string& depot_shop_id, absl::CivilDay day, routing::GeoPoint depot,
    const std::string& planned_by, const std::vector<std::string>& replaced,
    const std::vector<NewRound>& rounds, Deadline deadline) {
  return pool_.Run<std::vector<RoundRecord>>(
      deadline, [&](pqxx::work& tx) -> absl::StatusOr<std::vector<RoundRecord>> {
        for (const std::string& round_id : replaced) {
          // Only stops no courier touched go: a stop picked up meanwhile stays, and then the
          // round is not removable. Deleting locks each stop row, so a concurrent pick-up
          // either commits first (seen here) or finds the stop gone (and is refused).
          for (const pqxx::row& row : tx.exec_prepared("dlv_delete_unstarted_stops", round_id)) {
            if (row[1].as<std::string>() == "planned") {
              tx.exec_prepared("dlv_unplan_job", row[0].as<std::string>());
            }
          }
          if (!tx.exec_prepared("dlv_round_has_stops", round_id).empty() ||
              tx.exec_prepared("dlv_delete_round", round_id, depot_shop_id, IsoDate(day)).empty()) {
            return absl::AbortedError(
                "a round of this day was started or planned again meanwhile: plan again");
          }
        }
        std::vector<std::string> ids;
        for (const NewRound& round : rounds) {
          const pqxx::result r = tx.exec_prepared(
              "dlv_insert_round", depot_shop_id, IsoDate(day), round.courier_user_id,
              Coordinate(depot.latitude), Coordinate(depot.longitude), TimeText(round.departure),
              TimeText(round.return_time), round.distance_metres, planned_by);
          ids.push_back(r[0][0].as<std::string>());
          for (size_t i = 0; i < round.stops.size(); ++i) {
            if (tx.exec_prepared("dlv_plan_job", round.stops[i].first).empty()) {
              return absl::AbortedError(
                  "a delivery changed while the rounds were planned: plan again");
            }
            tx.exec_prepared("dlv_insert_stop", ids.back(), static_cast<int>(i + 1),
                             round.stops[i].first, TimeText(round.stops[i].second));
          }
        }
        std::vector<RoundRecord> stored;
        for (const std::string& id : ids) {
          stored.push_back(RowToRound(tx.exec_prepared("dlv_get_round", id)[0]));
        }
        LoadStops(tx, stored);
        return stored;
      });
}

absl::StatusOr<RoundRecord> PgRoundRepository::GetRound(const std::string& round_id,
                                                        Deadline deadline) {
  return pool_.Run<RoundRecord>(deadline, [&](pqxx::work& tx) -> absl::StatusOr<RoundRecord> {
    const pqxx::result r = tx.exec_prepared("dlv_get_round", round_id);
    if (r.empty()) return absl::NotFoundError(absl::StrCat("no round \"", round_id, "\""));
    std::vector<RoundRecord> rounds{RowToRound(r[0])};
    LoadStops(tx, rounds);
    return std::move(rounds[0]);
  });
}

absl::StatusOr<std::vector<RoundRecord>> PgRoundRepository::RoundsOfCourier(
    const std::string& courier_user_id, absl::CivilDay day, Deadline deadline) {
  return pool_.Run<std::vector<RoundRecord>>(
      deadline, [&](pqxx::work& tx) -> absl::StatusOr<std::vector<RoundRecord>> {
        std::vector<RoundRecord> rounds;
        for (const pqxx::row& row :
             tx.exec_prepared("dlv_rounds_of_courier", courier_user_id, IsoDate(day))) {
          rounds.push_back(RowToRound(row));
        }
        LoadStops(tx, rounds);
        return rounds;
      });
}

absl::StatusOr<std::pair<StopRecord, std::string>> PgRoundRepository::GetStop(
    const std::string& stop_id, Deadline deadline) {
  using Result = std::pair<StopRecord, std::string>;
  return pool_.Run<Result>(deadline, [&](pqxx::work& tx) -> absl::StatusOr<Result> {
    const pqxx::result r = tx.exec_prepared("dlv_get_stop", stop_id);
    if (r.empty()) return absl::NotFoundError(absl::StrCat("no stop \"", stop_id, "\""));
    Result result{RowToStop(r[0]), r[0][21].as<std::string>()};
    LoadLines(tx, {&result.first.job});
    return result;
  });
}

absl::StatusOr<PersonalData> PgRoundRepository::PersonalDataOf(const std::string& user_id,
                                                               Deadline deadline) {
  return pool_.Run<PersonalData>(deadline, [&](pqxx::work& tx) -> absl::StatusOr<PersonalData> {
    PersonalData data;
    for (const pqxx::row& row : tx.exec_prepared("dlv_jobs_of_customer", user_id)) {
      data.deliveries.push_back(RowToJob(row, 0));
    }
    std::vector<Job*> jobs;
    for (Job& job : data.deliveries) jobs.push_back(&job);
    LoadLines(tx, jobs);
    for (const pqxx::row& row : tx.exec_prepared("dlv_all_rounds_of_courier", user_id)) {
      data.rounds.push_back(RowToRound(row));
    }
    return data;
  });
}

absl::Status PgRoundRepository::AnonymiseCustomer(const std::string& user_id, Deadline deadline) {
  return pool_.RunStatus(deadline, [&](pqxx::work& tx) -> absl::Status {
    tx.exec_prepared("dlv_anonymise_customer", user_id);
    return absl::OkStatus();
  });
}

absl::StatusOr<StopRecord> PgRoundRepository::TransitionStop(
    const std::string& stop_id, StopStatus from, StopStatus to, const std::string& reason,
    const std::vector<common::OutboxEvent>& events, Deadline deadline) {
  return pool_.Run<StopRecord>(deadline, [&](pqxx::work& tx) -> absl::StatusOr<StopRecord> {
    const pqxx::result r = tx.exec_prepared("dlv_transition_stop", stop_id, StopStatusName(from),
                                            StopStatusName(to), reason);
    if (r.empty()) return absl::AbortedError("the stop changed meanwhile: read it again");
    tx.exec_prepared("dlv_job_follows_stop", r[0][0].as<std::string>(), JobStatusFor(to));
    for (const common::OutboxEvent& event : events) {
      common::InsertOutboxEvent(tx, "delivery", event);
    }
    const pqxx::result s = tx.exec_prepared("dlv_get_stop", stop_id);
    StopRecord stop = RowToStop(s[0]);
    LoadLines(tx, {&stop.job});
    return stop;
  });
}

}  // namespace comptoir::delivery
