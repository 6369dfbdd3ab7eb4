#pragma once

// Turns the orders service's events (`events:orders`, comptoir.orders.v1.OrderEvent) into
// delivery jobs: an accepted delivery order becomes a job to plan, placed by the Geocoder;
// a cancelled or rejected one cancels its job (and its planned stop). Run by an EventConsumer
// in group "delivery", which dedupes by event id; jobs are keyed by order id and guarded by
// the order's version, so replays and reordering change nothing. Thread-safe.

#include <pqxx/pqxx>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "comptoir/common/event_consumer.h"
#include "geo.h"

namespace comptoir::delivery {

inline constexpr char kOrderEventType[] = "comptoir.orders.v1.OrderEvent";

class OrderEventHandler {
 public:
  OrderEventHandler(Geocoder& geocoder, absl::TimeZone zone) : geocoder_(geocoder), zone_(zone) {}

  // Other types and kinds are ignored (OK). A payload that does not parse or lacks what a job
  // needs is InvalidArgument (poison: acknowledged, logged). A geocoder failure other than
  // NotFound is returned as is, so the event is retried.
  absl::Status Handle(const common::StreamEvent& event, pqxx::work& tx) const;

 private:
  Geocoder& geocoder_;
  absl::TimeZone zone_;
};

}  // namespace comptoir::delivery
