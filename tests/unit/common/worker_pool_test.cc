#include "comptoir/common/worker_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>

namespace comptoir::common {
namespace {

TEST(WorkerPool, RunsEverySubmittedTask) {
  std::atomic<int> done{0};
  {
    WorkerPool pool(3, 100);
    for (int i = 0; i < 50; ++i) ASSERT_TRUE(pool.TrySubmit([&] { done++; }));
  }  // the destructor drains the queue
  EXPECT_EQ(done.load(), 50);
}

TEST(WorkerPool, ShedsWorkWhenTheQueueIsFull) {
  WorkerPool pool(1, 2);
  std::promise<void> release;
  std::shared_future<void> gate = release.get_future().share();
  std::promise<void> started;
  ASSERT_TRUE(pool.TrySubmit([&] {
    started.set_value();
    gate.wait();
  }));
  started.get_future().wait();  // the only worker is now busy
  EXPECT_TRUE(pool.TrySubmit([] {}));
  EXPECT_TRUE(pool.TrySubmit([] {}));
  EXPECT_FALSE(pool.TrySubmit([] {}));  // queue of 2 is full
  EXPECT_EQ(pool.queued(), 2u);
  release.set_value();
  pool.Shutdown();
  EXPECT_EQ(pool.queued(), 0u);
}

TEST(WorkerPool, RefusesWorkAfterShutdown) {
  WorkerPool pool(2, 10);
  pool.Shutdown();
  EXPECT_FALSE(pool.TrySubmit([] {}));
  pool.Shutdown();  // idempotent
}

}  // namespace
}  // namespace comptoir::common
