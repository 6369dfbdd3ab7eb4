#include "delivery_grpc.h"

#include "absl/strings/str_format.h"
#include "comptoir/common/deadline.h"
#include "google/protobuf/util/time_util.h"

namespace comptoir::delivery {
namespace {

using common::Deadline;
using google::protobuf::util::TimeUtil;

void ToProto(const SlotTemplate& t, v1::SlotTemplate* out) {
  out->set_id(t.id);
  out->set_kind(t.kind == SlotKind::kPickup ? v1::SLOT_KIND_PICKUP : v1::SLOT_KIND_DELIVERY);
  out->set_weekday(t.weekday);
  out->set_start_minute(t.start_minute);
  out->set_end_minute(t.end_minute);
  out->set_capacity(t.capacity);
  out->set_cutoff_days_before(t.cutoff_days_before);
  out->set_cutoff_minute(t.cutoff_minute);
}

google::protobuf::Timestamp ToTimestamp(absl::Time t) {
  return TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(t));
}

void ToProto(const Slot& slot, int remaining, v1::Slot* out) {
  out->set_id(slot.Id());
  out->set_kind(slot.kind == SlotKind::kPickup ? v1::SLOT_KIND_PICKUP : v1::SLOT_KIND_DELIVERY);
  out->set_date(IsoDate(slot.day));
  *out->mutable_start_time() = ToTimestamp(slot.start);
  *out->mutable_end_time() = ToTimestamp(slot.end);
  *out->mutable_cutoff_time() = ToTimestamp(slot.cutoff);
  out->set_capacity(slot.capacity);
  out->set_remaining(remaining);
}

v1::SlotKind ToProto(SlotKind kind) {
  return kind == SlotKind::kPickup ? v1::SLOT_KIND_PICKUP : v1::SLOT_KIND_DELIVERY;
}

void ToProto(const Closure& c, v1::SlotClosure* out) {
  out->set_id(c.id);
  out->set_first_date(IsoDate(c.first));
  out->set_last_date(IsoDate(c.last));
  out->set_reason(c.reason);
  out->set_pickup(c.pickup);
  out->set_delivery(c.delivery);
}

void ToProto(const Zone& z, v1::DeliveryZone* out) {
  out->set_id(z.id);
  out->set_name(z.name);
  for (const std::string& c : z.communes) out->add_communes(c);
  for (const std::string& d : z.departments) out->add_departments(d);
  out->set_radius_km(z.radius_km);
  out->set_fee_cents(z.fee_cents);
  out->set_minimum_order_cents(z.minimum_order_cents);
  out->set_free_delivery_threshold_cents(z.free_delivery_threshold_cents);
}

void ToProto(const routing::GeoPoint& p, common::v1::GeoPoint* out) {
  out->set_latitude(p.latitude);
  out->set_longitude(p.longitude);
}

v1::StopStatus ToProto(StopStatus status) {
  switch (status) {
    case StopStatus::kPlanned:
      return v1::STOP_STATUS_PLANNED;
    case StopStatus::kPickedUp:
      return v1::STOP_STATUS_PICKED_UP;
    case StopStatus::kDelivered:
      return v1::STOP_STATUS_DELIVERED;
    case StopStatus::kFailed:
      return v1::STOP_STATUS_FAILED;
    case StopStatus::kCancelled:
      return v1::STOP_STATUS_CANCELLED;
  }
  return v1::STOP_STATUS_UNSPECIFIED;
}

void ToProto(const StopRecord& stop, v1::Stop* out) {
  const Job& job = stop.job;
  out->set_id(stop.id);
  out->set_round(stop.round_id);
  out->set_position(stop.position);
  out->set_order_id(job.order_id);
  out->set_order_number(job.order_number);
  out->set_customer_name(job.customer_name);
  out->set_customer_phone(job.customer_phone);
  out->set_address(job.address);
  out->set_postal_code(job.postal_code);
  out->set_commune_name(job.commune_name);
  ToProto(job.point, out->mutable_point());
  *out->mutable_eta() = ToTimestamp(stop.eta);
  *out->mutable_window_start() = ToTimestamp(job.window_start);
  *out->mutable_window_end() = ToTimestamp(job.window_end);
  for (const HandOverLine& line : job.lines) {
    v1::HandOverLine* l = out->add_lines();
    l->set_name(line.name);
    l->set_quantity(line.quantity);
    l->set_sale_unit(line.sale_unit);
  }
  out->set_status(ToProto(stop.status));
  out->set_reason(stop.reason);
}

void ToProto(const RoundRecord& round, v1::Round* out) {
  out->set_id(round.id);
  out->set_date(IsoDate(round.day));
  out->set_depot_shop(round.depot_shop_id);
  out->set_depot_name(round.depot_name);
  ToProto(round.depot, out->mutable_depot());
  out->set_courier_user_id(round.courier_user_id);
  *out->mutable_departure_time() = ToTimestamp(round.departure);
  *out->mutable_return_time() = ToTimestamp(round.return_time);
  out->set_distance_metres(round.distance_metres);
  for (const StopRecord& stop : round.stops) ToProto(stop, out->add_stops());
}

}  // namespace

grpc::ServerUnaryReactor* DeliveryGrpc::QuoteDelivery(grpc::CallbackServerContext* context,
                                                      const v1::QuoteDeliveryRequest* request,
                                                      v1::DeliveryQuote* response) {
  return common::Offload(server_, context, [this, request, response](Deadline deadline) {
    ASSIGN_OR_RETURN(Quote quote, zones_.QuoteDelivery(request->shop(), request->commune_insee(),
                                                       request->basket_cents(), deadline));
    response->set_deliverable(quote.decision.deliverable);
    response->set_refusal(quote.decision.refusal);
    response->set_fee_cents(quote.decision.fee_cents);
    response->set_minimum_order_cents(quote.decision.minimum_order_cents);
    response->set_free_delivery_threshold_cents(quote.free_delivery_threshold_cents);
    for (const SlotAvailability& s : quote.next_slots) {
      ToProto(s.slot, s.remaining, response->add_next_slots());
    }
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* DeliveryGrpc::PutDeliveryZones(grpc::CallbackServerContext* context,
                                                         const v1::PutDeliveryZonesRequest* request,
                                                         v1::DeliveryZones* response) {
  return common::Offload(server_, context, [this, context, request, response](Deadline deadline) {
    ASSIGN_OR_RETURN(common::Caller caller, common::CallerOf(*context, verifier_));
    std::vector<Zone> zones;
    // Bounded before copying: ValidateZones reports the excess.
    for (int i = 0; i < request->zones_size() && i <= 50; ++i) {
      const v1::DeliveryZone& z = request->zones(i);
      zones.push_back({.name = z.name(),
                       .communes = {z.communes().begin(), z.communes().end()},
                       .departments = {z.departments().begin(), z.departments().end()},
                       .radius_km = z.radius_km(),
                       .fee_cents = z.fee_cents(),
                       .minimum_order_cents = z.minimum_order_cents(),
                       .free_delivery_threshold_cents = z.free_delivery_threshold_cents()});
    }
    ASSIGN_OR_RETURN(auto stored, zones_.ReplaceZones(caller, request->shop(), zones, deadline));
    for (const Zone& z : stored) ToProto(z, response->add_zones());
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* DeliveryGrpc::GetDeliveryZones(grpc::CallbackServerContext* context,
                                                         const v1::GetDeliveryZonesRequest* request,
                                                         v1::DeliveryZones* response) {
  return common::Offload(server_, context, [this, request, response](Deadline deadline) {
    ASSIGN_OR_RETURN(auto zones, zones_.ListZones(request->shop(), deadline));
    for (const Zone& z : zones) ToProto(z, response->add_zones());
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* DeliveryGrpc::PlanRounds(grpc::CallbackServerContext* context,
                                                   const v1::PlanRoundsRequest* request,
                                                   v1::PlanRoundsResponse* response) {
  return common::Offload(server_, context, [this, context, request, response](Deadline deadline) {
    ASSIGN_OR_RETURN(common::Caller caller, common::CallerOf(*context, verifier_));
    PlanRoundsInput input{.date = request->date(),
                          .depot_shop = request->depot_shop(),
                          .time_budget_ms = request->time_budget_ms()};
    if (request->has_hub()) {
      input.hub = routing::GeoPoint{request->hub().latitude(), request->hub().longitude()};
    }
    for (int i = 0; i < request->couriers_size() && i <= RoundService::kMaxCouriers; ++i) {
      input.couriers.push_back({.courier_id = request->couriers(i).courier_user_id(),
                                .capacity = request->couriers(i).capacity()});
    }
    ASSIGN_OR_RETURN(RoundsPlanned planned, rounds_.Plan(caller, input, deadline));
    for (const RoundRecord& r : planned.rounds) ToProto(r, response->add_rounds());
    for (const std::string& id : planned.replaced_round_ids) response->add_replaced_rounds(id);
    for (const UnplannedJob& u : planned.unassigned) {
      v1::UnassignedJob* out = response->add_unassigned();
      out->set_order_id(u.order_id);
      out->set_order_number(u.order_number);
      out->set_reason(u.reason);
    }
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* DeliveryGrpc::GetRound(grpc::CallbackServerContext* context,
                                                 const v1::GetRoundRequest* request,
                                                 v1::Round* response) {
  return common::Offload(server_, context, [this, context, request, response](Deadline deadline) {
    ASSIGN_OR_RETURN(common::Caller caller, common::CallerOf(*context, verifier_));
    ASSIGN_OR_RETURN(RoundRecord round, rounds_.GetRound(caller, request->round(), deadline));
    ToProto(round, response);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* DeliveryGrpc::ListMyRounds(grpc::CallbackServerContext* context,
                                                     const v1::ListMyRoundsRequest* request,
                                                     v1::ListRoundsResponse* response) {
  return common::Offload(server_, context, [this, context, request, response](Deadline deadline) {
    ASSIGN_OR_RETURN(common::Caller caller, common::CallerOf(*context, verifier_));
    ASSIGN_OR_RETURN(auto rounds, rounds_.MyRounds(caller, request->date(), deadline));
    for (const RoundRecord& r : rounds) ToProto(r, response->add_rounds());
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* DeliveryGrpc::GetRoadSheet(grpc::CallbackServerContext* context,
                                                     const v1::GetRoadSheetRequest* request,
                                                     v1::RoadSheet* response) {
  return common::Offload(server_, context, [this, context, request, response](Deadline deadline) {
    ASSIGN_OR_RETURN(common::Caller caller, common::CallerOf(*context, verifier_));
    ASSIGN_OR_RETURN(RoadSheetDocument sheet,
                     rounds_.RoadSheet(caller, request->round(), request->format(), deadline));
    response->set_content_type(sheet.content_type);
    response->set_filename(sheet.filename);
    response->set_content(sheet.content);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* DeliveryGrpc::UpdateStop(grpc::CallbackServerContext* context,
                                                   const std::string& stop, StopAction action,
                                                   const std::string& reason, v1::Stop* response) {
  return common::Offload(
      server_, context, [this, context, stop, action, reason, response](Deadline deadline) {
        ASSIGN_OR_RETURN(common::Caller caller, common::CallerOf(*context, verifier_));
        ASSIGN_OR_RETURN(StopRecord updated,
                         rounds_.UpdateStop(caller, stop, action, reason, deadline));
        ToProto(updated, response);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* DeliveryGrpc::PickUpStop(grpc::CallbackServerContext* context,
                                                   const v1::PickUpStopRequest* request,
                                                   v1::Stop* response) {
  return UpdateStop(context, request->stop(), StopAction::kPickUp, "", response);
}

grpc::ServerUnaryReactor* DeliveryGrpc::CompleteStop(grpc::CallbackServerContext* context,
                                                     const v1::CompleteStopRequest* request,
                                                     v1::Stop* response) {
  return UpdateStop(context, request->stop(), StopAction::kComplete, "", response);
}

grpc::ServerUnaryReactor* DeliveryGrpc::FailStop(grpc::CallbackServerContext* context,
                                                 const v1::FailStopRequest* request,
                                                 v1::Stop* response) {
  return UpdateStop(context, request->stop(), StopAction::kFail, request->reason(), response);
}

grpc::ServerUnaryReactor* DeliveryGrpc::PutSlotTemplates(grpc::CallbackServerContext* context,
                                                         const v1::PutSlotTemplatesRequest* request,
                                                         v1::SlotTemplates* response) {
  return common::Offload(server_, context, [this, context, request, response](Deadline deadline) {
    ASSIGN_OR_RETURN(common::Caller caller, common::CallerOf(*context, verifier_));
    common::Violations v;
    std::vector<SlotTemplate> templates;
    for (int i = 0; i < request->slot_templates_size(); ++i) {
      const v1::SlotTemplate& t = request->slot_templates(i);
      if (t.kind() != v1::SLOT_KIND_PICKUP && t.kind() != v1::SLOT_KIND_DELIVERY) {
        v.Add(absl::StrFormat("slot_templates[%d].kind", i), "must be PICKUP or DELIVERY");
      }
      templates.push_back(
          {.kind = t.kind() == v1::SLOT_KIND_PICKUP ? SlotKind::kPickup : SlotKind::kDelivery,
           .weekday = t.weekday(),
           .start_minute = t.start_minute(),
           .end_minute = t.end_minute(),
           .capacity = t.capacity(),
           .cutoff_days_before = t.cutoff_days_before(),
           .cutoff_minute = t.cutoff_minute()});
    }
    RETURN_IF_ERROR(v.ToStatus());
    ASSIGN_OR_RETURN(auto stored,
                     slots_.ReplaceTemplates(caller, request->shop(), templates, deadline));
    for (const SlotTemplate& t : stored) ToProto(t, response->add_slot_templates());
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* DeliveryGrpc::ListSlotClosures(grpc::CallbackServerContext* context,
                                                         const v1::ListSlotClosuresRequest* request,
                                                         v1::ListSlotClosuresResponse* response) {
  return common::Offload(server_, context, [this, request, response](Deadline deadline) {
    ASSIGN_OR_RETURN(auto closures, slots_.ListClosures(request->shop(), deadline));
    for (const Closure& c : closures) ToProto(c, response->add_closures());
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* DeliveryGrpc::CreateSlotClosure(
    grpc::CallbackServerContext* context, const v1::CreateSlotClosureRequest* request,
    v1::CreateSlotClosureResponse* response) {
  return common::Offload(server_, context, [this, context, request, response](Deadline deadline) {
    ASSIGN_OR_RETURN(common::Caller caller, common::CallerOf(*context, verifier_));
    const v1::SlotClosure& in = request->closure();
    Closure closure{.pickup = in.pickup(), .delivery = in.delivery(), .reason = in.reason()};
    common::Violations v;
    if (!ParseIsoDate(in.first_date(), &closure.first)) {
      v.Add("closure.first_date", "must be a date YYYY-MM-DD");
    }
    if (in.last_date().empty()) {
      closure.last = closure.first;
    } else if (!ParseIsoDate(in.last_date(), &closure.last)) {
      v.Add("closure.last_date", "must be a date YYYY-MM-DD");
    }
    RETURN_IF_ERROR(v.ToStatus());
    ASSIGN_OR_RETURN(ClosureCreated created,
                     slots_.CreateClosure(caller, request->shop(), closure, deadline));
    ToProto(created.closure, response->mutable_closure());
    for (const HeldBooking& b : created.affected) {
      v1::AffectedBooking* out = response->add_affected_bookings();
      out->set_order_id(b.order_id);
      out->set_slot_id(Slot{.template_id = b.template_id, .day = b.day}.Id());
      out->set_kind(ToProto(b.kind));
      out->set_date(IsoDate(b.day));
    }
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* DeliveryGrpc::DeleteSlotClosure(
    grpc::CallbackServerContext* context, const v1::DeleteSlotClosureRequest* request,
    google::protobuf::Empty* /*response*/) {
  return common::Offload(server_, context, [this, context, request](Deadline deadline) {
    ASSIGN_OR_RETURN(common::Caller caller, common::CallerOf(*context, verifier_));
    return slots_.DeleteClosure(caller, request->shop(), request->closure(), deadline);
  });
}

grpc::ServerUnaryReactor* DeliveryGrpc::GetSlotTemplates(grpc::CallbackServerContext* context,
                                                         const v1::GetSlotTemplatesRequest* request,
                                                         v1::SlotTemplates* response) {
  return common::Offload(server_, context, [this, request, response](Deadline deadline) {
    ASSIGN_OR_RETURN(auto templates, slots_.ListTemplates(request->shop(), deadline));
    for (const SlotTemplate& t : templates) ToProto(t, response->add_slot_templates());
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* DeliveryGrpc::ListSlots(grpc::CallbackServerContext* context,
                                                  const v1::ListSlotsRequest* request,
                                                  v1::ListSlotsResponse* response) {
  return common::Offload(server_, context, [this, request, response](Deadline deadline) {
    std::optional<SlotKind> kind;
    if (request->kind() == v1::SLOT_KIND_PICKUP) kind = SlotKind::kPickup;
    if (request->kind() == v1::SLOT_KIND_DELIVERY) kind = SlotKind::kDelivery;
    const absl::Time from =
        request->has_from()
            ? absl::FromUnixMicros(TimeUtil::TimestampToMicroseconds(request->from()))
            : absl::InfinitePast();
    ASSIGN_OR_RETURN(auto slots,
                     slots_.ListSlots(request->shop(), kind, from,
                                      request->days() == 0 ? 7 : request->days(), deadline));
    for (const SlotAvailability& s : slots) ToProto(s.slot, s.remaining, response->add_slots());
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* DeliveryInternalGrpc::BookSlot(grpc::CallbackServerContext* context,
                                                         const v1::BookSlotRequest* request,
                                                         v1::BookSlotResponse* response) {
  return common::Offload(server_, context, [this, context, request, response](Deadline deadline) {
    RETURN_IF_ERROR(common::RequireInternal(*context, internal_credential_));
    ASSIGN_OR_RETURN(BookingResult result, slots_.BookSlot(request->order_id(), request->shop_id(),
                                                           request->slot_id(), deadline));
    // The remaining count is not re-read here: orders only needs the slot's times.
    ToProto(result.slot, 0, response->mutable_slot());
    response->mutable_slot()->clear_remaining();
    response->set_already_booked(result.outcome == BookingOutcome::kAlreadyBooked);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* DeliveryInternalGrpc::ReleaseSlot(grpc::CallbackServerContext* context,
                                                            const v1::ReleaseSlotRequest* request,
                                                            v1::ReleaseSlotResponse* response) {
  return common::Offload(server_, context, [this, context, request, response](Deadline deadline) {
    RETURN_IF_ERROR(common::RequireInternal(*context, internal_credential_));
    ASSIGN_OR_RETURN(bool released, slots_.ReleaseSlot(request->order_id(), deadline));
    response->set_released(released);
    return absl::OkStatus();
  });
}

}  // namespace comptoir::delivery
