// E-mail notifications in process (docs/notifications.md, "E-mail") against a real SMTP
// server on loopback (tests/smtp_sink.py, aiosmtpd), asserting on the messages it received:
// who gets what (never the actor, never an internal note to the requester), the headers
// (From, To, an RFC 2047 Subject, Message-ID, In-Reply-To, References threading a ticket),
// both bodies (text and HTML-escaped HTML), retries when the server answers 451, a dead
// letter after a permanent 550 and its retry, the opt-out, an erased subject, and a replay
// from an earlier position that sends nothing twice.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <set>

#include "adapters/integration_store.h"
#include "notifications/email_outbox.h"
#include "tests/engine_fixture.h"
#include "tests/smtp_sink.h"

using namespace ticketd;
using namespace ticketd::test;

namespace {

constexpr const char* kFrom = "help@ticketd.test";
constexpr const char* kPublicUrl = "https://help.example.com";

struct World {
  explicit World(const SmtpRefusals& refusals = SmtpRefusals()) : sink(refusals) {
    add("c1", Role::customer, "carla@example.com");
    add("a1", Role::agent, "alex@example.com");
    add("ad1", Role::admin, "ada@example.com");
    outbox = make();
  }
  TempDir dir;
  Engine e{dir.str() + "/events"};
  std::unique_ptr<IntegrationStore> store = std::move(*IntegrationStore::open(dir.str() + "/integrations"));
  SmtpSink sink;
  SmtpMailer mailer{SmtpMailer::Options{sink.url(), StartTls::off, "", "", kFrom, std::chrono::milliseconds(2000),
                                        std::chrono::milliseconds(5000)}};
  std::unique_ptr<EmailNotifications> outbox;

  std::unique_ptr<EmailNotifications> make() {
    EmailNotifications::Options quick;  // retries in milliseconds, for the test
    quick.public_url = kPublicUrl;
    quick.host = "ticketd.test";
    quick.max_attempts = 3;
    quick.first_backoff = std::chrono::milliseconds(20);
    auto n = std::make_unique<EmailNotifications>(e.engine, *store, e.cipher, mailer, e.clock, quick);
    REQUIRE(n->start());
    return n;
  }
  void add(const std::string& sub, Role role, const std::string& address) {
    REQUIRE(e.engine.record_user(UserRecord{sub, "acme", "Name of " + sub, address, role},
                                 Principal{"ad1", "acme", Role::admin, "", ""}));
  }
  std::string create(const std::string& subject, const std::string& requester = "c1") {
    auto created = e.engine.create(new_ticket(subject), as(customer(requester)));
    REQUIRE(created);
    return created->ticket->id;
  }
  void run(const std::string& id, TicketCommand c, const Principal& who) {
    auto done = e.engine.execute(id, std::move(c), as(who));
    REQUIRE_MESSAGE(done, done.error().message);
  }
  void comment(const std::string& id, const Principal& who, const std::string& body, Visibility v = Visibility::public_,
               std::vector<std::string> mentions = {}) {
    static int n = 0;
    run(id, AddComment{fmt::format("cm-{}", ++n), body, v, {}, std::move(mentions)}, who);
  }
  // Waits until the outbox handled the whole log.
  bool caught_up() {
    return eventually([&] { return outbox->stats().position == e.engine.log().head().position; });
  }
};

std::vector<ReceivedMail> to(const std::vector<ReceivedMail>& all, const std::string& address) {
  std::vector<ReceivedMail> out;
  for (const auto& m : all) {
    if (m.rcpt == address) out.push_back(m);
  }
  return out;
}

bool any_holds(const std::vector<ReceivedMail>& ms, const std::string& text) {
  return std::any_of(ms.begin(), ms.end(), [&](const ReceivedMail& m) {
    return m.text.find(text) != std::string::npos || m.html.find(text) != std::string::npos;
  });
}

}  // namespace

TEST_CASE("e-mail: encoded subjects and dates") {
  CHECK(encode_subject("[TICK-1] Printer on fire") == "[TICK-1] Printer on fire");
  const std::string encoded = encode_subject("[TICK-2] Drucker brennt – ärgerlich");
  CHECK(encoded.starts_with("=?UTF-8?B?"));
  CHECK(encoded.find(' ') == std::string::npos);  // one word: under 45 bytes
  const std::string long_one = encode_subject(std::string(40, 'x') + "é" + std::string(40, 'y'));
  CHECK(long_one.find("?= =?UTF-8?B?") != std::string::npos);  // split into words of at most 75 characters
  for (std::size_t start = 0, end; start < long_one.size(); start = end + 1) {
    end = std::min(long_one.find(' ', start), long_one.size());
    CHECK(end - start <= 75);
  }
  CHECK(rfc5322_date(*parse_rfc3339("2026-12-04T18:23:55.250Z")) == "Fri, 04 Dec 2026 18:23:55 +0000");
}

TEST_CASE("e-mail: who is told what, threaded, with both bodies") {
  World w;
  const std::string subject = "Drucker brennt – ärgerlich";
  const std::string id = w.create(subject);                                               // a creation mails nobody
  w.run(id, AssignTicket{"a1", std::nullopt, false}, admin("ad1"));                       // a1: assigned; c1: open
  w.run(id, ChangeStatus{Status::in_progress, std::nullopt}, agent("a1"));                // c1: in_progress
  w.comment(id, agent("a1"), "We are on it <b>now</b>");                                  // c1: reply
  w.comment(id, agent("a1"), "Customer is grumpy", Visibility::internal, {"ad1", "c1"});  // ad1 only
  w.comment(id, customer("c1"), "Thanks & still broken");                                 // a1: customer reply
  w.run(id, ChangeStatus{Status::resolved, Resolution{ResolutionCode::resolved, "Replaced the fuser"}},
        agent("a1"));  // c1: resolved, with the link
  REQUIRE(w.caught_up());
  REQUIRE(eventually([&] { return w.sink.messages().size() >= 7; }));
  const auto all = w.sink.messages();
  REQUIRE(all.size() == 7);
  CHECK(w.outbox->stats().sent == 7);

  const auto carla = to(all, "carla@example.com");
  const auto alex = to(all, "alex@example.com");
  const auto ada = to(all, "ada@example.com");
  CHECK(carla.size() == 4);  // open, in_progress, the reply, resolved
  CHECK(alex.size() == 2);   // assigned, the customer's reply
  CHECK(ada.size() == 1);    // mentioned in the internal note
  CHECK_FALSE(any_holds(carla, "grumpy"));
  CHECK(any_holds(ada, "Customer is grumpy"));
  CHECK_FALSE(any_holds(alex, "We are on it"));  // never to the actor

  auto ticket = w.e.held(id);
  REQUIRE(ticket);
  const std::string number = (*ticket)->number;
  std::set<std::string> ids;
  for (const auto& m : all) {
    CHECK(m.header("From") == kFrom);
    CHECK(m.header("To") == m.rcpt);
    CHECK(m.header("Subject") == "[" + number + "] " + subject);
    CHECK(m.raw_subject.starts_with("=?UTF-8?B?"));
    CHECK(m.header("Message-ID").starts_with("<" + id + "."));
    CHECK(m.header("Message-ID").ends_with("@ticketd.test>"));
    CHECK(m.header("In-Reply-To") == "<" + id + "@ticketd.test>");
    CHECK(m.header("References") == "<" + id + "@ticketd.test>");  // one thread per ticket
    CHECK(m.header("Date").ends_with("+0000"));
    CHECK_FALSE(m.text.empty());
    CHECK(m.html.starts_with("<!DOCTYPE html>"));
    ids.insert(m.header("Message-ID"));
  }
  CHECK(ids.size() == all.size());

  const auto reply = std::find_if(carla.begin(), carla.end(), [](const ReceivedMail& m) {
    return m.text.find("We are on it") != std::string::npos;
  });
  REQUIRE(reply != carla.end());
  CHECK(reply->text.find("We are on it <b>now</b>") != std::string::npos);
  CHECK(reply->html.find("We are on it &lt;b&gt;now&lt;/b&gt;") != std::string::npos);
  CHECK(reply->html.find("<b>now") == std::string::npos);
  std::string lines = reply->text;
  std::erase(lines, '\r');
  CHECK(lines.starts_with("There is a new reply on your ticket.\n\nWe are on it"));
  {
    std::ifstream raw(reply->file.substr(0, reply->file.size() - 5) + ".eml");  // the bytes received
    const std::string bytes((std::istreambuf_iterator<char>(raw)), {});
    CHECK(bytes.find("Content-Type: multipart/alternative") != std::string::npos);
    CHECK(bytes.find("=0A") == std::string::npos);  // line breaks travel as CRLF, not encoded
  }
  const auto resolved = std::find_if(carla.begin(), carla.end(), [](const ReceivedMail& m) {
    return m.text.find("Replaced the fuser") != std::string::npos;
  });
  REQUIRE(resolved != carla.end());
  const std::string link = std::string(kPublicUrl) + "/tickets/" + id;
  CHECK(resolved->text.find(link) != std::string::npos);
  CHECK(resolved->html.find("href=\"" + link + "\"") != std::string::npos);
  CHECK(resolved->text.find("confirm") != std::string::npos);
  CHECK(any_holds(alex, "Thanks &amp; still broken"));  // escaped in HTML

  std::string metrics;
  w.outbox->render_metrics(metrics);
  CHECK(metrics.find("ticketd_email_sent_total 7\n") != std::string::npos);
}

TEST_CASE("e-mail: 451 is retried, 550 is a dead letter, and a dead letter can be sent again") {
  SmtpRefusals refusals;
  refusals.refuse_first = 2;
  refusals.reject_rcpt = "bounce";
  World w(refusals);
  w.add("c2", Role::customer, "bounce@example.com");
  const std::string id = w.create("Printer on fire");
  w.comment(id, agent("a1"), "Retried twice");
  REQUIRE(eventually([&] { return w.sink.messages().size() == 1; }));
  CHECK(w.sink.refused() == 2);
  CHECK(w.outbox->stats().retried == 2);
  CHECK(w.sink.messages().front().text.find("Retried twice") != std::string::npos);

  const std::string other = w.create("Scanner jammed", "c2");
  w.comment(other, agent("a1"), "Refused for good");
  REQUIRE(eventually([&] { return w.outbox->stats().dead_lettered == 1; }));
  CHECK(w.outbox->stats().retried == 2);  // a 550 is not retried
  auto letters = w.outbox->dead_letters("acme");
  REQUIRE(letters);
  REQUIRE(letters->size() == 1);
  const auto letter = letters->front();
  CHECK(letter.recipient == "c2");
  CHECK(letter.error.find("550") != std::string::npos);
  CHECK(letter.error.find("bounce") == std::string::npos);  // no address in errors
  CHECK(w.outbox->dead_letters("globex")->empty());

  auto again = w.outbox->retry_dead_letter("acme", letter.id);
  REQUIRE(again);
  CHECK_FALSE(*again);
  CHECK(w.outbox->dead_letters("acme")->front().attempts == 2);
  w.add("c2", Role::customer, "cleo@example.com");  // the address is read again
  again = w.outbox->retry_dead_letter("acme", letter.id);
  REQUIRE(again);
  CHECK(*again);
  CHECK(w.outbox->dead_letters("acme")->empty());
  const auto all = w.sink.messages();
  REQUIRE(all.size() == 2);
  CHECK(all.back().rcpt == "cleo@example.com");
  CHECK(all.back().text.find("Refused for good") != std::string::npos);
  CHECK(w.outbox->retry_dead_letter("acme", letter.id).error().code == Errc::not_found);
}

TEST_CASE("e-mail: opt-out and erased subjects are skipped; a replay sends nothing twice") {
  World w;
  w.add("c3", Role::customer, "cid@example.com");
  CHECK(*w.outbox->email_enabled("acme", "c1"));
  REQUIRE(w.outbox->set_email_enabled("acme", "c1", false));
  CHECK_FALSE(*w.outbox->email_enabled("acme", "c1"));
  const std::string id = w.create("Printer on fire");
  const std::string erased = w.create("Scanner jammed", "c3");
  REQUIRE(w.e.engine.erase_subject("c3", admin("ad1")));
  w.comment(id, agent("a1"), "Not mailed: opted out");
  w.comment(erased, agent("a1"), "Not mailed: erased");
  REQUIRE(w.caught_up());
  CHECK(w.outbox->stats().skipped == 2);
  CHECK(w.sink.messages().empty());

  REQUIRE(w.outbox->set_email_enabled("acme", "c1", true));
  const std::uint64_t before = w.e.engine.log().head().position;
  w.comment(id, agent("a1"), "Mailed: opted in again");
  w.comment(id, agent("a1"), "Mailed too");
  REQUIRE(w.caught_up());
  REQUIRE(eventually([&] { return w.sink.messages().size() == 2; }));

  // A restart from an earlier position (as after a crash before the position was stored)
  // finds the messages marked sent and sends none again.
  w.outbox->stop();
  w.outbox.reset();
  REQUIRE(w.store->set_outbox_position(EmailNotifications::kSystem, before));
  w.outbox = w.make();
  REQUIRE(w.caught_up());
  w.comment(id, agent("a1"), "After the restart");
  REQUIRE(eventually([&] { return w.sink.messages().size() == 3; }));
  REQUIRE(w.caught_up());
  std::set<std::string> ids;
  for (const auto& m : w.sink.messages()) ids.insert(m.header("Message-ID"));
  CHECK(ids.size() == 3);
  CHECK(w.sink.messages().size() == 3);
  CHECK(w.outbox->stats().sent == 1);
}
