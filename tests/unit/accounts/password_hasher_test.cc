// The real Argon2id hasher: hashes verify, differ by salt, and the concurrency bound refuses
// work that cannot start before its deadline.
#include "password_hasher.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "absl/strings/match.h"

namespace comptoir::accounts {
namespace {

TEST(Argon2idHasherTest, HashIsSaltedArgon2idAndVerifies) {
  // Small memory keeps the unit test fast; production uses the defaults (19 MiB, t=2).
  Argon2idHasher hasher({.opslimit = 1, .memlimit = 8192 * 8, .max_concurrent = 1});
  auto deadline = common::DeadlineIn(std::chrono::seconds(10));
  absl::StatusOr<std::string> a = hasher.Hash("Correct-Horse-42", deadline);
  absl::StatusOr<std::string> b = hasher.Hash("Correct-Horse-42", deadline);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_TRUE(absl::StartsWith(*a, "$argon2id$"));
  EXPECT_NE(*a, *b);
  EXPECT_TRUE(hasher.Verify(*a, "Correct-Horse-42", deadline).value());
  EXPECT_FALSE(hasher.Verify(*a, "correct-horse-42", deadline).value());
  EXPECT_FALSE(hasher.Verify("", "anything", deadline).value());
  EXPECT_FALSE(hasher.Verify("garbage", "anything", deadline).value());
}

TEST(Argon2idHasherTest, DefaultsAreOwaspParameters) {
  Argon2idOptions options;
  EXPECT_EQ(options.opslimit, 2u);
  EXPECT_EQ(options.memlimit, 19u * 1024 * 1024);
}

TEST(Argon2idHasherTest, RefusesWhenNoSlotFreesBeforeTheDeadline) {
  // One slot, held by a slow hash (64 MiB, t=4): a call with a 1 ms budget is refused, not queued.
  Argon2idHasher hasher({.opslimit = 4, .memlimit = std::size_t{64} << 20, .max_concurrent = 1});
  std::atomic<bool> slow_done{false};
  std::thread slow([&] {
    (void)hasher.Hash("Correct-Horse-42", common::DeadlineIn(std::chrono::seconds(30)));
    slow_done = true;
  });
  // Wait (without sleeping) until the slow hash holds the slot, then ask with a 1 ms budget.
  while (hasher.in_flight() == 0 && !slow_done) std::this_thread::yield();
  absl::StatusOr<std::string> r =
      hasher.Hash("x", common::DeadlineIn(std::chrono::milliseconds(1)));
  const bool refused = r.status().code() == absl::StatusCode::kResourceExhausted;
  slow.join();
  EXPECT_TRUE(refused);
}

}  // namespace
}  // namespace comptoir::accounts
