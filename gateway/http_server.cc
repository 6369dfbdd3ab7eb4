#include "http_server.h"

#include <algorithm>
#include <array>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "comptoir/common/log.h"
#include "text.h"

namespace comptoir::gateway {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

class Session;

struct HttpServer::State {
  State(std::vector<net::io_context*> pool, HttpHandler h, HttpServerOptions o)
      : contexts(std::move(pool)),
        acceptor(net::make_strand(*contexts.front())),
        retry(acceptor.get_executor()),
        handler(std::move(h)),
        options(o) {}

  const std::vector<net::io_context*> contexts;  // not empty
  size_t next_context = 0;  // round-robin of new connections, on the acceptor's strand
  tcp::acceptor acceptor;   // used on its strand once started
  net::steady_timer retry;  // delays accepting again after an accept error (e.g. EMFILE)
  const HttpHandler handler;
  const HttpServerOptions options;
  std::atomic<bool> stopping{false};
  std::atomic<size_t> in_flight{0};
  std::mutex sessions_mu;
  std::unordered_map<Session*, std::weak_ptr<Session>> sessions;  // guarded by sessions_mu
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket&& socket, std::shared_ptr<HttpServer::State> state)
      : stream_(std::move(socket)), state_(std::move(state)) {}

  ~Session() {
    EndRequest();
    std::lock_guard<std::mutex> lock(state_->sessions_mu);
    state_->sessions.erase(this);
  }

  void Start() {
    {
      std::lock_guard<std::mutex> lock(state_->sessions_mu);
      state_->sessions.emplace(this, weak_from_this());
    }
    // Answers are first written synchronously (Write): they must stop at a full socket
    // buffer instead of blocking the io thread.
    beast::error_code ignored;
    stream_.socket().non_blocking(true, ignored);
    beast::error_code peer_error;
    auto peer = stream_.socket().remote_endpoint(peer_error);
    if (!peer_error) peer_address_ = peer.address().to_string();
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->ReadHeader(); });
  }

  // From Stop: a connection waiting for its next request is closed; a busy one closes
  // after its answer; an event stream ends (its producer hears on_gone).
  void CloseIfIdle() {
    net::post(stream_.get_executor(), [self = shared_from_this()] {
      if (self->streaming_) return self->StreamGone();
      if (self->idle_) self->Close();
    });
  }

 private:
  void ReadHeader() {
    if (state_->stopping) return Close();
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(state_->options.header_limit));
    // The larger limit until the target is known (Beast checks Content-Length while parsing
    // the header); OnHeader then applies the route's own.
    parser_->body_limit(std::max(state_->options.body_limit, state_->options.large_body_limit));
    idle_ = true;
    stream_.expires_after(state_->options.read_timeout);
    http::async_read_header(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->OnHeader(ec); });
  }

  void OnHeader(beast::error_code ec) {
    idle_ = false;
    if (ec == http::error::header_limit) {
      return RespondAndClose(
          431, absl::StatusCode::kInvalidArgument,
          text::Cat("request headers exceed ", state_->options.header_limit, " bytes"));
    }
    if (ec == http::error::body_limit) {  // a Content-Length over the limit, seen early
      return RespondAndClose(
          413, absl::StatusCode::kInvalidArgument,
          text::Cat("request body exceeds ",
                    std::max(state_->options.body_limit, state_->options.large_body_limit),
                    " bytes"));
    }
    if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
        ec == net::error::operation_aborted || ec == net::error::eof ||
        ec == net::error::connection_reset || ec == net::error::bad_descriptor) {
      return Close();
    }
    if (ec) {
      return RespondAndClose(400, absl::StatusCode::kInvalidArgument,
                             text::Cat("malformed HTTP request: ", ec.message()));
    }
    BeginRequest();
    const std::string_view target = parser_->get().target();
    if (target.size() > state_->options.url_limit) {
      return RespondAndClose(
          414, absl::StatusCode::kInvalidArgument,
          text::Cat("request URL exceeds ", state_->options.url_limit, " bytes"));
    }
    const std::string_view path = target.substr(0, target.find('?'));
    body_limit_ = !state_->options.large_body_suffix.empty() &&
                          text::EndsWith(path, state_->options.large_body_suffix)
                      ? state_->options.large_body_limit
                      : state_->options.body_limit;
    parser_->body_limit(body_limit_);
    const auto length = parser_->content_length();
    if (length && *length > body_limit_) {
      return RespondAndClose(413, absl::StatusCode::kInvalidArgument,
                             text::Cat("request body exceeds ", body_limit_, " bytes"));
    }
    if (beast::iequals(parser_->get()[http::field::expect], "100-continue")) {
      auto cont = std::make_shared<http::response<http::empty_body>>(http::status::continue_,
                                                                     parser_->get().version());
      stream_.expires_after(state_->options.write_timeout);
      return http::async_write(stream_, *cont,
                               [self = shared_from_this(), cont](beast::error_code wec, size_t) {
                                 if (wec) return self->Close();
                                 self->ReadBody();
                               });
    }
    ReadBody();
  }

  void ReadBody() {
    if (parser_->is_done()) return OnBody({});
    stream_.expires_after(state_->options.read_timeout);
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->OnBody(ec); });
  }

  void OnBody(beast::error_code ec) {
    if (ec == http::error::body_limit) {
      return RespondAndClose(413, absl::StatusCode::kInvalidArgument,
                             text::Cat("request body exceeds ", body_limit_, " bytes"));
    }
    if (ec) return Close();
    stream_.expires_never();  // the upstream deadline bounds the wait from here
    keep_alive_ = parser_->get().keep_alive();
    HttpRequest request = parser_->release();
    // The peer's address, for per-client limits upstream (login attempts); set here so a
    // client can never supply its own.
    if (peer_address_.empty()) {
      request.erase("X-Client-Address");
    } else {
      request.set("X-Client-Address", peer_address_);
    }
    state_->handler(
        std::move(request),
        [self = shared_from_this()](HttpResponse res) { self->Respond(std::move(res)); },
        [self = shared_from_this()](HttpResponse head, std::function<void()> on_gone) {
          return self->OpenStream(std::move(head), std::move(on_gone));
        },
        stream_.get_executor());
  }

  // A streamed answer (Server-Sent Events): the head, then chunks in order, then the last
  // chunk and the connection closes. Everything below runs on the connection's strand.
  class Stream final : public ResponseStream {
   public:
    explicit Stream(std::shared_ptr<Session> session) : session_(std::move(session)) {}
    void Send(std::string bytes) override {
      net::post(
          session_->stream_.get_executor(),
          [s = session_, bytes = std::move(bytes)]() mutable { s->StreamSend(std::move(bytes)); });
    }
    void End() override {
      net::post(session_->stream_.get_executor(), [s = session_] { s->StreamEnd(); });
    }

   private:
    std::shared_ptr<Session> session_;
  };

  std::shared_ptr<ResponseStream> OpenStream(HttpResponse head, std::function<void()> on_gone) {
    auto stream = std::make_shared<Stream>(shared_from_this());
    net::post(stream_.get_executor(), [self = shared_from_this(), head = std::move(head),
                                       on_gone = std::move(on_gone)]() mutable {
      self->StreamStart(std::move(head), std::move(on_gone));
    });
    return stream;
  }

  // A client that reads slower than events come is dropped beyond this much backlog.
  static constexpr size_t kMaxStreamBacklog = 1 << 20;

  void StreamStart(HttpResponse head, std::function<void()> on_gone) {
    streaming_ = true;
    keep_alive_ = false;
    on_gone_ = std::move(on_gone);
    if (state_->stopping) return StreamGone();
    stream_head_ = std::make_unique<http::response<http::empty_body>>(
        std::move(static_cast<http::response_header<>&>(head)));
    stream_head_->keep_alive(false);
    stream_head_->chunked(true);
    stream_serializer_.emplace(*stream_head_);
    stream_writing_ = true;
    stream_.expires_after(state_->options.write_timeout);
    http::async_write_header(stream_, *stream_serializer_,
                             [self = shared_from_this()](beast::error_code ec, size_t) {
                               self->stream_writing_ = false;
                               if (ec) return self->StreamGone();
                               self->stream_.expires_never();
                               self->WatchForHangUp();
                               self->StreamWriteNext();
                             });
  }

  // The client sends nothing more on an event stream: a read completes only when it hangs
  // up (or breaks the protocol), which is when the producer must stop.
  void WatchForHangUp() {
    stream_.socket().async_read_some(net::buffer(hang_up_buffer_),
                                     [self = shared_from_this()](beast::error_code ec, size_t) {
                                       if (ec) return self->StreamGone();
                                       self->WatchForHangUp();
                                     });
  }

  void StreamSend(std::string bytes) {
    if (stream_done_ || stream_ending_ || bytes.empty()) return;
    stream_backlog_ += bytes.size();
    stream_queue_.push_back(std::move(bytes));
    if (stream_backlog_ > kMaxStreamBacklog) return StreamGone();
    if (!stream_writing_) StreamWriteNext();
  }

  void StreamEnd() {
    if (stream_done_) return;
    stream_ending_ = true;
    if (!stream_writing_) StreamWriteNext();
  }

  void StreamWriteNext() {
    if (stream_done_ || stream_writing_ || !stream_serializer_) return;
    if (stream_queue_.empty()) {
      if (!stream_ending_) return;
      stream_writing_ = true;
      stream_.expires_after(state_->options.write_timeout);
      return net::async_write(stream_, http::make_chunk_last(),
                              [self = shared_from_this()](beast::error_code, size_t) {
                                self->stream_writing_ = false;
                                self->stream_done_ = true;  // ended: on_gone is not due
                                self->on_gone_ = nullptr;   // nor kept (it may own its producer)
                                self->Close();
                              });
    }
    stream_current_ = std::move(stream_queue_.front());
    stream_queue_.pop_front();
    stream_backlog_ -= stream_current_.size();
    stream_writing_ = true;
    stream_.expires_after(state_->options.write_timeout);
    net::async_write(stream_, http::make_chunk(net::buffer(stream_current_)),
                     [self = shared_from_this()](beast::error_code ec, size_t) {
                       self->stream_writing_ = false;
                       if (ec) return self->StreamGone();
                       self->stream_.expires_never();
                       self->StreamWriteNext();
                     });
  }

  void StreamGone() {
    if (stream_done_) return;
    stream_done_ = true;
    stream_queue_.clear();
    if (auto on_gone = std::move(on_gone_)) on_gone();
    Close();
  }

  void RespondAndClose(int status, absl::StatusCode code, std::string detail) {
    BeginRequest();
    keep_alive_ = false;
    unsigned version = parser_ ? parser_->get().version() : 11;
    if (version == 0) version = 11;
    std::string request_id = common::NewRequestId();
    LOG_INFO("http request refused",
             {{"status", std::to_string(status)}, {"request_id", request_id}, {"detail", detail}});
    Write(Gateway::ProblemResponse(status, code, std::move(detail), version, request_id));
  }

  // The answer to the request being handled, from any thread. On the connection's strand
  // (a cache hit, an error) it is written at once. From another thread (an upstream reply,
  // rendered on the thread where it arrived) it is written from there too: while a request
  // waits for its answer nothing else uses the socket (no read is pending, no timer runs),
  // and handing the answer to the connection's thread first would cost that thread's
  // wake-up before the client hears anything. What follows the answer is posted.
  void Respond(HttpResponse res) {
    const auto* strand =
        stream_.get_executor().target<net::strand<net::io_context::executor_type>>();
    Write(std::move(res), /*on_strand=*/strand != nullptr && strand->running_in_this_thread());
  }

  void Write(HttpResponse res, bool on_strand = true) {
    if (state_->stopping) keep_alive_ = false;
    res.keep_alive(keep_alive_);
    auto owned = std::make_shared<HttpResponse>(std::move(res));
    // As much as the socket takes at once, written now (an answer fits in the socket's
    // buffer but for large files and exports): completing an asynchronous write costs a
    // queued completion and timer updates on each request. The rest, if any, goes out
    // asynchronously under the write timeout.
    auto serializer = std::make_shared<http::response_serializer<http::string_body>>(*owned);
    beast::error_code ec;
    while (!ec && !serializer->is_done()) http::write_some(stream_.socket(), *serializer, ec);
    if (ec != net::error::would_block && ec != net::error::try_again) {
      EndRequest();
      auto next = [self = shared_from_this(), close = ec || !keep_alive_] {
        if (close) return self->Close();
        self->ReadHeader();
      };
      if (on_strand) return next();
      return net::post(stream_.get_executor(), std::move(next));
    }
    auto rest = [self = shared_from_this(), owned, serializer] {
      self->stream_.expires_after(self->state_->options.write_timeout);
      http::async_write(self->stream_, *serializer,
                        [self, owned, serializer](beast::error_code wec, size_t) {
                          self->EndRequest();
                          if (wec || !self->keep_alive_) return self->Close();
                          self->ReadHeader();
                        });
    };
    if (on_strand) return rest();
    net::post(stream_.get_executor(), std::move(rest));
  }

  void Close() {
    EndRequest();
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.close();
  }

  void BeginRequest() {
    if (!counted_) ++state_->in_flight, counted_ = true;
  }
  void EndRequest() {
    if (counted_) --state_->in_flight, counted_ = false;
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::shared_ptr<HttpServer::State> state_;
  size_t body_limit_ = 0;     // of the request being read
  std::string peer_address_;  // the client's IP address, empty if unknown
  // Event stream state (OpenStream), on the strand.
  bool streaming_ = false;
  bool stream_writing_ = false;
  bool stream_ending_ = false;
  bool stream_done_ = false;
  std::function<void()> on_gone_;
  std::unique_ptr<http::response<http::empty_body>> stream_head_;
  std::optional<http::response_serializer<http::empty_body>> stream_serializer_;
  std::deque<std::string> stream_queue_;
  size_t stream_backlog_ = 0;
  std::string stream_current_;  // the chunk being written
  std::array<char, 512> hang_up_buffer_{};
  bool idle_ = false;
  bool keep_alive_ = false;
  bool counted_ = false;
};

namespace {

void Accept(std::shared_ptr<HttpServer::State> state) {
  net::io_context& context = *state->contexts[state->next_context++ % state->contexts.size()];
  state->acceptor.async_accept(net::make_strand(context),
                               [state](beast::error_code ec, tcp::socket socket) {
                                 if (ec == net::error::operation_aborted || state->stopping) return;
                                 if (ec) {
                                   LOG_WARN("accept failed", {{"error", ec.message()}});
                                   state->retry.expires_after(std::chrono::milliseconds(50));
                                   state->retry.async_wait([state](beast::error_code wait_ec) {
                                     if (!wait_ec) Accept(state);
                                   });
                                   return;
                                 }
                                 // Answers go out whole as soon as they are written:
                                 // never held back waiting for the client's ACK of the
                                 // previous one (Nagle), which would add up to a delayed
                                 // ACK's time to a keep-alive request.
                                 beast::error_code nodelay_error;
                                 socket.set_option(tcp::no_delay(true), nodelay_error);
                                 std::make_shared<Session>(std::move(socket), state)->Start();
                                 Accept(state);
                               });
}

}  // namespace

HttpServer::HttpServer(net::io_context& ioc, HttpHandler handler, HttpServerOptions options)
    : HttpServer(std::vector<net::io_context*>{&ioc}, std::move(handler), options) {}

HttpServer::HttpServer(std::vector<net::io_context*> contexts, HttpHandler handler,
                       HttpServerOptions options)
    : state_(std::make_shared<State>(std::move(contexts), std::move(handler), options)) {}

HttpServer::~HttpServer() { Stop(); }

absl::Status HttpServer::Listen(const std::string& host_port) {
  size_t colon = host_port.rfind(':');
  uint32_t port = 0;
  if (colon == std::string::npos || !absl::SimpleAtoi(host_port.substr(colon + 1), &port) ||
      port > 65535) {
    return absl::InvalidArgumentError(
        text::Cat("HTTP_LISTEN \"", host_port, "\" is not host:port"));
  }
  std::string host = host_port.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  beast::error_code ec;
  tcp::resolver resolver(*state_->contexts.front());
  auto results = resolver.resolve(host, std::to_string(port), tcp::resolver::passive, ec);
  if (ec || results.empty()) {
    return absl::InvalidArgumentError(text::Cat("cannot resolve \"", host, "\": ", ec.message()));
  }
  tcp::endpoint endpoint = results.begin()->endpoint();
  tcp::acceptor& acceptor = state_->acceptor;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    return absl::UnavailableError(text::Cat("cannot listen on ", host_port, ": ", ec.message()));
  }
  return absl::OkStatus();
}

uint16_t HttpServer::port() const {
  beast::error_code ec;
  auto endpoint = state_->acceptor.local_endpoint(ec);
  return ec ? 0 : endpoint.port();
}

void HttpServer::Start() {
  net::dispatch(state_->acceptor.get_executor(), [state = state_] { Accept(state); });
}

void HttpServer::Stop() {
  if (state_->stopping.exchange(true)) return;
  net::post(state_->acceptor.get_executor(), [state = state_] {
    beast::error_code ignored;
    state->acceptor.close(ignored);
    state->retry.cancel();
  });
  std::vector<std::shared_ptr<Session>> sessions;
  {
    std::lock_guard<std::mutex> lock(state_->sessions_mu);
    for (auto& entry : state_->sessions) {
      if (auto s = entry.second.lock()) sessions.push_back(std::move(s));
    }
  }
  for (auto& s : sessions) s->CloseIfIdle();
}

bool HttpServer::WaitDrained(std::chrono::milliseconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (state_->in_flight.load() > 0) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

size_t HttpServer::in_flight() const { return state_->in_flight.load(); }

}  // namespace comptoir::gateway
