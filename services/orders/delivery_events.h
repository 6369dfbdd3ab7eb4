// Delivery's stop events (stream `events:delivery`) move delivery orders to OUT_FOR_DELIVERY,
// DELIVERED or DELIVERY_FAILED. Thread-safe (the service is).
#pragma once

#include "comptoir/common/event_consumer.h"
#include "orders_service.h"

namespace comptoir::orders {

inline constexpr char kStopEventType[] = "comptoir.delivery.v1.StopEvent";

// A handler for EventConsumer: other event types are ignored, bad payloads are InvalidArgument
// (acknowledged as poison), and the order's own transaction records the change.
common::EventHandler DeliveryEventHandler(OrdersService& service);

}  // namespace comptoir::orders
