// A fake external system for the tests: a real HTTP/1.1 server (Beast) on 127.0.0.1 with
// an ephemeral port, answering each request with a handler the test sets, and recording
// every request it got. One connection at a time, on its own thread.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace ticketd::test {

struct FakeRequest {
  std::string method;
  std::string target;
  std::string authorization;
  std::string body;
};

struct FakeReply {
  int status = 200;
  std::string body = "{}";
  std::string retry_after;  // "" = no Retry-After header
};

class FakeHttpServer {
 public:
  using Handler = std::function<FakeReply(const FakeRequest&)>;

  explicit FakeHttpServer(Handler handler) : handler_(std::move(handler)), acceptor_(io_) {
    namespace asio = boost::asio;
    const asio::ip::tcp::endpoint at(asio::ip::make_address("127.0.0.1"), 0);
    acceptor_.open(at.protocol());
    acceptor_.bind(at);
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this] { serve(); });
  }
  ~FakeHttpServer() {
    stopping_ = true;
    boost::system::error_code ignored;
    // Wake the accept with a connection of our own.
    boost::asio::ip::tcp::socket poke(io_);
    poke.connect({boost::asio::ip::make_address("127.0.0.1"), port_}, ignored);
    thread_.join();
  }
  FakeHttpServer(const FakeHttpServer&) = delete;
  FakeHttpServer& operator=(const FakeHttpServer&) = delete;

  [[nodiscard]] std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  [[nodiscard]] std::vector<FakeRequest> requests() const {
    std::lock_guard lock(mu_);
    return requests_;
  }
  void set_handler(Handler h) {
    std::lock_guard lock(mu_);
    handler_ = std::move(h);
  }

 private:
  void serve() {
    namespace bhttp = boost::beast::http;
    while (!stopping_) {
      boost::system::error_code ec;
      boost::asio::ip::tcp::socket socket(io_);
      acceptor_.accept(socket, ec);
      if (ec || stopping_) continue;
      boost::beast::flat_buffer buffer;
      for (;;) {
        bhttp::request<bhttp::string_body> request;
        bhttp::read(socket, buffer, request, ec);
        if (ec) break;
        FakeRequest got{std::string(request.method_string()), std::string(request.target()),
                        std::string(request[bhttp::field::authorization]), request.body()};
        Handler handler;
        {
          std::lock_guard lock(mu_);
          requests_.push_back(got);
          handler = handler_;
        }
        const FakeReply reply = handler(got);
        bhttp::response<bhttp::string_body> response{static_cast<bhttp::status>(reply.status), 11};
        response.set(bhttp::field::content_type, "application/json");
        if (!reply.retry_after.empty()) response.set(bhttp::field::retry_after, reply.retry_after);
        response.body() = reply.body;
        response.keep_alive(request.keep_alive());
        response.prepare_payload();
        bhttp::write(socket, response, ec);
        if (ec || !request.keep_alive()) break;
      }
      socket.shutdown(boost::asio::ip::tcp::socket::shutdown_both, ec);
    }
  }

  Handler handler_;
  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  unsigned short port_ = 0;
  std::thread thread_;
  mutable std::mutex mu_;
  std::vector<FakeRequest> requests_;
  std::atomic<bool> stopping_{false};
};

}  // namespace ticketd::test
