// A tiny synchronous HTTP/1.1 client for gateway tests (Boost.Beast), one connection per
// object so keep-alive can be observed. Not thread-safe; tests only.
#pragma once

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <string>

namespace comptoir::gateway::testing {

class HttpTestClient {
 public:
  using Response = boost::beast::http::response<boost::beast::http::string_body>;

  // `receive_buffer` > 0 caps the socket's receive buffer (a slow client's small window).
  explicit HttpTestClient(unsigned short port, int receive_buffer = 0) : socket_(ioc_) {
    socket_.open(boost::asio::ip::tcp::v4());
    if (receive_buffer > 0) {
      socket_.set_option(boost::asio::socket_base::receive_buffer_size(receive_buffer));
    }
    socket_.connect({boost::asio::ip::make_address("127.0.0.1"), port});
  }

  Response Send(boost::beast::http::verb method, const std::string& target,
                const std::string& body = "",
                std::initializer_list<std::pair<std::string, std::string>> headers = {}) {
    boost::beast::http::request<boost::beast::http::string_body> req{method, target, 11};
    req.set(boost::beast::http::field::host, "127.0.0.1");
    for (const auto& [name, value] : headers) req.set(name, value);
    if (!body.empty() && req[boost::beast::http::field::content_type].empty())
      req.set(boost::beast::http::field::content_type, "application/json");
    req.body() = body;
    req.prepare_payload();
    boost::beast::http::write(socket_, req);
    return Read();
  }

  // Writes bytes as they are (oversize or malformed requests), then reads one response.
  Response SendRaw(const std::string& bytes) {
    boost::asio::write(socket_, boost::asio::buffer(bytes));
    return Read();
  }

  // Writes bytes without reading; Receive reads the response later (a client slower than
  // the server).
  void SendOnly(const std::string& bytes) {
    boost::asio::write(socket_, boost::asio::buffer(bytes));
  }
  Response Receive() { return Read(); }

  // True once the server closed the connection.
  bool ServerClosed() {
    boost::beast::error_code ec;
    char byte;
    socket_.read_some(boost::asio::buffer(&byte, 1), ec);
    return ec == boost::asio::error::eof || ec == boost::asio::error::connection_reset;
  }

 private:
  Response Read() {
    Response res;
    boost::beast::http::read(socket_, buffer_, res);
    return res;
  }

  boost::asio::io_context ioc_;
  boost::asio::ip::tcp::socket socket_;
  boost::beast::flat_buffer buffer_;
};

}  // namespace comptoir::gateway::testing
