// Replication between processes: a leader and a follower ticketd on one Kafka cluster
// (librdkafka's mock cluster, hosted by this test so that it outlives a killed leader),
// and kcat, another process, reading tickets.events from a leader's embedded cluster.
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include "app/data_dir.h"
#include "eventstore/chain_verifier.h"
#include "eventstore/event_store.h"
#include "replication/embedded_kafka.h"
#include "tests/http_fixture.h"
#include "tests/process_support.h"
#include "tests/test_support.h"

using namespace ticketd;
using namespace ticketd::test;

namespace {

constexpr int kCommands = 10000;
constexpr int kWriters = 8;
constexpr const char* kSecret = "replication-secret-for-tests-0123456789";

// A loopback port free now (the leader keeps it across a restart, so its URL stays valid).
int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

std::uint64_t log_head(HttpClient& http) {
  auto ready = http.request("GET", "/readyz");
  return std::uint64_t(ready.json()["log_head"]);
}
bool caught_up(HttpClient& http) {
  auto ready = http.request("GET", "/readyz");
  return ready.status == 200 && std::uint64_t(ready.json()["lag"]) == 0;
}

// `n` commands over HTTP from kWriters clients: tickets, each with comments.
void write_commands(const ServerProcess& server, int n, int offset) {
  const std::string customer = token(Role::customer, "acme", "carla");
  const std::string agent = token(Role::agent, "acme", "alex");
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      HttpClient http = server.client();
      std::string id;
      for (int i = w; i < n; i += kWriters) {
        if (i % 5 == 0 || id.empty()) {
          auto created = http.request("POST", "/api/v1/tickets",
                                      fmt::format(R"({{"subject":"Kiwi{} printer","description":"jams"}})", offset + i),
                                      {bearer(customer)});
          REQUIRE(created.status == 201);
          id = created.str("id");
        } else {
          auto c = http.request("POST", "/api/v1/tickets/" + id + "/comments",
                                fmt::format(R"({{"body":"Kiwi{} try again"}})", offset + i), {bearer(agent)});
          REQUIRE(c.status == 201);
        }
      }
    });
  }
  for (auto& t : writers) t.join();
}

// The follower's ticketd_replica_apply_lag_seconds_count.
std::uint64_t follower_lag_count(HttpClient& http) {
  const std::string body = http.request("GET", "/metrics").body;
  const std::string name = "\nticketd_replica_apply_lag_seconds_count ";
  const auto at = body.find(name);
  if (at == std::string::npos) return 0;
  return std::stoull(body.substr(at + name.size(), body.find('\n', at + 1) - at - name.size()));
}

std::string ctl(const TempDir& dir, const std::string& args) {
  return fmt::format("{} --data-dir {} {}", TICKETCTL_PATH, dir.str(), args);
}

}  // namespace

TEST_CASE("leader and follower: identical logs and answers, a killed leader, writes refused, promotion") {
  auto cluster = *EmbeddedKafka::start();
  TempDir ldir, fdir;
  const std::string leader_url = fmt::format("http://127.0.0.1:{}", free_port());
  const std::vector<std::string> leader_flags{"--kafka", cluster->bootstrap(), "--replication-secret",
                                              kSecret,   "--listen",           leader_url.substr(7)};
  auto leader = std::make_unique<ServerProcess>(ldir.str(), leader_flags);
  CHECK(leader->output().find("relay publishing to ticketd.log and tickets.events") != std::string::npos);
  ServerProcess follower(fdir.str(),
                         {"--kafka", cluster->bootstrap(), "--follow", leader_url, "--replication-secret", kSecret});
  CHECK(follower.output().find("following " + leader_url) != std::string::npos);

  write_commands(*leader, kCommands / 2, 0);
  // Kill -9 the leader right after a burst, while its relay still publishes it, and start
  // it again on the same data and port.
  write_commands(*leader, kCommands / 10, kCommands);
  leader->kill_hard();
  leader = std::make_unique<ServerProcess>(ldir.str(), leader_flags);
  write_commands(*leader, kCommands / 2 - kCommands / 10, kCommands / 2);

  HttpClient lh = leader->client();
  HttpClient fh = follower.client();
  const std::uint64_t head = log_head(lh);
  REQUIRE_MESSAGE(eventually([&] { return log_head(fh) == head; }, std::chrono::seconds(120)), "follower at ",
                  log_head(fh), " of ", head, "\n", follower.output().substr(0, 4000));
  REQUIRE(eventually([&] { return caught_up(lh) && caught_up(fh); }, std::chrono::seconds(120)));

  // The same answers to reads.
  const std::string agent = token(Role::agent, "acme", "alex");
  const std::string manager = token(Role::manager, "acme", "mia");
  for (const std::string target :
       {"/api/v1/tickets?limit=50", "/api/v1/tickets?q=Kiwi7", "/api/v1/queue", "/api/v1/stats",
        "/api/v1/reports/summary?from=2020-01-01T00:00:00Z&to=2030-01-01T00:00:00Z&group_by=priority"}) {
    CAPTURE(target);
    const auto& who = std::string(target).starts_with("/api/v1/reports") ? manager : agent;
    auto a = lh.request("GET", target, "", {bearer(who)});
    auto b = fh.request("GET", target, "", {bearer(who)});
    REQUIRE(a.status == 200);
    CHECK(b.status == 200);
    CHECK(a.body == b.body);
  }
  // The follower opens the sealed fields with the keys it copied from the leader.
  auto listed = fh.request("GET", "/api/v1/tickets?q=Kiwi5", "", {bearer(agent)});
  CHECK(listed.body.find("Kiwi5 printer") != std::string::npos);

  // Attachment bytes are not in the log: a follower sends their downloads to the leader.
  {
    auto ticket = lh.request("POST", "/api/v1/tickets", R"({"subject":"with a file","description":"see"})",
                             {bearer(token(Role::customer, "acme", "carla"))});
    REQUIRE(ticket.status == 201);
    auto file = lh.request("POST", "/api/v1/tickets/" + ticket.str("id") + "/attachments?filename=a.txt", "bytes",
                           {bearer(token(Role::customer, "acme", "carla"))}, "text/plain");
    REQUIRE(file.status == 201);
    const std::string target = "/api/v1/attachments/" + file.str("id") + "/content";
    const std::uint64_t at = log_head(lh);
    REQUIRE(eventually([&] { return log_head(fh) == at; }));
    auto moved = fh.request("GET", target, "", {bearer(agent)});
    CHECK(moved.status == 307);
    CHECK(moved.header("location") == leader_url + target);
    CHECK(lh.request("GET", target, "", {bearer(agent)}).body == "bytes");
  }

  // The key copies are for followers only: the user's token and a wrong secret get 401, and
  // a ticketd without the secret has no such service.
  auto keys_for_user = lh.request("GET", "/api/v1/replication/keys?ids=k0", "", {bearer(agent)});
  CHECK(keys_for_user.status == 401);
  CHECK(lh.request("GET", "/api/v1/replication/keys?ids=k0", "", {{"Authorization", "Bearer wrong"}}).status == 401);
  CHECK(lh.request("GET", "/api/v1/replication/keys?ids=k0", "", {{"Authorization", std::string("Bearer ") + kSecret}})
            .body == R"({"keys":[]})");
  CHECK(fh.request("GET", "/api/v1/replication/keys?ids=k0", "", {{"Authorization", std::string("Bearer ") + kSecret}})
            .status == 404);

  // Writes go to the leader.
  auto refused = fh.request("POST", "/api/v1/tickets", R"({"subject":"no","description":"no"})",
                            {bearer(token(Role::customer, "acme", "carla"))});
  CHECK(refused.status == 503);
  CHECK(refused.header("location") == leader_url);
  CHECK(refused.body.find(leader_url) != std::string::npos);
  auto ready = fh.request("GET", "/readyz");
  CHECK(std::string_view(ready.json()["replication"]["role"]) == "follower");
  auto metrics = fh.request("GET", "/metrics");
  const auto dup_at = metrics.body.find("\nticketd_replica_duplicates_total ") + 1;
  MESSAGE("republished records the follower dropped after the leader's kill: ",
          metrics.body.substr(dup_at + 33, metrics.body.find('\n', dup_at) - dup_at - 33));
  CHECK(metrics.body.find("ticketd_replica_lag_records 0") != std::string::npos);
  CHECK(metrics.body.find("ticketd_replica_stopped 0") != std::string::npos);
  // The reads above recorded their principals in the leader's directory (user.recorded):
  // the follower receives those too.
  const std::uint64_t final_head = log_head(lh);
  CHECK(final_head > head);
  CHECK(eventually([&] { return log_head(fh) == final_head; }));
  // Every record this follower appended is in its apply-lag histogram, once.
  CHECK(follower_lag_count(fh) == final_head);
  CHECK(eventually(
      [&] { return lh.request("GET", "/metrics").body.find("ticketd_relay_lag_positions 0") != std::string::npos; }));

  // Byte for byte the same log.
  CHECK(leader->stop() == 0);
  CHECK(follower.stop() == 0);
  {
    auto a = open_rocksdb_event_store(app::event_store_dir(ldir.str()),
                                      EventStoreOptions{.read_only = true, .limits = {}, .before_sync = nullptr});
    auto b = open_rocksdb_event_store(app::event_store_dir(fdir.str()),
                                      EventStoreOptions{.read_only = true, .limits = {}, .before_sync = nullptr});
    REQUIRE(a);
    REQUIRE(b);
    REQUIRE((*a)->head().position == (*b)->head().position);
    CHECK((*a)->head().hash == (*b)->head().hash);
    std::uint64_t differing = 0;
    for (std::uint64_t p = 1; p <= (*a)->head().position; ++p) differing += *(*a)->read_raw(p) != *(*b)->read_raw(p);
    CHECK(differing == 0);
  }

  // Promotion (the old leader is stopped: fenced): the follower's data directory as a leader.
  {
    ServerProcess promoted(fdir.str(), {"--kafka", "off"});
    CHECK(promoted.output().find("promoted: this data directory followed " + leader_url) != std::string::npos);
    HttpClient ph = promoted.client();
    auto created = ph.request("POST", "/api/v1/tickets", R"({"subject":"after promotion","description":"ok"})",
                              {bearer(token(Role::customer, "acme", "carla"))});
    CHECK(created.status == 201);
    CHECK(log_head(ph) > final_head);
    CHECK(promoted.stop() == 0);
  }
  auto verify = run_command(ctl(fdir, "verify"));
  CHECK_MESSAGE(verify.exit_code == 0, verify.out);
}

TEST_CASE("kcat reads tickets.events from the embedded cluster: every event of each ticket in order, valid JSON") {
  TempDir dir;
  ServerProcess leader(dir.str(), {"--kafka", "embedded"});
  const std::string out = leader.output();
  const auto at = out.find("kafka bootstrap ");
  REQUIRE(at != std::string::npos);
  const std::string bootstrap = out.substr(at + 16, out.find('\n', at) - at - 16);
  std::ifstream file(app::kafka_bootstrap_path(dir.str()));
  std::string written;
  std::getline(file, written);
  CHECK(written == bootstrap);

  HttpClient http = leader.client();
  const std::string customer = token(Role::customer, "acme", "carla");
  const std::string agent = token(Role::agent, "acme", "alex");
  int events = 0;
  for (int t = 0; t < 5; ++t) {
    auto created = http.request("POST", "/api/v1/tickets", R"({"subject":"Emu printer","description":"jams"})",
                                {bearer(customer)});
    REQUIRE(created.status == 201);
    ++events;
    for (int c = 0; c < 3; ++c) {
      REQUIRE(http.request("POST", "/api/v1/tickets/" + created.str("id") + "/comments", R"({"body":"Emu again"})",
                           {bearer(agent)})
                  .status == 201);
      ++events;
    }
  }
  REQUIRE(eventually(
      [&] { return http.request("GET", "/metrics").body.find("ticketd_relay_lag_positions 0") != std::string::npos; }));
  const std::string lines = dir.sub("events.jsonl");
  auto kcat = run_command(
      fmt::format("kcat -C -b {} -t tickets.events -o beginning -e -q -f '%k\\t%h\\t%s\\n' > {}", bootstrap, lines));
  REQUIRE_MESSAGE(kcat.exit_code == 0, kcat.out);
  std::ifstream in(lines);
  std::map<std::string, std::uint64_t> last;  // per ticket
  int read = 0;
  for (std::string line; std::getline(in, line);) {
    const auto tab1 = line.find('\t');
    const auto tab2 = line.find('\t', tab1 + 1);
    const std::string key = line.substr(0, tab1);
    const std::string headers = line.substr(tab1 + 1, tab2 - tab1 - 1);
    const auto p = headers.find("ce_position=");
    REQUIRE(p != std::string::npos);
    const std::uint64_t position = std::stoull(headers.substr(p + 12));
    CHECK(position > last[key]);
    last[key] = position;
    CHECK(headers.find("ce_specversion=1.0") != std::string::npos);
    CHECK(line.find("Emu") == std::string::npos);  // sealed
    ++read;
  }
  CHECK(read == events);
  CHECK(last.size() == 5);
  // Every value against the JSON Schema (python3-jsonschema, another implementation).
  auto valid = run_command(fmt::format(
      "python3 -c 'import json,sys,jsonschema; s=json.load(open(\"{}\")); "
      "[jsonschema.validate(json.loads(l.split(\"\\t\",2)[2]), s) for l in open(\"{}\")]; print(\"valid\")'",
      SCHEMA_PATH, lines));
  CHECK_MESSAGE(valid.exit_code == 0, valid.out);
  CHECK(valid.out.find("valid") != std::string::npos);
  CHECK(leader.stop() == 0);
}
