#include "scratch_redis.h"

#include <signal.h>

#include "absl/strings/str_cat.h"

namespace comptoir::testing {

absl::StatusOr<std::unique_ptr<ScratchRedis>> ScratchRedis::Create() {
  absl::StatusOr<int> port = FreePort();
  if (!port.ok()) return port.status();
  std::unique_ptr<ScratchRedis> redis(new ScratchRedis(*port));
  absl::Status started = redis->Start();
  if (!started.ok()) return started;
  return redis;
}

std::string ScratchRedis::url() const { return absl::StrCat("redis://127.0.0.1:", port_, "/0"); }

absl::Status ScratchRedis::Start() {
  if (process_ != nullptr && process_->running()) return absl::OkStatus();
  ChildProcessOptions options;
  options.binary = "redis-server";
  options.args = {"--port",       std::to_string(port_),
                  "--bind",       "127.0.0.1",
                  "--save",       "",
                  "--appendonly", "no",
                  "--dir",        "/tmp",
                  "--daemonize",  "no"};
  absl::StatusOr<std::unique_ptr<ChildProcess>> process = ChildProcess::Start(std::move(options));
  if (!process.ok()) return process.status();
  process_ = std::move(process).value();
  absl::Status ready = WaitForTcp(port_, Deadline(std::chrono::seconds(10)));
  if (!ready.ok()) {
    process_->Stop();
    return absl::UnavailableError(
        absl::StrCat("redis-server did not start: ", ready.message(), "\n", process_->Log()));
  }
  return absl::OkStatus();
}

absl::Status ScratchRedis::Stop() {
  if (process_ == nullptr) return absl::OkStatus();
  const int status = process_->Stop();
  process_.reset();
  // redis-server exits 0 on SIGTERM; anything else (a crash) is worth knowing.
  if (status != 0) {
    return absl::InternalError(absl::StrCat("redis-server exited with status ", status));
  }
  return absl::OkStatus();
}

void ScratchRedis::Pause() {
  if (process_ != nullptr) process_->Signal(SIGSTOP);
}

void ScratchRedis::Resume() {
  if (process_ != nullptr) process_->Signal(SIGCONT);
}

}  // namespace comptoir::testing
