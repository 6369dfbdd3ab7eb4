// Conversions between the order domain and its protos: the API's Order and the OrderEvent
// published on `events:orders`. Pure functions: thread-safe.
#pragma once

#include "comptoir/orders/v1/events.pb.h"
#include "comptoir/orders/v1/orders.pb.h"
#include "order.h"

namespace comptoir::orders {

inline constexpr char kOrderEventType[] = "comptoir.orders.v1.OrderEvent";

void ToProto(const Order& order, v1::Order* out);
// The event describing `transition`, with the order after it.
v1::OrderEvent MakeOrderEvent(const Order& order, const Transition& transition);

google::protobuf::Timestamp ToTimestamp(absl::Time t);
absl::Time FromTimestamp(const google::protobuf::Timestamp& t);

}  // namespace comptoir::orders
