// A fake external system for the tests: a real HTTP/1.1 server (Beast) on 127.0.0.1 with
// an ephemeral port, answering each request with a handler the test sets, and recording
// every request it got. Each connection on its own thread; max_in_flight() says how many
// requests its handler answered at once at most.
#pragma once

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace ticketd::test {

struct FakeRequest {
  std::string method;
  std::string target;
  std::string authorization;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // every header, names lowercase

  [[nodiscard]] std::string header(const std::string& name) const {
    for (const auto& [n, v] : headers) {
      if (n == name) return v;
    }
    return "";
  }
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
    // Clients close their connections (RestClient: one per call), which ends each thread.
    // The acceptor has stopped: connections_ grows no more, and the threads need mu_.
    for (auto& t : connections_) t.join();
  }
  FakeHttpServer(const FakeHttpServer&) = delete;
  FakeHttpServer& operator=(const FakeHttpServer&) = delete;

  [[nodiscard]] std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  [[nodiscard]] std::vector<FakeRequest> requests() const {
    std::lock_guard lock(mu_);
    return requests_;
  }
  [[nodiscard]] int max_in_flight() const { return max_in_flight_.load(); }
  void set_handler(Handler h) {
    std::lock_guard lock(mu_);
    handler_ = std::move(h);
  }

 private:
  void serve() {
    while (!stopping_) {
      auto socket = std::make_shared<boost::asio::ip::tcp::socket>(io_);
      boost::system::error_code ec;
      acceptor_.accept(*socket, ec);
      if (ec || stopping_) continue;
      std::lock_guard lock(mu_);
      connections_.emplace_back([this, socket] { answer(*socket); });
    }
  }

  void answer(boost::asio::ip::tcp::socket& socket) {
    namespace bhttp = boost::beast::http;
    boost::system::error_code ec;
    boost::beast::flat_buffer buffer;
    for (;;) {
      bhttp::request<bhttp::string_body> request;
      bhttp::read(socket, buffer, request, ec);
      if (ec) break;
      FakeRequest got{std::string(request.method_string()),
                      std::string(request.target()),
                      std::string(request[bhttp::field::authorization]),
                      request.body(),
                      {}};
      for (const auto& field : request) {
        std::string name(field.name_string());
        for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        got.headers.emplace_back(std::move(name), std::string(field.value()));
      }
      Handler handler;
      {
        std::lock_guard lock(mu_);
        requests_.push_back(got);
        handler = handler_;
      }
      const int now = in_flight_.fetch_add(1) + 1;
      for (int seen = max_in_flight_.load(); now > seen && !max_in_flight_.compare_exchange_weak(seen, now);) {
      }
      const FakeReply reply = handler(got);
      in_flight_.fetch_sub(1);
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

  Handler handler_;
  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  unsigned short port_ = 0;
  std::thread thread_;
  mutable std::mutex mu_;
  std::vector<FakeRequest> requests_;
  std::vector<std::thread> connections_;  // under mu_
  std::atomic<int> in_flight_{0}, max_in_flight_{0};
  std::atomic<bool> stopping_{false};
};

}  // namespace ticketd::test
