// PgPool across a restart of the shared test PostgreSQL (hence *_serial_test: it stops the
// server every other test uses). The same pool object must serve again afterwards.
#include <gtest/gtest.h>

#include <pqxx/pqxx>
#include <thread>

#include "comptoir/common/pg_pool.h"
#include "process.h"
#include "scratch_database.h"
#include "status_testing.h"
#include "test_env.h"

namespace comptoir::common {
namespace {

using ::comptoir::testing::Deadline;
using ::comptoir::testing::RunPgCtl;
using ::comptoir::testing::ScratchDatabase;
using ::comptoir::testing::StatusIs;
using std::chrono::milliseconds;
using std::chrono::seconds;

// Starts the cluster again if a test stopped it and then failed, so that the tests after it
// still have a server.
class ServerGuard {
 public:
  ~ServerGuard() {
    if (stopped_) {
      absl::Status started = RunPgCtl("start");
      if (!started.ok()) ADD_FAILURE() << "could not restart the test cluster: " << started;
    }
  }
  absl::Status Stop() {
    absl::Status status = RunPgCtl("stop");
    stopped_ = status.ok();
    return status;
  }
  absl::Status Start() {
    absl::Status status = RunPgCtl("start");
    if (status.ok()) stopped_ = false;
    return status;
  }

 private:
  bool stopped_ = false;
};

PgPoolOptions Options(const ScratchDatabase& db) {
  PgPoolOptions options;
  options.url = db.RoleUrl("shops");
  options.size = 3;
  options.connect_timeout = milliseconds(2000);
  options.statements = {{"count_items", "SELECT count(*) FROM items"}};
  return options;
}

absl::StatusOr<int64_t> CountItems(PgPool& pool) {
  return pool.Run<int64_t>(Deadline(seconds(5)), [](pqxx::work& tx) -> absl::StatusOr<int64_t> {
    return tx.exec_prepared("count_items")[0][0].as<int64_t>();
  });
}

void CreateItems(const ScratchDatabase& db) {
  pqxx::connection conn(db.RoleUrl("shops"));
  pqxx::work tx(conn);
  tx.exec("CREATE TABLE items (id int); INSERT INTO items VALUES (1), (2), (3);");
  tx.commit();
}

TEST(PgPoolRestart, QueriesAreUnavailableWhileDownAndSucceedAfterRestart) {
  ASSERT_OK(::comptoir::testing::TestPgCtl().status());
  ASSERT_OK_AND_ASSIGN(auto db, ScratchDatabase::Create());
  CreateItems(*db);
  PgPool pool(Options(*db));
  // Several connections open, so that several go stale at once.
  {
    ASSERT_OK_AND_ASSIGN(PgLease a, pool.Acquire(Deadline(seconds(5))));
    ASSERT_OK_AND_ASSIGN(PgLease b, pool.Acquire(Deadline(seconds(5))));
  }
  ASSERT_OK_AND_ASSIGN(int64_t before, CountItems(pool));
  EXPECT_EQ(before, 3);

  ServerGuard server;
  ASSERT_OK(server.Stop());
  EXPECT_THAT(CountItems(pool), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(CountItems(pool), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_FALSE(pool.Ping(Deadline(seconds(5))));

  ASSERT_OK(server.Start());
  absl::StatusOr<int64_t> after = absl::UnavailableError("not tried");
  const auto give_up = std::chrono::steady_clock::now() + seconds(30);
  while (!after.ok() && std::chrono::steady_clock::now() < give_up) {
    after = CountItems(pool);
    if (!after.ok()) std::this_thread::sleep_for(milliseconds(100));
  }
  ASSERT_OK(after);
  EXPECT_EQ(*after, 3);  // the prepared statement works on the new connections
  EXPECT_TRUE(pool.Ping(Deadline(seconds(5))));
  EXPECT_LE(pool.open_count(), pool.size());
}

TEST(PgPoolRestart, TransactionCutByARestartIsRetriedOnAFreshConnection) {
  ASSERT_OK(::comptoir::testing::TestPgCtl().status());
  ASSERT_OK_AND_ASSIGN(auto db, ScratchDatabase::Create());
  CreateItems(*db);
  PgPool pool(Options(*db));
  ASSERT_OK(CountItems(pool).status());

  ServerGuard server;
  int calls = 0;
  absl::Status status = pool.RunStatus(Deadline(seconds(60)), [&](pqxx::work& tx) {
    if (++calls == 1) {
      tx.exec("INSERT INTO items VALUES (4)");
      // pg_ctl -w restart returns once the server accepts connections again.
      absl::Status restarted = RunPgCtl("restart");
      if (!restarted.ok()) return restarted;
    }
    tx.exec("INSERT INTO items VALUES (5)");
    return absl::OkStatus();
  });
  EXPECT_OK(status);
  EXPECT_EQ(calls, 2);
  // Only the second attempt committed.
  EXPECT_EQ(CountItems(pool).value_or(-1), 4);
}

}  // namespace
}  // namespace comptoir::common
