// The gateway's HTTP/1.1 server on Boost.Beast: asynchronous accept and reads on
// per-connection strands (over one io_context, or spread over several), answers written at
// once and asynchronously only for what the socket does not take, keep-alive, bounded
// headers (431) and bodies (413), read and write timeouts, and a graceful stop that refuses
// new connections and lets requests in flight finish. Requests go to a handler that answers
// through a callback (once), possibly from another thread: that thread then writes what the
// socket takes at once, and the rest and the next read go on the connection's strand.
// Thread-safe: Stop, WaitDrained and in_flight may be called from any thread; Listen and
// Start from one thread before the io_context runs requests.
#pragma once

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gateway.h"

namespace comptoir::gateway {

struct HttpServerOptions {
  size_t header_limit = 16 * 1024;  // request line + headers; more is 431
  size_t body_limit = 1024 * 1024;  // more is 413
  // Routes whose path ends with this suffix take CSV uploads up to large_body_limit.
  std::string large_body_suffix = ":import";
  // A 10 MiB CSV file travels base64-encoded inside JSON: 4/3 of it, plus the envelope.
  size_t large_body_limit = 14 * 1024 * 1024;
  size_t url_limit = 8 * 1024;  // request target; more is 414
  // For the headers and body of one request, and for an idle keep-alive connection: a slow
  // client cannot hold a connection longer than this without completing a request.
  std::chrono::milliseconds read_timeout{15000};
  std::chrono::milliseconds write_timeout{30000};
};

// The opener may be kept and used later (once) to answer as a stream instead of `done`.
// `connection` is the executor (strand) of the request's connection: work posted there runs
// on the thread that will write the answer, so the answer is written without a hand-off.
using HttpHandler = std::function<void(HttpRequest, Responder, StreamOpener,
                                       boost::asio::any_io_executor connection)>;

class HttpServer {
 public:
  HttpServer(boost::asio::io_context& ioc, HttpHandler handler, HttpServerOptions options = {});
  // Connections spread round-robin over `contexts` (one thread each is the intended use: a
  // connection's reads, writes and answers then stay on one thread, which neither wakes
  // another for each completion nor contends for a shared queue). Accepts on the first.
  HttpServer(std::vector<boost::asio::io_context*> contexts, HttpHandler handler,
             HttpServerOptions options = {});
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds "host:port" (port 0 picks a free one). Fails on a bad address or a taken port.
  absl::Status Listen(const std::string& host_port);
  uint16_t port() const;
  void Start();

  // Stops accepting and closes idle connections; requests in flight complete and their
  // connections close after the answer.
  void Stop();
  // Blocks the calling thread (not an io thread) until no request is in flight or `timeout`
  // passes; true when drained.
  bool WaitDrained(std::chrono::milliseconds timeout) const;
  size_t in_flight() const;

  struct State;  // shared with connections, which may outlive the server object

 private:
  std::shared_ptr<State> state_;
};

}  // namespace comptoir::gateway
