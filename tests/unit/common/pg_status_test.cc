// StatusFromPgException and PgConnectionString: no server needed, exceptions are built
// the way libpqxx 6 builds them.
#include <gtest/gtest.h>

#include <pqxx/pqxx>

#include "comptoir/common/pg_pool.h"

namespace comptoir::common {
namespace {

constexpr char kQuery[] = "INSERT INTO shops.shops (id, slug) VALUES ($1, $2)";

absl::StatusCode CodeOf(const std::exception& e) { return StatusFromPgException(e).code(); }

TEST(StatusFromPgException, UniqueViolationIsAlreadyExists) {
  EXPECT_EQ(CodeOf(pqxx::unique_violation("ERROR: duplicate key", kQuery, "23505")),
            absl::StatusCode::kAlreadyExists);
}

TEST(StatusFromPgException, ConstraintViolationsAreFailedPrecondition) {
  EXPECT_EQ(CodeOf(pqxx::foreign_key_violation("fk", kQuery, "23503")),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(CodeOf(pqxx::check_violation("check", kQuery, "23514")),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(CodeOf(pqxx::not_null_violation("null", kQuery, "23502")),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(CodeOf(pqxx::integrity_constraint_violation("excl", kQuery, "23P01")),
            absl::StatusCode::kFailedPrecondition);
}

TEST(StatusFromPgException, ConflictsAreAbortedSoCallersRetry) {
  EXPECT_EQ(CodeOf(pqxx::serialization_failure("could not serialize")), absl::StatusCode::kAborted);
  EXPECT_EQ(CodeOf(pqxx::deadlock_detected("deadlock")), absl::StatusCode::kAborted);
  EXPECT_EQ(CodeOf(pqxx::transaction_rollback("rollback")), absl::StatusCode::kAborted);
  EXPECT_EQ(CodeOf(pqxx::sql_error("lock", kQuery, "55P03")), absl::StatusCode::kAborted);
}

TEST(StatusFromPgException, LostConnectionIsUnavailable) {
  EXPECT_EQ(CodeOf(pqxx::broken_connection("server closed the connection")),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(CodeOf(pqxx::too_many_connections("too many")), absl::StatusCode::kUnavailable);
  EXPECT_EQ(CodeOf(pqxx::sql_error("terminating connection", "", "57P01")),
            absl::StatusCode::kUnavailable);
}

TEST(StatusFromPgException, CommitInDoubtIsNotReportedAsRetryable) {
  absl::Status status = StatusFromPgException(pqxx::in_doubt_error("lost during commit"));
  EXPECT_NE(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(status.code(), absl::StatusCode::kAborted);
}

TEST(StatusFromPgException, StatementTimeoutIsDeadlineExceeded) {
  EXPECT_EQ(
      CodeOf(pqxx::sql_error("canceling statement due to statement timeout", kQuery, "57014")),
      absl::StatusCode::kDeadlineExceeded);
}

TEST(StatusFromPgException, BadValueIsInvalidArgument) {
  EXPECT_EQ(CodeOf(pqxx::data_exception("invalid input syntax for type uuid", kQuery, "22P02")),
            absl::StatusCode::kInvalidArgument);
}

TEST(StatusFromPgException, AnythingElseIsInternal) {
  EXPECT_EQ(CodeOf(pqxx::undefined_table("relation does not exist", kQuery, "42P01")),
            absl::StatusCode::kInternal);
  EXPECT_EQ(CodeOf(pqxx::conversion_error("bad int")), absl::StatusCode::kInternal);
  EXPECT_EQ(CodeOf(std::runtime_error("boom")), absl::StatusCode::kInternal);
}

TEST(StatusFromPgException, MessagesNeverCarrySqlOrServerText) {
  const pqxx::sql_error errors[] = {
      pqxx::unique_violation(
          "ERROR: duplicate key value violates unique constraint \"shops_slug\"\n"
          "DETAIL: Key (slug)=(secret-slug) already exists.",
          kQuery, "23505"),
      pqxx::undefined_table("ERROR: relation \"shops.shops\" does not exist", kQuery, "42P01"),
      pqxx::sql_error("ERROR: canceling statement", kQuery, "57014"),
  };
  for (const pqxx::sql_error& e : errors) {
    const std::string message(StatusFromPgException(e).message());
    EXPECT_EQ(message.find("INSERT"), std::string::npos) << message;
    EXPECT_EQ(message.find("shops"), std::string::npos) << message;
    EXPECT_EQ(message.find("secret-slug"), std::string::npos) << message;
    EXPECT_FALSE(message.empty());
  }
}

TEST(PgConnectionString, AddsConnectTimeoutToUrisAndKeywordStrings) {
  using std::chrono::milliseconds;
  EXPECT_EQ(PgConnectionString("postgresql://u@h:5432/db", milliseconds(3000)),
            "postgresql://u@h:5432/db?connect_timeout=3");
  EXPECT_EQ(PgConnectionString("postgresql://u@h/db?sslmode=disable", milliseconds(2500)),
            "postgresql://u@h/db?sslmode=disable&connect_timeout=3");
  EXPECT_EQ(PgConnectionString("host=h dbname=db", milliseconds(10000)),
            "host=h dbname=db connect_timeout=10");
}

TEST(PgConnectionString, KeepsLibpqFloorOfTwoSecondsAndAnExplicitValue) {
  using std::chrono::milliseconds;
  EXPECT_EQ(PgConnectionString("postgresql://h/db", milliseconds(200)),
            "postgresql://h/db?connect_timeout=2");
  EXPECT_EQ(PgConnectionString("postgresql://h/db?connect_timeout=9", milliseconds(200)),
            "postgresql://h/db?connect_timeout=9");
}

}  // namespace
}  // namespace comptoir::common
