// Outbound pushes: how fast the outbox sends ticketd's comments to a linked Jira issue.
//
//   build/benchmarks/outbound_bench [--comments 2000] [--dir DIR]
//
// One process: an engine on RocksDB (and a key store) in DIR, the adapters with a Jira
// connection (outbound on) whose base URL is a fake Jira on loopback (tests/fake_http_server.h,
// a Beast server answering 201 at once), one ticket imported from the real
// jira_issue_created.json delivery. Then, with the outbox stopped, an agent adds --comments
// public comments; the figure is comments pushed per second, from the outbox's start to the
// fake having received the last. Beside it, the ceiling: the same RestClient posting the
// same comments straight to the fake, with no log, no outbox and no sealing.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "adapters/integration_store.h"
#include "adapters/integrations.h"
#include "base/hex.h"
#include "base/hmac.h"
#include "benchmarks/bench_exit.h"
#include "commands/command_engine.h"
#include "eventstore/event_store.h"
#include "privacy/subject_key_store.h"
#include "tests/fake_http_server.h"

using namespace ticketd;
using Steady = std::chrono::steady_clock;

using bench::fail;
using bench::must;

int main(int argc, char** argv) {
  CLI::App cli{"outbound push benchmark"};
  int comments = 2000;
  std::string dir = (std::filesystem::temp_directory_path() / "ticketd-outbound-bench").string();
  cli.add_option("--comments", comments, "comments to push")->check(CLI::Range(1, 1'000'000));
  cli.add_option("--dir", dir, "scratch directory (deleted first)");
  CLI11_PARSE(cli, argc, argv);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);

  std::atomic<int> received{0};
  test::FakeHttpServer jira([&](const test::FakeRequest& r) -> test::FakeReply {
    if (r.method == "POST" && r.target == "/rest/api/2/issue/TES-41/comment") {
      const int n = ++received;
      return {201, fmt::format(R"({{"id":"{}"}})", 30000 + n), ""};
    }
    return {404, "{}", ""};
  });

  auto store = must(open_rocksdb_event_store(dir + "/events"), "opening the log");
  auto keys = must(open_subject_key_store(dir + "/keys"), "opening the key store");
  FieldCipher cipher(*keys);
  SystemClock clock;
  RandomIds ids;
  CommandEngine engine(*store, clock, ids, cipher);
  auto integration_store = must(IntegrationStore::open(dir + "/integrations"), "opening the integration store");
  Integrations integrations(engine, *integration_store, cipher, ids, clock);
  integrations.start();
  http::ConnectionSettings c;
  c.base_url = jira.url();
  c.email = "bot@example.com";
  c.api_token = "token";
  c.webhook_secret = "whsec-bench";
  c.outbound = true;
  must(integrations.configure("acme", "jira", c, system_principal("acme")), "configuring jira");
  std::ifstream in(std::string(FIXTURES_DIR) + "/jira_issue_created.json", std::ios::binary);
  std::stringstream body;
  body << in.rdbuf();
  const std::string delivery = body.str();
  http::WebhookDelivery hook{
      "acme",
      "jira",
      {{"x-hub-signature", "sha256=" + to_hex(hmac(HmacDigest::sha256, "whsec-bench", delivery))}},
      delivery};
  if (must(integrations.receive(hook), "the import") != http::WebhookOutcome::accepted) fail("the import was refused");
  std::optional<std::string> ticket;
  for (int i = 0; i < 500 && !ticket; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    ticket = must(integration_store->ticket_of("acme", "jira", "TES-41"), "the link");
  }
  if (!ticket) fail("the import was not applied");
  must(engine.record_user(UserRecord{"a1", "acme", "", "", Role::agent}, system_principal("acme")), "the agent");
  const Principal agent{"a1", "acme", Role::agent, "", ""};

  // The comments first, with the outbox stopped; then the outbox drains them.
  integrations.stop();
  const auto write_start = Steady::now();
  for (int i = 0; i < comments; ++i) {
    CommandRequest r;
    r.principal = agent;
    must(engine.execute(
             *ticket,
             AddComment{ids.next_id(), fmt::format("Update {} on the printer", i), Visibility::public_, {}, {}}, r),
         "a comment");
  }
  const double wrote = std::chrono::duration<double>(Steady::now() - write_start).count();
  const auto start = Steady::now();
  integrations.start();
  while (received.load() < comments) {
    if (Steady::now() - start > std::chrono::minutes(5)) fail("the outbox did not push every comment in 5 minutes");
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  const double s = std::chrono::duration<double>(Steady::now() - start).count();
  integrations.stop();
  fmt::print(
      "outbox: {} durable comments (written in {:.2f} s beforehand) pushed to the fake Jira in {:.2f} s: "
      "{:.0f} pushes/s\n",
      comments, wrote, s, comments / s);

  // The ceiling: the client alone, one call at a time like the outbox.
  RestClient client(std::chrono::seconds(10));
  const auto direct_start = Steady::now();
  for (int i = 0; i < comments; ++i) {
    auto answer = client.send({"POST",
                               jira.url() + "/rest/api/2/issue/TES-41/comment",
                               {{"Authorization", "Basic Ym90OnRva2Vu"}},
                               fmt::format(R"({{"body":"Update {} on the printer"}})", i)});
    if (!answer || answer->status != 201) fail("a direct call failed");
  }
  const double direct = std::chrono::duration<double>(Steady::now() - direct_start).count();
  fmt::print(
      "ceiling: the same client posting {} comments straight to the fake, one at a time: {:.0f} calls/s "
      "(the outbox reaches {:.0f} %)\n",
      comments, comments / direct, 100.0 * (comments / s) / (comments / direct));
  std::filesystem::remove_all(dir);
  return 0;
}
