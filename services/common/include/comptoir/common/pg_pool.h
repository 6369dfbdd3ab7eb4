// A bounded pool of PostgreSQL connections (libpqxx 6.4).
//
//   PgPool pool({.url = url, .size = 8, .statements = {{"shop_by_id", "SELECT ..."}}});
//   absl::StatusOr<Shop> shop = pool.Run<Shop>(deadline, [&](pqxx::work& tx) ->
//   absl::StatusOr<Shop> {
//     pqxx::result r = tx.exec_prepared("shop_by_id", id);
//     ...
//   });
//
// Connections open lazily and are re-opened after a failure; every named statement is
// prepared again on each new connection. libpqxx exceptions never leave the pool: they
// become an absl::Status (see StatusFromPgException). Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"

namespace comptoir::common {

struct PreparedStatement {
  std::string name;
  std::string sql;
};

struct PgPoolOptions {
  std::string url;       // postgresql://role:password@host:port/db
  std::size_t size = 8;  // connections at most
  std::chrono::milliseconds connect_timeout{3000};
  std::chrono::milliseconds statement_timeout{5000};  // server-side, per statement
  std::vector<PreparedStatement> statements;          // prepared on every connection
};

// Maps a libpqxx/std exception to a canonical status:
// unique_violation -> AlreadyExists, foreign_key/check/not_null -> FailedPrecondition,
// serialization failure/deadlock -> Aborted, broken connection -> Unavailable,
// statement timeout / query_canceled -> DeadlineExceeded, invalid value (22xxx) ->
// InvalidArgument, commit in doubt -> Unknown, anything else -> Internal (logged with its
// SQLSTATE). Messages never carry SQL text nor the server's words (they may quote data).
absl::Status StatusFromPgException(const std::exception& e);

// `url` (a postgresql:// URI or a "key=value" string) with libpq's connect_timeout set from
// `connect_timeout` (whole seconds, at least 2: libpq's floor) unless the URL sets it.
std::string PgConnectionString(const std::string& url, std::chrono::milliseconds connect_timeout);

class PgPool;

// Exclusive use of one connection until destroyed. Move-only; must not outlive its pool.
class PgLease {
 public:
  PgLease(PgLease&& other) noexcept;
  PgLease& operator=(PgLease&&) = delete;
  ~PgLease();
  pqxx::connection& conn() { return *conn_; }
  // Tells the pool this connection is broken: it is closed instead of reused.
  void MarkBroken() { broken_ = true; }

 private:
  friend class PgPool;
  PgLease(PgPool* pool, std::unique_ptr<pqxx::connection> conn);
  PgPool* pool_;
  std::unique_ptr<pqxx::connection> conn_;
  bool broken_ = false;
};

class PgPool {
 public:
  explicit PgPool(PgPoolOptions options);
  ~PgPool();
  PgPool(const PgPool&) = delete;
  PgPool& operator=(const PgPool&) = delete;

  // Waits until a connection is free (or one can be opened) or `deadline` passes
  // (DeadlineExceeded). Opening a connection that fails gives Unavailable.
  absl::StatusOr<PgLease> Acquire(std::chrono::steady_clock::time_point deadline);

  // Runs `fn` in a transaction on a leased connection and commits when it returns OK.
  // Exceptions become statuses; a connection broken in the middle is discarded, and the
  // call is tried once more on a fresh connection when nothing was committed (so `fn` may
  // run twice: keep side effects outside the transaction out of it). A commit whose outcome
  // is unknown (connection lost during COMMIT) is never retried: it gives Unknown.
  template <typename T>
  absl::StatusOr<T> Run(std::chrono::steady_clock::time_point deadline,
                        const std::function<absl::StatusOr<T>(pqxx::work&)>& fn);
  absl::Status RunStatus(std::chrono::steady_clock::time_point deadline,
                         const std::function<absl::Status(pqxx::work&)>& fn);

  // True when a connection can be leased and answers `SELECT 1` before the deadline.
  bool Ping(std::chrono::steady_clock::time_point deadline);

  std::size_t size() const { return options_.size; }
  std::size_t idle_count() const;  // open connections waiting in the pool
  std::size_t open_count() const;  // open connections, leased or idle

 private:
  friend class PgLease;
  // `fresh` skips idle connections: used for the retry after a broken connection, when the
  // idle ones may have died with it (server restart).
  absl::StatusOr<PgLease> AcquireImpl(std::chrono::steady_clock::time_point deadline, bool fresh);
  void Release(std::unique_ptr<pqxx::connection> conn, bool broken);
  absl::StatusOr<std::unique_ptr<pqxx::connection>> Open();

  const PgPoolOptions options_;
  const std::string conninfo_;  // options_.url with connect_timeout
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<pqxx::connection>> idle_;  // guarded by mu_
  std::size_t open_ = 0;                                 // guarded by mu_
  bool open_failing_ = false;  // guarded by mu_; logs outages once, not once per call
};

template <typename T>
absl::StatusOr<T> PgPool::Run(std::chrono::steady_clock::time_point deadline,
                              const std::function<absl::StatusOr<T>(pqxx::work&)>& fn) {
  absl::StatusOr<T> result = absl::UnknownError("not run");
  absl::Status status = RunStatus(deadline, [&](pqxx::work& tx) -> absl::Status {
    result = fn(tx);
    return result.status();
  });
  if (!status.ok()) return status;
  return result;
}

// A pool for read-mostly queries (discovery, search) on a replica at `read_url`, with the
// primary's size and statements; nullptr when `read_url` is empty, so callers fall back to
// the primary. Replicas lag: use it only where a second-old answer is fine.
std::unique_ptr<PgPool> MakeReadPool(const std::string& read_url, const PgPoolOptions& primary);

}  // namespace comptoir::common
