// The thread behind a service's background workers (outbox relay, event consumer, sync
// tasks): started once, woken early when there is work, stopped and joined on shutdown.
//
//   void Relay::Start() { loop_.Start([this] { Loop(); }); }
//   void Relay::Loop() { do { ...one pass... } while (loop_.Sleep(wait)); }
//
// Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace comptoir::common {

class BackgroundLoop {
 public:
  BackgroundLoop() = default;
  ~BackgroundLoop() { Stop(); }
  BackgroundLoop(const BackgroundLoop&) = delete;
  BackgroundLoop& operator=(const BackgroundLoop&) = delete;

  // Runs `body` on a new thread; does nothing while one already runs.
  void Start(std::function<void()> body) {
    std::lock_guard<std::mutex> lock(mu_);
    if (thread_.joinable()) return;
    stop_ = false;
    thread_ = std::thread(std::move(body));
  }

  // Asks the body to return (Sleep answers false) and joins it. Idempotent.
  void Stop() {
    std::thread thread;
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
      thread = std::move(thread_);
    }
    cv_.notify_all();
    if (thread.joinable()) thread.join();
  }

  // Ends the current Sleep early (new work arrived).
  void Wake() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      wake_ = true;
    }
    cv_.notify_all();
  }

  // Waits up to `wait` (not at all when zero) unless woken; false once Stop was called.
  bool Sleep(std::chrono::milliseconds wait) {
    std::unique_lock<std::mutex> lock(mu_);
    if (wait.count() > 0) cv_.wait_for(lock, wait, [this] { return stop_ || wake_; });
    wake_ = false;
    return !stop_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;  // guarded by mu_
  bool wake_ = false;  // guarded by mu_
  std::thread thread_;
};

}  // namespace comptoir::common
