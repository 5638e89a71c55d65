// The server's limits of docs/http.md, each driven past its bound against a real ticketd:
// the request queue (503 + Retry-After), requests in flight per connection (reading
// pauses), the idle and read timeouts (the connection closes), /readyz past its lag bound
// (503). Large defaults are set small through their flags (--max-queued-requests,
// --idle-timeout, --read-timeout, --ready-max-lag).
//
// A connection is kept "in flight" deterministically with a download larger than the
// loopback socket buffers that the client does not read: its answer cannot be written, so
// every later request on that connection stays in flight behind it.
#include <doctest/doctest.h>
#include <poll.h>
#include <unistd.h>

#include <boost/asio/ip/tcp.hpp>
#include <set>

#include "app/data_dir.h"
#include "projections/sqlite.h"
#include "tests/http_world.h"

using namespace ticketd;
using namespace ticketd::test;
using namespace std::chrono_literals;

namespace {

namespace bhttp = boost::beast::http;

// Parses responses from bytes fed in pieces.
class ReplyParser {
 public:
  // Feeds `bytes` (the continuation of everything fed before).
  void feed(std::string_view bytes) {
    pending_.append(bytes);
    std::string_view rest = pending_;
    while (!rest.empty()) {
      if (!parser_) {
        parser_.emplace();
        parser_->eager(true);
        parser_->body_limit(64u << 20);
      }
      boost::system::error_code ec;
      const std::size_t used = parser_->put(boost::asio::buffer(rest.data(), rest.size()), ec);
      rest.remove_prefix(used);
      if (ec == bhttp::error::need_more) break;
      REQUIRE_MESSAGE(!ec, ec.message());
      if (!parser_->is_done()) continue;
      done_.push_back(to_reply(parser_->get()));
      parser_.reset();
    }
    pending_ = std::string(rest);
  }
  [[nodiscard]] const std::vector<Reply>& replies() const { return done_; }

 private:
  std::optional<bhttp::response_parser<bhttp::string_body>> parser_;
  std::string pending_;
  std::vector<Reply> done_;
};

// One raw connection: send any bytes, read with a deadline, see when the server closes.
class Connection {
 public:
  explicit Connection(const std::string& address) : socket_(ioc_) {
    const auto colon = address.rfind(':');
    boost::asio::ip::tcp::resolver resolver(ioc_);
    socket_.connect(*resolver.resolve(address.substr(0, colon), address.substr(colon + 1)).begin());
  }

  void send(const std::string& bytes) { boost::asio::write(socket_, boost::asio::buffer(bytes)); }

  // Reads until `n` complete responses arrived, the server closed, or `limit` passed.
  std::vector<Reply> replies(std::size_t n, std::chrono::milliseconds limit = 30000ms) {
    read([&] { return parser_.replies().size() >= n; }, limit);
    return parser_.replies();
  }
  // Reads until the server closes the connection; the time that took, or nullopt when it
  // is still open after `limit`.
  std::optional<std::chrono::milliseconds> time_to_close(std::chrono::milliseconds limit) {
    const auto start = std::chrono::steady_clock::now();
    read([] { return false; }, limit);
    if (!closed_) return std::nullopt;
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
  }
  [[nodiscard]] std::size_t bytes_received() const { return bytes_; }
  [[nodiscard]] std::size_t replies_received() const { return parser_.replies().size(); }

 private:
  template <class Done>
  void read(Done done, std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    char buf[65536];
    while (!closed_ && !done()) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return;
      pollfd p{socket_.native_handle(), POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return;
      const ssize_t got = ::recv(socket_.native_handle(), buf, sizeof buf, 0);
      if (got <= 0) {
        closed_ = true;  // EOF or reset
        return;
      }
      bytes_ += static_cast<std::size_t>(got);
      parser_.feed(std::string_view(buf, static_cast<std::size_t>(got)));
    }
  }

  boost::asio::io_context ioc_;
  boost::asio::ip::tcp::socket socket_;
  ReplyParser parser_;
  std::size_t bytes_ = 0;
  bool closed_ = false;
};

std::string get(const std::string& target, const std::string& jwt = "") {
  return "GET " + target + " HTTP/1.1\r\nHost: t\r\n" + (jwt.empty() ? "" : "Authorization: Bearer " + jwt + "\r\n") +
         "\r\n";
}

// The value of one line of /metrics ("name{labels}"), 0 when absent.
std::uint64_t metric(HttpClient& http, const std::string& series) {
  auto r = http.request("GET", "/metrics");
  REQUIRE(r.status == 200);
  const auto at = r.body.find("\n" + series + " ");
  if (at == std::string::npos) return 0;
  return std::stoull(r.body.substr(at + series.size() + 2));
}

// A 24 MiB attachment (more than loopback's socket buffers hold) on a new ticket; its id.
constexpr std::size_t kLargeBytes = 24u << 20;
std::string large_attachment(World& w) {
  const std::string ticket = w.new_ticket();
  auto up =
      w.http.request("POST", "/api/v1/tickets/" + ticket + "/attachments?filename=big.bin",
                     std::string(kLargeBytes, 'x'), {bearer(w.tokens.at(Role::agent))}, "application/octet-stream");
  REQUIRE_MESSAGE(up.status == 201, up.body);
  return up.str("id");
}

const std::string kHealthzCount = R"(ticketd_http_requests_total{route="GET /healthz",status="2xx"})";

}  // namespace

TEST_CASE("request queue: past --max-queued-requests waiting for the one worker, 503 with Retry-After") {
  World w({"--workers", "1", "--max-queued-requests", "1"});
  const std::string download = "/api/v1/attachments/" + large_attachment(w) + "/content";
  const std::string agent = w.tokens.at(Role::agent);
  // Eight downloads pipelined on one connection reach the server together: the first goes to
  // the worker, which takes milliseconds to assemble 24 MiB, one more may wait in the queue,
  // and the others, parsed from the same buffer within microseconds, find the queue full.
  Connection c(w.server.address());
  std::string bytes;
  for (int i = 0; i < 8; ++i) bytes += get(download, agent);
  c.send(bytes);
  auto answers = c.replies(8, 60000ms);
  REQUIRE(answers.size() == 8);
  CHECK(answers[0].status == 200);
  CHECK(answers[0].body.size() == kLargeBytes);
  int refused = 0;
  for (std::size_t i = 1; i < answers.size(); ++i) {
    CAPTURE(i);
    if (answers[i].status == 503) {
      ++refused;
      CHECK(answers[i].header("retry-after") == "1");
      CHECK(answers[i].header("content-type") == "application/problem+json");
    } else {
      CHECK(answers[i].status == 200);
    }
  }
  // One waited in the queue; at most one more found it emptied by the worker taking the
  // first: at least five of the seven were refused.
  CHECK(refused >= 5);
  MESSAGE(refused, " of 7 refused");
  // Once the worker is free, the next request is served.
  CHECK(w.as(Role::agent, "GET", download).status == 200);
  CHECK(w.server.stop() == 0);
}

TEST_CASE("pipelining: at most 16 requests in flight per connection; reading resumes as answers go out") {
  World w;
  const std::string download = "/api/v1/attachments/" + large_attachment(w) + "/content";
  HttpClient probe = w.server.client();
  const std::uint64_t before = metric(probe, kHealthzCount);
  Connection c(w.server.address());
  // A download the client does not read yet, then 16 /healthz: 15 fit beside it and are
  // handled at once, but their answers wait behind the download's; the 16th is not read.
  std::string bytes = get(download, w.tokens.at(Role::agent));
  for (int i = 0; i < 16; ++i) bytes += get("/healthz");
  c.send(bytes);
  const bool fifteen = eventually([&] { return metric(probe, kHealthzCount) == before + 15; });
  REQUIRE(fifteen);
  // The 16th stays unread while the download is in flight (without the cap it would be
  // counted within microseconds of the others).
  const auto until = std::chrono::steady_clock::now() + 300ms;
  while (std::chrono::steady_clock::now() < until) REQUIRE(metric(probe, kHealthzCount) == before + 15);
  auto answers = c.replies(17, 60000ms);  // reading the download lets the rest go out
  REQUIRE(answers.size() == 17);
  CHECK(answers[0].body.size() == kLargeBytes);  // in order: the download first
  for (const auto& a : answers) CHECK(a.status == 200);
  CHECK(metric(probe, kHealthzCount) == before + 16);
}

TEST_CASE("idle timeout: a connection that sends nothing is closed after --idle-timeout") {
  TempDir dir;
  ServerProcess server(dir.str(), {"--idle-timeout", "1"});
  Connection silent(server.address());
  auto closed = silent.time_to_close(20000ms);
  REQUIRE(closed.has_value());
  CHECK(*closed >= 800ms);
  CHECK(silent.bytes_received() == 0);
  CHECK(server.stop() == 0);
}

TEST_CASE("idle timeout: after its last answer, a keep-alive connection is closed after --idle-timeout") {
  TempDir dir;
  ServerProcess server(dir.str(), {"--idle-timeout", "1"});  // the read timeout stays 30 s
  Connection c(server.address());
  c.send(get("/healthz"));
  auto answers = c.replies(1, 20000ms);
  REQUIRE(answers.size() == 1);
  CHECK(answers[0].status == 200);
  auto closed = c.time_to_close(20000ms);
  REQUIRE(closed.has_value());
  CHECK(*closed >= 800ms);
  CHECK(c.replies_received() == 1);
  CHECK(server.stop() == 0);
}

TEST_CASE("read timeout: a request whose body stops arriving is closed after --read-timeout, unanswered") {
  TempDir dir;
  ServerProcess server(dir.str(), {"--read-timeout", "1"});  // idle: the default 60 s
  const std::string agent = token(Role::agent, "acme", "alex");
  Connection slow(server.address());
  slow.send("POST /api/v1/tickets HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nAuthorization: Bearer " +
            agent + "\r\nContent-Length: 100\r\n\r\n{\"subject\":");
  auto closed = slow.time_to_close(20000ms);
  REQUIRE(closed.has_value());
  CHECK(*closed >= 800ms);
  CHECK(slow.bytes_received() == 0);
  // Nothing was created.
  HttpClient http = server.client();
  auto list = http.request("GET", "/api/v1/tickets", "", {bearer(agent)});
  REQUIRE(list.status == 200);
  CHECK(list.array("items").size() == 0);
  CHECK(server.stop() == 0);
}

TEST_CASE("/readyz: 200 while the read models lag at most --ready-max-lag events, 503 past it") {
  World w({"--ready-max-lag", "3"});
  const std::string ticket = w.new_ticket();
  w.await_read_models();
  {
    // The projector's next transaction waits for this one: the lag grows by one per edit.
    sql::Database db(app::read_model_path(w.dir.str()), false);
    db.exec("BEGIN IMMEDIATE");
    std::set<std::uint64_t> seen;
    const char* priorities[] = {"low", "medium"};
    for (int i = 0; seen.empty() || *seen.rbegin() <= 3; ++i) {
      REQUIRE(i < 10);
      auto edited = w.as(Role::agent, "PATCH", "/api/v1/tickets/" + ticket,
                         std::string(R"({"priority":")") + priorities[i % 2] + R"("})");
      REQUIRE_MESSAGE(edited.status == 200, edited.body);
      auto ready = w.http.request("GET", "/readyz");
      const std::uint64_t lag = ready.json()["lag"].get_uint64().value();
      CAPTURE(lag);
      CHECK(ready.json()["max_lag"].get_uint64().value() == 3);
      CHECK_FALSE(ready.json()["read_models_failed"].get_bool().value());
      if (lag <= 3) {
        CHECK(ready.status == 200);
      } else {
        CHECK(ready.status == 503);
        CHECK(ready.str("status") == "not_ready");
        CHECK(ready.header("retry-after") == "1");
      }
      seen.insert(lag);
    }
    CHECK(seen.count(3) == 1);  // the bound itself was answered 200
    db.exec("ROLLBACK");
  }
  w.await_read_models();  // caught up: 200 with lag 0 again
}

TEST_CASE("SIGTERM: a request still arriving past --drain-timeout is cut off and ticketd exits 0") {
  TempDir dir;
  ServerProcess server(dir.str(), {"--drain-timeout", "1"});
  const std::string agent = token(Role::agent, "acme", "alex");
  Connection slow(server.address());
  // One answered request, then a create whose body never completes (already read by the
  // server when the first answer comes: both went out in one write).
  slow.send(get("/healthz") +
            "POST /api/v1/tickets HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nAuthorization: Bearer " +
            agent + "\r\nContent-Length: 100\r\n\r\n{\"subject\":");
  REQUIRE(slow.replies(1).size() == 1);
  const auto start = std::chrono::steady_clock::now();
  const int exit_code = server.stop();
  const auto took = std::chrono::steady_clock::now() - start;
  CHECK(exit_code == 0);
  CHECK(took >= 900ms);  // it waited for the request in flight...
  CHECK(took < 15s);     // ...for the drain limit, not the 30 s read timeout
  CHECK(server.output().find("1 connections still open after 1 s; closing") != std::string::npos);
  REQUIRE(slow.time_to_close(5000ms).has_value());
  CHECK(slow.replies_received() == 1);  // the cut-off request got no answer
  // ...and was not carried out.
  ServerProcess again(dir.str());
  HttpClient http = again.client();
  auto list = http.request("GET", "/api/v1/tickets", "", {bearer(agent)});
  REQUIRE(list.status == 200);
  CHECK(list.array("items").size() == 0);
}
