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
  out->set_date(
      absl::StrFormat("%04d-%02d-%02d", slot.day.year(), slot.day.month(), slot.day.day()));
  *out->mutable_start_time() = ToTimestamp(slot.start);
  *out->mutable_end_time() = ToTimestamp(slot.end);
  *out->mutable_cutoff_time() = ToTimestamp(slot.cutoff);
  out->set_capacity(slot.capacity);
  out->set_remaining(remaining);
}

}  // namespace

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
