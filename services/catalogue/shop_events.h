// Keeps the catalogue's copy of shop profiles in step with the shops service: the handler of
// the `events:shops` stream (comptoir.shops.v1.ShopEvent). Stateless; thread-safe.
#pragma once

#include <optional>
#include <pqxx/pqxx>
#include <string>

#include "absl/status/status.h"
#include "comptoir/common/event_consumer.h"

namespace comptoir::catalogue {

inline constexpr char kShopEventType[] = "comptoir.shops.v1.ShopEvent";

// Applies one event in the consumer's transaction. Other event types are ignored (OK); a
// payload that does not parse or names no valid shop is InvalidArgument (acknowledged as
// poison by the consumer). Suspending or closing a shop hides its products from searches at
// once, since searches join the projection.
absl::Status HandleShopEvent(const common::StreamEvent& event, pqxx::work& tx);

// The (lower-case) id of the shop a shop event is about; nullopt for other events.
std::optional<std::string> ShopOfEvent(const common::StreamEvent& event);

}  // namespace comptoir::catalogue
