// RedisPool: blocking hiredis connections with timeouts, a back-off window after a failure,
// and conversion of hiredis replies to RedisReply values.
#include "comptoir/common/redis_pool.h"

#include <hiredis/hiredis.h>
#include <poll.h>
#include <signal.h>
#include <sys/time.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <mutex>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "comptoir/common/log.h"
#include "comptoir/common/status.h"

namespace comptoir::common {
namespace {

using Clock = std::chrono::steady_clock;

struct ReplyDeleter {
  void operator()(redisReply* reply) const { freeReplyObject(reply); }
};
using ReplyPtr = std::unique_ptr<redisReply, ReplyDeleter>;

timeval ToTimeval(std::chrono::milliseconds duration) {
  const int64_t ms = std::max<int64_t>(1, duration.count());
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(ms / 1000);
  tv.tv_usec = static_cast<suseconds_t>((ms % 1000) * 1000);
  return tv;
}

// hiredis writes with write(2): a peer that closed the socket would raise SIGPIPE and kill
// the process. Ignored once, and only when nobody installed a handler of their own.
void IgnoreSigpipeOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction current {};
    if (sigaction(SIGPIPE, nullptr, &current) == 0 && current.sa_handler == SIG_DFL) {
      signal(SIGPIPE, SIG_IGN);
    }
  });
}

bool PercentDecode(absl::string_view in, std::string* out) {
  out->clear();
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out->push_back(in[i]);
      continue;
    }
    if (i + 2 >= in.size() || !absl::ascii_isxdigit(in[i + 1]) ||
        !absl::ascii_isxdigit(in[i + 2])) {
      return false;
    }
    auto hex = [](char c) {
      return absl::ascii_isdigit(c) ? c - '0' : absl::ascii_tolower(c) - 'a' + 10;
    };
    out->push_back(static_cast<char>(hex(in[i + 1]) * 16 + hex(in[i + 2])));
    i += 2;
  }
  return true;
}

absl::StatusOr<RedisReply> ConvertReply(const redisReply& reply) {
  RedisReply out;
  switch (reply.type) {
    case REDIS_REPLY_NIL:
      out.type = RedisReply::Type::kNil;
      return out;
    case REDIS_REPLY_STRING:
      out.type = RedisReply::Type::kString;
      out.str.assign(reply.str, reply.len);
      return out;
    case REDIS_REPLY_STATUS:
      out.type = RedisReply::Type::kStatus;
      out.str.assign(reply.str, reply.len);
      return out;
    case REDIS_REPLY_INTEGER:
      out.type = RedisReply::Type::kInteger;
      out.integer = reply.integer;
      return out;
    case REDIS_REPLY_ARRAY:
      out.type = RedisReply::Type::kArray;
      out.elements.reserve(reply.elements);
      for (std::size_t i = 0; i < reply.elements; ++i) {
        ASSIGN_OR_RETURN(RedisReply element, ConvertReply(*reply.element[i]));
        out.elements.push_back(std::move(element));
      }
      return out;
    case REDIS_REPLY_ERROR:
      return absl::InternalError(absl::StrCat("redis error: ", std::string(reply.str, reply.len)));
    default:
      return absl::InternalError(absl::StrCat("redis reply of unknown type ", reply.type));
  }
}

// A connection waiting in the pool has nothing to read; readable means Redis closed it.
bool LooksAlive(const redisContext& ctx) {
  if (ctx.err != 0 || ctx.fd < 0) return false;
  pollfd pfd{ctx.fd, POLLIN, 0};
  const int ready = ::poll(&pfd, 1, 0);
  return ready == 0 || (ready < 0 && errno == EINTR);
}

// Runs one command during connection set-up (AUTH, SELECT).
absl::Status SetupCommand(redisContext* ctx, const std::vector<std::string>& args,
                          const std::string& what) {
  std::vector<const char*> argv;
  std::vector<std::size_t> lengths;
  for (const std::string& arg : args) {
    argv.push_back(arg.data());
    lengths.push_back(arg.size());
  }
  ReplyPtr reply(static_cast<redisReply*>(
      redisCommandArgv(ctx, static_cast<int>(argv.size()), argv.data(), lengths.data())));
  if (reply == nullptr) {
    return absl::UnavailableError(
        absl::StrCat("redis unavailable during ", what, ": ", ctx->errstr));
  }
  if (reply->type == REDIS_REPLY_ERROR) {
    return absl::UnavailableError(
        absl::StrCat("redis refused ", what, ": ", std::string(reply->str, reply->len)));
  }
  return absl::OkStatus();
}

}  // namespace

struct RedisPool::Conn {
  redisContext* ctx = nullptr;
  ~Conn() {
    if (ctx != nullptr) redisFree(ctx);
  }
};

absl::StatusOr<RedisEndpoint> ParseRedisUrl(const std::string& url) {
  constexpr absl::string_view kScheme = "redis://";
  if (absl::StartsWith(url, "rediss://")) {
    return absl::InvalidArgumentError("redis URL: rediss:// (TLS) is not supported");
  }
  if (!absl::StartsWith(url, kScheme)) {
    return absl::InvalidArgumentError("redis URL must start with redis://");
  }
  absl::string_view rest = absl::string_view(url).substr(kScheme.size());
  if (rest.find_first_of("?#") != absl::string_view::npos) {
    return absl::InvalidArgumentError("redis URL: query parameters are not supported");
  }
  RedisEndpoint endpoint;
  absl::string_view path;
  if (std::size_t slash = rest.find('/'); slash != absl::string_view::npos) {
    path = rest.substr(slash + 1);
    rest = rest.substr(0, slash);
  }
  if (std::size_t at = rest.rfind('@'); at != absl::string_view::npos) {
    absl::string_view userinfo = rest.substr(0, at);
    rest = rest.substr(at + 1);
    std::size_t colon = userinfo.find(':');
    if (colon == absl::string_view::npos) {
      return absl::InvalidArgumentError(
          "redis URL: credentials must be ':password@' or 'user:password@'");
    }
    if (!PercentDecode(userinfo.substr(0, colon), &endpoint.user) ||
        !PercentDecode(userinfo.substr(colon + 1), &endpoint.password)) {
      return absl::InvalidArgumentError("redis URL: bad percent-encoding in the credentials");
    }
  }
  absl::string_view port_text;
  if (absl::StartsWith(rest, "[")) {  // [::1]:6379
    std::size_t close = rest.find(']');
    if (close == absl::string_view::npos) {
      return absl::InvalidArgumentError("redis URL: unterminated IPv6 address");
    }
    endpoint.host = std::string(rest.substr(1, close - 1));
    absl::string_view after = rest.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') return absl::InvalidArgumentError("redis URL: bad text after host");
      port_text = after.substr(1);
    }
  } else if (std::size_t colon = rest.rfind(':'); colon != absl::string_view::npos) {
    endpoint.host = std::string(rest.substr(0, colon));
    port_text = rest.substr(colon + 1);
  } else {
    endpoint.host = std::string(rest);
  }
  if (endpoint.host.empty()) return absl::InvalidArgumentError("redis URL: host is missing");
  if (!port_text.empty()) {
    int port = 0;
    if (!absl::SimpleAtoi(port_text, &port) || port < 1 || port > 65535) {
      return absl::InvalidArgumentError(
          absl::StrCat("redis URL: port must be 1-65535, got '", port_text, "'"));
    }
    endpoint.port = port;
  }
  if (!path.empty()) {
    int db = 0;
    if (!absl::SimpleAtoi(path, &db) || db < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("redis URL: database must be a number >= 0, got '", path, "'"));
    }
    endpoint.db = db;
  }
  return endpoint;
}

RedisPool::RedisPool(RedisPoolOptions options)
    : options_(std::move(options)), endpoint_(ParseRedisUrl(options_.url)) {
  IgnoreSigpipeOnce();
  if (!endpoint_.ok()) {
    LOG_ERROR("invalid redis URL", {{"error", std::string(endpoint_.status().message())}});
  }
}

RedisPool::~RedisPool() {
  std::lock_guard<std::mutex> lock(mu_);
  idle_.clear();
}

absl::StatusOr<std::unique_ptr<RedisPool::Conn>> RedisPool::Connect() {
  const RedisEndpoint& endpoint = *endpoint_;
  auto conn = std::make_unique<Conn>();
  conn->ctx = redisConnectWithTimeout(endpoint.host.c_str(), endpoint.port,
                                      ToTimeval(options_.connect_timeout));
  if (conn->ctx == nullptr) return absl::UnavailableError("redis unavailable: out of memory");
  if (conn->ctx->err != 0) {
    return absl::UnavailableError(absl::StrCat("redis unavailable: ", conn->ctx->errstr));
  }
  if (redisSetTimeout(conn->ctx, ToTimeval(options_.command_timeout)) != REDIS_OK) {
    return absl::UnavailableError(absl::StrCat("redis unavailable: ", conn->ctx->errstr));
  }
  // Keep-alive notices a vanished peer on connections that stay idle in the pool.
  redisEnableKeepAlive(conn->ctx);
  if (!endpoint.password.empty()) {
    std::vector<std::string> auth = {"AUTH"};
    if (!endpoint.user.empty()) auth.push_back(endpoint.user);
    auth.push_back(endpoint.password);
    RETURN_IF_ERROR(SetupCommand(conn->ctx, auth, "AUTH"));
  }
  if (endpoint.db != 0) {
    RETURN_IF_ERROR(SetupCommand(conn->ctx, {"SELECT", std::to_string(endpoint.db)}, "SELECT"));
  }
  return conn;
}

absl::StatusOr<std::unique_ptr<RedisPool::Conn>> RedisPool::Take() {
  if (!endpoint_.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("redis pool misconfigured: ", endpoint_.status().message()));
  }
  std::vector<std::unique_ptr<Conn>> closing;  // freed outside the lock
  std::unique_lock<std::mutex> lock(mu_);
  const Clock::time_point wait_deadline = Clock::now() + options_.command_timeout;
  while (true) {
    if (Clock::now() < down_until_) {
      return absl::UnavailableError("redis unavailable (recent failure; not retrying yet)");
    }
    while (!idle_.empty()) {
      std::unique_ptr<Conn> conn = std::move(idle_.back());
      idle_.pop_back();
      if (LooksAlive(*conn->ctx)) return conn;
      --open_;
      closing.push_back(std::move(conn));
    }
    if (open_ < options_.size) {
      ++open_;
      lock.unlock();
      closing.clear();
      absl::StatusOr<std::unique_ptr<Conn>> conn = Connect();
      if (!conn.ok()) {
        bool first = false;
        {
          std::lock_guard<std::mutex> relock(mu_);
          --open_;
          down_until_ = Clock::now() + options_.retry_after;
          first = !std::exchange(logged_down_, true);
        }
        cv_.notify_one();
        if (first) {
          LOG_WARN("redis unavailable; failing fast until it answers again",
                   {{"error", std::string(conn.status().message())},
                    {"retry_after_ms", std::to_string(options_.retry_after.count())}});
        }
        return conn.status();
      }
      bool recovered = false;
      {
        std::lock_guard<std::mutex> relock(mu_);
        recovered = std::exchange(logged_down_, false);
      }
      if (recovered) LOG_INFO("redis reachable again");
      return conn;
    }
    if (cv_.wait_until(lock, wait_deadline) == std::cv_status::timeout && idle_.empty() &&
        open_ >= options_.size) {
      return absl::UnavailableError(absl::StrCat("no redis connection became free within ",
                                                 options_.command_timeout.count(), "ms"));
    }
  }
}

void RedisPool::Give(std::unique_ptr<Conn> conn) {
  std::unique_ptr<Conn> closing;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (conn->ctx->err != 0) {
      --open_;
      closing = std::move(conn);
    } else {
      idle_.push_back(std::move(conn));
    }
  }
  cv_.notify_one();
}

void RedisPool::Fail(std::unique_ptr<Conn> conn) {
  const std::string error = conn->ctx->errstr;
  std::vector<std::unique_ptr<Conn>> closing;
  bool first = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    --open_;
    closing.push_back(std::move(conn));
    // The others most likely share the failure (Redis down or hung): they go too, so that
    // no caller waits on them for a command timeout.
    open_ -= idle_.size();
    for (auto& idle : idle_) closing.push_back(std::move(idle));
    idle_.clear();
    down_until_ = Clock::now() + options_.retry_after;
    first = !std::exchange(logged_down_, true);
  }
  cv_.notify_all();
  if (first) {
    LOG_WARN("redis command failed; failing fast until it answers again",
             {{"error", error}, {"retry_after_ms", std::to_string(options_.retry_after.count())}});
  }
}

absl::StatusOr<RedisReply> RedisPool::Command(const std::vector<std::string>& args) {
  ASSIGN_OR_RETURN(std::vector<RedisReply> replies, Pipeline({args}));
  return std::move(replies.front());
}

absl::StatusOr<std::vector<RedisReply>> RedisPool::Pipeline(
    const std::vector<std::vector<std::string>>& commands) {
  if (commands.empty()) return std::vector<RedisReply>{};
  for (const auto& command : commands) {
    if (command.empty()) return absl::InvalidArgumentError("empty redis command");
    if (command.size() > INT_MAX) return absl::InvalidArgumentError("redis command too long");
  }
  ASSIGN_OR_RETURN(std::unique_ptr<Conn> conn, Take());

  std::vector<const char*> argv;
  std::vector<std::size_t> lengths;
  for (const auto& command : commands) {
    argv.clear();
    lengths.clear();
    for (const std::string& arg : command) {
      argv.push_back(arg.data());
      lengths.push_back(arg.size());
    }
    if (redisAppendCommandArgv(conn->ctx, static_cast<int>(argv.size()), argv.data(),
                               lengths.data()) != REDIS_OK) {
      std::string error = conn->ctx->errstr;
      Fail(std::move(conn));
      return absl::UnavailableError(absl::StrCat("redis unavailable: ", error));
    }
  }
  // Every reply is read, errors included, so the connection stays in step for the next call.
  std::vector<ReplyPtr> raw;
  raw.reserve(commands.size());
  for (std::size_t i = 0; i < commands.size(); ++i) {
    void* reply = nullptr;
    if (redisGetReply(conn->ctx, &reply) != REDIS_OK || reply == nullptr) {
      std::string error = conn->ctx->errstr;
      if (error.empty()) error = "no reply";
      Fail(std::move(conn));
      return absl::UnavailableError(absl::StrCat("redis unavailable: ", error));
    }
    raw.emplace_back(static_cast<redisReply*>(reply));
  }
  Give(std::move(conn));

  std::vector<RedisReply> replies;
  replies.reserve(raw.size());
  for (std::size_t i = 0; i < raw.size(); ++i) {
    absl::StatusOr<RedisReply> reply = ConvertReply(*raw[i]);
    if (!reply.ok()) {
      if (commands.size() == 1) return reply.status();
      return absl::InternalError(absl::StrCat("pipelined command ", i, " (", commands[i][0],
                                              "): ", reply.status().message()));
    }
    replies.push_back(std::move(reply).value());
  }
  return replies;
}

bool RedisPool::Ping() {
  absl::StatusOr<RedisReply> reply = Command({"PING"});
  return reply.ok() && reply->type == RedisReply::Type::kStatus && reply->str == "PONG";
}

}  // namespace comptoir::common
