// Reads another service's event stream (`events:<service>`, fed by its OutboxRelay) through a
// Redis consumer group, and hands each event to a handler inside a Postgres transaction of
// the consuming service. Delivery is at least once; the consumer makes handling exactly once
// per event id by recording the id in `processed_events` in the handler's own transaction.
//
//   EventConsumer consumer(pg, redis, {.stream = "events:shops", .group = "catalogue",
//                                      .schema = "catalogue"},
//       [&](const StreamEvent& e, pqxx::work& tx) -> absl::Status {
//         if (e.type != "comptoir.shops.v1.ShopEvent") return absl::OkStatus();  // not ours
//         ...  // update catalogue tables through tx
//       });
//   consumer.Start();
//
// The consuming service creates in its migrations:
//
//   CREATE TABLE <schema>.processed_events (
//     consumer_group text        NOT NULL,
//     event_id       uuid        NOT NULL,
//     processed_at   timestamptz NOT NULL DEFAULT now(),
//     PRIMARY KEY (consumer_group, event_id)
//   );
//
// Handler outcome: OK commits (with the dedupe row) and XACKs. InvalidArgument means the
// event can never be handled (bad payload): it is logged and acknowledged, so one poison
// event does not block the stream. Any other error rolls back and leaves the entry pending;
// after `claim_idle` it is claimed again (XAUTOCLAIM, by this or another replica) and
// retried. Entries pending on a crashed replica are recovered the same way.
// Thread-safety: thread-safe; the handler runs on the consumer's single thread (or the
// caller's, for PollOnce), one event at a time, in stream order within a batch.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <pqxx/pqxx>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "comptoir/common/background_loop.h"
#include "comptoir/common/pg_pool.h"
#include "comptoir/common/redis_pool.h"

namespace comptoir::common {

struct StreamEvent {
  std::string entry_id;   // Redis stream entry id ("1700000000000-0")
  std::string id;         // event uuid from the outbox (the dedupe key)
  std::string type;       // full proto message name of payload
  std::string aggregate;  // id of the aggregate that changed
  std::string payload;    // serialized proto
};

// Runs inside the consumer's transaction; must be idempotent only in its side effects
// outside that transaction (there should be none).
using EventHandler = std::function<absl::Status(const StreamEvent&, pqxx::work&)>;

struct EventConsumerOptions {
  std::string stream;          // "events:shops"
  std::string group;           // consumer group, usually the consuming service's name
  std::string consumer;        // this replica's name in the group; default "<hostname>-<pid>"
  std::string schema;          // consuming service's schema, holding processed_events
  std::string start_id = "0";  // where a new group starts: "0" replays the retained history
  std::size_t batch_size = 32;
  std::chrono::milliseconds poll_interval{200};  // wait after an empty read
  std::chrono::milliseconds retry_after{1000};   // wait after Postgres or Redis failed
  std::chrono::milliseconds claim_idle{30000};   // pending longer than this gets reclaimed
  // Called after an event's transaction committed (not for poison events), e.g. to drop
  // cache entries that the change made stale; must not throw. Optional.
  std::function<void(const StreamEvent&)> after_commit;
};

class EventConsumer {
 public:
  EventConsumer(PgPool& pg, RedisPool& redis, EventConsumerOptions options, EventHandler handler);
  ~EventConsumer();  // stops the thread
  EventConsumer(const EventConsumer&) = delete;
  EventConsumer& operator=(const EventConsumer&) = delete;

  void Start();  // idempotent
  void Stop();   // idempotent; waits for the current batch to end

  // One pass on the caller's thread: reclaims stale pending entries, then reads new ones,
  // handles and acknowledges them. Returns how many entries were acknowledged (handled,
  // duplicates and poison ones). Creates the group when missing (also after Redis lost it).
  absl::StatusOr<int> PollOnce();

 private:
  void Loop();
  absl::Status EnsureGroup();
  // Handles one entry; OK when it may be acknowledged.
  absl::Status HandleEntry(const StreamEvent& event);
  absl::StatusOr<int> HandleAndAck(std::vector<StreamEvent> events);

  PgPool& pg_;
  RedisPool& redis_;
  EventConsumerOptions options_;
  EventHandler handler_;
  bool group_ready_ = false;  // only touched by the polling thread
  BackgroundLoop loop_;       // last: joined before the members it uses go
};

}  // namespace comptoir::common
