#include "delivery_events.h"

#include "comptoir/delivery/v1/events.pb.h"

namespace comptoir::orders {

common::EventHandler DeliveryEventHandler(OrdersService& service) {
  return [&service](const common::StreamEvent& e, pqxx::work&) -> absl::Status {
    if (e.type != kStopEventType) return absl::OkStatus();
    delivery::v1::StopEvent stop;
    if (!stop.ParseFromString(e.payload)) return absl::InvalidArgumentError("bad StopEvent");
    StopOutcome outcome;
    switch (stop.kind()) {
      case delivery::v1::StopEvent::PICKED_UP:
        outcome = StopOutcome::kPickedUp;
        break;
      case delivery::v1::StopEvent::DELIVERED:
        outcome = StopOutcome::kDelivered;
        break;
      case delivery::v1::StopEvent::FAILED:
        outcome = StopOutcome::kFailed;
        break;
      default:
        return absl::InvalidArgumentError("StopEvent without a kind");
    }
    // The order's change runs in its own transaction; a replay after a crash between it and
    // the dedupe row finds the order moved already and changes nothing.
    return service.HandleStop(stop.order_id(), outcome, stop.courier_user_id(), stop.reason(),
                              common::DeadlineIn(std::chrono::seconds(10)));
  };
}

}  // namespace comptoir::orders
