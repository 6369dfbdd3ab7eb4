// In-memory RoundRepository for unit tests: jobs, rounds and stops in maps, outbox events
// recorded in order. Enough for the service's rules; concurrency is tested on PostgreSQL
// (tests/integration/delivery). Thread-safe: one mutex.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "round_repository.h"

namespace comptoir::delivery {

class FakeRoundRepository final : public RoundRepository {
 public:
  void AddJob(Job job) {
    std::lock_guard lock(mu_);
    job.status = "pending";
    jobs_[job.order_id] = std::move(job);
  }
  std::vector<common::OutboxEvent> events() {
    std::lock_guard lock(mu_);
    return events_;
  }

  absl::StatusOr<std::vector<Job>> JobsToPlan(const std::string& shop_id, absl::CivilDay day,
                                              Deadline) override {
    std::lock_guard lock(mu_);
    std::vector<Job> out;
    for (const auto& [id, job] : jobs_) {
      if (job.shop_id == shop_id && job.day == day && job.status == "pending") out.push_back(job);
    }
    return out;
  }
  absl::StatusOr<std::vector<RoundRecord>> UnstartedRounds(const std::string& shop_id,
                                                           absl::CivilDay day, Deadline) override {
    std::lock_guard lock(mu_);
    std::vector<RoundRecord> out;
    for (const auto& [id, r] : rounds_) {
      if (r.depot_shop_id == shop_id && r.day == day && !Started(r)) out.push_back(r);
    }
    return out;
  }
  absl::StatusOr<std::vector<RoundRecord>> SaveRounds(const std::string& depot_shop_id,
                                                      absl::CivilDay day, routing::GeoPoint depot,
                                                      const std::string&,
                                                      const std::vector<std::string>& replaced,
                                                      const std::vector<NewRound>& rounds,
                                                      Deadline) override {
    std::lock_guard lock(mu_);
    // Not transactional: enough for the service's rules (PostgreSQL is tested apart).
    for (const std::string& id : replaced) {
      const auto it = rounds_.find(id);
      if (it == rounds_.end() || Started(it->second)) return absl::AbortedError("round changed");
      for (const StopRecord& stop : it->second.stops) {
        Job& job = jobs_.at(stop.job.order_id);
        if (job.status == "planned") job.status = "pending";
      }
      rounds_.erase(it);
    }
    std::vector<RoundRecord> out;
    for (const NewRound& n : rounds) {
      RoundRecord r{.id = Id("30", ++next_),
                    .day = day,
                    .depot_shop_id = depot_shop_id,
                    .depot = depot,
                    .courier_user_id = n.courier_user_id,
                    .departure = n.departure,
                    .return_time = n.return_time,
                    .distance_metres = n.distance_metres};
      for (size_t i = 0; i < n.stops.size(); ++i) {
        Job& job = jobs_.at(n.stops[i].first);
        if (job.status != "pending") return absl::AbortedError("job not pending");
        job.status = "planned";
        r.stops.push_back({.id = Id("40", ++next_),
                           .round_id = r.id,
                           .position = static_cast<int>(i + 1),
                           .eta = n.stops[i].second,
                           .job = job});
      }
      rounds_[r.id] = r;
      out.push_back(r);
    }
    return out;
  }
  absl::StatusOr<RoundRecord> GetRound(const std::string& round_id, Deadline) override {
    std::lock_guard lock(mu_);
    const auto it = rounds_.find(round_id);
    if (it == rounds_.end()) return absl::NotFoundError("no round");
    return it->second;
  }
  absl::StatusOr<std::vector<RoundRecord>> RoundsOfCourier(const std::string& courier,
                                                           absl::CivilDay day, Deadline) override {
    std::lock_guard lock(mu_);
    std::vector<RoundRecord> out;
    for (const auto& [id, r] : rounds_) {
      if (r.courier_user_id == courier && r.day == day) out.push_back(r);
    }
    return out;
  }
  absl::StatusOr<std::pair<StopRecord, std::string>> GetStop(const std::string& stop_id,
                                                             Deadline) override {
    std::lock_guard lock(mu_);
    StopRecord* stop = FindStop(stop_id);
    if (stop == nullptr) return absl::NotFoundError("no stop");
    return std::make_pair(*stop, rounds_.at(stop->round_id).courier_user_id);
  }
  absl::StatusOr<PersonalData> PersonalDataOf(const std::string& user_id, Deadline) override {
    std::lock_guard lock(mu_);
    PersonalData data;
    for (const auto& [id, job] : jobs_) {
      if (job.customer_user_id == user_id) data.deliveries.push_back(job);
    }
    for (const auto& [id, r] : rounds_) {
      if (r.courier_user_id == user_id) data.rounds.push_back(r);
    }
    return data;
  }
  absl::Status AnonymiseCustomer(const std::string& user_id, Deadline) override {
    std::lock_guard lock(mu_);
    for (auto& [id, job] : jobs_) {
      if (job.customer_user_id != user_id) continue;
      job.customer_name = "Compte supprimé";
      job.customer_phone.clear();
      job.address.clear();
    }
    return absl::OkStatus();
  }
  absl::StatusOr<StopRecord> TransitionStop(const std::string& stop_id, StopStatus from,
                                            StopStatus to, const std::string& reason,
                                            const std::vector<common::OutboxEvent>& events,
                                            Deadline) override {
    std::lock_guard lock(mu_);
    StopRecord* stop = FindStop(stop_id);
    if (stop == nullptr || stop->status != from) return absl::AbortedError("stop changed");
    stop->status = to;
    stop->reason = reason;
    events_.insert(events_.end(), events.begin(), events.end());
    return *stop;
  }

 private:
  static bool Started(const RoundRecord& r) {
    for (const StopRecord& s : r.stops) {
      if (s.status == StopStatus::kPickedUp || s.status == StopStatus::kDelivered ||
          s.status == StopStatus::kFailed) {
        return true;
      }
    }
    return false;
  }
  static std::string Id(const char* prefix, int n) {
    return absl::StrCat(prefix, "000000-0000-4000-8000-", 100000000000 + n);
  }
  StopRecord* FindStop(const std::string& stop_id) {
    for (auto& [id, r] : rounds_) {
      for (StopRecord& s : r.stops) {
        if (s.id == stop_id) return &s;
      }
    }
    return nullptr;
  }

  std::mutex mu_;
  int next_ = 0;
  std::map<std::string, Job> jobs_;
  std::map<std::string, RoundRecord> rounds_;
  std::vector<common::OutboxEvent> events_;
};

}  // namespace comptoir::delivery
