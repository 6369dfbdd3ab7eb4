#include "round_service.h"

#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "comptoir/common/ids.h"
#include "comptoir/common/status.h"
#include "comptoir/delivery/v1/events.pb.h"
#include "google/protobuf/util/time_util.h"
#include "road_sheet.h"
#include "slot_calendar.h"

namespace comptoir::delivery {
namespace {

absl::StatusOr<absl::CivilDay> ParseDate(const std::string& field, const std::string& text) {
  absl::CivilDay day;
  if (!ParseIsoDate(text, &day)) {
    return common::InvalidField(field, "must be a date YYYY-MM-DD");
  }
  return day;
}

v1::StopEvent::Kind EventKind(StopStatus to) {
  switch (to) {
    case StopStatus::kPickedUp:
      return v1::StopEvent::PICKED_UP;
    case StopStatus::kDelivered:
      return v1::StopEvent::DELIVERED;
    case StopStatus::kFailed:
      return v1::StopEvent::FAILED;
    default:
      return v1::StopEvent::KIND_UNSPECIFIED;
  }
}

}  // namespace

absl::StatusOr<std::optional<StopStatus>> NextStopStatus(StopStatus current, StopAction action) {
  const StopStatus target = action == StopAction::kPickUp     ? StopStatus::kPickedUp
                            : action == StopAction::kComplete ? StopStatus::kDelivered
                                                              : StopStatus::kFailed;
  if (current == target) return std::optional<StopStatus>();
  switch (current) {
    case StopStatus::kPlanned:
      return std::optional<StopStatus>(target);
    case StopStatus::kPickedUp:
      if (action == StopAction::kPickUp) return std::optional<StopStatus>();
      return std::optional<StopStatus>(target);
    case StopStatus::kDelivered:
      return absl::FailedPreconditionError("Cette livraison est déjà faite.");
    case StopStatus::kFailed:
      return absl::FailedPreconditionError("Cette livraison est déjà marquée en échec.");
    case StopStatus::kCancelled:
      return absl::FailedPreconditionError("Cette commande a été annulée : ne la livrez pas.");
  }
  return absl::InternalError("unknown stop status");
}

absl::StatusOr<RoundsPlanned> RoundService::Plan(const common::Caller& caller,
                                                 const PlanRoundsInput& input, Deadline deadline) {
  common::Violations v;
  absl::CivilDay day;
  if (absl::StatusOr<absl::CivilDay> parsed = ParseDate("date", input.date); parsed.ok()) {
    day = *parsed;
  } else {
    v.Add("date", "must be a date YYYY-MM-DD");
  }
  if (!common::LooksLikeUuid(input.depot_shop)) v.Add("depot_shop", "must be a shop id (UUID)");
  if (input.hub.has_value() &&
      (std::abs(input.hub->latitude) > 90 || std::abs(input.hub->longitude) > 180)) {
    v.Add("hub", "must be WGS 84 degrees");
  }
  if (input.couriers.empty() || input.couriers.size() > kMaxCouriers) {
    v.Add("couriers", "give 1 to 50 couriers");
  }
  std::map<std::string, int> seen;
  for (size_t i = 0; i < input.couriers.size() && i < kMaxCouriers; ++i) {
    const CourierVehicle& c = input.couriers[i];
    const std::string at = absl::StrCat("couriers[", i, "].");
    if (!common::LooksLikeUuid(c.courier_id))
      v.Add(at + "courier_user_id", "must be a user id (UUID)");
    if (c.capacity < 1 || c.capacity > 1000) v.Add(at + "capacity", "must be in [1, 1000]");
    if (++seen[c.courier_id] == 2) v.Add(at + "courier_user_id", "is given twice");
  }
  if (input.time_budget_ms < 0 || input.time_budget_ms > kMaxBudgetMs) {
    v.Add("time_budget_ms", "must be in [0, 2000]");
  }
  RETURN_IF_ERROR(v.ToStatus());
  RETURN_IF_ERROR(common::RequireShopMember(caller, input.depot_shop));
  if (couriers_ != nullptr) {
    std::vector<std::string> ids;
    for (const CourierVehicle& c : input.couriers) ids.push_back(c.courier_id);
    ASSIGN_OR_RETURN(std::vector<std::string> holders, couriers_->Couriers(ids, deadline));
    const std::set<std::string> couriers(holders.begin(), holders.end());
    common::Violations not_couriers;
    for (size_t i = 0; i < ids.size(); ++i) {
      if (couriers.count(ids[i]) == 0) {
        not_couriers.Add(absl::StrCat("couriers[", i, "].courier_user_id"),
                         "is not a courier account");
      }
    }
    RETURN_IF_ERROR(not_couriers.ToStatus());
  }

  routing::GeoPoint depot;
  std::string depot_name;
  if (input.hub.has_value()) {
    depot = *input.hub;
  } else {
    ASSIGN_OR_RETURN(std::optional<DeliveryShop> shop, shops_.FindShop(input.depot_shop, deadline));
    if (!shop.has_value() || !shop->point.has_value()) {
      return absl::FailedPreconditionError(
          "La position de la boutique n'est pas connue : indiquez celle du dépôt (hub).");
    }
    depot = *shop->point;
  }
  // Planning a day again replaces the rounds no courier has started (their jobs are planned
  // anew with the pending ones); started rounds and their jobs stay as they are.
  ASSIGN_OR_RETURN(std::vector<RoundRecord> unstarted,
                   rounds_.UnstartedRounds(input.depot_shop, day, deadline));
  ASSIGN_OR_RETURN(std::vector<Job> jobs, rounds_.JobsToPlan(input.depot_shop, day, deadline));
  RoundsPlanned planned;
  for (const RoundRecord& round : unstarted) {
    planned.replaced_round_ids.push_back(round.id);
    for (const StopRecord& stop : round.stops) {
      if (stop.status == StopStatus::kPlanned) jobs.push_back(stop.job);
    }
  }

  PlanRequest request{.depot = depot,
                      .day_start = absl::FromCivil(absl::CivilSecond(day), zone_),
                      .day_end = absl::FromCivil(absl::CivilSecond(day + 1), zone_),
                      .vehicles = input.couriers};
  request.options.time_budget =
      absl::Milliseconds(input.time_budget_ms == 0 ? 1000 : input.time_budget_ms);
  std::map<std::string, const Job*> by_id;
  for (const Job& job : jobs) {
    by_id[job.order_id] = &job;
    request.jobs.push_back({.id = job.order_id,
                            .point = job.point,
                            .window_start = job.window_start,
                            .window_end = job.window_end});
  }
  ASSIGN_OR_RETURN(RoundPlan plan, planner_.Plan(request));

  std::vector<NewRound> new_rounds;
  for (const PlannedRound& round : plan.rounds) {
    NewRound stored{.courier_user_id = round.courier_id,
                    .departure = round.departure,
                    .return_time = round.return_time,
                    .distance_metres = static_cast<int64_t>(round.distance_metres + 0.5)};
    for (const PlannedStop& stop : round.stops) stored.stops.emplace_back(stop.job_id, stop.eta);
    new_rounds.push_back(std::move(stored));
  }
  if (!new_rounds.empty() || !planned.replaced_round_ids.empty()) {
    ASSIGN_OR_RETURN(planned.rounds,
                     rounds_.SaveRounds(input.depot_shop, day, depot, caller.user_id,
                                        planned.replaced_round_ids, new_rounds, deadline));
  }
  for (const UnassignedJob& u : plan.unassigned) {
    planned.unassigned.push_back(
        {.order_id = u.job_id, .order_number = by_id[u.job_id]->order_number, .reason = u.reason});
  }
  return planned;
}

absl::Status RoundService::CanRead(const common::Caller& caller, const RoundRecord& round) const {
  RETURN_IF_ERROR(common::RequireAuthenticated(caller));
  if (caller.user_id == round.courier_user_id) return absl::OkStatus();
  // Not found rather than forbidden: a courier does not learn other rounds' ids exist.
  if (!common::RequireShopMember(caller, round.depot_shop_id).ok()) {
    return absl::NotFoundError(absl::StrCat("no round \"", round.id, "\""));
  }
  return absl::OkStatus();
}

absl::StatusOr<RoundRecord> RoundService::GetRound(const common::Caller& caller,
                                                   const std::string& round_id, Deadline deadline) {
  RETURN_IF_ERROR(common::RequireAuthenticated(caller));
  if (!common::LooksLikeUuid(round_id))
    return common::InvalidField("round", "must be a round id (UUID)");
  ASSIGN_OR_RETURN(RoundRecord round, rounds_.GetRound(round_id, deadline));
  RETURN_IF_ERROR(CanRead(caller, round));
  return round;
}

absl::StatusOr<std::vector<RoundRecord>> RoundService::MyRounds(const common::Caller& caller,
                                                                const std::string& date,
                                                                Deadline deadline) {
  RETURN_IF_ERROR(common::RequireRole(caller, common::kRoleCourier));
  absl::CivilDay day = absl::ToCivilDay(now_(), zone_);
  if (!date.empty()) {
    ASSIGN_OR_RETURN(day, ParseDate("date", date));
  }
  return rounds_.RoundsOfCourier(caller.user_id, day, deadline);
}

absl::StatusOr<RoadSheetDocument> RoundService::RoadSheet(const common::Caller& caller,
                                                          const std::string& round_id,
                                                          const std::string& format,
                                                          Deadline deadline) {
  if (!format.empty() && format != "html" && format != "csv") {
    return common::InvalidField("format", "must be html or csv");
  }
  ASSIGN_OR_RETURN(RoundRecord round, GetRound(caller, round_id, deadline));
  const std::string base = absl::StrCat("tournee-", IsoDate(round.day), "-", round.id);
  if (format == "csv") {
    return RoadSheetDocument{.content_type = "text/csv; charset=utf-8",
                             .filename = base + ".csv",
                             .content = RoadSheetCsv(round, zone_)};
  }
  return RoadSheetDocument{.content_type = "text/html; charset=utf-8",
                           .filename = base + ".html",
                           .content = RoadSheetHtml(round, zone_)};
}

absl::StatusOr<StopRecord> RoundService::UpdateStop(const common::Caller& caller,
                                                    const std::string& stop_id, StopAction action,
                                                    const std::string& reason, Deadline deadline) {
  RETURN_IF_ERROR(common::RequireAuthenticated(caller));
  common::Violations v;
  if (!common::LooksLikeUuid(stop_id)) v.Add("stop", "must be a stop id (UUID)");
  if (action == StopAction::kFail && (reason.empty() || reason.size() > 500)) {
    v.Add("reason", "must be 1 to 500 bytes");
  }
  RETURN_IF_ERROR(v.ToStatus());
  ASSIGN_OR_RETURN(auto found, rounds_.GetStop(stop_id, deadline));
  auto& [stop, courier] = found;
  if (caller.user_id != courier && !caller.HasRole(common::kRoleAdmin)) {
    return absl::NotFoundError(absl::StrCat("no stop \"", stop_id, "\""));
  }
  ASSIGN_OR_RETURN(std::optional<StopStatus> next, NextStopStatus(stop.status, action));
  if (!next.has_value()) return stop;  // a retry

  // Delivered straight from "planned" (the courier did not scan the pick-up): the orders
  // service still sees the order leave the shop first, so its state machine stays simple.
  std::vector<StopStatus> steps;
  if (*next == StopStatus::kDelivered && stop.status == StopStatus::kPlanned) {
    steps.push_back(StopStatus::kPickedUp);
  }
  steps.push_back(*next);
  std::vector<common::OutboxEvent> events;
  for (StopStatus step : steps) {
    v1::StopEvent event;
    event.set_kind(EventKind(step));
    event.set_order_id(stop.job.order_id);
    event.set_stop_id(stop.id);
    event.set_round_id(stop.round_id);
    event.set_courier_user_id(caller.user_id);
    if (step == StopStatus::kFailed) event.set_reason(reason);
    *event.mutable_occur_time() =
        google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(now_()));
    events.push_back({.aggregate = stop.job.order_id,
                      .type = "comptoir.delivery.v1.StopEvent",
                      .payload = event.SerializeAsString()});
  }
  return rounds_.TransitionStop(stop.id, stop.status, *next,
                                action == StopAction::kFail ? reason : std::string(), events,
                                deadline);
}

absl::StatusOr<PersonalData> RoundService::ExportAccountData(const std::string& user_id,
                                                             Deadline deadline) {
  if (!common::LooksLikeUuid(user_id)) return common::InvalidField("user_id", "must be a UUID");
  return rounds_.PersonalDataOf(user_id, deadline);
}

absl::Status RoundService::EraseAccountData(const std::string& user_id, Deadline deadline) {
  if (!common::LooksLikeUuid(user_id)) return common::InvalidField("user_id", "must be a UUID");
  return rounds_.AnonymiseCustomer(user_id, deadline);
}

}  // namespace comptoir::delivery
