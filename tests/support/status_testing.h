// GoogleTest helpers for absl::Status / absl::StatusOr.
//
//   ASSERT_OK_AND_ASSIGN(auto db, ScratchDatabase::Create());
//   EXPECT_OK(pool.RunStatus(deadline, fn));
//   EXPECT_THAT(status, StatusIs(absl::StatusCode::kAlreadyExists));
//
// Header-only; thread-safe as GoogleTest assertions are.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "comptoir/common/status.h"

namespace comptoir::testing {

inline const absl::Status& GetStatus(const absl::Status& status) { return status; }
template <typename T>
const absl::Status& GetStatus(const absl::StatusOr<T>& status_or) {
  return status_or.status();
}

// Matches a Status or StatusOr whose code is `code`.
MATCHER_P(StatusIs, code, "has status code " + std::string(absl::StatusCodeToString(code))) {
  const absl::Status& status = ::comptoir::testing::GetStatus(arg);
  *result_listener << "whose status is " << status;
  return status.code() == code;
}

MATCHER(IsOk, "is OK") {
  const absl::Status& status = ::comptoir::testing::GetStatus(arg);
  if (!status.ok()) *result_listener << "whose status is " << status;
  return status.ok();
}

// Matches an InvalidArgument status that names `field` among its field violations.
MATCHER_P(HasFieldViolation, field, "names the field " + std::string(field)) {
  const absl::Status& status = ::comptoir::testing::GetStatus(arg);
  *result_listener << "whose status is " << status;
  for (const ::comptoir::common::FieldViolation& v :
       ::comptoir::common::FieldViolationsOf(status)) {
    if (v.field == field) return true;
  }
  return false;
}

}  // namespace comptoir::testing

#define COMPTOIR_TESTING_CONCAT_INNER_(a, b) a##b
#define COMPTOIR_TESTING_CONCAT_(a, b) COMPTOIR_TESTING_CONCAT_INNER_(a, b)

// Each evaluates `expr` once; the dangling-else shape keeps `<< "context"` working.
#ifndef ASSERT_OK
#define ASSERT_OK(expr)                                                                \
  if (const ::absl::Status comptoir_assert_ok_ = ::comptoir::testing::GetStatus(expr); \
      comptoir_assert_ok_.ok()) {                                                      \
  } else                                                                               \
    FAIL() << comptoir_assert_ok_
#endif
#ifndef EXPECT_OK
#define EXPECT_OK(expr)                                                                \
  if (const ::absl::Status comptoir_expect_ok_ = ::comptoir::testing::GetStatus(expr); \
      comptoir_expect_ok_.ok()) {                                                      \
  } else                                                                               \
    ADD_FAILURE() << comptoir_expect_ok_
#endif
#ifndef ASSERT_OK_AND_ASSIGN
// Declares `lhs` from an OK StatusOr, or fails the test (fatally) with the status.
#define ASSERT_OK_AND_ASSIGN(lhs, expr)                                                            \
  COMPTOIR_ASSERT_OK_AND_ASSIGN_IMPL_(COMPTOIR_TESTING_CONCAT_(comptoir_statusor_, __LINE__), lhs, \
                                      expr)
#define COMPTOIR_ASSERT_OK_AND_ASSIGN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                        \
  ASSERT_TRUE(tmp.ok()) << tmp.status();                    \
  lhs = std::move(tmp).value()
#endif
