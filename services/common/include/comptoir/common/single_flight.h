// Collapses concurrent loads of the same key into one: the first caller for a key runs the
// loader, callers arriving while it runs wait and share its result. Used by caches so that a
// stampede on a cold or just-invalidated key costs the database one query per process.
//
//   SingleFlight<absl::StatusOr<Product>> flight;
//   absl::StatusOr<Product> p = flight.Do(key, [&] { return repository.FindById(id, deadline); });
//
// Nothing is remembered once a load finishes (this is not a cache). Thread-safe.
#pragma once

#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace comptoir::common {

template <typename T>
class SingleFlight {
 public:
  // Runs `load` unless a load of `key` is in flight, in which case waits for it and returns a
  // copy of its result. `shared`, when given, tells whether the result came from another
  // caller's load.
  T Do(const std::string& key, const std::function<T()>& load, bool* shared = nullptr) {
    std::shared_ptr<Call> call;
    bool leader = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto [it, inserted] = calls_.try_emplace(key);
      if (inserted) it->second = std::make_shared<Call>();
      call = it->second;
      leader = inserted;
    }
    if (shared != nullptr) *shared = !leader;
    if (!leader) {
      std::unique_lock<std::mutex> lock(call->mu);
      call->done.wait(lock, [&] { return call->result.has_value(); });
      return *call->result;
    }
    T result = load();
    {
      std::lock_guard<std::mutex> lock(mu_);
      calls_.erase(key);
    }
    {
      std::lock_guard<std::mutex> lock(call->mu);
      call->result = result;
    }
    call->done.notify_all();
    return result;
  }

  // Loads in flight (for tests and metrics).
  std::size_t InFlight() const {
    std::lock_guard<std::mutex> lock(mu_);
    return calls_.size();
  }

 private:
  struct Call {
    std::mutex mu;
    std::condition_variable done;
    std::optional<T> result;  // guarded by mu
  };

  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<Call>> calls_;  // guarded by mu_
};

}  // namespace comptoir::common
