// A private redis-server for one test, on a free port, without persistence.
//
//   ASSERT_OK_AND_ASSIGN(auto redis, ScratchRedis::Create());
//   RedisPool pool({.url = redis->url()});
//   ASSERT_OK(redis->Stop());   // outage: connections refused
//   ASSERT_OK(redis->Start());  // back, same port, empty
//
// Tests that stop Redis use their own, so they need not run serially. Not thread-safe.
#pragma once

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "process.h"

namespace comptoir::testing {

class ScratchRedis {
 public:
  // Starts redis-server (from PATH) and waits until it accepts connections.
  static absl::StatusOr<std::unique_ptr<ScratchRedis>> Create();
  ~ScratchRedis() = default;  // the ChildProcess stops the server

  int port() const { return port_; }
  std::string url() const;  // redis://127.0.0.1:<port>/0

  absl::Status Stop();   // SIGTERM and wait; clients see connections refused
  absl::Status Start();  // again on the same port
  // SIGSTOP / SIGCONT: the server keeps its connections but answers nothing (a hang).
  void Pause();
  void Resume();

 private:
  explicit ScratchRedis(int port) : port_(port) {}

  int port_;
  std::unique_ptr<ChildProcess> process_;
};

}  // namespace comptoir::testing
