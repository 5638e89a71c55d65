// Outgoing webhooks in process (docs/notifications.md): the Standard Webhooks signature
// against the specification's published vector, deliveries to a real HTTP receiver on
// loopback (CloudEvents body, headers, signature verified by the test, personal fields
// sealed), event-type filters, retries with backoff, dead letters and their retry, and a
// restart that resumes from the stored position without delivering anything twice.
#include "notifications/webhooks.h"

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <simdjson.h>

#include <map>

#include "adapters/integration_store.h"
#include "base/base64.h"
#include "base/hmac.h"
#include "notifications/standard_webhook.h"
#include "tests/engine_fixture.h"
#include "tests/fake_http_server.h"

using namespace ticketd;
using namespace ticketd::test;

namespace {

struct World {
  TempDir dir;
  Engine e{dir.str() + "/events"};
  std::unique_ptr<IntegrationStore> store = std::move(*IntegrationStore::open(dir.str() + "/integrations"));
  std::unique_ptr<Webhooks> hooks = make();

  std::unique_ptr<Webhooks> make() {
    Webhooks::Options quick;  // retries in milliseconds, for the test
    quick.max_attempts = 3;
    quick.first_backoff = std::chrono::milliseconds(20);
    quick.call_timeout = std::chrono::milliseconds(2000);
    auto h = std::make_unique<Webhooks>(e.engine, *store, e.cipher, e.ids, e.clock, quick);
    REQUIRE(h->start());
    return h;
  }
  http::WebhookSubscription subscribe(const std::string& url, std::vector<std::string> types,
                                      std::optional<std::string> secret = std::nullopt) {
    http::WebhookSubscription s;
    s.url = url;
    s.event_types = std::move(types);
    s.secret = std::move(secret);
    auto made = hooks->subscribe("acme", s, admin());
    REQUIRE(made);
    return *made;
  }
  std::string create(const std::string& subject = "Printer on fire") {
    auto created = e.engine.create(new_ticket(subject), as(customer("c1")));
    REQUIRE(created);
    return created->ticket->id;
  }
};

// Checks a delivery as a receiver would: the signature over "id.timestamp.body" under the
// secret's key, computed here from the header values.
bool signed_by(const FakeRequest& r, const std::string& secret) {
  auto key = base64_decode(secret.substr(6));
  if (!key) return false;
  const std::string content = r.header("webhook-id") + "." + r.header("webhook-timestamp") + "." + r.body;
  return r.header("webhook-signature") == "v1," + base64_encode(hmac(HmacDigest::sha256, *key, content));
}

std::size_t count_id(const std::vector<FakeRequest>& rs, const std::string& id) {
  return static_cast<std::size_t>(
      std::count_if(rs.begin(), rs.end(), [&](const FakeRequest& r) { return r.header("webhook-id") == id; }));
}

}  // namespace

TEST_CASE("Standard Webhooks: the specification's test vector, and what a secret must be") {
  auto key = webhook_key("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
  REQUIRE(key);
  CHECK(webhook_signature(*key, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, R"({"test": 2432232314})") ==
        "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
  CHECK_FALSE(webhook_key("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"));  // no prefix
  CHECK_FALSE(webhook_key("whsec_c2hvcnQ="));                    // 5 bytes
  CHECK_FALSE(webhook_key("whsec_not base64!"));
  const std::string fresh = new_webhook_secret();
  CHECK(fresh.starts_with("whsec_"));
  REQUIRE(webhook_key(fresh));
  CHECK(webhook_key(fresh)->size() == 24);
  CHECK(new_webhook_secret() != fresh);
}

TEST_CASE("webhooks: signed CloudEvents for the subscribed types, after the subscription only, sealed fields") {
  FakeHttpServer receiver([](const FakeRequest&) -> FakeReply { return {200, "", ""}; });
  World w;
  const std::string before = w.create("Made before anyone subscribed");
  const auto sub = w.subscribe(receiver.url() + "/hook", {"ticket.created", "ticket.commented"});
  REQUIRE(sub.secret);
  CHECK(sub.id.starts_with("wh_"));
  CHECK(w.hooks->subscriptions("acme")->front().secret == std::nullopt);  // never listed

  const std::string id = w.create();
  REQUIRE(w.e.engine.execute(id, AddComment{"k-1", "Have you tried turning it off", Visibility::public_, {}, {}},
                             as(customer("c1"))));
  w.e.add_user("a1", Role::agent);
  REQUIRE(w.e.engine.execute(id, AssignTicket{"a1", std::nullopt, false}, as(agent("a1"))));  // not subscribed
  const std::string after_assign = w.create("Last");
  REQUIRE(eventually([&] { return receiver.requests().size() == 3; }));
  // The assignment and the ticket made before are not delivered; the rest in log order.
  CHECK(eventually([&] { return w.hooks->stats().position == w.e.engine.log().head().position; }));
  auto got = receiver.requests();
  REQUIRE(got.size() == 3);

  simdjson::dom::parser parser;
  std::vector<std::string> types, subjects;
  std::uint64_t last_position = 0;
  for (const FakeRequest& r : got) {
    CHECK(r.method == "POST");
    CHECK(r.target == "/hook");
    CHECK(r.header("content-type") == "application/cloudevents+json");
    CHECK(signed_by(r, *sub.secret));
    CHECK_FALSE(signed_by(r, new_webhook_secret()));
    CHECK(r.header("webhook-timestamp") ==
          std::to_string(std::chrono::duration_cast<std::chrono::seconds>(w.e.clock.now().time_since_epoch()).count()));
    simdjson::dom::element ce;
    REQUIRE(parser.parse(r.body).get(ce) == simdjson::SUCCESS);
    CHECK(std::string_view(ce["specversion"]) == "1.0");
    CHECK(std::string_view(ce["source"]) == "/ticketd/tenants/acme");
    CHECK(std::string_view(ce["tenant"]) == "acme");
    CHECK(std::string_view(ce["datacontenttype"]) == "application/json");
    const std::uint64_t position = std::stoull(std::string(std::string_view(ce["position"])));
    CHECK(position > last_position);
    last_position = position;
    CHECK(r.header("webhook-id") == fmt::format("{}_{}", sub.id, position));
    CHECK(std::string_view(ce["id"]) == std::to_string(position));
    CHECK(std::uint64_t(ce["data"]["position"]) == position);
    types.emplace_back(std::string_view(ce["type"]));
    subjects.emplace_back(std::string_view(ce["subject"]));
    // Personal fields travel sealed: the subject and the comment are not in the body.
    CHECK(r.body.find("Printer on fire") == std::string::npos);
    CHECK(r.body.find("turning it off") == std::string::npos);
  }
  CHECK(types ==
        std::vector<std::string>{"ticketd.ticket.created", "ticketd.ticket.commented", "ticketd.ticket.created"});
  CHECK(subjects == std::vector<std::string>{id, id, after_assign});
  CHECK(std::find(subjects.begin(), subjects.end(), before) == subjects.end());
  CHECK(w.hooks->stats().delivered == 3);
}

TEST_CASE("webhooks: 503 and 429 retried with the same id, 400 and exhausted retries dead-lettered, then retried") {
  std::mutex mu;
  std::vector<int> answers;  // popped front per request; 200 when empty
  FakeHttpServer receiver([&](const FakeRequest&) -> FakeReply {
    std::lock_guard lock(mu);
    if (answers.empty()) return {200, "", ""};
    const int status = answers.front();
    answers.erase(answers.begin());
    return {status, R"({"error":"not now"})", status == 429 ? "0" : ""};
  });
  World w;
  const auto sub = w.subscribe(receiver.url(), {"*"});
  auto set_answers = [&](std::vector<int> a) {
    std::lock_guard lock(mu);
    answers = std::move(a);
  };

  // Two failures, then through: three calls, one webhook-id, no dead letter.
  set_answers({503, 429});
  w.create("One");
  REQUIRE(eventually([&] { return w.hooks->stats().delivered == 1; }));
  auto got = receiver.requests();
  REQUIRE(got.size() == 3);
  CHECK(count_id(got, got.front().header("webhook-id")) == 3);
  CHECK(w.hooks->stats().retried_calls == 2);

  // 400: given up at once. 500 three times: given up after max_attempts.
  set_answers({400, 500, 500, 500});
  w.create("Two");
  w.create("Three");
  REQUIRE(eventually([&] { return w.hooks->dead_letters("acme")->size() == 2; }));
  CHECK(receiver.requests().size() == 3 + 1 + 3);
  auto letters = *w.hooks->dead_letters("acme");
  CHECK(letters[0].subscription == sub.id);
  CHECK(letters[0].error == "the receiver answered 400");
  CHECK(letters[0].attempts == 1);
  CHECK(letters[1].error == "the receiver answered 500 (after 3 attempts)");
  CHECK(letters[0].position < letters[1].position);
  CHECK(w.hooks->stats().dead_lettered == 2);

  // An admin retries: the first fails again (kept, attempts counted), then both go through.
  set_answers({502});
  auto again = w.hooks->retry_dead_letter("acme", letters[0].id);
  REQUIRE(again);
  CHECK_FALSE(*again);
  CHECK(w.hooks->dead_letters("acme")->front().attempts == 2);
  CHECK(w.hooks->dead_letters("acme")->front().error == "the receiver answered 502");
  for (const auto& l : letters) {
    auto done = w.hooks->retry_dead_letter("acme", l.id);
    REQUIRE(done);
    CHECK(*done);
  }
  CHECK(w.hooks->dead_letters("acme")->empty());
  const std::string first_id = fmt::format("{}_{}", sub.id, letters[0].position);
  CHECK(count_id(receiver.requests(), first_id) == 3);  // the 400, the 502, the 200
  CHECK(w.hooks->retry_dead_letter("acme", letters[0].id).error().code == Errc::not_found);
  CHECK(w.hooks->retry_dead_letter("other", letters[1].id).error().code == Errc::not_found);
}

TEST_CASE("webhooks: a restart resumes from the stored position; limits, secrets and unsubscribing") {
  FakeHttpServer receiver([](const FakeRequest&) -> FakeReply { return {204, "", ""}; });
  World w;
  const std::string mine = "whsec_" + base64_encode(std::string(32, 'k'));
  const auto sub = w.subscribe(receiver.url(), {"ticket.created"}, mine);
  CHECK(sub.secret == mine);
  w.create("Before the restart");
  REQUIRE(eventually([&] { return receiver.requests().size() == 1; }));

  w.hooks->stop();
  w.create("While stopped");
  w.hooks = w.make();  // loads the subscription, its sealed secret, and the position
  w.create("After the restart");
  REQUIRE(eventually([&] { return receiver.requests().size() == 3; }));
  CHECK(eventually([&] { return w.hooks->stats().position == w.e.engine.log().head().position; }));
  auto got = receiver.requests();
  REQUIRE(got.size() == 3);
  std::map<std::string, int> ids;
  for (const auto& r : got) {
    CHECK(signed_by(r, mine));
    ++ids[r.header("webhook-id")];
  }
  CHECK(ids.size() == 3);  // nothing twice

  // Secrets that are not Standard Webhooks secrets; the per-tenant limit.
  http::WebhookSubscription bad;
  bad.url = receiver.url();
  bad.event_types = {"*"};
  bad.secret = "not-a-secret";
  CHECK(w.hooks->subscribe("acme", bad, admin()).error().code == Errc::validation);
  bad.secret.reset();
  for (std::size_t n = 1; n < http::WebhooksPort::kMaxSubscriptionsPerTenant; ++n) {
    REQUIRE(w.hooks->subscribe("acme", bad, admin()));
  }
  CHECK(w.hooks->subscribe("acme", bad, admin()).error().code == Errc::conflict);
  CHECK(w.hooks->subscriptions("acme")->size() == http::WebhooksPort::kMaxSubscriptionsPerTenant);
  CHECK(w.hooks->subscriptions("other")->empty());

  // Unsubscribed: nothing more for it, and its stored secret can no longer be opened.
  const auto all = *w.hooks->subscriptions("acme");
  for (const auto& s : all) REQUIRE(w.hooks->unsubscribe("acme", s.id, admin()));
  CHECK(w.hooks->unsubscribe("acme", sub.id, admin()).error().code == Errc::not_found);
  w.create("After unsubscribing");
  CHECK(eventually([&] { return w.hooks->stats().position == w.e.engine.log().head().position; }));
  CHECK(receiver.requests().size() == 3);
  w.hooks->stop();
  w.hooks = w.make();
  CHECK(w.hooks->subscriptions("acme")->empty());
}
