// E-mail notifications over HTTP against a real ticketd process and a real SMTP server on
// loopback (tests/smtp_sink.py): the opt-out routes, the admins' dead-letter routes and the
// /metrics counters, and a kill -9 of ticketd while messages are on their way: after the
// restart every expected message has arrived exactly once (counted by Message-ID).
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <map>
#include <set>
#include <thread>

#include "tests/http_fixture.h"
#include "tests/smtp_sink.h"
#include "tests/test_support.h"

using namespace ticketd;
using namespace ticketd::test;

namespace {

std::vector<std::string> smtp_flags(const SmtpSink& sink) {
  return {"--smtp-url", sink.url(), "--smtp-from", "help@ticketd.test", "--public-url", "http://help.test/"};
}

}  // namespace

TEST_CASE("e-mail over HTTP: the opt-out, dead letters and metrics") {
  SmtpSink sink;
  TempDir dir;
  ServerProcess server(dir.str(), smtp_flags(sink));
  HttpClient http = server.client();
  const std::string carla = token(Role::customer, "acme", "carla");
  const std::string admin = token(Role::admin, "acme", "ada");

  auto got = http.request("GET", "/api/v1/me/notifications", "", {bearer(carla)});
  REQUIRE(got.status == 200);
  CHECK(got.body == R"({"email":true})");
  CHECK(http.request("PUT", "/api/v1/me/notifications", R"({"email":"no"})", {bearer(carla)}).status == 422);
  CHECK(http.request("PUT", "/api/v1/me/notifications", R"({})", {bearer(carla)}).status == 422);
  auto put = http.request("PUT", "/api/v1/me/notifications", R"({"email":false})", {bearer(carla)});
  CHECK(put.status == 200);
  CHECK(put.body == R"({"email":false})");
  CHECK(http.request("GET", "/api/v1/me/notifications", "", {bearer(carla)}).body == R"({"email":false})");
  CHECK(http.request("GET", "/api/v1/me/notifications", "", {bearer(token(Role::customer, "acme", "cid"))}).body ==
        R"({"email":true})");

  CHECK(http.request("GET", "/api/v1/notifications/dead-letters", "", {bearer(token(Role::agent, "acme", "alex"))})
            .status == 403);
  auto letters = http.request("GET", "/api/v1/notifications/dead-letters", "", {bearer(admin)});
  CHECK(letters.status == 200);
  CHECK(letters.array("items").size() == 0);
  CHECK(http.request("POST", "/api/v1/notifications/dead-letters/99/retry", "", {bearer(admin)}).status == 404);

  // carla opted out; cid did not.
  for (const char* who : {"carla", "cid"}) {
    auto t = http.request("POST", "/api/v1/tickets", R"({"subject":"Printer on fire","description":"it smokes"})",
                          {bearer(token(Role::customer, "acme", who))});
    REQUIRE(t.status == 201);
    REQUIRE(http.request("POST", "/api/v1/tickets/" + t.str("id") + "/comments", R"({"body":"On it"})",
                         {bearer(token(Role::agent, "acme", "alex"))})
                .status == 201);
  }
  REQUIRE(eventually([&] { return sink.messages().size() == 1; }));
  CHECK(sink.messages().front().rcpt == "cid@example.com");
  CHECK(sink.messages().front().text.find("http://help.test/tickets/") != std::string::npos);
  REQUIRE(eventually([&] {
    const auto m = http.request("GET", "/metrics", "", {});
    return m.body.find("ticketd_email_sent_total 1\n") != std::string::npos &&
           m.body.find("ticketd_email_skipped_total 1\n") != std::string::npos;
  }));

  TempDir plain;
  ServerProcess without(plain.str());
  CHECK(without.client().request("GET", "/api/v1/me/notifications", "", {bearer(carla)}).status == 404);
  CHECK(without.client().request("GET", "/metrics", "", {}).body.find("ticketd_email") == std::string::npos);
}

TEST_CASE("e-mail over HTTP: a kill -9 mid-stream; every message arrives exactly once") {
  constexpr int kTickets = 16;
  // Each RCPT waits: the kill lands while every message in flight waits for it (none sent).
  SmtpRefusals slow;
  slow.rcpt_delay_ms = 500;
  SmtpSink sink(slow);
  TempDir dir;
  std::set<std::string> tickets;
  {
    ServerProcess server(dir.str(), smtp_flags(sink));
    HttpClient http = server.client();
    for (int i = 0; i < kTickets; ++i) {
      auto t = http.request("POST", "/api/v1/tickets",
                            fmt::format(R"({{"subject":"Burst {}","description":"it smokes"}})", i),
                            {bearer(token(Role::customer, "acme", "carla"))});
      REQUIRE(t.status == 201);
      tickets.insert(t.str("id"));
      REQUIRE(http.request("POST", "/api/v1/tickets/" + t.str("id") + "/comments",
                           fmt::format(R"({{"body":"Reply {}"}})", i), {bearer(token(Role::agent, "acme", "alex"))})
                  .status == 201);
    }
    // Mid-send: every message in flight waits at RCPT, and has for a while with nothing
    // accepted meanwhile, so the ones accepted before are marked sent (the mark follows the
    // server's answer by a synced write; a kill between the two may send one twice, which
    // SMTP cannot avoid and this test does not exercise).
    REQUIRE(eventually(
        [&] {
          if (sink.messages().size() < 3 || !sink.all_waiting_at_rcpt()) return false;
          const std::size_t seen = sink.messages().size();
          std::this_thread::sleep_for(std::chrono::milliseconds(200));
          return sink.all_waiting_at_rcpt() && sink.messages().size() == seen;
        },
        std::chrono::seconds(60)));
    server.kill_hard();
  }
  const std::size_t before_restart = sink.messages().size();
  MESSAGE("received before the kill: ", before_restart);
  CHECK(before_restart < kTickets);  // the kill came mid-stream

  ServerProcess server(dir.str(), smtp_flags(sink));
  REQUIRE(eventually([&] { return sink.messages().size() >= kTickets; }, std::chrono::seconds(90)));
  // Anything in hand at the restart has had its chance to arrive twice by now: the outbox
  // stored a position beyond every comment.
  HttpClient http = server.client();
  REQUIRE(eventually(
      [&] {
        const auto m = http.request("GET", "/metrics", "", {});
        const std::string head = "\nticketd_log_head_position ", outbox = "\nticketd_email_outbox_position ";
        const auto h = m.body.find(head), o = m.body.find(outbox);
        if (h == std::string::npos || o == std::string::npos) return false;
        return std::stoull(m.body.substr(h + head.size())) == std::stoull(m.body.substr(o + outbox.size()));
      },
      std::chrono::seconds(30)));
  std::map<std::string, int> by_id;
  std::set<std::string> threads;
  for (const auto& m : sink.messages()) {
    ++by_id[m.header("Message-ID")];
    threads.insert(m.header("References"));
    CHECK(m.rcpt == "carla@example.com");
  }
  CHECK(sink.messages().size() == kTickets);
  CHECK(by_id.size() == kTickets);
  for (const auto& [id, n] : by_id) CHECK_MESSAGE(n == 1, id);
  std::set<std::string> expected;
  for (const auto& t : tickets) expected.insert("<" + t + "@ticketd.test>");
  CHECK(threads == expected);
}
