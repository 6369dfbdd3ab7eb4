// A fixed set of threads with a bounded queue, where gRPC handlers hand off the work that
// blocks (Postgres, Redis) so gRPC's own threads never wait on I/O.
//
//   WorkerPool pool(8, 1024);
//   if (!pool.TrySubmit([] { ... })) { /* answer RESOURCE_EXHAUSTED */ }
//
// Thread-safe. The destructor runs what is queued, then joins.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace comptoir::common {

class WorkerPool {
 public:
  WorkerPool(std::size_t threads, std::size_t max_queue);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Queues `task`; false when the queue is full or the pool is stopping (shed load).
  bool TrySubmit(std::function<void()> task);
  // Stops taking tasks, runs the queued ones and joins the threads. Idempotent.
  void Shutdown();

  std::size_t queued() const;
  std::size_t threads() const { return threads_.size(); }

 private:
  void Loop();

  const std::size_t max_queue_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;  // guarded by mu_
  bool stopping_ = false;                    // guarded by mu_
  std::vector<std::thread> threads_;
};

}  // namespace comptoir::common
