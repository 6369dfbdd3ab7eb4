#pragma once

// Keeps delivery's copy of the shops (depot point, opening hours, preparation time, status) in
// step with the shops service: the handler of the `events:shops` stream
// (comptoir.shops.v1.ShopEvent), run by an EventConsumer in group "delivery". Stateless;
// thread-safe.

#include <pqxx/pqxx>

#include "absl/status/status.h"
#include "comptoir/common/event_consumer.h"

namespace comptoir::delivery {

inline constexpr char kShopEventType[] = "comptoir.shops.v1.ShopEvent";

// Applies one event in the consumer's transaction; an older snapshot (by shop.version) never
// overwrites a newer one. Other types are ignored; a payload that does not parse or names no
// valid shop is InvalidArgument (acknowledged as poison).
absl::Status HandleShopEvent(const common::StreamEvent& event, pqxx::work& tx);

}  // namespace comptoir::delivery
