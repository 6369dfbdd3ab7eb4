// A small pool of Redis connections (hiredis 0.14) with connect and command timeouts.
//
//   RedisPool redis({.url = "redis://127.0.0.1:6379/0"});
//   absl::StatusOr<RedisReply> r = redis.Command({"GET", key});
//
// When Redis does not answer, calls fail fast with Unavailable, and for `retry_after`
// no new connection is attempted (calls fail at once), so a Redis outage costs callers
// microseconds, not a timeout each. Caches use that to fail open. Thread-safe.
// hiredis writes with write(2): the first pool constructed ignores SIGPIPE process-wide,
// unless the program installed its own handler.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

struct redisContext;

namespace comptoir::common {

struct RedisReply {
  enum class Type { kNil, kString, kInteger, kArray, kStatus };
  Type type = Type::kNil;
  std::string str;                   // kString and kStatus
  int64_t integer = 0;               // kInteger
  std::vector<RedisReply> elements;  // kArray
  bool is_nil() const { return type == Type::kNil; }
};

struct RedisPoolOptions {
  std::string url = "redis://127.0.0.1:6379/0";  // redis://[:password@]host:port[/db]
  std::size_t size = 4;
  std::chrono::milliseconds connect_timeout{200};
  std::chrono::milliseconds command_timeout{250};
  std::chrono::milliseconds retry_after{1000};  // back-off after a connection failure
};

// Where and how to connect, from a redis:// URL.
struct RedisEndpoint {
  std::string host;
  int port = 6379;
  std::string user;      // Redis 6 ACL user; empty means the default user
  std::string password;  // empty means no AUTH
  int db = 0;
};

// Parses redis://[[user]:password@]host[:port][/db] (user and password percent-decoded).
// InvalidArgument names what is wrong, never the password.
absl::StatusOr<RedisEndpoint> ParseRedisUrl(const std::string& url);

class RedisPool {
 public:
  explicit RedisPool(RedisPoolOptions options);
  ~RedisPool();
  RedisPool(const RedisPool&) = delete;
  RedisPool& operator=(const RedisPool&) = delete;

  // Sends one command (arguments binary-safe). A Redis error reply is Internal with its text;
  // a transport failure is Unavailable.
  absl::StatusOr<RedisReply> Command(const std::vector<std::string>& args);
  // Sends several commands in one round trip and returns their replies in order. An error
  // reply to any of them makes the whole call Internal (naming the command's index).
  absl::StatusOr<std::vector<RedisReply>> Pipeline(
      const std::vector<std::vector<std::string>>& commands);
  bool Ping();

 private:
  struct Conn;
  absl::StatusOr<std::unique_ptr<Conn>> Take();
  // Returns a healthy connection to the pool, or closes a broken one.
  void Give(std::unique_ptr<Conn> conn);
  // Closes a connection that failed and starts the back-off window.
  void Fail(std::unique_ptr<Conn> conn);
  absl::StatusOr<std::unique_ptr<Conn>> Connect();

  const RedisPoolOptions options_;
  const absl::StatusOr<RedisEndpoint> endpoint_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Conn>> idle_;             // guarded by mu_
  std::size_t open_ = 0;                                // guarded by mu_
  std::chrono::steady_clock::time_point down_until_{};  // guarded by mu_
  bool logged_down_ = false;                            // guarded by mu_
};

}  // namespace comptoir::common
