// The outbox relay and the stream consumer against real Postgres and Redis: each committed
// event is published once (also with several relays), nothing is lost while Redis is down,
// and consumers handle every event exactly once despite redeliveries, failures and crashes.
#include "comptoir/common/outbox.h"

#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "comptoir/common/event_consumer.h"
#include "scratch_database.h"
#include "scratch_redis.h"
#include "status_testing.h"

namespace comptoir::common {
namespace {

using ::comptoir::testing::ScratchDatabase;
using ::comptoir::testing::ScratchRedis;
using ::comptoir::testing::StatusIs;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr char kStream[] = "events:shops";

// The tables every service creates in its migrations (see outbox.h and event_consumer.h),
// plus one the test handlers write to, to observe effects.
constexpr char kSchemaSql[] = R"sql(
CREATE TABLE shops.outbox (
  id uuid PRIMARY KEY, aggregate text NOT NULL, type text NOT NULL, payload bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp(), published_at timestamptz);
CREATE INDEX outbox_unpublished ON shops.outbox (created_at, id) WHERE published_at IS NULL;
CREATE TABLE shops.processed_events (
  consumer_group text NOT NULL, event_id uuid NOT NULL,
  processed_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (consumer_group, event_id));
CREATE TABLE shops.effects (event_id uuid NOT NULL, payload bytea NOT NULL);
)sql";

auto Deadline() { return std::chrono::steady_clock::now() + seconds(10); }

class OutboxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ::comptoir::testing::ScratchDatabaseOptions db_options;
    db_options.roles = {"shops"};
    ASSERT_OK_AND_ASSIGN(db_, ScratchDatabase::Create(db_options));
    ASSERT_OK_AND_ASSIGN(redis_server_, ScratchRedis::Create());
    PgPoolOptions pg_options;
    pg_options.url = db_->RoleUrl("shops");
    pg_options.size = 4;
    pg_ = std::make_unique<PgPool>(pg_options);
    RedisPoolOptions redis_options;
    redis_options.url = redis_server_->url();
    redis_options.retry_after = milliseconds(50);
    redis_ = std::make_unique<RedisPool>(redis_options);
    ASSERT_OK(pg_->RunStatus(Deadline(), [](pqxx::work& tx) {
      tx.exec(kSchemaSql);
      return absl::OkStatus();
    }));
  }

  // Commits `n` events in one transaction; returns their ids.
  std::vector<std::string> Commit(int n, const std::string& prefix = "payload") {
    std::vector<std::string> ids;
    EXPECT_OK(pg_->RunStatus(Deadline(), [&](pqxx::work& tx) {
      for (int i = 0; i < n; ++i) {
        ids.push_back(
            InsertOutboxEvent(tx, "shops",
                              {.aggregate = "agg",
                               .type = "test.Event",
                               .payload = absl::StrCat(prefix, std::string("\0\xff", 2), i)}));
      }
      return absl::OkStatus();
    }));
    return ids;
  }

  int64_t Count(const std::string& sql) {
    absl::StatusOr<int64_t> n =
        pg_->Run<int64_t>(Deadline(), [&](pqxx::work& tx) -> absl::StatusOr<int64_t> {
          return tx.exec(sql)[0][0].as<int64_t>();
        });
    EXPECT_OK(n.status());
    return n.ok() ? *n : -1;
  }

  int64_t StreamLength() {
    absl::StatusOr<RedisReply> r = redis_->Command({"XLEN", kStream});
    EXPECT_OK(r.status());
    return r.ok() ? r->integer : -1;
  }

  OutboxRelay MakeRelay() {
    OutboxRelayOptions options;
    options.schema = "shops";
    options.stream = kStream;
    options.batch_size = 50;
    options.poll_interval = milliseconds(20);
    options.retry_after = milliseconds(50);
    return OutboxRelay(*pg_, *redis_, options);
  }

  EventConsumerOptions ConsumerOptions(const std::string& consumer) {
    EventConsumerOptions options;
    options.stream = kStream;
    options.group = "tests";
    options.consumer = consumer;
    options.schema = "shops";
    options.poll_interval = milliseconds(20);
    options.retry_after = milliseconds(50);
    return options;
  }

  // A handler that records the event in shops.effects, in the consumer's transaction.
  static absl::Status RecordEffect(const StreamEvent& e, pqxx::work& tx) {
    tx.exec_params("INSERT INTO shops.effects (event_id, payload) VALUES ($1::uuid, $2)", e.id,
                   pqxx::binarystring(e.payload.data(), e.payload.size()));
    return absl::OkStatus();
  }

  std::unique_ptr<ScratchDatabase> db_;
  std::unique_ptr<ScratchRedis> redis_server_;
  std::unique_ptr<PgPool> pg_;
  std::unique_ptr<RedisPool> redis_;
};

TEST_F(OutboxTest, RelayPublishesEachCommittedEventOnceAndNeverARolledBackOne) {
  std::vector<std::string> ids = Commit(3);
  ASSERT_THAT(pg_->RunStatus(Deadline(),
                             [](pqxx::work& tx) {
                               InsertOutboxEvent(tx, "shops", {"agg", "test.Event", "lost"});
                               return absl::AbortedError("rolled back");
                             }),
              StatusIs(absl::StatusCode::kAborted));
  OutboxRelay relay = MakeRelay();

  ASSERT_OK_AND_ASSIGN(int first, relay.PublishOnce());
  ASSERT_OK_AND_ASSIGN(int second, relay.PublishOnce());

  EXPECT_EQ(first, 3);
  EXPECT_EQ(second, 0);
  EXPECT_EQ(StreamLength(), 3);
  EXPECT_EQ(Count("SELECT count(*) FROM shops.outbox WHERE published_at IS NULL"), 0);
  ASSERT_OK_AND_ASSIGN(RedisReply range, redis_->Command({"XRANGE", kStream, "-", "+"}));
  ASSERT_EQ(range.elements.size(), 3u);
  const RedisReply& fields = range.elements[0].elements[1];
  ASSERT_EQ(fields.elements.size(), 8u);
  EXPECT_EQ(fields.elements[0].str, "id");
  EXPECT_EQ(fields.elements[1].str, ids[0]);  // oldest first
  EXPECT_EQ(fields.elements[3].str, "test.Event");
  EXPECT_EQ(fields.elements[7].str, absl::StrCat("payload", std::string("\0\xff", 2), 0));
}

TEST_F(OutboxTest, SeveralRelaysTogetherPublishEveryRowExactlyOnce) {
  Commit(300);
  OutboxRelay a = MakeRelay();
  OutboxRelay b = MakeRelay();
  std::atomic<int> published{0};
  auto drain = [&](OutboxRelay& relay) {
    while (true) {
      absl::StatusOr<int> n = relay.PublishOnce();
      ASSERT_OK(n.status());
      if (*n == 0) return;
      published += *n;
    }
  };

  std::thread ta([&] { drain(a); });
  std::thread tb([&] { drain(b); });
  ta.join();
  tb.join();

  EXPECT_EQ(published.load(), 300);
  EXPECT_EQ(StreamLength(), 300);
  ASSERT_OK_AND_ASSIGN(RedisReply range, redis_->Command({"XRANGE", kStream, "-", "+"}));
  std::set<std::string> ids;
  for (const RedisReply& entry : range.elements) ids.insert(entry.elements[1].elements[1].str);
  EXPECT_EQ(ids.size(), 300u);
}

TEST_F(OutboxTest, EventsCommittedWhileRedisIsDownArePublishedWhenItComesBack) {
  OutboxRelay relay = MakeRelay();
  ASSERT_OK(redis_server_->Stop());
  Commit(5);

  EXPECT_THAT(relay.PublishOnce().status(), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_EQ(Count("SELECT count(*) FROM shops.outbox WHERE published_at IS NULL"), 5);

  ASSERT_OK(redis_server_->Start());
  relay.Start();  // the background loop retries on its own
  const auto give_up = std::chrono::steady_clock::now() + seconds(10);
  while (Count("SELECT count(*) FROM shops.outbox WHERE published_at IS NULL") > 0 &&
         std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(milliseconds(20));
  }
  relay.Stop();

  EXPECT_EQ(Count("SELECT count(*) FROM shops.outbox WHERE published_at IS NULL"), 0);
  EXPECT_EQ(StreamLength(), 5);
}

TEST_F(OutboxTest, ConsumerHandlesARedeliveredEventOnlyOnce) {
  std::vector<std::string> ids = Commit(3);
  OutboxRelay relay = MakeRelay();
  ASSERT_OK(relay.PublishOnce().status());
  // The relay crashed after XADD but before COMMIT once: the same event is in the stream twice.
  ASSERT_OK(redis_
                ->Command({"XADD", kStream, "*", "id", ids[1], "type", "test.Event", "aggregate",
                           "agg", "payload", "dup"})
                .status());
  EventConsumer consumer(*pg_, *redis_, ConsumerOptions("c1"), RecordEffect);

  ASSERT_OK_AND_ASSIGN(int acked, consumer.PollOnce());
  ASSERT_OK_AND_ASSIGN(int again, consumer.PollOnce());

  EXPECT_EQ(acked, 4);  // the duplicate is acknowledged too
  EXPECT_EQ(again, 0);
  EXPECT_EQ(Count("SELECT count(*) FROM shops.effects"), 3);
  EXPECT_EQ(Count("SELECT count(DISTINCT event_id) FROM shops.effects"), 3);
  ASSERT_OK_AND_ASSIGN(RedisReply pending, redis_->Command({"XPENDING", kStream, "tests"}));
  EXPECT_EQ(pending.elements[0].integer, 0);
}

TEST_F(OutboxTest, FailedHandlingRollsBackAndIsRetriedByAnotherReplica) {
  Commit(2);
  OutboxRelay relay = MakeRelay();
  ASSERT_OK(relay.PublishOnce().status());
  // Replica 1 writes its effect, then fails (a dependency is down): nothing may remain.
  EventConsumer failing(*pg_, *redis_, ConsumerOptions("replica-1"),
                        [](const StreamEvent& e, pqxx::work& tx) {
                          EXPECT_OK(RecordEffect(e, tx));
                          return absl::UnavailableError("dependency down");
                        });
  EXPECT_THAT(failing.PollOnce().status(), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_EQ(Count("SELECT count(*) FROM shops.effects"), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM shops.processed_events"), 0);

  // Replica 2 finds the entries pending past claim_idle and handles them.
  EventConsumerOptions options = ConsumerOptions("replica-2");
  options.claim_idle = milliseconds(1);
  std::this_thread::sleep_for(milliseconds(20));
  EventConsumer healthy(*pg_, *redis_, options, RecordEffect);
  ASSERT_OK_AND_ASSIGN(int acked, healthy.PollOnce());

  EXPECT_EQ(acked, 2);
  EXPECT_EQ(Count("SELECT count(*) FROM shops.effects"), 2);
  ASSERT_OK_AND_ASSIGN(RedisReply pending, redis_->Command({"XPENDING", kStream, "tests"}));
  EXPECT_EQ(pending.elements[0].integer, 0);
}

TEST_F(OutboxTest, PoisonEventIsAcknowledgedWithoutBlockingTheOthers) {
  Commit(1, "good");
  ASSERT_OK(
      redis_->Command({"XADD", kStream, "*", "id", "not-a-uuid", "type", "x", "payload", "junk"})
          .status());
  Commit(1, "good");
  OutboxRelay relay = MakeRelay();
  EventConsumer consumer(*pg_, *redis_, ConsumerOptions("c1"), RecordEffect);

  ASSERT_OK(relay.PublishOnce().status());
  ASSERT_OK_AND_ASSIGN(int acked, consumer.PollOnce());

  EXPECT_EQ(acked, 3);
  EXPECT_EQ(Count("SELECT count(*) FROM shops.effects"), 2);
}

TEST_F(OutboxTest, RelayAndConsumerLoseNothingAcrossARedisOutage) {
  OutboxRelay relay = MakeRelay();
  EventConsumer consumer(*pg_, *redis_, ConsumerOptions("c1"), RecordEffect);
  relay.Start();
  consumer.Start();
  auto wait_for_effects = [&](int64_t n) {
    const auto give_up = std::chrono::steady_clock::now() + seconds(15);
    while (Count("SELECT count(*) FROM shops.effects") < n &&
           std::chrono::steady_clock::now() < give_up) {
      std::this_thread::sleep_for(milliseconds(20));
    }
  };
  Commit(10, "before");
  wait_for_effects(10);

  ASSERT_OK(redis_server_->Stop());
  Commit(10, "during");
  std::this_thread::sleep_for(milliseconds(200));
  // Comes back empty (no persistence in tests): the group is recreated, the stream refilled.
  ASSERT_OK(redis_server_->Start());
  Commit(10, "after");
  wait_for_effects(30);
  relay.Stop();
  consumer.Stop();

  EXPECT_EQ(Count("SELECT count(*) FROM shops.effects"), 30);
  EXPECT_EQ(Count("SELECT count(DISTINCT event_id) FROM shops.effects"), 30);
}

}  // namespace
}  // namespace comptoir::common
