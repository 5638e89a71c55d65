// Outgoing webhooks over HTTP against a real ticketd process (docs/notifications.md): the
// admin's subscriptions (the secret answered once, never listed; 403, 404, 422), a ticket
// made over HTTP reaching a receiver on loopback signed with that secret, and a kill -9 after
// a burst of acknowledged commands while the receiver refuses them: after the restart every
// one of their events reaches the receiver.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <atomic>
#include <mutex>
#include <set>

#include "base/base64.h"
#include "base/hmac.h"
#include "tests/fake_http_server.h"
#include "tests/http_fixture.h"
#include "tests/test_support.h"

using namespace ticketd;
using namespace ticketd::test;

namespace {

bool signed_by(const FakeRequest& r, const std::string& secret) {
  auto key = base64_decode(secret.substr(6));
  if (!key) return false;
  const std::string content = r.header("webhook-id") + "." + r.header("webhook-timestamp") + "." + r.body;
  return r.header("webhook-signature") == "v1," + base64_encode(hmac(HmacDigest::sha256, *key, content));
}

std::string subscribe(HttpClient& http, const std::string& url) {
  auto made = http.request("POST", "/api/v1/webhooks",
                           R"({"url":")" + url + R"(","event_types":["ticket.created"],"description":"ops"})",
                           {bearer(token(Role::admin, "acme", "ada"))});
  REQUIRE_MESSAGE(made.status == 201, made.body);
  return made.str("secret");
}

Reply create(HttpClient& http, const std::string& subject) {
  return http.request("POST", "/api/v1/tickets", R"({"subject":")" + subject + R"(","description":"it smokes"})",
                      {bearer(token(Role::customer, "acme", "carla"))});
}

}  // namespace

TEST_CASE("webhooks over HTTP: subscriptions, and a ticket reaching the receiver signed") {
  FakeHttpServer receiver([](const FakeRequest&) -> FakeReply { return {200, "", ""}; });
  TempDir dir;
  ServerProcess server(dir.str());
  HttpClient http = server.client();
  const std::string admin = token(Role::admin, "acme", "ada");

  CHECK(http.request("GET", "/api/v1/webhooks", "", {bearer(token(Role::agent, "acme", "alex"))}).status == 403);
  auto bad =
      http.request("POST", "/api/v1/webhooks",
                   R"({"url":"ftp://example.com/x","event_types":["ticket.exploded"],"secret":"s"})", {bearer(admin)});
  CHECK(bad.status == 422);
  CHECK(bad.body.find("url") != std::string::npos);
  CHECK(bad.body.find("ticket.exploded") != std::string::npos);
  CHECK(http.request("POST", "/api/v1/webhooks", R"({"url":"http://127.0.0.1:1/","event_types":["*"],"secret":"s"})",
                     {bearer(admin)})
            .status == 422);  // not a whsec_ secret
  CHECK(http.request("POST", "/api/v1/webhooks", R"({"url":"http://127.0.0.1:1/"})", {bearer(admin)}).status == 422);

  const std::string secret = subscribe(http, receiver.url() + "/in");
  CHECK(secret.starts_with("whsec_"));
  auto listed = http.request("GET", "/api/v1/webhooks", "", {bearer(admin)});
  REQUIRE(listed.status == 200);
  CHECK(listed.body.find(secret) == std::string::npos);
  CHECK(listed.body.find("whsec_") == std::string::npos);
  auto items = listed.array("items");
  REQUIRE(items.size() == 1);
  const std::string id(std::string_view(items.at(0)["id"].get_string().value()));
  CHECK(std::string_view(items.at(0)["description"].get_string().value()) == "ops");
  CHECK(http.request("GET", "/api/v1/webhooks", "", {bearer(token(Role::admin, "globex", "gus"))}).body.find(id) ==
        std::string::npos);

  REQUIRE(create(http, "Printer on fire").status == 201);
  REQUIRE(eventually([&] { return receiver.requests().size() == 1; }));
  const FakeRequest got = receiver.requests().front();
  CHECK(got.target == "/in");
  CHECK(signed_by(got, secret));
  CHECK(got.header("webhook-id").starts_with(id + "_"));
  CHECK(got.body.find(R"("type":"ticketd.ticket.created")") != std::string::npos);
  CHECK(got.body.find("Printer on fire") == std::string::npos);  // sealed
  // The outbox's counters in /metrics (the delivery is counted once the receiver answered).
  REQUIRE(eventually([&] {
    auto metrics = http.request("GET", "/metrics", "", {});
    return metrics.body.find("\nticketd_webhooks_delivered_total 1\n") != std::string::npos;
  }));
  CHECK(http.request("GET", "/metrics", "", {}).body.find("\nticketd_webhooks_dead_lettered_total 0\n") !=
        std::string::npos);

  auto letters = http.request("GET", "/api/v1/webhooks/dead-letters", "", {bearer(admin)});
  CHECK(letters.status == 200);
  CHECK(letters.array("items").size() == 0);
  CHECK(http.request("POST", "/api/v1/webhooks/dead-letters/99/retry", "", {bearer(admin)}).status == 404);
  CHECK(http.request("DELETE", "/api/v1/webhooks/" + id, "", {bearer(token(Role::admin, "globex", "gus"))}).status ==
        404);
  CHECK(http.request("DELETE", "/api/v1/webhooks/" + id, "", {bearer(admin)}).status == 204);
  CHECK(http.request("GET", "/api/v1/webhooks", "", {bearer(admin)}).array("items").size() == 0);
  REQUIRE(create(http, "After unsubscribing").status == 201);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  CHECK(receiver.requests().size() == 1);
}

TEST_CASE("webhooks over HTTP: a kill -9 after acknowledged commands loses no delivery") {
  constexpr int kTickets = 40;
  std::mutex mu;
  std::set<std::string> subjects;  // ce subjects (ticket ids) received
  // The receiver refuses everything until the kill, so the first process delivers nothing.
  std::atomic<bool> accepting{false};
  FakeHttpServer receiver([&](const FakeRequest& r) -> FakeReply {
    if (!accepting) return {503, "", ""};
    const auto at = r.body.find(R"("subject":")");
    if (at != std::string::npos) {
      const auto start = at + 11;
      std::lock_guard lock(mu);
      subjects.insert(r.body.substr(start, r.body.find('"', start) - start));
    }
    return {200, "", ""};
  });
  TempDir dir;
  std::set<std::string> created;
  {
    ServerProcess server(dir.str());
    HttpClient http = server.client();
    subscribe(http, receiver.url());
    for (int i = 0; i < kTickets; ++i) {
      auto r = create(http, fmt::format("Burst {}", i));
      REQUIRE(r.status == 201);
      created.insert(r.str("id"));
    }
    REQUIRE(eventually([&] { return !receiver.requests().empty(); }));  // it is trying
    server.kill_hard();
  }
  CHECK(subjects.empty());
  accepting = true;
  ServerProcess server(dir.str());
  REQUIRE(eventually(
      [&] {
        std::lock_guard lock(mu);
        return subjects.size() == kTickets;
      },
      std::chrono::seconds(60)));
  std::lock_guard lock(mu);
  CHECK(subjects == created);
  MESSAGE("requests in all (at least once: a batch in hand at the kill is sent again): ", receiver.requests().size());
}
