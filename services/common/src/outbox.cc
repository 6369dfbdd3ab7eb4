// OutboxRelay: claims unpublished outbox rows, XADDs them to the service's stream, marks them.
#include "comptoir/common/outbox.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "comptoir/common/log.h"
#include "comptoir/common/status.h"

namespace comptoir::common {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kPassBudget = std::chrono::seconds(10);

struct ClaimedRow {
  std::string id;
  std::string aggregate;
  std::string type;
  std::string payload;
};

}  // namespace

std::string InsertOutboxEvent(pqxx::work& tx, const std::string& schema, const OutboxEvent& event) {
  pqxx::result r = tx.exec_params(
      absl::StrCat("INSERT INTO ", tx.quote_name(schema),
                   ".outbox (id, aggregate, type, payload)"
                   " VALUES (gen_random_uuid(), $1, $2, $3) RETURNING id"),
      event.aggregate, event.type, pqxx::binarystring(event.payload.data(), event.payload.size()));
  return r[0][0].as<std::string>();
}

OutboxRelay::OutboxRelay(PgPool& pg, RedisPool& redis, OutboxRelayOptions options)
    : pg_(pg), redis_(redis), options_(std::move(options)) {}

OutboxRelay::~OutboxRelay() { Stop(); }

void OutboxRelay::Start() {
  loop_.Start([this] { Loop(); });
}

void OutboxRelay::Stop() { loop_.Stop(); }

void OutboxRelay::Wake() { loop_.Wake(); }

absl::StatusOr<int> OutboxRelay::PublishOnce() {
  const std::string max_len = std::to_string(options_.max_len);
  return pg_.Run<int>(Clock::now() + kPassBudget, [&](pqxx::work& tx) -> absl::StatusOr<int> {
    const std::string quoted = absl::StrCat(tx.quote_name(options_.schema), ".outbox");
    // Oldest first; SKIP LOCKED lets another replica take the next rows instead of waiting.
    pqxx::result rows =
        tx.exec_params(absl::StrCat("SELECT id::text, aggregate, type, payload FROM ", quoted,
                                    " WHERE published_at IS NULL ORDER BY created_at, id LIMIT $1"
                                    " FOR UPDATE SKIP LOCKED"),
                       static_cast<int64_t>(options_.batch_size));
    if (rows.empty()) return 0;
    std::vector<std::vector<std::string>> commands;
    std::vector<std::string> ids;
    commands.reserve(rows.size());
    for (const pqxx::row& row : rows) {
      ClaimedRow claimed{.id = row[0].as<std::string>(),
                         .aggregate = row[1].as<std::string>(),
                         .type = row[2].as<std::string>(),
                         .payload = pqxx::binarystring(row[3]).str()};
      commands.push_back({"XADD", options_.stream, "MAXLEN", "~", max_len, "*", "id", claimed.id,
                          "type", claimed.type, "aggregate", claimed.aggregate, "payload",
                          std::move(claimed.payload)});
      ids.push_back(std::move(claimed.id));
    }
    // Redis down: returning the error rolls back, the rows stay unpublished and unlocked.
    absl::StatusOr<std::vector<RedisReply>> replies = redis_.Pipeline(commands);
    if (!replies.ok()) {
      return absl::UnavailableError(
          absl::StrCat("outbox relay: redis: ", replies.status().message()));
    }
    // uuids are plain [0-9a-f-]: an array literal needs no escaping.
    tx.exec_params(absl::StrCat("UPDATE ", quoted,
                                " SET published_at = clock_timestamp() WHERE id = ANY($1::uuid[])"),
                   absl::StrCat("{", absl::StrJoin(ids, ","), "}"));
    return static_cast<int>(ids.size());
  });
}

absl::StatusOr<int> OutboxRelay::PurgePublished() {
  return pg_.Run<int>(Clock::now() + kPassBudget, [&](pqxx::work& tx) -> absl::StatusOr<int> {
    pqxx::result r = tx.exec_params(
        absl::StrCat("DELETE FROM ", tx.quote_name(options_.schema),
                     ".outbox WHERE published_at < now() - make_interval(hours => $1)"),
        static_cast<int>(options_.keep_published.count()));
    return static_cast<int>(r.affected_rows());
  });
}

void OutboxRelay::Loop() {
  bool failing = false;
  auto last_purge = Clock::now();
  while (true) {
    absl::StatusOr<int> published = PublishOnce();
    std::chrono::milliseconds wait = options_.poll_interval;
    if (!published.ok()) {
      // Logged once per outage, not once per pass.
      if (!failing) {
        LOG_WARN("outbox relay failing, will retry",
                 {{"stream", options_.stream}, {"error", published.status().ToString()}});
      }
      failing = true;
      wait = options_.retry_after;
    } else {
      if (failing) LOG_INFO("outbox relay recovered", {{"stream", options_.stream}});
      failing = false;
      // A full batch means more rows are probably waiting: go again at once.
      if (*published == static_cast<int>(options_.batch_size)) wait = std::chrono::milliseconds(0);
    }
    if (Clock::now() - last_purge > std::chrono::hours(1)) {
      last_purge = Clock::now();
      (void)PurgePublished();
    }
    if (!loop_.Sleep(wait)) return;
  }
}

}  // namespace comptoir::common
