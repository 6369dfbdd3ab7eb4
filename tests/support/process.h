// Child processes and local ports for integration and end-to-end tests.
//
//   ASSERT_OK_AND_ASSIGN(int port, FreePort());
//   ChildProcessOptions options;
//   options.binary = COMPTOIR_BINARY_DIR "/bin/comptoir-shops";
//   options.env = {{"GRPC_LISTEN", absl::StrCat("127.0.0.1:", port)}};
//   ASSERT_OK_AND_ASSIGN(auto shops, ChildProcess::Start(options));
//   ASSERT_OK(WaitForTcp(port, Deadline(5s)));
//
// A child is killed if the thread that started it dies (PR_SET_PDEATHSIG), so a crashed
// test leaves no server behind: start children from the test's main thread. A ChildProcess
// is not thread-safe; the free functions are.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace comptoir::testing {

inline std::chrono::steady_clock::time_point Deadline(std::chrono::milliseconds from_now) {
  return std::chrono::steady_clock::now() + from_now;
}

// A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0 and released).
absl::StatusOr<int> FreePort();

// OK once 127.0.0.1:`port` accepts a connection; DeadlineExceeded otherwise.
absl::Status WaitForTcp(int port, std::chrono::steady_clock::time_point deadline);

struct ChildProcessOptions {
  std::string binary;                      // absolute path, or a name looked up in PATH
  std::vector<std::string> args;           // without argv[0]
  std::map<std::string, std::string> env;  // added to (or replacing in) this process's env
  // stdout and stderr; default: a temp file, removed when the ChildProcess is destroyed
  std::string log_path;
};

class ChildProcess {
 public:
  static absl::StatusOr<std::unique_ptr<ChildProcess>> Start(ChildProcessOptions options);
  ~ChildProcess();  // Stop()
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  bool running();
  // Sends `signal` (e.g. SIGSTOP to make a server hang) while the child runs.
  void Signal(int signal);
  // Waits for the child to exit by itself: its exit code, or 128 + signal number.
  absl::StatusOr<int> Wait(std::chrono::milliseconds timeout);
  // SIGTERM, then SIGKILL after `grace`; returns the exit status as Wait does.
  int Stop(std::chrono::milliseconds grace = std::chrono::seconds(5));

  const std::string& log_path() const { return log_path_; }
  // What the child wrote so far (stdout and stderr).
  std::string Log() const;

 private:
  ChildProcess(pid_t pid, std::string log_path, bool owns_log)
      : pid_(pid), log_path_(std::move(log_path)), owns_log_(owns_log) {}
  bool Reap(bool block);

  pid_t pid_;
  std::string log_path_;
  bool owns_log_;  // a temp file we created: removed with this object
  bool exited_ = false;
  int exit_status_ = -1;
};

// Runs `command` with /bin/sh -c and waits for it (bounded): OK when it exits 0, otherwise
// Internal with its exit status and output.
absl::Status RunShell(const std::string& command, std::chrono::milliseconds timeout);

}  // namespace comptoir::testing
