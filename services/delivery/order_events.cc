#include "order_events.h"

#include "absl/strings/str_cat.h"
#include "comptoir/common/deadline.h"
#include "comptoir/common/ids.h"
#include "comptoir/orders/v1/events.pb.h"
#include "google/protobuf/util/time_util.h"
#include "pg_round_repository.h"
#include "zones.h"

namespace comptoir::delivery {
namespace {

using google::protobuf::util::TimeUtil;
using orders::v1::OrderEvent;

absl::Time FromProto(const google::protobuf::Timestamp& t) {
  return absl::FromUnixMicros(TimeUtil::TimestampToMicroseconds(t));
}

}  // namespace

absl::Status OrderEventHandler::Handle(const common::StreamEvent& event, pqxx::work& tx) const {
  if (event.type != kOrderEventType) return absl::OkStatus();
  OrderEvent order_event;
  if (!order_event.ParseFromString(event.payload) || !order_event.has_order()) {
    return absl::InvalidArgumentError("order event payload does not parse");
  }
  const orders::v1::OrderSnapshot& order = order_event.order();
  if (!common::LooksLikeUuid(order.id()))
    return absl::InvalidArgumentError("order event names no order");
  if (order.fulfilment() != "delivery") return absl::OkStatus();

  switch (order_event.kind()) {
    case OrderEvent::CANCELLED:
    case OrderEvent::REJECTED:
      CancelJob(tx, order.id(), order.version());
      return absl::OkStatus();
    case OrderEvent::ACCEPTED:
    case OrderEvent::READY:  // a job is also made if ACCEPTED was lost or arrives later
      break;
    default:
      return absl::OkStatus();
  }
  if (!common::LooksLikeUuid(order.shop_id()) || !order.has_slot_start() || !order.has_slot_end() ||
      !IsInseeCode(order.delivery_commune_insee())) {
    return absl::InvalidArgumentError(
        absl::StrCat("delivery order ", order.id(), " lacks its shop, slot or commune"));
  }
  const PostalAddress address{.lines = order.delivery_address(),
                              .postal_code = order.delivery_postal_code(),
                              .commune_insee = order.delivery_commune_insee()};
  absl::StatusOr<Located> located =
      geocoder_.Locate(address, common::DeadlineIn(std::chrono::seconds(5)));
  if (absl::IsNotFound(located.status())) {
    return absl::InvalidArgumentError(
        absl::StrCat("order ", order.id(), ": ", located.status().message()));
  }
  if (!located.ok()) return located.status();
  Job job{.order_id = order.id(),
          .order_number = order.number(),
          .shop_id = order.shop_id(),
          .day = absl::ToCivilDay(FromProto(order.slot_start()), zone_),
          .window_start = FromProto(order.slot_start()),
          .window_end = FromProto(order.slot_end()),
          .point = located->point,
          .address = order.delivery_address(),
          .postal_code = order.delivery_postal_code(),
          .commune_insee = order.delivery_commune_insee(),
          .commune_name = located->commune_name,
          // Links the job to the account for export and erasure; anything else is ignored.
          .customer_user_id =
              common::LooksLikeUuid(order.customer_user_id()) ? order.customer_user_id() : "",
          .customer_name = order.customer_name(),
          .customer_phone = order.customer_phone()};
  for (const orders::v1::OrderLineSnapshot& line : order.lines()) {
    job.lines.push_back(
        {.name = line.name(), .quantity = line.quantity(), .sale_unit = line.sale_unit()});
  }
  UpsertJob(tx, job, order.version());
  return absl::OkStatus();
}

}  // namespace comptoir::delivery
