// PgPool: leases, transactions with one retry on a lost connection, and the mapping of
// libpqxx exceptions to canonical statuses.
#include "comptoir/common/pg_pool.h"

#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <string_view>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "comptoir/common/log.h"
#include "comptoir/common/status.h"

namespace comptoir::common {
namespace {

using Clock = std::chrono::steady_clock;

// A client thread stuck between two statements must not hold row locks forever; nothing in
// a well-behaved transaction waits this long between statements.
constexpr std::chrono::milliseconds kIdleInTransactionTimeout{60000};

std::string_view FirstLine(std::string_view text) {
  std::size_t end = text.find('\n');
  return end == std::string_view::npos ? text : text.substr(0, end);
}

std::string SqlState(const std::exception& e) {
  if (const auto* sql = dynamic_cast<const pqxx::sql_error*>(&e)) return sql->sqlstate();
  return "";
}

// True when the session is gone, so the connection must be dropped and a retry may succeed
// on a fresh one. 57P01-57P03 come with a server shutdown or restart.
bool ConnectionLost(const std::exception& e, const pqxx::connection& conn) {
  if (dynamic_cast<const pqxx::broken_connection*>(&e) != nullptr) return true;
  const std::string state = SqlState(e);
  if (absl::StartsWith(state, "08") || state == "57P01" || state == "57P02" || state == "57P03") {
    return true;
  }
  return !conn.is_open();
}

// An idle connection has nothing to read: readable means the server closed it (EOF, often
// after a FATAL "terminating connection" notice), so it is dropped without a round trip.
bool LooksAlive(const pqxx::connection& conn) {
  if (!conn.is_open()) return false;
  const int fd = conn.sock();
  if (fd < 0) return false;
  pollfd pfd{fd, POLLIN, 0};
  const int ready = ::poll(&pfd, 1, 0);
  return ready == 0 || (ready < 0 && errno == EINTR);
}

absl::Status StatusFromSqlState(const std::string& state) {
  if (state == "23505") {
    return absl::AlreadyExistsError("a record with the same unique key already exists");
  }
  if (state == "23503") {
    return absl::FailedPreconditionError(
        "the change refers to a record that does not exist, or removes one still referenced");
  }
  if (state == "23514") return absl::FailedPreconditionError("the change violates a data rule");
  if (state == "23502") return absl::FailedPreconditionError("a required value is missing");
  if (state == "23P01") {
    return absl::FailedPreconditionError("the change conflicts with an existing record");
  }
  if (absl::StartsWith(state, "23")) {
    return absl::FailedPreconditionError("the change violates a data integrity constraint");
  }
  if (state == "57014") return absl::DeadlineExceededError("the database statement timed out");
  if (state == "55P03") return absl::AbortedError("a database lock was not available; retry");
  if (state == "40001") {
    return absl::AbortedError("the transaction conflicted with a concurrent one; retry");
  }
  if (state == "40P01") {
    return absl::AbortedError("the transaction was chosen as a deadlock victim; retry");
  }
  if (absl::StartsWith(state, "40")) {
    return absl::AbortedError("the database rolled the transaction back; retry");
  }
  if (absl::StartsWith(state, "08") || state == "57P01" || state == "57P02" || state == "57P03" ||
      state == "53300") {
    return absl::UnavailableError("database unavailable");
  }
  // A standby that was promoted away from us, or a primary demoted during a fail-over.
  if (state == "25006") return absl::UnavailableError("database is read-only; retry later");
  if (absl::StartsWith(state, "53")) {
    return absl::ResourceExhaustedError("the database is out of resources");
  }
  if (absl::StartsWith(state, "22")) {
    return absl::InvalidArgumentError(
        absl::StrCat("the database rejected a value (SQLSTATE ", state, ")"));
  }
  return absl::OkStatus();  // not recognised: the caller decides
}

absl::Status RunInTransaction(PgLease& lease, const std::function<absl::Status(pqxx::work&)>& fn,
                              bool* retryable) {
  *retryable = false;
  try {
    pqxx::work tx(lease.conn());
    absl::Status status = fn(tx);
    if (status.ok()) {
      tx.commit();
      return absl::OkStatus();
    }
    try {
      tx.abort();
    } catch (const std::exception&) {
      // The connection died as well; `status` already says what went wrong first.
    }
    if (!lease.conn().is_open()) {
      // `fn` mapped a lost connection itself; nothing was committed, so a retry is safe.
      lease.MarkBroken();
      *retryable = true;
    }
    return status;
  } catch (const pqxx::in_doubt_error& e) {
    // The commit may have happened: running `fn` again could apply it twice.
    lease.MarkBroken();
    return StatusFromPgException(e);
  } catch (const std::exception& e) {
    if (ConnectionLost(e, lease.conn())) {
      lease.MarkBroken();
      *retryable = true;
    }
    return StatusFromPgException(e);
  } catch (...) {
    lease.MarkBroken();
    return absl::InternalError("internal database error (unknown exception)");
  }
}

}  // namespace

absl::Status StatusFromPgException(const std::exception& e) {
  if (dynamic_cast<const pqxx::in_doubt_error*>(&e) != nullptr) {
    return absl::UnknownError(
        "the database connection was lost while committing; the change may or may not have "
        "been applied");
  }
  if (dynamic_cast<const pqxx::broken_connection*>(&e) != nullptr) {
    return absl::UnavailableError("database unavailable");
  }
  // libpqxx 6 raises these without an SQLSTATE.
  if (dynamic_cast<const pqxx::serialization_failure*>(&e) != nullptr) {
    return StatusFromSqlState("40001");
  }
  if (dynamic_cast<const pqxx::deadlock_detected*>(&e) != nullptr) {
    return StatusFromSqlState("40P01");
  }
  if (dynamic_cast<const pqxx::transaction_rollback*>(&e) != nullptr) {
    return StatusFromSqlState("40000");
  }
  if (const auto* sql = dynamic_cast<const pqxx::sql_error*>(&e)) {
    std::string state = sql->sqlstate();
    // Subclasses raised without an SQLSTATE still say what they are.
    if (state.empty() && dynamic_cast<const pqxx::unique_violation*>(&e)) state = "23505";
    if (state.empty() && dynamic_cast<const pqxx::foreign_key_violation*>(&e)) state = "23503";
    if (state.empty() && dynamic_cast<const pqxx::check_violation*>(&e)) state = "23514";
    if (state.empty() && dynamic_cast<const pqxx::not_null_violation*>(&e)) state = "23502";
    if (state.empty() && dynamic_cast<const pqxx::integrity_constraint_violation*>(&e)) {
      state = "23000";
    }
    if (state.empty() && dynamic_cast<const pqxx::insufficient_privilege*>(&e)) state = "42501";
    absl::Status mapped = StatusFromSqlState(state);
    if (!mapped.ok()) return mapped;
    // Unexpected: the operator needs the server's words, the caller only the SQLSTATE.
    LOG_ERROR("unexpected database error",
              {{"sqlstate", state}, {"error", std::string(FirstLine(e.what()))}});
    return absl::InternalError(
        absl::StrCat("database error (SQLSTATE ", state.empty() ? "unknown" : state, ")"));
  }
  if (dynamic_cast<const pqxx::conversion_error*>(&e) != nullptr) {
    LOG_ERROR("unexpected value read from the database",
              {{"error", std::string(FirstLine(e.what()))}});
    return absl::InternalError("unexpected value read from the database");
  }
  LOG_ERROR("internal database error", {{"error", std::string(FirstLine(e.what()))}});
  return absl::InternalError("internal database error");
}

std::string PgConnectionString(const std::string& url, std::chrono::milliseconds connect_timeout) {
  if (absl::StrContains(url, "connect_timeout=")) return url;
  // libpq reads whole seconds and treats anything below 2 as 2.
  const int64_t seconds = std::max<int64_t>(2, (connect_timeout.count() + 999) / 1000);
  const bool is_uri =
      absl::StartsWith(url, "postgresql://") || absl::StartsWith(url, "postgres://");
  if (is_uri) {
    return absl::StrCat(url, absl::StrContains(url, "?") ? "&" : "?", "connect_timeout=", seconds);
  }
  return absl::StrCat(url, url.empty() ? "" : " ", "connect_timeout=", seconds);
}

PgLease::PgLease(PgPool* pool, std::unique_ptr<pqxx::connection> conn)
    : pool_(pool), conn_(std::move(conn)) {}

PgLease::PgLease(PgLease&& other) noexcept
    : pool_(other.pool_), conn_(std::move(other.conn_)), broken_(other.broken_) {
  other.pool_ = nullptr;
}

PgLease::~PgLease() {
  if (pool_ != nullptr && conn_ != nullptr) pool_->Release(std::move(conn_), broken_);
}

PgPool::PgPool(PgPoolOptions options)
    : options_(std::move(options)),
      conninfo_(PgConnectionString(options_.url, options_.connect_timeout)) {}

PgPool::~PgPool() {
  std::vector<std::unique_ptr<pqxx::connection>> closing;
  {
    std::lock_guard<std::mutex> lock(mu_);
    closing.swap(idle_);
    open_ -= closing.size();
  }
}

absl::StatusOr<std::unique_ptr<pqxx::connection>> PgPool::Open() {
  try {
    auto conn = std::make_unique<pqxx::connection>(conninfo_);
    {
      pqxx::nontransaction setup(*conn);
      setup.exec(absl::StrCat(
          "SET statement_timeout = ", options_.statement_timeout.count(),
          "; SET idle_in_transaction_session_timeout = ", kIdleInTransactionTimeout.count()));
      setup.commit();
    }
    // libpqxx 6 sends each PREPARE lazily, on the statement's first use on this connection.
    for (const PreparedStatement& statement : options_.statements) {
      conn->prepare(statement.name, statement.sql);
    }
    bool recovered = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      recovered = std::exchange(open_failing_, false);
    }
    if (recovered) LOG_INFO("database connection opened again after failures");
    return conn;
  } catch (const std::exception& e) {
    bool first_failure = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      first_failure = !std::exchange(open_failing_, true);
    }
    if (first_failure) {
      LOG_WARN("cannot open a database connection", {{"error", std::string(FirstLine(e.what()))}});
    }
    absl::Status status = StatusFromPgException(e);
    if (status.code() == absl::StatusCode::kInternal) {
      return absl::UnavailableError("database unavailable");
    }
    return status;
  }
}

absl::StatusOr<PgLease> PgPool::Acquire(Clock::time_point deadline) {
  return AcquireImpl(deadline, /*fresh=*/false);
}

absl::StatusOr<PgLease> PgPool::AcquireImpl(Clock::time_point deadline, bool fresh) {
  std::vector<std::unique_ptr<pqxx::connection>> closing;  // closed outside the lock
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    if (Clock::now() >= deadline) {
      lock.unlock();
      return absl::DeadlineExceededError(absl::StrCat(
          "no database connection became free before the deadline (pool of ", options_.size, ")"));
    }
    while (!fresh && !idle_.empty()) {
      std::unique_ptr<pqxx::connection> conn = std::move(idle_.back());
      idle_.pop_back();
      if (LooksAlive(*conn)) {
        lock.unlock();
        return PgLease(this, std::move(conn));
      }
      --open_;
      closing.push_back(std::move(conn));
    }
    if (fresh && open_ >= options_.size && !idle_.empty()) {
      // Make room for the fresh connection: an idle one is the cheapest to give up.
      closing.push_back(std::move(idle_.front()));
      idle_.erase(idle_.begin());
      --open_;
    }
    if (open_ < options_.size) {
      ++open_;
      lock.unlock();
      closing.clear();
      absl::StatusOr<std::unique_ptr<pqxx::connection>> opened = Open();
      if (!opened.ok()) {
        lock.lock();
        --open_;
        lock.unlock();
        cv_.notify_one();
        return opened.status();
      }
      return PgLease(this, std::move(opened).value());
    }
    cv_.wait_until(lock, deadline);
  }
}

void PgPool::Release(std::unique_ptr<pqxx::connection> conn, bool broken) {
  std::unique_ptr<pqxx::connection> closing;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (broken || !conn->is_open()) {
      --open_;
      closing = std::move(conn);
    } else {
      idle_.push_back(std::move(conn));
    }
  }
  cv_.notify_one();
}

absl::Status PgPool::RunStatus(Clock::time_point deadline,
                               const std::function<absl::Status(pqxx::work&)>& fn) {
  absl::Status status;
  for (int attempt = 0; attempt < 2; ++attempt) {
    ASSIGN_OR_RETURN(PgLease lease, AcquireImpl(deadline, /*fresh=*/attempt > 0));
    bool retryable = false;
    status = RunInTransaction(lease, fn, &retryable);
    if (!retryable) return status;
  }
  return status;
}

bool PgPool::Ping(Clock::time_point deadline) {
  return RunStatus(deadline,
                   [](pqxx::work& tx) {
                     tx.exec("SELECT 1");
                     return absl::OkStatus();
                   })
      .ok();
}

std::size_t PgPool::idle_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return idle_.size();
}

std::size_t PgPool::open_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return open_;
}

std::unique_ptr<PgPool> MakeReadPool(const std::string& read_url, const PgPoolOptions& primary) {
  if (read_url.empty()) return nullptr;
  PgPoolOptions options = primary;
  options.url = read_url;
  return std::make_unique<PgPool>(std::move(options));
}

}  // namespace comptoir::common
