#include "slot_service.h"

#include <map>

#include "comptoir/common/status.h"
#include "pickup_hours.h"

namespace comptoir::delivery {

absl::StatusOr<std::vector<SlotTemplate>> SlotService::ReplaceTemplates(
    const common::Caller& caller, const std::string& shop_id,
    const std::vector<SlotTemplate>& templates, Deadline deadline) {
  if (!LooksLikeUuid(shop_id)) return common::InvalidField("shop", "must be a shop id (UUID)");
  RETURN_IF_ERROR(common::RequireShopMember(caller, shop_id));
  RETURN_IF_ERROR(ValidateTemplates(templates));
  return repository_.ReplaceTemplates(shop_id, templates, deadline);
}

absl::StatusOr<std::vector<SlotTemplate>> SlotService::ListTemplates(const std::string& shop_id,
                                                                     Deadline deadline) {
  if (!LooksLikeUuid(shop_id)) return common::InvalidField("shop", "must be a shop id (UUID)");
  return repository_.ListTemplates(shop_id, deadline);
}

absl::StatusOr<std::vector<SlotAvailability>> SlotService::ListSlots(const std::string& shop_id,
                                                                     std::optional<SlotKind> kind,
                                                                     absl::Time from, int days,
                                                                     Deadline deadline) {
  common::Violations v;
  if (!LooksLikeUuid(shop_id)) v.Add("shop", "must be a shop id (UUID)");
  if (days < 1 || days > 31) v.Add("days", "must be in [1, 31]");
  RETURN_IF_ERROR(v.ToStatus());
  ASSIGN_OR_RETURN(std::vector<SlotTemplate> templates,
                   repository_.ListTemplates(shop_id, deadline));
  if (kind.has_value()) {
    std::erase_if(templates, [&](const SlotTemplate& t) { return t.kind != *kind; });
  }
  const absl::Time now = now_();
  const absl::Time start = std::max(from, now);
  ASSIGN_OR_RETURN(
      const std::vector<Closure> closures,
      repository_.ListClosures(shop_id, absl::ToCivilDay(start, calendar_.zone()) - 1, deadline));
  const std::vector<Slot> slots =
      calendar_.Open(templates, closures, now, start, start + absl::Hours(24 * days));
  std::vector<SlotAvailability> out;
  if (slots.empty()) return out;
  std::vector<std::string> ids;
  for (const SlotTemplate& t : templates) ids.push_back(t.id);
  ASSIGN_OR_RETURN(auto booked,
                   repository_.Booked(ids, slots.front().day, slots.back().day, deadline));
  ASSIGN_OR_RETURN(std::optional<PickupRules> pickup, LoadPickupRules(shop_id, deadline));
  for (const Slot& slot : slots) {
    if (slot.kind == SlotKind::kPickup && pickup.has_value() &&
        !PickupFits(slot, pickup->hours, pickup->preparation_minutes, now, calendar_.zone()).ok()) {
      continue;
    }
    const auto it = booked.find(slot.Id());
    const int taken = it == booked.end() ? 0 : it->second;
    out.push_back({.slot = slot, .remaining = std::max(0, slot.capacity - taken)});
  }
  return out;
}

absl::StatusOr<BookingResult> SlotService::BookSlot(const std::string& order_id,
                                                    const std::string& shop_id,
                                                    const std::string& slot_id, Deadline deadline) {
  common::Violations v;
  if (!LooksLikeUuid(order_id)) v.Add("order_id", "must be an order id (UUID)");
  if (!LooksLikeUuid(shop_id)) v.Add("shop_id", "must be a shop id (UUID)");
  std::string template_id;
  absl::CivilDay day;
  if (absl::Status parsed = ParseSlotId(slot_id, &template_id, &day); !parsed.ok()) {
    v.Add("slot_id", std::string(parsed.message()));
  } else if (!LooksLikeUuid(template_id)) {
    v.Add("slot_id", "must start with a slot template id (UUID)");
  }
  RETURN_IF_ERROR(v.ToStatus());
  ASSIGN_OR_RETURN(SlotTemplate tmpl, repository_.GetTemplate(shop_id, template_id, deadline));
  ASSIGN_OR_RETURN(const std::vector<Closure> closures,
                   repository_.ListClosures(shop_id, day, deadline));
  absl::StatusOr<Slot> bookable = calendar_.Bookable(tmpl, day, closures, now_());
  if (!bookable.ok()) {
    // A retry of a booking made before the cut-off must still hear "already booked", or
    // the orders saga would compensate an order that does hold its place.
    ASSIGN_OR_RETURN(std::optional<std::string> held, repository_.HeldSlot(order_id, deadline));
    const Slot slot = calendar_.At(tmpl, day);
    if (held.has_value() && *held == slot.Id()) {
      return BookingResult{.slot = slot, .outcome = BookingOutcome::kAlreadyBooked};
    }
    return bookable.status();
  }
  Slot slot = *std::move(bookable);
  if (slot.kind == SlotKind::kPickup) {
    ASSIGN_OR_RETURN(std::optional<PickupRules> pickup, LoadPickupRules(shop_id, deadline));
    if (pickup.has_value()) {
      RETURN_IF_ERROR(
          PickupFits(slot, pickup->hours, pickup->preparation_minutes, now_(), calendar_.zone()));
    }
  }
  ASSIGN_OR_RETURN(
      BookingOutcome outcome,
      repository_.Book(
          {.order_id = order_id, .shop_id = shop_id, .template_id = template_id, .day = day},
          deadline));
  return BookingResult{.slot = std::move(slot), .outcome = outcome};
}

absl::StatusOr<std::vector<Closure>> SlotService::ListClosures(const std::string& shop_id,
                                                               Deadline deadline) {
  if (!LooksLikeUuid(shop_id)) return common::InvalidField("shop", "must be a shop id (UUID)");
  return repository_.ListClosures(shop_id, absl::ToCivilDay(now_(), calendar_.zone()), deadline);
}

absl::StatusOr<ClosureCreated> SlotService::CreateClosure(const common::Caller& caller,
                                                          const std::string& shop_id,
                                                          const Closure& closure,
                                                          Deadline deadline) {
  if (!LooksLikeUuid(shop_id)) return common::InvalidField("shop", "must be a shop id (UUID)");
  RETURN_IF_ERROR(common::RequireShopMember(caller, shop_id));
  const absl::CivilDay today = absl::ToCivilDay(now_(), calendar_.zone());
  RETURN_IF_ERROR(ValidateClosure(closure, today, "closure"));
  ASSIGN_OR_RETURN(auto stored, repository_.AddClosure(shop_id, closure, today, kMaxClosures,
                                                       kMaxReportedBookings, deadline));
  return ClosureCreated{.closure = std::move(stored.first), .affected = std::move(stored.second)};
}

absl::Status SlotService::DeleteClosure(const common::Caller& caller, const std::string& shop_id,
                                        const std::string& closure_id, Deadline deadline) {
  common::Violations v;
  if (!LooksLikeUuid(shop_id)) v.Add("shop", "must be a shop id (UUID)");
  if (!LooksLikeUuid(closure_id)) v.Add("closure", "must be a closure id (UUID)");
  RETURN_IF_ERROR(v.ToStatus());
  RETURN_IF_ERROR(common::RequireShopMember(caller, shop_id));
  return repository_.DeleteClosure(shop_id, closure_id, deadline);
}

absl::StatusOr<std::optional<SlotService::PickupRules>> SlotService::LoadPickupRules(
    const std::string& shop_id, Deadline deadline) {
  if (shops_ == nullptr) return std::optional<PickupRules>();
  ASSIGN_OR_RETURN(std::optional<DeliveryShop> shop, shops_->FindShop(shop_id, deadline));
  if (!shop.has_value()) return std::optional<PickupRules>();
  PickupRules rules{.preparation_minutes = shop->preparation_minutes};
  // Unreadable hours count as none given (the shops service validated what it sent).
  rules.hours = common::OpeningHoursFromBytes(shop->opening_hours).value_or(common::OpeningHours{});
  return std::optional<PickupRules>(std::move(rules));
}

absl::StatusOr<bool> SlotService::ReleaseSlot(const std::string& order_id, Deadline deadline) {
  if (!LooksLikeUuid(order_id)) return common::InvalidField("order_id", "must be a UUID");
  return repository_.Release(order_id, deadline);
}

}  // namespace comptoir::delivery
