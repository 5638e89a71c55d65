// Replication in one process, against librdkafka's mock cluster (replication/embedded_kafka.h):
// the relay's two topics, a replica's identical log through broker faults and an erasure,
// and the replica's refusals (gap, duplicate with another hash, broken chain).
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <simdjson.h>

#include <set>
#include <thread>

#include "events/streams.h"
#include "eventstore/chain_verifier.h"
#include "replication/embedded_kafka.h"
#include "replication/log_relay.h"
#include "replication/log_replica.h"
#include "replication/topics.h"
#include "tests/engine_fixture.h"
#include "tests/kafka_test_consumer.h"

using namespace ticketd;
using namespace ticketd::test;

namespace {

// Everything in these tests waits on Kafka: a minute unless a test says otherwise.
constexpr std::chrono::milliseconds kWait{60000};

// A leader's data: an engine on RocksDB with its own subject keys.
struct LeaderNode {
  TempDir dir;
  std::unique_ptr<SubjectKeys> keys = make_memory_subject_keys();
  FieldCipher cipher{*keys};
  Engine e{dir.sub("events"), {}, Engine::kStart, cipher};

  std::string ticket(const std::string& subject, int comments) {
    auto created = e.engine.create(new_ticket(subject), as(customer("c1")));
    if (!created) throw std::runtime_error(created.error().message);
    const std::string id = (*created).ticket->id;
    for (int i = 0; i < comments; ++i) {
      auto c = e.engine.execute(
          id, AddComment{e.ids.next_id(), fmt::format("reply {} to {}", i, subject), Visibility::public_, {}, {}},
          as(agent("a1")));
      if (!c) throw std::runtime_error(c.error().message);
    }
    return id;
  }

  // The leader's keys, as GET /api/v1/replication/keys answers them.
  LogReplica::FetchKeys fetcher() {
    return [this](const std::vector<std::string>& ids) -> Result<std::vector<FetchedKey>> {
      std::vector<FetchedKey> out;
      for (const auto& id : ids) {
        auto bytes = keys->key(id);
        auto subject = keys->subject_of(id);
        if (*bytes && *subject) out.push_back({**subject, SubjectKey{id, **bytes}});
      }
      return out;
    };
  }
};

// A follower's data: its own store and keys.
struct FollowerNode {
  TempDir dir;
  std::unique_ptr<EventStore> store = std::move(*open_rocksdb_event_store(dir.sub("events")));
  std::unique_ptr<SubjectKeys> keys = make_memory_subject_keys();
  FieldCipher cipher{*keys};
  SystemClock clock;
};

void check_identical(const EventStore& a, const EventStore& b) {
  REQUIRE(a.head().position == b.head().position);
  CHECK(a.head().hash == b.head().hash);
  for (std::uint64_t p = 1; p <= a.head().position; ++p) {
    auto x = a.read_raw(p);
    auto y = b.read_raw(p);
    REQUIRE(x);
    REQUIRE(y);
    if (*x != *y) FAIL("position ", p, " differs");
  }
}

}  // namespace

TEST_CASE("relay: every record byte for byte on ticketd.log, ticket events as CloudEvents on tickets.events") {
  auto cluster = *EmbeddedKafka::start();
  LeaderNode leader;
  std::vector<std::string> tickets;
  for (int i = 0; i < 20; ++i) tickets.push_back(leader.ticket(fmt::format("Platypus{} printer", i), 2));
  EventStore& store = *leader.e.store;
  const std::uint64_t head = store.head().position;
  std::size_t ticket_events = 0;
  const auto records = store.read_all(0, 100000);
  for (const auto& r : *records) ticket_events += streams::is_ticket(r.stream) ? 1 : 0;

  SystemClock clock;
  {
    LogRelay relay(
        store, cluster->bootstrap(), [](const EventRecord&) { return std::string("acme"); }, clock);
    REQUIRE(relay.start());
    REQUIRE(eventually([&] { return relay.stats().delivered == head; }, kWait));
    CHECK(relay.stats().lag_seconds == 0);
    relay.stop();
  }
  CHECK(*store.get_meta(LogRelay::kCheckpointKey) == std::to_string(head));

  auto log = consume(cluster->bootstrap(), kLogTopic, {0}, head);
  REQUIRE(log.size() == head);
  for (std::uint64_t p = 1; p <= head; ++p) {
    CHECK(log[p - 1].key == std::to_string(p));
    CHECK(log[p - 1].value == *store.read_raw(p));
  }

  std::vector<std::int32_t> all;
  for (int p = 0; p < kTicketEventsPartitions; ++p) all.push_back(p);
  auto events = consume(cluster->bootstrap(), kTicketEventsTopic, all, ticket_events);
  REQUIRE(events.size() == ticket_events);
  std::map<std::string, std::uint64_t> last_position;  // per ticket: positions only grow
  std::set<std::string> types;
  for (const auto& m : events) {
    CHECK(m.headers.at("ce_specversion") == "1.0");
    CHECK(m.headers.at("ce_subject") == m.key);
    CHECK(m.headers.at("ce_source") == "/ticketd/tenants/acme");
    CHECK(m.headers.at("ce_tenant") == "acme");
    CHECK(m.headers.at("content-type") == "application/json");
    CHECK(m.headers.at("ce_id") == m.headers.at("ce_position"));
    types.insert(m.headers.at("ce_type"));
    const std::uint64_t position = std::stoull(m.headers.at("ce_position"));
    CHECK(position > last_position[m.key]);
    last_position[m.key] = position;
    simdjson::dom::parser parser;
    simdjson::dom::element value = parser.parse(m.value);
    CHECK(std::string_view(value["ticket_id"]) == m.key);
    CHECK(std::uint64_t(value["position"]) == position);
    // Personal fields stay sealed: no subject or comment text in clear.
    CHECK(m.value.find("Platypus") == std::string::npos);
    CHECK(m.value.find("reply ") == std::string::npos);
  }
  CHECK(last_position.size() == tickets.size());
  CHECK(types.contains("ticketd.ticket.created"));
  CHECK(types.contains("ticketd.ticket.commented"));

  // A new relay resumes after the stored checkpoint: the new records only.
  leader.ticket("Platypus late", 1);
  const std::uint64_t head2 = store.head().position;
  {
    LogRelay relay(
        store, cluster->bootstrap(), [](const EventRecord&) { return std::string("acme"); }, clock);
    REQUIRE(relay.start());
    REQUIRE(eventually([&] { return relay.stats().delivered == head2; }, kWait));
  }
  auto again = consume(cluster->bootstrap(), kLogTopic, {0}, head2 + 1, std::chrono::seconds(3));
  REQUIRE(again.size() == head2);
  CHECK(again.back().value == *store.read_raw(head2));
}

TEST_CASE("replica: an identical, verified log through broker outages, request errors, leader changes and an erasure") {
  auto cluster = *EmbeddedKafka::start();
  LeaderNode leader;
  FollowerNode follower;
  SystemClock clock;
  LogRelay relay(
      *leader.e.store, cluster->bootstrap(), [](const EventRecord&) { return std::string("acme"); }, clock);
  REQUIRE(relay.start());
  std::atomic<int> applied{0};
  LogReplica replica(
      *follower.store, follower.cipher, cluster->bootstrap(), leader.fetcher(),
      [&](const EventRecord&) { applied.fetch_add(1); }, follower.clock);
  REQUIRE(replica.start());

  std::string first;
  std::thread writer([&] {
    for (int i = 0; i < 150; ++i) {
      const std::string id = leader.ticket(fmt::format("Wombat{} scanner", i), 2);
      if (i == 0) first = id;
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  REQUIRE(cluster->set_broker_up(1, false));
  REQUIRE(cluster->set_broker_up(2, false));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  REQUIRE(cluster->set_broker_up(1, true));
  REQUIRE(cluster->set_broker_up(2, true));
  cluster->fail_produce_requests(20);
  REQUIRE(cluster->set_partition_leader(kLogTopic, 0, 2));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  REQUIRE(cluster->set_partition_leader(kLogTopic, 0, 3));
  writer.join();

  // The customer asks for erasure on the leader: the follower's copies of the key go too.
  auto c1_keys = *leader.keys->key_ids("c1");
  REQUIRE(!c1_keys.empty());
  REQUIRE(leader.e.engine.erase_subject("c1", admin()));
  leader.ticket("Wombat after erasure", 0);

  const std::uint64_t head = leader.e.store->head().position;
  REQUIRE_MESSAGE(eventually([&] { return follower.store->head().position == head || replica.error(); }, kWait),
                  "follower at ", follower.store->head().position, " of ", head);
  REQUIRE(!replica.error());
  check_identical(*leader.e.store, *follower.store);
  auto chain = verify_chain(*follower.store);
  REQUIRE(chain);
  CHECK(chain->ok);
  CHECK(chain->checked == head);
  CHECK(eventually([&] { return applied.load() == static_cast<int>(head); }, kWait));
  CHECK(replica.stats().keys_adopted > 0);
  for (const auto& id : c1_keys) CHECK(!*follower.keys->key(id));  // destroyed on the follower too
  CHECK(follower.keys->pending_erasures()->empty());
  // The agent's key stays: the follower opens the agent's replies, not the customer's subject.
  TicketRepository reader(*follower.store, follower.cipher);
  auto t = reader.load_fresh(first);
  REQUIRE(t);
  CHECK(t->subject == "[erased]");
  REQUIRE(!t->comments.empty());
  CHECK(t->comments.front().body == "reply 0 to Wombat0 scanner");
  replica.stop();
  relay.stop();
}

TEST_CASE("replica: a gap, a duplicate with another hash or a broken chain stops it with the position") {
  // Five records of a leader's log, as stored.
  TempDir source;
  auto store = std::move(*open_rocksdb_event_store(source.sub("events")));
  for (int i = 1; i <= 5; ++i) REQUIRE(store->append("s", ExpectedVersion::any(), {make_event(fmt::format("e{}", i))}));
  std::vector<std::string> raw{""};
  for (std::uint64_t p = 1; p <= 5; ++p) raw.push_back(*store->read_raw(p));
  auto message = [&](std::uint64_t p) { return std::pair{std::to_string(p), raw[p]}; };
  std::string altered = raw[2];
  altered.replace(altered.find("hello"), 5, "HELLO");  // another body, the same hashes
  std::string rehashed = raw[2];
  rehashed[rehashed.size() - 3] = rehashed[rehashed.size() - 3] == 'a' ? 'b' : 'a';  // another hash

  struct Case {
    const char* name;
    std::vector<std::pair<std::string, std::string>> messages;
    std::uint64_t kept;
    const char* says;
  };
  const std::vector<Case> cases{
      {"gap", {message(1), message(2), message(4), message(5)}, 2, "stopped at position 3: a gap"},
      {"duplicate", {message(1), message(2), {"2", rehashed}, message(3)}, 2, "stopped at position 2: a duplicate"},
      {"broken chain", {message(1), {"2", altered}, message(3)}, 1, "stopped at position 2: the hash chain"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.name);
    auto cluster = *EmbeddedKafka::start();
    produce_raw(cluster->bootstrap(), kLogTopic, c.messages);
    FollowerNode follower;
    LogReplica replica(
        *follower.store, follower.cipher, cluster->bootstrap(),
        [](const std::vector<std::string>&) { return Result<std::vector<FetchedKey>>{}; }, nullptr, follower.clock);
    REQUIRE(replica.start());
    REQUIRE(eventually([&] { return replica.error().has_value(); }, std::chrono::milliseconds(30000)));
    CHECK_MESSAGE(replica.error()->message.find(c.says) != std::string::npos, replica.error()->message);
    CHECK(replica.stats().stopped);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    CHECK(follower.store->head().position == c.kept);  // nothing after the fault, nothing skipped
    for (std::uint64_t p = 1; p <= c.kept; ++p) CHECK(*follower.store->read_raw(p) == raw[p]);
  }
}

TEST_CASE("relay: commands are acknowledged while every broker is down; the relay catches up when they return") {
  auto cluster = *EmbeddedKafka::start();
  LeaderNode leader;
  SystemClock clock;
  LogRelay relay(
      *leader.e.store, cluster->bootstrap(), [](const EventRecord&) { return std::string("acme"); }, clock);
  REQUIRE(relay.start());
  leader.ticket("Numbat before", 1);
  REQUIRE(eventually([&] { return relay.stats().delivered == leader.e.store->head().position; }, kWait));
  for (int broker = 1; broker <= EmbeddedKafka::kBrokers; ++broker) REQUIRE(cluster->set_broker_up(broker, false));
  for (int i = 0; i < 20; ++i) leader.ticket(fmt::format("Numbat{} while Kafka is down", i), 2);  // each acknowledged
  const std::uint64_t head = leader.e.store->head().position;
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  CHECK(relay.stats().delivered < head);  // nothing got through
  CHECK(relay.stats().lag_seconds > 0);
  for (int broker = 1; broker <= EmbeddedKafka::kBrokers; ++broker) REQUIRE(cluster->set_broker_up(broker, true));
  REQUIRE(eventually([&] { return relay.stats().delivered == head; }, kWait));
  relay.stop();
  auto log = consume(cluster->bootstrap(), kLogTopic, {0}, head + 1, std::chrono::seconds(5));
  REQUIRE(log.size() == head);  // each position once, in order
  for (std::uint64_t p = 1; p <= head; ++p) CHECK(log[p - 1].value == *leader.e.store->read_raw(p));
}
