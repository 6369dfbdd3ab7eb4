// The servers integration tests run against, as ./scripts/test exports them.
//
//   ASSERT_OK_AND_ASSIGN(std::string pg_url, TestPgUrl());
//
// A missing variable is an error, not a skip: under ./scripts/test it is always set, so
// its absence means a broken test set-up that must not pass silently. To run a test binary
// by hand, export the variables as scripts/test does:
//   COMPTOIR_TEST_PG_URL     superuser URL of a throwaway cluster,
//                            e.g. postgresql://postgres@127.0.0.1:55432/postgres
//   COMPTOIR_TEST_REDIS_URL  redis://127.0.0.1:PORT/0 of a throwaway Redis
//   COMPTOIR_TEST_PG_CTL     shell command that takes stop, start or restart as its last
//                            argument and acts on that cluster (pg_ctl ... -w)
// Thread-safe.
#pragma once

#include <chrono>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace comptoir::testing {

absl::StatusOr<std::string> TestPgUrl();
absl::StatusOr<std::string> TestRedisUrl();
absl::StatusOr<std::string> TestPgCtl();

// Runs COMPTOIR_TEST_PG_CTL with `action` ("stop", "start" or "restart"), bounded by
// `timeout`. Only *_serial_test.cc files may call it: it stops the shared cluster.
absl::Status RunPgCtl(const std::string& action,
                      std::chrono::milliseconds timeout = std::chrono::seconds(60));

}  // namespace comptoir::testing
