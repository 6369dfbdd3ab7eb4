#include "process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

extern char** environ;

namespace comptoir::testing {
namespace {

using Clock = std::chrono::steady_clock;

std::string ErrnoText(const char* what) { return absl::StrCat(what, ": ", std::strerror(errno)); }

absl::StatusOr<std::string> ResolveBinary(const std::string& binary) {
  if (binary.find('/') != std::string::npos) {
    if (::access(binary.c_str(), X_OK) != 0) {
      return absl::NotFoundError(absl::StrCat(binary, " is not an executable file"));
    }
    return binary;
  }
  const char* path = std::getenv("PATH");
  for (absl::string_view dir :
       absl::StrSplit(path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin", ':')) {
    std::string candidate = absl::StrCat(dir.empty() ? "." : dir, "/", binary);
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return absl::NotFoundError(absl::StrCat(binary, " not found in PATH"));
}

absl::StatusOr<std::string> TempLogPath() {
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern = absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/comptoir-child-XXXXXX");
  int fd = ::mkstemp(pattern.data());
  if (fd < 0) return absl::InternalError(ErrnoText("mkstemp"));
  ::close(fd);
  return pattern;
}

int DecodeWaitStatus(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

}  // namespace

absl::StatusOr<int> FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return absl::InternalError(ErrnoText("socket"));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    std::string error = ErrnoText("bind");
    ::close(fd);
    return absl::InternalError(error);
  }
  ::close(fd);
  return static_cast<int>(ntohs(addr.sin_port));
}

absl::Status WaitForTcp(int port, Clock::time_point deadline) {
  while (true) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return absl::InternalError(ErrnoText("socket"));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(port));
    const int rc = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    ::close(fd);
    if (rc == 0) return absl::OkStatus();
    if (Clock::now() >= deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat("nothing accepted connections on 127.0.0.1:", port, " before the deadline"));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

absl::StatusOr<std::unique_ptr<ChildProcess>> ChildProcess::Start(ChildProcessOptions options) {
  absl::StatusOr<std::string> binary = ResolveBinary(options.binary);
  if (!binary.ok()) return binary.status();
  std::string log_path = options.log_path;
  if (log_path.empty()) {
    absl::StatusOr<std::string> temp = TempLogPath();
    if (!temp.ok()) return temp.status();
    log_path = *temp;
  }
  const int log_fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (log_fd < 0) return absl::InternalError(ErrnoText(log_path.c_str()));

  // Everything the child needs is built before fork: after it, only async-signal-safe calls.
  std::map<std::string, std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string_view entry(*e);
    std::size_t eq = entry.find('=');
    if (eq != std::string_view::npos) {
      env.emplace(std::string(entry.substr(0, eq)), std::string(entry.substr(eq + 1)));
    }
  }
  for (const auto& [key, value] : options.env) env[key] = value;
  std::vector<std::string> env_strings;
  for (const auto& [key, value] : env) env_strings.push_back(absl::StrCat(key, "=", value));
  std::vector<char*> envp;
  for (std::string& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> arg_strings = {*binary};
  arg_strings.insert(arg_strings.end(), options.args.begin(), options.args.end());
  std::vector<char*> argv;
  for (std::string& s : arg_strings) argv.push_back(s.data());
  argv.push_back(nullptr);
  const pid_t parent = ::getpid();

  const pid_t pid = ::fork();
  if (pid < 0) {
    std::string error = ErrnoText("fork");
    ::close(log_fd);
    return absl::InternalError(error);
  }
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);  // the parent died before prctl
    ::setpgid(0, 0);  // a Ctrl-C on the test run reaches the test, which stops its children
    const int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, STDIN_FILENO);
    ::dup2(log_fd, STDOUT_FILENO);
    ::dup2(log_fd, STDERR_FILENO);
    // Reset what the test process may have changed and an exec would keep.
    ::signal(SIGPIPE, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::execve(argv[0], argv.data(), envp.data());
    ::_exit(127);
  }
  ::close(log_fd);
  return std::unique_ptr<ChildProcess>(
      new ChildProcess(pid, std::move(log_path), options.log_path.empty()));
}

ChildProcess::~ChildProcess() {
  Stop();
  if (owns_log_) std::remove(log_path_.c_str());
}

bool ChildProcess::Reap(bool block) {
  if (exited_) return true;
  int status = 0;
  pid_t r;
  do {
    r = ::waitpid(pid_, &status, block ? 0 : WNOHANG);
  } while (r < 0 && errno == EINTR);
  if (r == pid_) {
    exited_ = true;
    exit_status_ = DecodeWaitStatus(status);
  } else if (r < 0) {
    exited_ = true;  // not our child any more (ECHILD): nothing left to wait for
  }
  return exited_;
}

bool ChildProcess::running() { return !Reap(false); }

void ChildProcess::Signal(int signal) {
  if (!Reap(false)) ::kill(pid_, signal);
}

absl::StatusOr<int> ChildProcess::Wait(std::chrono::milliseconds timeout) {
  const Clock::time_point deadline = Clock::now() + timeout;
  while (!Reap(false)) {
    if (Clock::now() >= deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat("process ", pid_, " still running after ", timeout.count(), "ms"));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return exit_status_;
}

int ChildProcess::Stop(std::chrono::milliseconds grace) {
  if (Reap(false)) return exit_status_;
  ::kill(pid_, SIGCONT);  // a paused child could not handle SIGTERM
  ::kill(pid_, SIGTERM);
  if (Wait(grace).ok()) return exit_status_;
  ::kill(pid_, SIGKILL);
  Reap(true);
  return exit_status_;
}

std::string ChildProcess::Log() const {
  std::ifstream in(log_path_, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

absl::Status RunShell(const std::string& command, std::chrono::milliseconds timeout) {
  ChildProcessOptions options;
  options.binary = "/bin/sh";
  options.args = {"-c", command};
  absl::StatusOr<std::unique_ptr<ChildProcess>> child = ChildProcess::Start(std::move(options));
  if (!child.ok()) return child.status();
  absl::StatusOr<int> code = (*child)->Wait(timeout);
  if (!code.ok()) {
    (*child)->Stop();
    return absl::DeadlineExceededError(absl::StrCat("`", command, "` did not finish within ",
                                                    timeout.count(), "ms: ", (*child)->Log()));
  }
  std::string output = (*child)->Log();
  if (*code != 0) {
    return absl::InternalError(
        absl::StrCat("`", command, "` exited with status ", *code, ": ", output));
  }
  return absl::OkStatus();
}

}  // namespace comptoir::testing
