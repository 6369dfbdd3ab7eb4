// PgPool against a real PostgreSQL: transactions, prepared statements, exception mapping,
// bounded acquisition, and recovery from connections the server ended.
#include "comptoir/common/pg_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <pqxx/pqxx>
#include <thread>

#include "absl/strings/str_cat.h"
#include "process.h"
#include "scratch_database.h"
#include "status_testing.h"

namespace comptoir::common {
namespace {

using ::comptoir::testing::Deadline;
using ::comptoir::testing::ScratchDatabase;
using ::comptoir::testing::StatusIs;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr char kSchema[] =
    "CREATE TABLE parents (id bigint PRIMARY KEY);"
    "CREATE TABLE items (id bigint PRIMARY KEY, slug text UNIQUE,"
    " parent_id bigint REFERENCES parents (id), price_cents bigint CHECK (price_cents >= 0));"
    "INSERT INTO parents VALUES (1);";

PgPoolOptions Options(const ScratchDatabase& db, std::size_t size = 2) {
  PgPoolOptions options;
  options.url = db.RoleUrl("shops");
  options.size = size;
  options.statements = {
      {"insert_item",
       "INSERT INTO items (id, slug, parent_id, price_cents) VALUES ($1, $2, $3, $4)"},
      {"count_items", "SELECT count(*) FROM items"},
  };
  return options;
}

class PgPoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(db_, ScratchDatabase::Create());
    pqxx::connection conn(db_->RoleUrl("shops"));
    pqxx::work tx(conn);
    tx.exec(kSchema);
    tx.commit();
  }

  int64_t CountItems(PgPool& pool) {
    absl::StatusOr<int64_t> count =
        pool.Run<int64_t>(Deadline(seconds(5)), [](pqxx::work& tx) -> absl::StatusOr<int64_t> {
          return tx.exec_prepared("count_items")[0][0].as<int64_t>();
        });
    EXPECT_TRUE(count.ok()) << count.status();
    return count.value_or(-1);
  }

  absl::Status InsertItem(PgPool& pool, int64_t id, const std::string& slug, int64_t parent,
                          int64_t price) {
    return pool.RunStatus(Deadline(seconds(5)), [&](pqxx::work& tx) {
      tx.exec_prepared("insert_item", id, slug, parent, price);
      return absl::OkStatus();
    });
  }

  void Terminate(int backend_pid) {
    pqxx::connection admin(db_->admin_url());
    pqxx::nontransaction tx(admin);
    tx.exec_params("SELECT pg_terminate_backend($1)", backend_pid);
    // pg_terminate_backend only signals: wait until the session is gone.
    for (int i = 0; i < 200; ++i) {
      if (tx.exec_params("SELECT 1 FROM pg_stat_activity WHERE pid = $1", backend_pid).empty()) {
        return;
      }
      std::this_thread::sleep_for(milliseconds(10));
    }
  }

  std::unique_ptr<ScratchDatabase> db_;
};

absl::StatusOr<int> BackendPid(PgPool& pool) {
  return pool.Run<int>(Deadline(seconds(5)), [](pqxx::work& tx) -> absl::StatusOr<int> {
    return tx.exec("SELECT pg_backend_pid()")[0][0].as<int>();
  });
}

TEST_F(PgPoolTest, RunCommitsWithPreparedStatementsAndReusesConnections) {
  PgPool pool(Options(*db_));
  EXPECT_OK(InsertItem(pool, 1, "pain", 1, 120));
  EXPECT_OK(InsertItem(pool, 2, "brioche", 1, 450));
  EXPECT_EQ(CountItems(pool), 2);
  EXPECT_EQ(pool.open_count(), 1u);
  EXPECT_EQ(pool.idle_count(), 1u);
  EXPECT_TRUE(pool.Ping(Deadline(seconds(5))));
}

TEST_F(PgPoolTest, FailedFunctionRollsBackItsWrites) {
  PgPool pool(Options(*db_));
  absl::Status status = pool.RunStatus(Deadline(seconds(5)), [](pqxx::work& tx) {
    tx.exec_prepared("insert_item", 1, "pain", 1, 120);
    return absl::InvalidArgumentError("price_cents looks wrong");
  });
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(CountItems(pool), 0);
}

TEST_F(PgPoolTest, DatabaseErrorsBecomeCanonicalStatusesWithoutSql) {
  PgPoolOptions options = Options(*db_);
  options.statement_timeout = milliseconds(200);
  PgPool pool(options);
  ASSERT_OK(InsertItem(pool, 1, "pain", 1, 120));

  absl::Status duplicate = InsertItem(pool, 2, "pain", 1, 100);
  EXPECT_THAT(duplicate, StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_EQ(std::string(duplicate.message()).find("INSERT"), std::string::npos) << duplicate;
  EXPECT_EQ(std::string(duplicate.message()).find("items"), std::string::npos) << duplicate;
  EXPECT_THAT(InsertItem(pool, 3, "x", 42, 100), StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(InsertItem(pool, 4, "y", 1, -1), StatusIs(absl::StatusCode::kFailedPrecondition));

  auto raise = [&](const char* sqlstate) {
    return pool.RunStatus(Deadline(seconds(5)), [&](pqxx::work& tx) {
      tx.exec(
          absl::StrCat("DO $$ BEGIN RAISE EXCEPTION 'x' USING ERRCODE = '", sqlstate, "'; END $$"));
      return absl::OkStatus();
    });
  };
  EXPECT_THAT(raise("40001"), StatusIs(absl::StatusCode::kAborted));
  EXPECT_THAT(raise("40P01"), StatusIs(absl::StatusCode::kAborted));
  EXPECT_THAT(raise("42P01"), StatusIs(absl::StatusCode::kInternal));

  absl::Status slow = pool.RunStatus(Deadline(seconds(5)), [](pqxx::work& tx) {
    tx.exec("SELECT pg_sleep(3)");
    return absl::OkStatus();
  });
  EXPECT_THAT(slow, StatusIs(absl::StatusCode::kDeadlineExceeded));
  // Errors left the connections usable.
  EXPECT_EQ(CountItems(pool), 1);
}

TEST_F(PgPoolTest, AcquireHonoursItsDeadlineWhenAllConnectionsAreLeased) {
  PgPool pool(Options(*db_, 2));
  ASSERT_OK_AND_ASSIGN(PgLease first, pool.Acquire(Deadline(seconds(5))));
  ASSERT_OK_AND_ASSIGN(PgLease second, pool.Acquire(Deadline(seconds(5))));
  EXPECT_THAT(pool.Acquire(Deadline(milliseconds(150))),
              StatusIs(absl::StatusCode::kDeadlineExceeded));
  EXPECT_THAT(
      pool.RunStatus(Deadline(milliseconds(50)), [](pqxx::work&) { return absl::OkStatus(); }),
      StatusIs(absl::StatusCode::kDeadlineExceeded));
  EXPECT_EQ(pool.open_count(), 2u);

  // A waiter is handed the connection as soon as one comes back.
  std::atomic<bool> acquired{false};
  std::thread waiter([&] {
    absl::StatusOr<PgLease> lease = pool.Acquire(Deadline(seconds(10)));
    acquired = lease.ok();
  });
  std::this_thread::sleep_for(milliseconds(50));
  { PgLease released = std::move(first); }
  waiter.join();
  EXPECT_TRUE(acquired.load());
}

TEST_F(PgPoolTest, ConnectionEndedWhileIdleIsReplacedTransparently) {
  PgPool pool(Options(*db_, 1));
  ASSERT_OK_AND_ASSIGN(int pid, BackendPid(pool));
  Terminate(pid);
  ASSERT_OK_AND_ASSIGN(int replacement, BackendPid(pool));
  EXPECT_NE(replacement, pid);
  EXPECT_EQ(pool.open_count(), 1u);
  // Statements are prepared again on the new connection.
  EXPECT_OK(InsertItem(pool, 1, "pain", 1, 120));
  EXPECT_EQ(CountItems(pool), 1);
}

TEST_F(PgPoolTest, TransactionBrokenMidwayIsRetriedOnceOnAFreshConnection) {
  PgPool pool(Options(*db_, 1));
  int calls = 0;
  absl::Status status = pool.RunStatus(Deadline(seconds(10)), [&](pqxx::work& tx) {
    ++calls;
    tx.exec_prepared("insert_item", 1, "pain", 1, 120);
    if (calls == 1) {
      Terminate(tx.exec("SELECT pg_backend_pid()")[0][0].as<int>());
      tx.exec("SELECT 1");  // throws: the session is gone, with the insert uncommitted
    }
    return absl::OkStatus();
  });
  EXPECT_OK(status);
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(CountItems(pool), 1);

  // A connection that breaks on every attempt is reported, not retried forever.
  calls = 0;
  absl::Status broken = pool.RunStatus(Deadline(seconds(10)), [&](pqxx::work& tx) {
    ++calls;
    Terminate(tx.exec("SELECT pg_backend_pid()")[0][0].as<int>());
    tx.exec("SELECT 1");
    return absl::OkStatus();
  });
  EXPECT_THAT(broken, StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(CountItems(pool), 1);
}

TEST(PgPool, UnreachableServerIsUnavailable) {
  ASSERT_OK_AND_ASSIGN(int port, ::comptoir::testing::FreePort());
  PgPoolOptions options;
  options.url = absl::StrCat("postgresql://nobody@127.0.0.1:", port, "/nothing");
  PgPool pool(options);
  EXPECT_THAT(pool.Acquire(Deadline(seconds(5))), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_FALSE(pool.Ping(Deadline(seconds(5))));
  EXPECT_EQ(pool.open_count(), 0u);
}

}  // namespace
}  // namespace comptoir::common
