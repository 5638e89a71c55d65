// The sync adapters in process (docs/integrations.md): signatures over the raw bytes, every
// fixture of tests/fixtures/external (real deliveries) parsed and mapped, and the inbox
// applied through a real engine on RocksDB: import, updates, mirrored status, comments,
// duplicates, out-of-order deliveries, unknown values, refusals, and a restart with entries
// still in the inbox.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>

#include "adapters/integration_store.h"
#include "adapters/integrations.h"
#include "adapters/payloads.h"
#include "adapters/webhook_signature.h"
#include "base/base64.h"
#include "base/hex.h"
#include "base/hmac.h"
#include "events/external_origin.h"
#include "tests/engine_fixture.h"
#include "tests/fake_http_server.h"

using namespace ticketd;
using namespace ticketd::test;

namespace {

std::string fixture(const std::string& name) {
  std::ifstream in(std::string(FIXTURES_DIR) + "/" + name, std::ios::binary);
  REQUIRE_MESSAGE(in.good(), "missing fixture ", name);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string hub(HmacDigest d, const std::string& secret, const std::string& body) {
  return std::string(d == HmacDigest::sha1 ? "sha1=" : "sha256=") + to_hex(hmac(d, secret, body));
}

constexpr const char* kSecret = "whsec-test-0123456789";

http::WebhookDelivery signed_jira(const std::string& body, const std::string& delivery) {
  return {"acme",
          "jira",
          {{"x-hub-signature", hub(HmacDigest::sha256, kSecret, body)}, {"x-atlassian-webhook-identifier", delivery}},
          body};
}

}  // namespace

TEST_CASE("signatures are checked over the raw bytes, in each system's scheme") {
  const std::string body = fixture("jira_issue_created.json");
  const HeaderList jira{{"x-hub-signature", hub(HmacDigest::sha256, kSecret, body)}};
  CHECK(signature_valid(ExternalSystem::jira, kSecret, jira, body));
  CHECK_FALSE(signature_valid(ExternalSystem::jira, "another secret", jira, body));
  std::string altered = body;
  altered[altered.size() / 2] ^= 1;
  CHECK_FALSE(signature_valid(ExternalSystem::jira, kSecret, jira, altered));
  CHECK_FALSE(signature_valid(ExternalSystem::jira, kSecret, {}, body));
  CHECK_FALSE(signature_valid(ExternalSystem::jira, "", jira, body));  // no secret: nothing passes
  // Either prefix, for both systems that sign with X-Hub-Signature.
  const HeaderList sha1{{"x-hub-signature", hub(HmacDigest::sha1, kSecret, body)}};
  CHECK(signature_valid(ExternalSystem::zammad, kSecret, sha1, body));
  CHECK(signature_valid(ExternalSystem::jira, kSecret, sha1, body));
  CHECK_FALSE(signature_valid(ExternalSystem::zammad, kSecret, {{"x-hub-signature", "md5=00"}}, body));
  // SMAX: the shared secret itself.
  CHECK(signature_valid(ExternalSystem::smax, kSecret, {{"x-webhook-secret", kSecret}}, "{}"));
  CHECK_FALSE(signature_valid(ExternalSystem::smax, kSecret, {{"x-webhook-secret", "whsec-test-012345678"}}, "{}"));
  // Delivery ids: the system's header, else the body's digest.
  CHECK(delivery_id({{"x-zammad-delivery", "z-1"}}, body) == "z-1");
  CHECK(delivery_id({{"x-atlassian-webhook-identifier", "j-1"}}, body) == "j-1");
  CHECK(delivery_id({}, "{}").starts_with("sha256:"));
}

TEST_CASE("every fixture parses into the fields it carries") {
  SUBCASE("jira issue created") {
    auto t = parse_jira_webhook(fixture("jira_issue_created.json"));
    REQUIRE(t);
    CHECK(t->event == "jira:issue_created");
    CHECK(t->key == "TES-41");
    CHECK(t->subject == "Unit test summary");
    CHECK(t->description == "Unit test description, not that long");
    CHECK(t->status == "To Do");
    CHECK(t->status_category == "new");
    CHECK(t->priority == "High");
    CHECK(t->type == "Story");
    CHECK_FALSE(t->resolution);
    CHECK(t->actor.id == "5c5f880629be9642ba529340");
    CHECK(t->actor.name == "Test User");
    CHECK(t->reporter.id == "5c5f880629be9642ba529340");
    CHECK(t->updated == parse_rfc3339("2019-02-16T03:01:52.971Z"));
  }
  SUBCASE("jira issue updated: started working, then done with a resolution") {
    auto started = parse_jira_webhook(fixture("jira_issue_updated_started_working.json"));
    REQUIRE(started);
    CHECK(started->status_category == "indeterminate");
    CHECK(started->updated == parse_rfc3339("2019-02-16T03:14:22.002Z"));
    auto done = parse_jira_webhook(fixture("jira_issue_updated.json"));
    REQUIRE(done);
    CHECK(done->status == "Done");
    CHECK(done->status_category == "done");
    CHECK(done->resolution == "Done");
    CHECK(done->subject == "Unit test summary 1");
  }
  SUBCASE("jira comments, public by jsdPublic") {
    auto c = parse_jira_webhook(fixture("jira_comment_created.json"));
    REQUIRE(c);
    REQUIRE(c->comments.size() == 1);
    CHECK(c->comments[0].id == "10019");
    CHECK(c->comments[0].body == "Added a comment");
    CHECK(c->comments[0].is_public);
    CHECK(c->actor.name == "Test User");
    auto z = parse_jira_webhook(fixture("jira_comment_created_zulip.json"));
    REQUIRE(z);
    CHECK(z->key == "ZUL-1");
    REQUIRE(z->comments.size() == 1);
    CHECK(z->comments[0].body == "Leaving a comment here! :)");
    CHECK(z->comments[0].is_public);
    CHECK(z->updated == parse_rfc3339("2019-01-07T20:25:51.184Z"));  // the comment's time (-03:30)
  }
  SUBCASE("zammad's default body") {
    auto t = parse_zammad_webhook(fixture("zammad_webhook.json"));
    REQUIRE(t);
    CHECK(t->key == "81");
    CHECK(t->subject == "Webhook-Test");
    CHECK(t->status == "open");
    CHECK(t->priority == "2 normal");
    CHECK(t->updated == parse_rfc3339("2020-11-13T14:34:35.333Z"));
    CHECK(t->reporter.id == "8");
    CHECK(t->reporter.name == "Emily Adams");
    CHECK(t->actor.name == "Christopher Miller");
    // The first article is the description, not a comment.
    REQUIRE(t->description);
    CHECK(t->description->starts_with("This is a simple Webhook Test."));
    CHECK(t->comments.empty());
    REQUIRE(t->attachments.size() == 1);
    CHECK(t->attachments[0].name == "image1.jpeg");
    CHECK(t->attachments[0].size == 35574);
  }
  SUBCASE("smax: an id only is thin; an ems entity is read") {
    auto thin = parse_smax_webhook(R"({"id":"159551"})");
    REQUIRE(thin);
    CHECK(thin->thin);
    CHECK(thin->key == "159551");
    auto full = parse_smax_webhook(
        R"({"entities":[{"entity_type":"Request","properties":{"Id":"42","DisplayLabel":"VPN down",)"
        R"("Status":"RequestStatusComplete","PhaseId":"Close","Priority":"HighPriority","LastUpdateTime":1560353119448,)"
        R"("Comments":"{\"Comment\":[{\"CommentId\":\"c1\",\"CommentBody\":\"Rebooted\",\"PrivacyType\":\"AGENTPUBLIC\"},)"
        R"({\"CommentId\":\"c2\",\"CommentBody\":\"note\",\"PrivacyType\":\"INTERNAL\"}]}"}}]})");
    REQUIRE(full);
    CHECK_FALSE(full->thin);
    CHECK(full->subject == "VPN down");
    CHECK(full->status_category == "Close");
    CHECK(full->updated == Timestamp{std::chrono::milliseconds{1560353119448}});
    REQUIRE(full->comments.size() == 2);
    CHECK(full->comments[0].is_public);
    CHECK_FALSE(full->comments[1].is_public);
  }
  SUBCASE("bodies that are not the system's") {
    CHECK(parse_jira_webhook("not json").error().code == Errc::validation);
    CHECK(parse_jira_webhook(R"({"webhookEvent":"jira:issue_updated"})").error().code == Errc::validation);
    CHECK(parse_zammad_webhook(R"({"article":{}})").error().code == Errc::validation);
    CHECK(parse_smax_webhook(R"({"name":"x"})").error().code == Errc::validation);
  }
}

namespace {

struct World {
  TempDir dir;
  Engine e{dir.str() + "/events"};
  std::unique_ptr<IntegrationStore> store = std::move(*IntegrationStore::open(dir.str() + "/integrations"));
  std::unique_ptr<Integrations> integrations = make();

  std::unique_ptr<Integrations> make() {
    Outbox::Options quick;  // retries in milliseconds, for the test
    quick.max_attempts = 3;
    quick.first_backoff = std::chrono::milliseconds(20);
    quick.call_timeout = std::chrono::milliseconds(2000);
    auto i = std::make_unique<Integrations>(e.engine, *store, e.cipher, e.ids, e.clock, quick);
    i->start();
    return i;
  }
  void configure(const std::string& system, http::ConnectionSettings c = {}) {
    if (c.base_url.empty()) c.base_url = "http://127.0.0.1:1";
    c.webhook_secret = kSecret;
    REQUIRE(integrations->configure("acme", system, c, admin()));
  }
  void drain() {
    REQUIRE(eventually([&] { return integrations->inbox_depth() == 0; }));
  }
  Ticket ticket(const std::string& system, const std::string& key) {
    auto id = store->ticket_of("acme", system, key);
    REQUIRE(id);
    REQUIRE(*id);
    auto t = e.held(**id);
    REQUIRE(t);
    return **t;
  }
  std::string status(const std::string& system) { return *integrations->status("acme", system); }
};

}  // namespace

TEST_CASE("jira deliveries: import, mirrored status, comments, duplicates and out-of-order updates") {
  World w;
  w.configure("jira");
  auto receive = [&](const std::string& file, const std::string& delivery) {
    auto r = w.integrations->receive(signed_jira(fixture(file), delivery));
    REQUIRE(r);
    return *r;
  };
  CHECK(receive("jira_issue_created.json", "d-1") == http::WebhookOutcome::accepted);
  w.drain();
  Ticket t = w.ticket("jira", "TES-41");
  CHECK(t.subject == "Unit test summary");
  CHECK(t.description == "Unit test description, not that long");
  CHECK(t.priority == Priority::high);
  CHECK(t.status == Status::new_);
  CHECK(t.requester == "jira:5c5f880629be9642ba529340");
  REQUIRE(t.external.size() == 1);
  CHECK(t.external[0] == ExternalRef{"jira", "TES-41"});
  // The event says where it came from: the integration as actor, the Jira user as origin.
  auto created = w.e.store->read_stream(t.id, 1, 1);
  REQUIRE(created);
  CHECK(created->front().actor == Actor{"jira", "integration", "acme"});
  CHECK(created->front().causation_id == "jira:d-1");
  auto origin = origin_of(created->front().data, created->front().type, w.e.cipher);
  REQUIRE(origin);
  REQUIRE(*origin);
  CHECK((*origin)->key == "TES-41");
  CHECK((*origin)->actor == "Test User");
  CHECK(created->front().data.find("Test User") == std::string::npos);  // sealed

  CHECK(receive("jira_issue_updated_started_working.json", "d-2") == http::WebhookOutcome::accepted);
  w.drain();
  t = w.ticket("jira", "TES-41");
  CHECK(t.status == Status::in_progress);  // mirrored: no ticketd assignee needed
  CHECK(t.subject == "Unit test summary 1");

  CHECK(receive("jira_issue_updated.json", "d-3") == http::WebhookOutcome::accepted);
  w.drain();
  t = w.ticket("jira", "TES-41");
  CHECK(t.status == Status::resolved);
  REQUIRE(t.resolution);
  CHECK(t.resolution->text == "Done");
  const auto version = t.version;

  // The same delivery again: dropped before the inbox.
  CHECK(receive("jira_issue_updated.json", "d-3") == http::WebhookOutcome::duplicate);
  // An older update delivered late (another delivery id): its fields change nothing.
  CHECK(receive("jira_issue_updated_started_working.json", "d-4") == http::WebhookOutcome::accepted);
  w.drain();
  t = w.ticket("jira", "TES-41");
  CHECK(t.status == Status::resolved);
  CHECK(t.version == version);

  // A comment, public by jsdPublic; delivered twice under two ids, stored once.
  CHECK(receive("jira_comment_created.json", "d-5") == http::WebhookOutcome::accepted);
  CHECK(receive("jira_comment_created.json", "d-6") == http::WebhookOutcome::accepted);
  w.drain();
  t = w.ticket("jira", "TES-41");
  REQUIRE(t.comments.size() == 1);
  CHECK(t.comments[0].body == "Added a comment");
  CHECK(t.comments[0].visibility == Visibility::public_);
  CHECK(t.comments[0].author == "jira");

  const std::string status = w.status("jira");
  CAPTURE(status);
  CHECK(status.find(R"("received":6)") != std::string::npos);
  CHECK(status.find(R"("duplicates":1)") != std::string::npos);
  // The late update, and both comment deliveries: their issue is older than the newest
  // change applied, so only their comments counted.
  CHECK(status.find(R"("stale":3)") != std::string::npos);
  // Jira's "Story" is no ticketd type and the connection maps none: reported, not guessed.
  CHECK(status.find(R"("unknown_types":{"Story":6})") != std::string::npos);
  CHECK(status.find(R"("applied":6)") != std::string::npos);
  CHECK(status.find(R"("inbox_depth":0)") != std::string::npos);

  // A bad signature: nothing stored, counted.
  auto forged = signed_jira(fixture("jira_comment_created_zulip.json"), "d-7");
  forged.body += " ";
  CHECK(*w.integrations->receive(forged) == http::WebhookOutcome::bad_signature);
  CHECK(w.integrations->inbox_depth() == 0);
  CHECK(w.status("jira").find(R"("bad_signatures":1)") != std::string::npos);
  // Another tenant, or an inbound-off connection: not configured.
  auto elsewhere = signed_jira(fixture("jira_comment_created_zulip.json"), "d-8");
  elsewhere.tenant = "globex";
  CHECK(*w.integrations->receive(elsewhere) == http::WebhookOutcome::not_configured);
}

TEST_CASE("zammad: the first article is the description; unknown values are reported, never guessed") {
  World w;
  w.configure("zammad");
  const std::string body = fixture("zammad_webhook.json");
  auto deliver = [&](const std::string& b, const std::string& id) {
    http::WebhookDelivery d{
        "acme", "zammad", {{"x-hub-signature", hub(HmacDigest::sha1, kSecret, b)}, {"x-zammad-delivery", id}}, b};
    REQUIRE(*w.integrations->receive(d) == http::WebhookOutcome::accepted);
    w.drain();
  };
  deliver(body, "z-1");
  Ticket t = w.ticket("zammad", "81");
  CHECK(t.subject == "Webhook-Test");
  CHECK(t.description.starts_with("This is a simple Webhook Test."));
  CHECK(t.priority == Priority::medium);
  CHECK(t.status == Status::open);
  CHECK(t.requester == "zammad:8");
  // The article's file is a reference: name, size, type and URL, no bytes here.
  REQUIRE(t.attachments.size() == 1);
  CHECK(t.attachments[0].file_name == "image1.jpeg");
  CHECK(t.attachments[0].size == 35574);
  CHECK(t.attachments[0].content_type == "image/jpeg");
  CHECK(t.attachments[0].url == "https://zammad.example.com/api/v1/ticket_attachment/81/104/174");
  CHECK(t.attachments[0].visibility == Visibility::public_);
  CHECK(t.attachments[0].sha256.empty());
  // In the log the URL is sealed like the name.
  auto records = w.e.store->read_stream(t.id, 1, 20);
  REQUIRE(records);
  for (const auto& r : *records) CHECK(r.data.find("zammad.example.com") == std::string::npos);
  // Only admins, global admins and integrations add references; an agent is refused.
  w.e.add_user("a1", Role::agent);
  AttachmentMeta reference;
  reference.id = "ref-1";
  reference.file_name = "log.txt";
  reference.content_type = "text/plain";
  reference.url = "https://files.example.com/log.txt";
  CHECK(w.e.engine.execute(t.id, AddAttachment{reference}, as(agent("a1"))).error().code == Errc::forbidden);
  reference.url = "ftp://files.example.com/log.txt";
  CHECK(w.e.engine.execute(t.id, AddAttachment{reference}, as(admin())).error().code == Errc::validation);

  // A state and a priority of this installation that no map names: kept out, reported.
  std::string custom = body;
  custom.replace(custom.find(R"("state": "open")"), 15, R"("state": "escalated")");
  custom.replace(custom.find(R"("name": "2 normal")"), 18, R"("name": "4 urgent")");
  custom.replace(custom.find("2020-11-13T14:34:35.333Z"), 24, "2020-11-13T15:00:00.000Z");
  deliver(custom, "z-2");
  t = w.ticket("zammad", "81");
  CHECK(t.status == Status::open);
  CHECK(t.priority == Priority::medium);
  const std::string status = w.status("zammad");
  CAPTURE(status);
  CHECK(status.find(R"("unknown_statuses":{"escalated":1})") != std::string::npos);
  CHECK(status.find(R"("unknown_priorities":{"4 urgent":1})") != std::string::npos);

  // Mapped by the connection: the next delivery of the same values applies them.
  http::ConnectionSettings c;
  c.status_map = {{"escalated", "in_progress"}};
  c.priority_map = {{"4 urgent", "urgent"}};
  w.configure("zammad", c);
  custom.replace(custom.find("2020-11-13T15:00:00.000Z"), 24, "2020-11-13T15:10:00.000Z");
  deliver(custom, "z-3");
  t = w.ticket("zammad", "81");
  CHECK(t.status == Status::in_progress);
  CHECK(t.priority == Priority::urgent);
}

TEST_CASE("smax: an id-only delivery is read through the REST API; a 404 is refused and reported") {
  FakeHttpServer smax([&](const FakeRequest& r) -> FakeReply {
    if (r.target.starts_with("/auth/authentication-endpoint/authenticate/login")) return {200, "token-xyz", ""};
    if (r.target == "/rest/t1/ems/Request/159551?layout=FULL_LAYOUT") {
      return {200,
              R"({"entities":[{"entity_type":"Request","properties":{"Id":"159551","DisplayLabel":"Printer offline",)"
              R"("Description":"Floor 3","Status":"RequestStatusInProgress","Priority":"LowPriority",)"
              R"("LastUpdateTime":1560353119448,"RequestedByPerson":"10015"}}],"meta":{"completion_status":"OK"}})",
              ""};
    }
    return {404, "no such request", ""};
  });
  World w;
  http::ConnectionSettings c;
  c.base_url = smax.url();
  c.tenant_id = "t1";
  c.login = "bot";
  c.password = "pw";
  w.configure("smax", c);
  http::WebhookDelivery d{"acme", "smax", {{"x-webhook-secret", kSecret}}, R"({"id":"159551"})"};
  REQUIRE(*w.integrations->receive(d) == http::WebhookOutcome::accepted);
  w.drain();
  Ticket t = w.ticket("smax", "159551");
  CHECK(t.subject == "Printer offline");
  CHECK(t.status == Status::in_progress);
  CHECK(t.priority == Priority::low);
  CHECK(t.requester == "smax:10015");
  auto sent = smax.requests();
  REQUIRE(sent.size() == 2);
  CHECK(sent[1].authorization.empty());  // SMAX's token travels as a cookie, not Authorization
  http::WebhookDelivery gone{"acme", "smax", {{"x-webhook-secret", kSecret}}, R"({"id":"404404"})"};
  REQUIRE(*w.integrations->receive(gone) == http::WebhookOutcome::accepted);
  w.drain();
  CHECK_FALSE(*w.store->ticket_of("acme", "smax", "404404"));
  const std::string status = w.status("smax");
  CAPTURE(status);
  CHECK(status.find("fetching 404404") != std::string::npos);
  CHECK(status.find("HTTP 404") != std::string::npos);
}

TEST_CASE("pull sync: Jira's search pages, with nextPageToken, then from the watermark") {
  simdjson::dom::parser parser;
  const std::string created = fixture("jira_issue_created.json");
  const std::string issue = std::string(simdjson::minify(parser.parse(created)["issue"].value()));
  auto with_key = [&](int n) {
    std::string i = issue;
    i.replace(i.find(R"("key":"TES-41")"), 14, fmt::format(R"("key":"PULL-{}")", n));
    return i;
  };
  FakeHttpServer jira([&](const FakeRequest& r) -> FakeReply {
    if (!r.target.starts_with("/rest/api/3/search/jql?")) return {404, "{}", ""};
    if (r.target.find("nextPageToken=t2") != std::string::npos) {
      return {200, fmt::format(R"({{"issues":[{}],"isLast":true}})", with_key(3)), ""};
    }
    return {200, fmt::format(R"({{"issues":[{},{}],"nextPageToken":"t2","isLast":false}})", with_key(1), with_key(2)),
            ""};
  });
  World w;
  http::ConnectionSettings c;
  c.base_url = jira.url();
  c.project = "TES";
  c.email = "bot@example.com";
  c.api_token = "tok";
  w.configure("jira", c);
  auto pulled = w.integrations->pull("acme", "jira", parse_rfc3339("2019-02-01T00:00:00Z"));
  REQUIRE_MESSAGE(pulled, pulled.error().message);
  CHECK(pulled->pages == 2);
  CHECK(pulled->tickets == 3);
  for (int n = 1; n <= 3; ++n) CHECK(w.ticket("jira", fmt::format("PULL-{}", n)).subject == "Unit test summary");
  auto sent = jira.requests();
  REQUIRE(sent.size() == 2);
  // The JQL, URL-encoded by Boost.URL: the project, updated >= in minutes, oldest first.
  CHECK(sent[0].target.find("jql=project%20=%20%22TES%22%20AND%20updated%20%3E=%20%222019-02-01%2000:00%22%20ORDER%"
                            "20BY%20updated%20ASC") != std::string::npos);
  CHECK(sent[0].target.find("fields=*all") != std::string::npos);
  // The next pull starts at the newest updated time seen, minus the overlap.
  auto again = w.integrations->pull("acme", "jira");
  REQUIRE(again);
  CHECK(again->since == *parse_rfc3339("2019-02-16T03:01:52.971Z") - Integrations::kPullOverlap);
  CHECK(again->tickets == 3);  // the same issues again: nothing new written
  CHECK(w.ticket("jira", "PULL-1").version == 1);
  // The periodic pull (the API allows 30 s and more; the port takes what it is given).
  c.pull_interval_s = 1;
  w.configure("jira", c);
  CHECK(eventually([&] { return jira.requests().size() >= 6; }));
  CHECK(w.status("jira").find(R"("pulled":)") != std::string::npos);
}

TEST_CASE("deliveries left in the inbox by a stop are applied at the next start, once") {
  World w;
  w.configure("jira");
  w.integrations->stop();  // the worker is gone: deliveries wait in the inbox
  REQUIRE(*w.integrations->receive(signed_jira(fixture("jira_issue_created.json"), "k-1")) ==
          http::WebhookOutcome::accepted);
  REQUIRE(*w.integrations->receive(signed_jira(fixture("jira_comment_created.json"), "k-2")) ==
          http::WebhookOutcome::accepted);
  CHECK(w.integrations->inbox_depth() == 2);
  w.integrations.reset();
  w.store.reset();
  w.store = std::move(*IntegrationStore::open(w.dir.str() + "/integrations"));
  CHECK(w.store->inbox_depth() == 2);
  w.integrations = w.make();
  w.drain();
  Ticket t = w.ticket("jira", "TES-41");
  CHECK(t.comments.size() == 1);
  // The same deliveries (ids remembered) are duplicates after the restart too.
  CHECK(*w.integrations->receive(signed_jira(fixture("jira_issue_created.json"), "k-1")) ==
        http::WebhookOutcome::duplicate);
}

TEST_CASE("connections keep their secrets sealed and never lose one a PUT leaves out") {
  World w;
  http::ConnectionSettings c;
  c.base_url = "https://example.atlassian.net";
  c.email = "bot@example.com";
  c.api_token = "jira-api-token-secret";
  c.webhook_secret = kSecret;
  REQUIRE(w.integrations->configure("acme", "jira", c, admin()));
  auto stored = w.store->connection("acme", "jira");
  REQUIRE(stored);
  REQUIRE(*stored);
  CHECK((*stored)->find("jira-api-token-secret") == std::string::npos);
  CHECK((*stored)->find(kSecret) == std::string::npos);
  http::ConnectionSettings again;
  again.base_url = "https://other.atlassian.net";
  REQUIRE(w.integrations->configure("acme", "jira", again, admin()));
  auto now = w.integrations->connection("acme", "jira");
  REQUIRE(now);
  CHECK(now->base_url == "https://other.atlassian.net");
  CHECK(now->api_token == "jira-api-token-secret");
  CHECK(now->webhook_secret == kSecret);
  CHECK(w.integrations->connection("acme", "zammad").error().code == Errc::not_found);
}

namespace {

// Jira's transitions answer (rest/jira_transitions_atlassian_example.json) with the status
// categories of a real Cloud site: "In Progress" is indeterminate, "Closed" done.
std::string transitions() {
  std::string body = fixture("rest/jira_transitions_atlassian_example.json");
  for (auto [from, to] : {std::pair{"\"in-flight\"", "\"indeterminate\""}, std::pair{"\"completed\"", "\"done\""}}) {
    for (auto at = body.find(from); at != std::string::npos; at = body.find(from))
      body.replace(at, std::strlen(from), to);
  }
  return body;
}

std::size_t count(const std::vector<FakeRequest>& requests, const std::string& method, const std::string& target) {
  std::size_t n = 0;
  for (const auto& r : requests) n += r.method == method && r.target == target ? 1 : 0;
  return n;
}

}  // namespace

TEST_CASE("jira outbound: comments, priority and status pushed once; echoes and system changes not sent back") {
  std::atomic<int> comment_failures{0};  // answers to fail the next comment calls with
  std::atomic<int> comment_status{500};
  FakeHttpServer jira([&](const FakeRequest& r) -> FakeReply {
    if (r.target == "/rest/api/2/issue/TES-41/comment") {
      if (comment_failures > 0) {
        --comment_failures;
        return {comment_status.load(), R"({"errorMessages":["busy"],"errors":{}})", comment_status == 429 ? "0" : ""};
      }
      return {201, R"({"id":"20001","body":"ok"})", ""};
    }
    if (r.target == "/rest/api/3/issue/TES-41/transitions" && r.method == "GET") return {200, transitions(), ""};
    if (r.target == "/rest/api/3/issue/TES-41/transitions") return {204, "", ""};
    if (r.target == "/rest/api/3/issue/TES-41" && r.method == "PUT") return {204, "", ""};
    if (r.target == "/rest/api/3/issue/TES-41/assignee" && r.method == "PUT") return {204, "", ""};
    return {404, R"({"errorMessages":["Issue does not exist"],"errors":{}})", ""};
  });
  World w;
  w.e.add_user("a1", Role::agent);
  http::ConnectionSettings c;
  c.base_url = jira.url();
  c.email = "bot@example.com";
  c.api_token = "tok";
  c.outbound = true;
  c.account_map = {{"5b10a2844c20165700ede21g", "a1"}};
  w.configure("jira", c);
  REQUIRE(*w.integrations->receive(signed_jira(fixture("jira_issue_created.json"), "o-1")) ==
          http::WebhookOutcome::accepted);
  w.drain();
  const std::string id = w.ticket("jira", "TES-41").id;
  auto agent_does = [&](TicketCommand command) {
    auto done = w.e.engine.execute(id, std::move(command), as(agent("a1")));
    REQUIRE_MESSAGE(done, done.error().message);
  };
  auto eventually_calls = [&](const std::string& method, const std::string& target, std::size_t n) {
    CHECK_MESSAGE(eventually([&] { return count(jira.requests(), method, target) == n; }), method, " ", target);
  };

  // A public reply by an agent reaches Jira once, as a public JSM comment, with Basic auth.
  agent_does(AddComment{"c-1", "We are on it", Visibility::public_, {}, {}});
  eventually_calls("POST", "/rest/api/2/issue/TES-41/comment", 1);
  auto sent = jira.requests();
  auto it = std::find_if(sent.begin(), sent.end(), [](const auto& r) { return r.method == "POST"; });
  REQUIRE(it != sent.end());
  CHECK(it->body.find("We are on it") != std::string::npos);
  CHECK(it->body.find(R"("key":"sd.public.comment","value":{"internal":false})") != std::string::npos);
  CHECK(it->authorization == "Basic " + base64_encode("bot@example.com:tok"));
  // Jira's webhook for that comment (id 20001) is its echo: nothing is written.
  std::string echo = fixture("jira_comment_created.json");
  echo.replace(echo.find(R"("id": "10019")"), 13, R"("id": "20001")");
  REQUIRE(*w.integrations->receive(signed_jira(echo, "o-2")) == http::WebhookOutcome::accepted);
  // A comment made in Jira is imported and not sent back.
  REQUIRE(*w.integrations->receive(signed_jira(fixture("jira_comment_created.json"), "o-3")) ==
          http::WebhookOutcome::accepted);
  w.drain();
  Ticket t = w.ticket("jira", "TES-41");
  REQUIRE(t.comments.size() == 2);
  CHECK(t.comments[0].body == "We are on it");
  CHECK(t.comments[1].body == "Added a comment");
  CHECK(eventually([&] { return w.integrations->outbox_stats().echoes_skipped >= 1; }));
  eventually_calls("POST", "/rest/api/2/issue/TES-41/comment", 1);

  // Priority: a PUT of the issue with Jira's name for it.
  agent_does(UpdateTicket{{}, {}, {}, {}, Priority::urgent, {}, {}});
  eventually_calls("PUT", "/rest/api/3/issue/TES-41", 1);
  sent = jira.requests();
  CHECK(std::any_of(sent.begin(), sent.end(),
                    [](const auto& r) { return r.body == R"({"fields":{"priority":{"name":"Highest"}}})"; }));

  // Status: in progress goes through the transition whose target is indeterminate.
  agent_does(AssignTicket{"a1", std::nullopt, false});  // new -> open: Jira offers no "new" transition here
  agent_does(ChangeStatus{Status::in_progress, std::nullopt});
  eventually_calls("POST", "/rest/api/3/issue/TES-41/transitions", 1);
  // The assignment went to a1's Jira account (Cloud: accountId).
  eventually_calls("PUT", "/rest/api/3/issue/TES-41/assignee", 1);
  sent = jira.requests();
  CHECK(std::any_of(sent.begin(), sent.end(),
                    [](const auto& r) { return r.body == R"({"accountId":"5b10a2844c20165700ede21g"})"; }));
  CHECK(std::any_of(sent.begin(), sent.end(), [](const auto& r) { return r.body == R"({"transition":{"id":"2"}})"; }));
  // The assignment's "open" found no transition: a dead letter, visible to admins.
  REQUIRE(eventually([&] { return w.integrations->dead_letters("acme", "jira")->size() == 1; }));
  auto letters = *w.integrations->dead_letters("acme", "jira");
  CHECK(letters[0].key == "TES-41");
  CHECK(letters[0].error.find("offers no transition to a new status") != std::string::npos);

  // 429 with Retry-After, then success: pushed once more, after a retry.
  comment_status = 429;
  comment_failures = 1;
  const auto retried = w.integrations->outbox_stats().retried_calls;
  agent_does(AddComment{"c-2", "Still on it", Visibility::internal, {}, {}});
  eventually_calls("POST", "/rest/api/2/issue/TES-41/comment", 3);  // the 429, then the 201
  CHECK(w.integrations->outbox_stats().retried_calls == retried + 1);

  // 500 every time: after 3 attempts a dead letter; replayed once Jira is back.
  comment_status = 500;
  comment_failures = 3;
  agent_does(AddComment{"c-3", "Third time", Visibility::public_, {}, {}});
  REQUIRE(eventually([&] { return w.integrations->dead_letters("acme", "jira")->size() == 2; }));
  letters = *w.integrations->dead_letters("acme", "jira");
  CHECK(letters[1].error.find("HTTP 500") != std::string::npos);
  CHECK(letters[1].error.find("after 3 attempts") != std::string::npos);
  auto replayed = w.integrations->retry_dead_letter("acme", "jira", letters[1].id);
  REQUIRE(replayed);
  CHECK(*replayed);
  CHECK(w.integrations->dead_letters("acme", "jira")->size() == 1);
  sent = jira.requests();
  CHECK(std::count_if(sent.begin(), sent.end(), [](const auto& r) {
          return r.body.find("Third time") != std::string::npos;
        }) == 4);  // three failed calls and the replay
  CHECK(w.integrations->retry_dead_letter("acme", "jira", 999).error().code == Errc::not_found);
}

TEST_CASE("smax and zammad outbound: FAILED inside HTTP 200 is a dead letter; zammad notes and states") {
  FakeHttpServer smax([&](const FakeRequest& r) -> FakeReply {
    if (r.target.starts_with("/auth/authentication-endpoint/authenticate/login")) return {200, "token-abc", ""};
    if (r.target == "/rest/t1/ems/bulk") {
      return {
          200,
          R"({"entity_result_list":[{"entity":{"entity_type":"Request","properties":{"Id":"42"}},)"
          R"("completion_status":"FAILED","errorDetails":{"message":"Request is closed"}}],"meta":{"completion_status":"FAILED"}})",
          ""};
    }
    if (r.target == "/rest/t1/collaboration/comments/Request/42")
      return {200, fixture("rest/smax_comment_create_response_docs.json"), ""};
    return {404, "not found", ""};
  });
  FakeHttpServer zammad([&](const FakeRequest& r) -> FakeReply {
    if (r.target == "/api/v1/ticket_articles") return {201, R"({"id":777,"ticket_id":81})", ""};
    if (r.target == "/api/v1/tickets/81") return {200, R"({"id":81})", ""};
    return {404, R"({"error":"Not Found"})", ""};
  });
  World w;
  w.e.add_user("a1", Role::agent);
  http::ConnectionSettings s;
  s.base_url = smax.url();
  s.tenant_id = "t1";
  s.login = "bot";
  s.password = "pw";
  s.outbound = true;
  s.account_map = {{"10016", "a1"}};
  w.configure("smax", s);
  http::ConnectionSettings z;
  z.base_url = zammad.url();
  z.token = "ztok";
  z.outbound = true;
  w.configure("zammad", z);
  // An SMAX request and a Zammad ticket, imported.
  http::WebhookDelivery smax_hook{
      "acme",
      "smax",
      {{"x-webhook-secret", kSecret}},
      R"({"entities":[{"entity_type":"Request","properties":{"Id":"42","DisplayLabel":"VPN down","Status":"RequestStatusReady","Priority":"HighPriority","LastUpdateTime":1560353119448}}]})"};
  REQUIRE(*w.integrations->receive(smax_hook) == http::WebhookOutcome::accepted);
  const std::string zbody = fixture("zammad_webhook.json");
  http::WebhookDelivery zammad_hook{
      "acme", "zammad", {{"x-hub-signature", hub(HmacDigest::sha1, kSecret, zbody)}}, zbody};
  REQUIRE(*w.integrations->receive(zammad_hook) == http::WebhookOutcome::accepted);
  w.drain();
  const std::string smax_id = w.ticket("smax", "42").id;
  const std::string zammad_id = w.ticket("zammad", "81").id;

  // SMAX: a comment goes through (after the login, with its cookie); the assignment and the
  // status update come back FAILED inside a 200: dead letters at once, not retried.
  REQUIRE(w.e.engine.execute(smax_id, AddComment{"s-1", "Rebooted the gateway", Visibility::public_, {}, {}},
                             as(agent("a1"))));
  REQUIRE(w.e.engine.execute(smax_id, AssignTicket{"a1", std::nullopt, false}, as(agent("a1"))));
  REQUIRE(w.e.engine.execute(smax_id, ChangeStatus{Status::in_progress, std::nullopt}, as(agent("a1"))));
  REQUIRE(eventually([&] { return w.integrations->dead_letters("acme", "smax")->size() == 2; }));
  auto letters = *w.integrations->dead_letters("acme", "smax");
  CHECK(letters[0].error.find("FAILED for 42 Request is closed") != std::string::npos);
  CHECK(letters[1].error.find("FAILED for 42 Request is closed") != std::string::npos);
  CHECK(count(smax.requests(), "POST", "/rest/t1/ems/bulk") == 2);
  auto bulk = smax.requests();
  CHECK(std::any_of(bulk.begin(), bulk.end(), [](const auto& r) {
    return r.body.find(R"("properties":{"Id":"42","AssignedToPerson":"10016"})") != std::string::npos;
  }));
  CHECK(count(smax.requests(), "POST", "/rest/t1/collaboration/comments/Request/42") == 1);

  // Zammad: an internal note, then the state.
  REQUIRE(w.e.engine.execute(zammad_id, AddComment{"z-1", "Called the customer", Visibility::internal, {}, {}},
                             as(agent("a1"))));
  REQUIRE(eventually([&] { return count(zammad.requests(), "POST", "/api/v1/ticket_articles") == 1; }));
  auto sent = zammad.requests();
  CHECK(sent.front().authorization == "Token token=ztok");
  CHECK(sent.front().body.find(R"("internal":true)") != std::string::npos);
  CHECK(sent.front().body.find(R"("ticket_id":"81")") != std::string::npos);
}

TEST_CASE(
    "assignments: pushed as the mapped account (Zammad owner_id, Jira with a PAT by name); unmapped users "
    "and unassignments") {
  FakeHttpServer zammad([&](const FakeRequest& r) -> FakeReply {
    if (r.target == "/api/v1/tickets/81") return {200, R"({"id":81})", ""};
    return {404, R"({"error":"Not Found"})", ""};
  });
  FakeHttpServer jira([&](const FakeRequest& r) -> FakeReply {
    if (r.target == "/rest/api/3/issue/TES-41/assignee") return {204, "", ""};
    if (r.target.ends_with("/transitions")) return {200, transitions(), ""};
    return {404, R"({"errorMessages":["no"],"errors":{}})", ""};
  });
  World w;
  w.e.add_user("a1", Role::agent);
  w.e.add_user("a2", Role::agent);
  http::ConnectionSettings z;
  z.base_url = zammad.url();
  z.token = "ztok";
  z.outbound = true;
  z.account_map = {{"7", "a1"}};
  w.configure("zammad", z);
  http::ConnectionSettings j;
  j.base_url = jira.url();
  j.pat = "data-center-token";
  j.outbound = true;
  j.account_map = {{"jsmith", "a1"}};
  w.configure("jira", j);
  const std::string zbody = fixture("zammad_webhook.json");
  REQUIRE(*w.integrations->receive(
              {"acme", "zammad", {{"x-hub-signature", hub(HmacDigest::sha1, kSecret, zbody)}}, zbody}) ==
          http::WebhookOutcome::accepted);
  REQUIRE(*w.integrations->receive(signed_jira(fixture("jira_issue_created.json"), "as-1")) ==
          http::WebhookOutcome::accepted);
  w.drain();
  const std::string zid = w.ticket("zammad", "81").id;
  const std::string jid = w.ticket("jira", "TES-41").id;
  auto assign = [&](const std::string& id, std::optional<std::string> who) {
    auto done = w.e.engine.execute(id, AssignTicket{who, std::nullopt, false}, as(admin()));
    REQUIRE_MESSAGE(done, done.error().message);
  };
  auto bodies = [](const FakeHttpServer& s, const std::string& target) {
    std::vector<std::string> out;
    for (const auto& r : s.requests())
      if (r.method == "PUT" && r.target == target) out.push_back(r.body);
    return out;
  };

  assign(zid, "a1");
  assign(zid, std::nullopt);
  REQUIRE(eventually([&] { return bodies(zammad, "/api/v1/tickets/81").size() >= 3; }));
  auto z_sent = bodies(zammad, "/api/v1/tickets/81");
  // In log order: the owner (with the state "open" of the assignment), then Zammad's nobody.
  const auto owner = std::find(z_sent.begin(), z_sent.end(), R"({"owner_id":7})");
  const auto nobody = std::find(z_sent.begin(), z_sent.end(), R"({"owner_id":1})");
  CHECK(owner != z_sent.end());
  CHECK(nobody != z_sent.end());
  CHECK(owner < nobody);

  assign(jid, "a1");
  REQUIRE(eventually([&] { return bodies(jira, "/rest/api/3/issue/TES-41/assignee").size() == 1; }));
  CHECK(bodies(jira, "/rest/api/3/issue/TES-41/assignee")[0] == R"({"name":"jsmith"})");
  // A user the account_map does not name: no call, a dead letter that says who.
  assign(jid, "a2");
  REQUIRE(eventually([&] {
    auto letters = w.integrations->dead_letters("acme", "jira");
    return std::any_of(letters->begin(), letters->end(),
                       [](const auto& l) { return l.error == "the account_map has no account for user a2"; });
  }));
  assign(jid, std::nullopt);
  REQUIRE(eventually([&] { return bodies(jira, "/rest/api/3/issue/TES-41/assignee").size() == 2; }));
  CHECK(bodies(jira, "/rest/api/3/issue/TES-41/assignee")[1] == R"({"name":null})");
}

TEST_CASE(
    "outbound concurrency: at most max_calls_in_flight calls per connection, one ticket's changes in order; "
    "a system that is down holds back only its own pushes") {
  std::mutex mu;
  std::map<std::string, std::vector<std::string>> bodies_of;  // target -> bodies, in arrival order
  FakeHttpServer zammad([&](const FakeRequest& r) -> FakeReply {
    std::this_thread::sleep_for(std::chrono::milliseconds(40));
    if (r.target != "/api/v1/ticket_articles") return {200, R"({"id":1})", ""};
    simdjson::dom::parser parser;
    auto root = parser.parse(r.body);
    const std::string ticket(root["ticket_id"].get_string().value());
    std::lock_guard lock(mu);
    bodies_of[ticket].push_back(std::string(root["body"].get_string().value()));
    return {201, fmt::format(R"({{"id":{}}})", 1000 + bodies_of[ticket].size()), ""};
  });
  FakeHttpServer jira([&](const FakeRequest&) -> FakeReply { return {503, R"({"errorMessages":["down"]})", "3"}; });
  World w;
  w.e.add_user("a1", Role::agent);
  http::ConnectionSettings z;
  z.base_url = zammad.url();
  z.token = "ztok";
  z.outbound = true;
  z.max_calls_in_flight = 3;
  w.configure("zammad", z);
  http::ConnectionSettings j;
  j.base_url = jira.url();
  j.email = "bot@example.com";
  j.api_token = "tok";
  j.outbound = true;
  w.configure("jira", j);
  // Jira is down (503, Retry-After 3 s): its outbox waits on TES-41's comment.
  REQUIRE(*w.integrations->receive(signed_jira(fixture("jira_issue_created.json"), "cc-1")) ==
          http::WebhookOutcome::accepted);
  // Eight Zammad tickets, numbered 900..907 (the fixture with another id and no articles).
  const std::string body = fixture("zammad_webhook.json");
  for (int i = 0; i < 8; ++i) {
    std::string b = body;
    b.replace(b.find(R"("id": 81)"), 8, fmt::format(R"("id": {})", 900 + i));
    REQUIRE(*w.integrations->receive({"acme",
                                      "zammad",
                                      {{"x-hub-signature", hub(HmacDigest::sha1, kSecret, b)},
                                       {"x-zammad-delivery", fmt::format("cc-z{}", i)}},
                                      b}) == http::WebhookOutcome::accepted);
  }
  w.drain();
  const std::string jid = w.ticket("jira", "TES-41").id;
  REQUIRE(w.e.engine.execute(jid, AddComment{"j-1", "Jira is down", Visibility::public_, {}, {}}, as(agent("a1"))));
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 8; ++i) {
      const std::string id = w.ticket("zammad", std::to_string(900 + i)).id;
      REQUIRE(w.e.engine.execute(
          id, AddComment{fmt::format("z-{}-{}", i, round), fmt::format("reply {}", round), Visibility::public_, {}, {}},
          as(agent("a1"))));
    }
  }
  REQUIRE(eventually(
      [&] {
        std::lock_guard lock(mu);
        std::size_t n = 0;
        for (const auto& [t, b] : bodies_of) n += b.size();
        return n == 24;
      },
      std::chrono::seconds(20)));
  CHECK(zammad.max_in_flight() == 3);
  std::lock_guard lock(mu);
  for (const auto& [ticket, bodies] : bodies_of) {
    CAPTURE(ticket);
    CHECK(bodies == std::vector<std::string>{"reply 0", "reply 1", "reply 2"});
  }
  // Meanwhile the Jira comment is still being retried, not dead-lettered yet.
  CHECK(w.integrations->dead_letters("acme", "jira")->empty());
  CHECK(count(jira.requests(), "POST", "/rest/api/2/issue/TES-41/comment") >= 1);
}

TEST_CASE("a delivery that leaves fields out is completed by a read of the ticket, else mapped as it came") {
  std::atomic<bool> up{true};
  FakeHttpServer jira([&](const FakeRequest& r) -> FakeReply {
    if (!up) return {503, "{}", ""};
    if (r.method == "GET" && r.target == "/rest/api/2/issue/WAL-TEST") {
      return {200, fixture("rest/jira_issue_get_jsm_waldur.json"), ""};
    }
    return {404, "{}", ""};
  });
  World w;
  http::ConnectionSettings c;
  c.base_url = jira.url();
  c.email = "bot@example.com";
  c.api_token = "tok";
  w.configure("jira", c);
  // A comment delivery whose issue carries neither summary nor status.
  auto comment = [](const std::string& id) {
    return fmt::format(
        R"({{"timestamp":1549609342000,"webhookEvent":"comment_created","comment":{{"id":"{}","body":"Comment {}",)"
        R"("jsdPublic":true,"updated":"2019-02-08T07:02:22.000+0000","author":{{"accountId":"557058:1"}}}},)"
        R"("issue":{{"key":"WAL-TEST","fields":{{}}}}}})",
        id, id);
  };
  auto partial = parse_jira_webhook(comment("1"));
  REQUIRE(partial);
  CHECK(partial->partial);
  CHECK_FALSE(parse_jira_webhook(fixture("jira_comment_created.json"))->partial);
  CHECK_FALSE(parse_zammad_webhook(fixture("zammad_webhook.json"))->partial);
  REQUIRE(*w.integrations->receive(signed_jira(comment("1"), "p-1")) == http::WebhookOutcome::accepted);
  w.drain();
  Ticket t = w.ticket("jira", "WAL-TEST");
  CHECK(t.subject == "test_issue");  // read from Jira
  REQUIRE(t.comments.size() == 1);
  CHECK(t.comments[0].body == "Comment 1");  // from the delivery
  CHECK(count(jira.requests(), "GET", "/rest/api/2/issue/WAL-TEST") == 1);
  CHECK(w.status("jira").find(R"("refetched":1,"refetch_failed":0)") != std::string::npos);
  // Jira cannot be read: the delivery is mapped as it came (its comment), and counted.
  up = false;
  REQUIRE(*w.integrations->receive(signed_jira(comment("2"), "p-2")) == http::WebhookOutcome::accepted);
  w.drain();
  CHECK(w.ticket("jira", "WAL-TEST").comments.size() == 2);
  CHECK(w.status("jira").find(R"("refetched":1,"refetch_failed":1)") != std::string::npos);
}

TEST_CASE("outbound: a system that answers too slowly times out, is retried, then dead-lettered") {
  std::atomic<bool> slow{true};
  FakeHttpServer zammad([&](const FakeRequest& r) -> FakeReply {
    if (slow && r.target == "/api/v1/ticket_articles") std::this_thread::sleep_for(std::chrono::milliseconds(2500));
    if (r.target == "/api/v1/ticket_articles") return {201, R"({"id":901})", ""};
    return {200, "{}", ""};
  });
  World w;  // calls time out after 2 s, 3 attempts
  w.e.add_user("a1", Role::agent);
  http::ConnectionSettings z;
  z.base_url = zammad.url();
  z.token = "ztok";
  z.outbound = true;
  w.configure("zammad", z);
  const std::string body = fixture("zammad_webhook.json");
  http::WebhookDelivery hook{"acme", "zammad", {{"x-hub-signature", hub(HmacDigest::sha1, kSecret, body)}}, body};
  REQUIRE(*w.integrations->receive(hook) == http::WebhookOutcome::accepted);
  w.drain();
  const std::string id = w.ticket("zammad", "81").id;
  REQUIRE(w.e.engine.execute(id, AddComment{"z-9", "Anyone there?", Visibility::public_, {}, {}}, as(agent("a1"))));
  REQUIRE(eventually([&] { return w.integrations->dead_letters("acme", "zammad")->size() == 1; },
                     std::chrono::seconds(30)));
  auto letters = *w.integrations->dead_letters("acme", "zammad");
  CAPTURE(letters[0].error);
  CHECK(letters[0].error.find("after 3 attempts") != std::string::npos);
  CHECK(w.integrations->outbox_stats().retried_calls == 2);
  slow = false;
  auto replayed = w.integrations->retry_dead_letter("acme", "zammad", letters[0].id);
  REQUIRE(replayed);
  CHECK(*replayed);
}

TEST_CASE("pull sync: Zammad's pages end on a short page; SMAX's when total_count is reached") {
  simdjson::dom::parser parser;
  const std::string ticket = fixture("rest/zammad_ticket_get_zammad_py.json");
  auto zammad_ticket = [&](int id) {
    std::string t = std::string(simdjson::minify(parser.parse(ticket).value()));
    t.replace(t.find(R"("id":1,)"), 7, fmt::format(R"("id":{},)", 5000 + id));
    t.replace(t.find(R"("title":"Welcome to Zammad!")"), 28, fmt::format(R"("title":"Pulled {}")", id));
    return t;
  };
  FakeHttpServer zammad([&](const FakeRequest& r) -> FakeReply {
    if (!r.target.starts_with("/api/v1/tickets/search?")) return {404, "{}", ""};
    std::string page = "[";
    const bool first = r.target.find("page=1&") != std::string::npos;
    for (int i = 0; i < (first ? 100 : 1); ++i) page += (i ? "," : "") + zammad_ticket(first ? i : 100 + i);
    return {200, page + "]", ""};
  });
  FakeHttpServer smax([&](const FakeRequest& r) -> FakeReply {
    if (r.target.starts_with("/auth/")) return {200, "tok", ""};
    if (!r.target.starts_with("/rest/t1/ems/Request?")) return {404, "no", ""};
    const bool first = r.target.find("skip=0") != std::string::npos;
    std::string entities;
    for (int i = 0; i < 2; ++i) {
      const int n = (first ? 0 : 2) + i;
      entities += fmt::format(
          R"({}{{"entity_type":"Request","properties":{{"Id":"{}","DisplayLabel":"Request {}","Status":"RequestStatusReady","LastUpdateTime":{}}}}})",
          i ? "," : "", 700 + n, n, 1560353119448 + n);
    }
    return {200, fmt::format(R"({{"entities":[{}],"meta":{{"completion_status":"OK","total_count":4}}}})", entities),
            ""};
  });
  World w;
  http::ConnectionSettings z;
  z.base_url = zammad.url();
  z.token = "t";
  w.configure("zammad", z);
  auto pulled = w.integrations->pull("acme", "zammad", parse_rfc3339("2025-01-01T00:00:00Z"));
  REQUIRE_MESSAGE(pulled, pulled.error().message);
  CHECK(pulled->pages == 2);
  CHECK(pulled->tickets == 101);
  CHECK(w.ticket("zammad", "5100").subject == "Pulled 100");
  CHECK(zammad.requests()[0].target.find("expand=true") != std::string::npos);

  http::ConnectionSettings s;
  s.base_url = smax.url();
  s.tenant_id = "t1";
  s.login = "bot";
  s.password = "pw";
  w.configure("smax", s);
  auto smax_pulled = w.integrations->pull("acme", "smax", parse_rfc3339("2019-01-01T00:00:00Z"));
  REQUIRE_MESSAGE(smax_pulled, smax_pulled.error().message);
  CHECK(smax_pulled->pages == 2);
  CHECK(smax_pulled->tickets == 4);
  CHECK(w.ticket("smax", "703").subject == "Request 3");
}
