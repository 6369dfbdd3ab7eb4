// Transactional outbox: a service records an event in its own `outbox` table in the same
// transaction as the change it describes, and an OutboxRelay publishes the rows to the Redis
// stream `events:<service>` afterwards. A committed change therefore always yields its event
// (at least once), and a rolled-back one never does.
//
//   // inside pool.RunStatus(deadline, [&](pqxx::work& tx) { ... }):
//   InsertOutboxEvent(tx, "shops", {.aggregate = shop.id,
//                                   .type = "comptoir.shops.v1.ShopApproved",
//                                   .payload = event.SerializeAsString()});
//
//   OutboxRelay relay(pg, redis, {.schema = "shops", .stream = "events:shops"});
//   relay.Start();  // background thread until Stop() or destruction
//
// Each service creates the tables in its own migrations (schema-qualified, e.g. `shops.`):
//
//   CREATE TABLE <schema>.outbox (
//     id           uuid        PRIMARY KEY,
//     aggregate    text        NOT NULL,            -- id of the thing that changed
//     type         text        NOT NULL,            -- full proto message name of payload
//     payload      bytea       NOT NULL,            -- serialized proto
//     created_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
//     published_at timestamptz                      -- NULL until relayed
//   );
//   CREATE INDEX outbox_unpublished ON <schema>.outbox (created_at, id)
//     WHERE published_at IS NULL;
//
// Stream entries carry the fields `id` (the event's uuid, the dedupe key), `type`,
// `aggregate` and `payload` (the serialized proto bytes). Streams are trimmed with
// `MAXLEN ~ max_len`. Thread-safety: InsertOutboxEvent is a free function over the caller's
// transaction; OutboxRelay is thread-safe, and any number of relays (replicas) may run over
// the same table: rows are claimed with FOR UPDATE SKIP LOCKED.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <pqxx/pqxx>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "comptoir/common/background_loop.h"
#include "comptoir/common/pg_pool.h"
#include "comptoir/common/redis_pool.h"

namespace comptoir::common {

struct OutboxEvent {
  std::string aggregate;  // id of the changed aggregate (shop id, order id, ...)
  std::string type;       // full name of the payload's proto message
  std::string payload;    // serialized proto (binary)
};

// Inserts `event` in `<schema>.outbox` within `tx` and returns the new event id (a uuid).
// Throws libpqxx exceptions like any statement in `tx`: call it inside PgPool::Run, which
// turns them into statuses and rolls the whole change back.
std::string InsertOutboxEvent(pqxx::work& tx, const std::string& schema, const OutboxEvent& event);

struct OutboxRelayOptions {
  std::string schema;  // the service's schema, holding `outbox`
  std::string stream;  // "events:<service>"
  std::size_t batch_size = 100;
  std::chrono::milliseconds poll_interval{200};  // idle wait between empty passes
  std::chrono::milliseconds retry_after{1000};   // wait after Postgres or Redis failed
  std::int64_t max_len = 100000;                 // XADD MAXLEN ~ bound of the stream
  std::chrono::hours keep_published{24 * 7};     // published rows older than this are purged
};

class OutboxRelay {
 public:
  OutboxRelay(PgPool& pg, RedisPool& redis, OutboxRelayOptions options);
  ~OutboxRelay();  // stops the thread
  OutboxRelay(const OutboxRelay&) = delete;
  OutboxRelay& operator=(const OutboxRelay&) = delete;

  void Start();  // idempotent
  void Stop();   // idempotent; waits for the current pass to end
  // Asks the thread for a pass now (e.g. right after a commit), instead of at the next tick.
  void Wake();

  // One pass, on the caller's thread: claims up to batch_size unpublished rows, XADDs them in
  // one pipeline, marks them published and commits. Returns how many were published. When
  // Redis fails nothing is marked (Unavailable); the rows go out on a later pass. A crash
  // between XADD and COMMIT republishes the rows: consumers dedupe by event id.
  absl::StatusOr<int> PublishOnce();
  // Deletes rows published more than keep_published ago. Returns how many.
  absl::StatusOr<int> PurgePublished();

 private:
  void Loop();

  PgPool& pg_;
  RedisPool& redis_;
  const OutboxRelayOptions options_;
  BackgroundLoop loop_;  // last: joined before the members it uses go
};

}  // namespace comptoir::common
