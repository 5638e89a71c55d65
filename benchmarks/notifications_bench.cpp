// Notifications benchmark: how fast the outboxes turn logged changes into deliveries.
//
//   build/benchmarks/notifications_bench [--tickets N] [--dir DIR]
//
// The log is filled first, with both outboxes stopped: N tickets, each created by a
// customer and answered publicly by an agent (2 webhook deliveries, one per event, to a
// subscription of every type; 1 e-mail, the reply to the requester). Then the e-mail
// outbox (notifications/email_outbox.h, to tests/smtp_sink.py: Python's aiosmtpd on
// loopback, which writes every message to disk) and the webhook outbox
// (notifications/webhooks.h, to an HTTP receiver on loopback answering 200) are started
// together, and timed until both have delivered everything: notifications/s = deliveries
// / seconds. Beside it, each one's ceiling on the same receivers: SmtpMailer sending N
// messages of the same shape one at a time, and the RestClient posting 2N bodies one
// at a time (the outboxes' own clients without the outboxes).
// Any failure exits 1.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <filesystem>
#include <thread>

#include "adapters/integration_store.h"
#include "benchmarks/bench_exit.h"
#include "commands/command_engine.h"
#include "notifications/email_outbox.h"
#include "notifications/mailer.h"
#include "notifications/webhooks.h"
#include "privacy/subject_key_store.h"
#include "tests/fake_http_server.h"
#include "tests/smtp_sink.h"

namespace {

using namespace ticketd;
using Steady = std::chrono::steady_clock;

double seconds_since(Steady::time_point t0) { return std::chrono::duration<double>(Steady::now() - t0).count(); }

}  // namespace

int main(int argc, char** argv) {
  CLI::App cli{"ticketd notifications benchmark"};
  int tickets = 500;
  std::string dir = "/tmp/ticketd-notifications-bench";
  cli.add_option("--tickets", tickets, "tickets in the log (each: 2 webhooks, 1 e-mail)")->check(CLI::Range(1, 100000));
  cli.add_option("--dir", dir, "scratch directory (deleted first)");
  CLI11_PARSE(cli, argc, argv);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);

  auto store = bench::must(open_rocksdb_event_store(dir + "/events"), "opening the event store");
  auto keys = bench::must(open_subject_key_store(dir + "/keys"), "opening the key store");
  FieldCipher cipher(*keys);
  SystemClock clock;
  RandomIds ids;
  CommandEngine engine(*store, clock, ids, cipher);
  auto integrations = bench::must(IntegrationStore::open(dir + "/integrations"), "opening the integration store");

  test::SmtpSink sink;
  std::atomic<std::size_t> received{0};
  test::FakeHttpServer receiver([&](const test::FakeRequest&) -> test::FakeReply {
    ++received;
    return {200, "", ""};
  });

  const Principal agent{"a1", "acme", Role::agent, "Agnes", "agnes@example.com"};
  const Principal admin{"ad1", "acme", Role::admin, "", ""};
  bench::must(engine.record_user(UserRecord{"a1", "acme", "Agnes", "agnes@example.com", Role::agent}, agent), "agent");
  for (int i = 0; i < tickets; ++i) {
    const std::string sub = fmt::format("c{}", i);
    bench::must(engine.record_user(UserRecord{sub, "acme", fmt::format("Customer {}", i),
                                              fmt::format("c{}@example.com", i), Role::customer},
                                   Principal{sub, "acme", Role::customer, "", ""}),
                "customer");
  }

  SmtpMailer::Options mail_options;
  mail_options.url = sink.url();
  mail_options.from = "helpdesk@example.com";
  SmtpMailer mailer(mail_options);
  EmailNotifications::Options email_options;
  email_options.public_url = "http://127.0.0.1:8080";
  email_options.host = "example.com";
  auto email = std::make_unique<EmailNotifications>(engine, *integrations, cipher, mailer, clock, email_options);
  auto hooks = std::make_unique<Webhooks>(engine, *integrations, cipher, ids, clock, Webhooks::Options{});
  bench::must(email->start(), "starting the e-mail outbox");
  bench::must(hooks->start(), "starting the webhooks");
  http::WebhookSubscription s;
  s.url = receiver.url() + "/hook";
  s.event_types = {"*"};
  bench::must(hooks->subscribe("acme", s, admin), "subscribing");
  email->stop();
  hooks->stop();

  for (int i = 0; i < tickets; ++i) {
    const Principal customer{fmt::format("c{}", i), "acme", Role::customer, "", ""};
    CreateTicket create;
    create.tenant = "acme";
    create.subject = "VPN drops every few minutes";
    create.description = "Since this morning the VPN client disconnects every 3-5 minutes.";
    CommandRequest as_customer;
    as_customer.principal = customer;
    auto created = bench::must(engine.create(std::move(create), as_customer), "create");
    AddComment reply;
    reply.comment_id = ids.next_id();
    reply.body = "Please reinstall the client from the portal.";
    CommandRequest as_agent;
    as_agent.principal = agent;
    bench::must(engine.execute(created.ticket->id, std::move(reply), as_agent), "reply");
  }
  const std::size_t want_mails = static_cast<std::size_t>(tickets), want_hooks = 2u * tickets;
  fmt::print("log: {} tickets, {} records; expecting {} e-mails and {} webhook deliveries\n", tickets,
             store->head().position, want_mails, want_hooks);

  const auto t0 = Steady::now();
  bench::must(email->start(), "starting the e-mail outbox");
  bench::must(hooks->start(), "starting the webhooks");
  double mail_done = 0, hooks_done = 0;
  while (mail_done == 0 || hooks_done == 0) {
    if (mail_done == 0 && email->stats().sent >= want_mails) mail_done = seconds_since(t0);
    if (hooks_done == 0 && hooks->stats().delivered >= want_hooks) hooks_done = seconds_since(t0);
    if (seconds_since(t0) > 600) {
      fmt::print(stderr, "notifications_bench: not delivered within 600 s (e-mail {}, webhooks {})\n",
                 email->stats().sent, hooks->stats().delivered);
      return 1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  const double both = std::max(mail_done, hooks_done);
  const auto es = email->stats();
  const auto hs = hooks->stats();
  email->stop();
  hooks->stop();
  fmt::print("outboxes together: {} deliveries in {:.2f} s = {:.0f} notifications/s\n", want_mails + want_hooks, both,
             (want_mails + want_hooks) / both);
  fmt::print("  e-mail:   {} sent in {:.2f} s = {:.0f}/s (retried {}, dead letters {}, skipped {})\n", es.sent,
             mail_done, es.sent / mail_done, es.retried, es.dead_lettered, es.skipped);
  fmt::print("  webhooks: {} delivered in {:.2f} s = {:.0f}/s (retried {}, dead letters {})\n", hs.delivered,
             hooks_done, hs.delivered / hooks_done, hs.retried_calls, hs.dead_lettered);

  // Ceilings: the same clients alone, one call at a time.
  const auto m0 = Steady::now();
  for (int i = 0; i < tickets; ++i) {
    MailMessage m;
    m.to = fmt::format("c{}@example.com", i);
    m.subject = "[TICK-1] VPN drops every few minutes";
    m.message_id = fmt::format("<ceiling.{}@example.com>", i);
    m.in_reply_to = "<ceiling@example.com>";
    m.references = {"<ceiling@example.com>"};
    m.text = "Please reinstall the client from the portal.";
    m.html = "<!doctype html><html><body><p>Please reinstall the client from the portal.</p></body></html>";
    bench::must(mailer.send(m), "the ceiling's send");
  }
  const double mail_ceiling = tickets / seconds_since(m0);
  RestClient client(std::chrono::seconds(10));
  const std::string body(600, 'x');
  const auto h0 = Steady::now();
  for (std::size_t i = 0; i < want_hooks; ++i) {
    auto r =
        bench::must(client.send(RestRequest{"POST", s.url, {}, "{\"pad\":\"" + body + "\"}"}), "the ceiling's post");
    if (r.status != 200) return 1;
  }
  const double hooks_ceiling = want_hooks / seconds_since(h0);
  fmt::print("ceiling, e-mail: SmtpMailer alone, one at a time: {:.0f} messages/s; outbox {:.0f}%\n", mail_ceiling,
             100.0 * (es.sent / mail_done) / mail_ceiling);
  fmt::print("ceiling, webhooks: RestClient alone, one at a time: {:.0f} posts/s; outbox {:.0f}%\n", hooks_ceiling,
             100.0 * (hs.delivered / hooks_done) / hooks_ceiling);
  return 0;
}
