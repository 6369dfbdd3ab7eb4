// SingleFlight: concurrent loads of one key run once and share the result; different keys
// and later calls load again.
#include "comptoir/common/single_flight.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace comptoir::common {
namespace {

TEST(SingleFlightTest, ConcurrentCallersOfOneKeyShareOneLoad) {
  SingleFlight<int> flight;
  std::atomic<int> loads{0};
  std::mutex mu;
  std::condition_variable cv;
  bool release = false;
  std::atomic<int> shared_count{0};
  const auto load = [&] {
    ++loads;
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return release; });
    return 42;
  };
  std::vector<std::thread> callers;
  std::vector<int> results(8, 0);
  for (int i = 0; i < 8; ++i) {
    callers.emplace_back([&, i] {
      bool shared = false;
      results[i] = flight.Do("k", load, &shared);
      if (shared) ++shared_count;
    });
  }
  // Every caller is either the loader or waiting on it before the load may finish.
  while (flight.InFlight() == 0) std::this_thread::yield();
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  {
    std::lock_guard<std::mutex> lock(mu);
    release = true;
  }
  cv.notify_all();
  for (std::thread& t : callers) t.join();
  for (int r : results) EXPECT_EQ(r, 42);
  EXPECT_EQ(loads.load() + shared_count.load(), 8);
  EXPECT_LT(loads.load(), 8);
  EXPECT_EQ(flight.InFlight(), 0u);
}

TEST(SingleFlightTest, NothingIsRememberedAfterALoadEnds) {
  SingleFlight<int> flight;
  int loads = 0;
  EXPECT_EQ(flight.Do("k", [&] { return ++loads; }), 1);
  EXPECT_EQ(flight.Do("k", [&] { return ++loads; }), 2);
  EXPECT_EQ(flight.Do("other", [&] { return ++loads; }), 3);
}

}  // namespace
}  // namespace comptoir::common
