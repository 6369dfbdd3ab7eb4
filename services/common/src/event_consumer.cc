// EventConsumer: XAUTOCLAIM stale entries, XREADGROUP new ones, handle each in a Postgres
// transaction that also records its id in processed_events, then XACK.
#include "comptoir/common/event_consumer.h"

#include <unistd.h>

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "comptoir/common/log.h"
#include "comptoir/common/status.h"

namespace comptoir::common {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kEventBudget = std::chrono::seconds(10);

std::string DefaultConsumerName() {
  char host[256] = {};
  if (gethostname(host, sizeof(host) - 1) != 0) host[0] = '\0';
  return absl::StrCat(host[0] != '\0' ? host : "consumer", "-", getpid());
}

// One stream entry: [entry_id, [field, value, ...]]. A deleted entry has a nil body.
bool ParseEntry(const RedisReply& entry, StreamEvent* out) {
  if (entry.type != RedisReply::Type::kArray || entry.elements.size() != 2) return false;
  out->entry_id = entry.elements[0].str;
  const RedisReply& fields = entry.elements[1];
  if (fields.type != RedisReply::Type::kArray) return false;
  for (std::size_t i = 0; i + 1 < fields.elements.size(); i += 2) {
    const std::string& name = fields.elements[i].str;
    const std::string& value = fields.elements[i + 1].str;
    if (name == "id") {
      out->id = value;
    } else if (name == "type") {
      out->type = value;
    } else if (name == "aggregate") {
      out->aggregate = value;
    } else if (name == "payload") {
      out->payload = value;
    }
  }
  return true;
}

void ParseEntries(const RedisReply& entries, std::vector<StreamEvent>* out) {
  if (entries.type != RedisReply::Type::kArray) return;
  for (const RedisReply& entry : entries.elements) {
    StreamEvent event;
    if (ParseEntry(entry, &event)) out->push_back(std::move(event));
  }
}

bool IsNoGroup(const absl::Status& status) {
  return absl::StrContains(status.message(), "NOGROUP");
}

}  // namespace

EventConsumer::EventConsumer(PgPool& pg, RedisPool& redis, EventConsumerOptions options,
                             EventHandler handler)
    : pg_(pg), redis_(redis), options_(std::move(options)), handler_(std::move(handler)) {
  if (options_.consumer.empty()) options_.consumer = DefaultConsumerName();
}

EventConsumer::~EventConsumer() { Stop(); }

void EventConsumer::Start() {
  loop_.Start([this] { Loop(); });
}

void EventConsumer::Stop() { loop_.Stop(); }

absl::Status EventConsumer::EnsureGroup() {
  if (group_ready_) return absl::OkStatus();
  absl::StatusOr<RedisReply> r = redis_.Command(
      {"XGROUP", "CREATE", options_.stream, options_.group, options_.start_id, "MKSTREAM"});
  if (!r.ok() && !absl::StrContains(r.status().message(), "BUSYGROUP")) return r.status();
  group_ready_ = true;
  return absl::OkStatus();
}

absl::Status EventConsumer::HandleEntry(const StreamEvent& event) {
  if (event.id.empty()) return absl::InvalidArgumentError("stream entry without an event id");
  return pg_.RunStatus(Clock::now() + kEventBudget, [&](pqxx::work& tx) -> absl::Status {
    pqxx::result inserted = tx.exec_params(
        absl::StrCat("INSERT INTO ", tx.quote_name(options_.schema),
                     ".processed_events (consumer_group, event_id) VALUES ($1, $2::uuid)"
                     " ON CONFLICT DO NOTHING"),
        options_.group, event.id);
    if (inserted.affected_rows() == 0) return absl::OkStatus();  // handled before: dedupe
    return handler_(event, tx);
  });
}

absl::StatusOr<int> EventConsumer::HandleAndAck(std::vector<StreamEvent> events) {
  std::vector<std::string> ack = {"XACK", options_.stream, options_.group};
  absl::Status first_error;
  for (const StreamEvent& event : events) {
    absl::Status handled = HandleEntry(event);
    if (handled.code() == absl::StatusCode::kInvalidArgument) {
      LOG_ERROR("event cannot be handled, acknowledged without effect",
                {{"stream", options_.stream},
                 {"event_id", event.id},
                 {"type", event.type},
                 {"error", handled.ToString()}});
    } else if (!handled.ok()) {
      // Stays pending: reclaimed after claim_idle. Later events of the batch still run; they
      // concern other aggregates or are idempotent upserts of newer state.
      if (first_error.ok()) first_error = handled;
      continue;
    } else if (options_.after_commit) {
      options_.after_commit(event);
    }
    ack.push_back(event.entry_id);
  }
  const int acked = static_cast<int>(ack.size()) - 3;
  if (acked > 0) {
    // A lost XACK only means a redelivery, which processed_events absorbs.
    absl::StatusOr<RedisReply> r = redis_.Command(ack);
    if (!r.ok()) return r.status();
  }
  if (!first_error.ok() && acked == 0) return first_error;
  if (!first_error.ok()) {
    LOG_WARN("event handling failed, will retry",
             {{"stream", options_.stream}, {"error", first_error.ToString()}});
  }
  return acked;
}

absl::StatusOr<int> EventConsumer::PollOnce() {
  RETURN_IF_ERROR(EnsureGroup());
  const std::string count = std::to_string(options_.batch_size);
  int acked = 0;

  // Entries another replica (or this one) read but never acknowledged: crashed or failed.
  absl::StatusOr<RedisReply> claimed =
      redis_.Command({"XAUTOCLAIM", options_.stream, options_.group, options_.consumer,
                      std::to_string(options_.claim_idle.count()), "0-0", "COUNT", count});
  if (!claimed.ok()) {
    if (IsNoGroup(claimed.status())) group_ready_ = false;
    return claimed.status();
  }
  if (claimed->type == RedisReply::Type::kArray && claimed->elements.size() >= 2) {
    std::vector<StreamEvent> events;
    ParseEntries(claimed->elements[1], &events);
    if (!events.empty()) {
      ASSIGN_OR_RETURN(int n, HandleAndAck(std::move(events)));
      acked += n;
    }
  }

  absl::StatusOr<RedisReply> read =
      redis_.Command({"XREADGROUP", "GROUP", options_.group, options_.consumer, "COUNT", count,
                      "STREAMS", options_.stream, ">"});
  if (!read.ok()) {
    if (IsNoGroup(read.status())) group_ready_ = false;
    return read.status();
  }
  // Reply: [[stream, [entries...]]], or nil when nothing is new.
  std::vector<StreamEvent> events;
  if (read->type == RedisReply::Type::kArray) {
    for (const RedisReply& stream : read->elements) {
      if (stream.type == RedisReply::Type::kArray && stream.elements.size() == 2) {
        ParseEntries(stream.elements[1], &events);
      }
    }
  }
  if (!events.empty()) {
    ASSIGN_OR_RETURN(int n, HandleAndAck(std::move(events)));
    acked += n;
  }
  return acked;
}

void EventConsumer::Loop() {
  bool failing = false;
  while (true) {
    absl::StatusOr<int> handled = PollOnce();
    std::chrono::milliseconds wait = options_.poll_interval;
    if (!handled.ok()) {
      if (!failing) {
        LOG_WARN("event consumer failing, will retry", {{"stream", options_.stream},
                                                        {"group", options_.group},
                                                        {"error", handled.status().ToString()}});
      }
      failing = true;
      wait = options_.retry_after;
    } else {
      if (failing) LOG_INFO("event consumer recovered", {{"stream", options_.stream}});
      failing = false;
      if (*handled > 0) wait = std::chrono::milliseconds(0);  // more may be waiting
    }
    if (!loop_.Sleep(wait)) return;
  }
}

}  // namespace comptoir::common
