// Real HTTP over loopback against a real ticketd process: start it on a temporary data
// directory with port 0, read the bound address from its "listening on" line, talk to it
// with a small synchronous Beast client, and stop it with SIGTERM.
#pragma once

#include <signal.h>
#include <simdjson.h>
#include <sys/wait.h>

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "http/tokens.h"
#include "tests/process_support.h"
#include "tests/test_support.h"

namespace ticketd::test {

inline constexpr const char* kTestSecret = "test-secret-0123456789abcdef-0123456789";

struct Reply {
  int status = 0;
  std::map<std::string, std::string> headers;  // lowercase names
  std::string body;

  [[nodiscard]] std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
  // The body as a JSON document, parsed once (throws simdjson_error when it is not JSON).
  // Elements stay valid while this Reply lives.
  [[nodiscard]] simdjson::dom::element json() const {
    if (!parsed_) {
      parsed_ = std::make_shared<simdjson::dom::parser>();
      root_ = parsed_->parse(body).value();
    }
    return root_;
  }
  // An array field by value (never iterate `json()[key].get_array().value()` directly in a
  // range-for: value() of a temporary dangles).
  [[nodiscard]] simdjson::dom::array array(const char* key) const { return json()[key].get_array().value(); }
  [[nodiscard]] std::string str(const char* key) const {
    std::string_view v = json()[key].get_string().value();
    return std::string(v);
  }

 private:
  mutable std::shared_ptr<simdjson::dom::parser> parsed_;
  mutable simdjson::dom::element root_;
};

// A parsed response as a Reply (header names lowercased).
inline Reply to_reply(const boost::beast::http::response<boost::beast::http::string_body>& res) {
  Reply r;
  r.status = static_cast<int>(res.result_int());
  for (const auto& f : res) {
    std::string name(f.name_string());
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    r.headers[name] = std::string(f.value());
  }
  r.body = res.body();
  return r;
}

// One keep-alive connection.
class HttpClient {
 public:
  explicit HttpClient(std::string address) : address_(std::move(address)) {}

  Reply request(const std::string& method, const std::string& target, const std::string& body = "",
                const std::vector<std::pair<std::string, std::string>>& headers = {},
                const std::string& content_type = "application/json") {
    namespace bhttp = boost::beast::http;
    connect();
    bhttp::request<bhttp::string_body> req{bhttp::string_to_verb(method), target, 11};
    req.set(bhttp::field::host, address_);
    for (const auto& [k, v] : headers) req.set(k, v);
    if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
      if (!content_type.empty()) req.set(bhttp::field::content_type, content_type);
      req.body() = body;
      req.prepare_payload();
    }
    bhttp::write(*stream_, req);
    boost::beast::flat_buffer buffer;
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(64u << 20);
    bhttp::read(*stream_, buffer, parser);
    const auto& res = parser.get();
    Reply r = to_reply(res);
    if (!res.keep_alive()) stream_.reset();
    return r;
  }

  // Sends raw bytes on a fresh connection and returns everything read until the server
  // closes the connection or `wait` passes.
  std::string raw(const std::string& bytes, std::chrono::milliseconds wait = std::chrono::milliseconds(3000)) {
    namespace net = boost::asio;
    net::io_context ioc;
    net::ip::tcp::socket s(ioc);
    s.connect(endpoint(ioc));
    boost::system::error_code ec;
    net::write(s, net::buffer(bytes), ec);
    std::string out;
    char buf[65536];
    const auto deadline = std::chrono::steady_clock::now() + wait;
    for (;;) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) break;
      pollfd p{s.native_handle(), POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
      const ssize_t n = ::recv(s.native_handle(), buf, sizeof buf, 0);
      if (n <= 0) break;
      out.append(buf, static_cast<std::size_t>(n));
    }
    return out;
  }

 private:
  boost::asio::ip::tcp::endpoint endpoint(boost::asio::io_context& ioc) {
    const auto colon = address_.rfind(':');
    boost::asio::ip::tcp::resolver resolver(ioc);
    return *resolver.resolve(address_.substr(0, colon), address_.substr(colon + 1)).begin();
  }
  void connect() {
    if (stream_) return;
    stream_ = std::make_unique<boost::beast::tcp_stream>(ioc_);
    stream_->connect(endpoint(ioc_));
  }

  std::string address_;
  boost::asio::io_context ioc_;
  std::unique_ptr<boost::beast::tcp_stream> stream_;
};

class ServerProcess {
 public:
  // `extra` flags are appended; the listener is 127.0.0.1:0, and the rate limit and Kafka
  // are off, unless a test sets them
  // (tests/replication_test.cpp runs the embedded cluster and real clusters' flags).
  explicit ServerProcess(std::string data_dir, std::vector<std::string> extra = {}) : data_dir_(std::move(data_dir)) {
    std::vector<std::string> argv{TICKETD_PATH, "--data-dir", data_dir_, "--jwt-secret", kTestSecret};
    if (std::find(extra.begin(), extra.end(), "--listen") == extra.end()) {
      argv.insert(argv.end(), {"--listen", "127.0.0.1:0"});
    }
    if (std::find(extra.begin(), extra.end(), "--rate-limit") == extra.end()) {
      argv.insert(argv.end(), {"--rate-limit", "0"});
    }
    if (std::find(extra.begin(), extra.end(), "--kafka") == extra.end()) argv.insert(argv.end(), {"--kafka", "off"});
    argv.insert(argv.end(), extra.begin(), extra.end());
    auto [pid, fd] = spawn_with_stdout(argv);
    pid_ = pid;
    fd_ = fd;
    // Drains the server's stdout (its access log) so it never blocks on a full pipe.
    reader_ = std::thread([this] {
      char buf[65536];
      for (;;) {
        const ssize_t n = ::read(fd_, buf, sizeof buf);
        if (n <= 0) return;
        std::lock_guard lock(out_mu_);
        out_.append(buf, static_cast<std::size_t>(n));
      }
    });
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    while (std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      const std::string out = output();
      // The API listener's line (the admin listener's line says "admin listening on").
      const auto at = out.starts_with("listening on http://") ? 0 : out.find("\nlistening on http://");
      if (at != std::string::npos && out.find('\n', at + 1) != std::string::npos) {
        const auto start = out.find("http://", at) + std::string("http://").size();
        address_ = out.substr(start, out.find('\n', start) - start);
        return;
      }
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        finish_reading();
        throw std::runtime_error("ticketd exited during start-up: " + output());
      }
    }
    kill_hard();
    throw std::runtime_error("ticketd did not start: " + output());
  }
  ~ServerProcess() {
    kill_hard();
    finish_reading();
  }
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  [[nodiscard]] const std::string& address() const { return address_; }
  [[nodiscard]] HttpClient client() const { return HttpClient(address_); }
  [[nodiscard]] pid_t pid() const { return pid_; }

  // SIGTERM, then the exit status (-1 unless it exited by itself).
  int stop() {
    if (pid_ <= 0) return -1;
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    finish_reading();
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  void kill_hard() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }
  // Everything the server printed so far.
  [[nodiscard]] std::string output() {
    std::lock_guard lock(out_mu_);
    return out_;
  }

 private:
  // After the server exited: the reader sees EOF.
  void finish_reading() {
    if (reader_.joinable()) reader_.join();
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  std::string data_dir_;
  pid_t pid_ = -1;
  int fd_ = -1;
  std::thread reader_;
  std::mutex out_mu_;
  std::string out_;
  std::string address_;
};

inline std::string token(Role role, const std::string& tenant, const std::string& sub,
                         std::chrono::seconds ttl = std::chrono::seconds(3600)) {
  const auto now = std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
  return http::mint_hs256(kTestSecret, Principal{sub, tenant, role, sub, sub + "@example.com"},
                          Timestamp{now.time_since_epoch()}, ttl)
      .value();
}

inline std::pair<std::string, std::string> bearer(const std::string& jwt) { return {"Authorization", "Bearer " + jwt}; }

}  // namespace ticketd::test
