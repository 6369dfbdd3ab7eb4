#pragma once

// RoundRepository on PostgreSQL (delivery.jobs, job_lines, rounds, stops, outbox), plus the
// job writes the orders' event handler runs in the consumer's transaction. Thread-safe (the
// pool is).

#include <pqxx/pqxx>

#include "comptoir/common/pg_pool.h"
#include "round_repository.h"

namespace comptoir::delivery {

// Inserts or refreshes the job of an order unless a newer version was applied; a job already
// planned keeps its status (only the details a courier reads are refreshed). Throws like any
// libpqxx call (the consumer turns it into a status).
void UpsertJob(pqxx::work& tx, const Job& job, int64_t source_version);
// Cancels the order's job and its live stop, unless a newer version was applied. No-op when
// there is no job (a pickup order, or a delivery order never accepted).
void CancelJob(pqxx::work& tx, const std::string& order_id, int64_t source_version);

class PgRoundRepository final : public RoundRepository {
 public:
  explicit PgRoundRepository(common::PgPool& pool) : pool_(pool) {}
  static std::vector<common::PreparedStatement> Statements();

  absl::StatusOr<std::vector<Job>> JobsToPlan(const std::string& shop_id, absl::CivilDay day,
                                              Deadline deadline) override;
  absl::StatusOr<std::vector<RoundRecord>> UnstartedRounds(const std::string& shop_id,
                                                           absl::CivilDay day,
                                                           Deadline deadline) override;
  absl::StatusOr<std::vector<RoundRecord>> SaveRounds(const std::string& depot_shop_id,
                                                      absl::CivilDay day, routing::GeoPoint depot,
                                                      const std::string& planned_by,
                                                      const std::vector<std::string>& replaced,
                                                      const std::vector<NewRound>& rounds,
                                                      Deadline deadline) override;
  absl::StatusOr<RoundRecord> GetRound(const std::string& round_id, Deadline deadline) override;
  absl::StatusOr<std::vector<RoundRecord>> RoundsOfCourier(const std::string& courier_user_id,
                                                           absl::CivilDay day,
                                                           Deadline deadline) override;
  absl::StatusOr<std::pair<StopRecord, std::string>> GetStop(const std::string& stop_id,
                                                             Deadline deadline) override;
  absl::StatusOr<PersonalData> PersonalDataOf(const std::string& user_id,
                                              Deadline deadline) override;
  absl::Status AnonymiseCustomer(const std::string& user_id, Deadline deadline) override;
  absl::StatusOr<StopRecord> TransitionStop(const std::string& stop_id, StopStatus from,
                                            StopStatus to, const std::string& reason,
                                            const std::vector<common::OutboxEvent>& events,
                                            Deadline deadline) override;

 private:
  common::PgPool& pool_;
};

}  // namespace comptoir::delivery
