// Crash safety of ticket creation: SIGKILL a process creating tickets from many threads;
// every acknowledged ticket survives with its number, and no number is ever handed out
// twice, also by the process that takes over after the crash.
#include <doctest/doctest.h>
#include <signal.h>
#include <sys/wait.h>

#include <map>
#include <random>
#include <set>
#include <sstream>

#include "events/ticket_event_codec.h"
#include "privacy/subject_key_store.h"
#include "tests/engine_fixture.h"
#include "tests/process_support.h"

using namespace ticketd;
using namespace ticketd::test;

TEST_CASE("ticket numbers are never reused across SIGKILLs (10 rounds on one store)") {
  TempDir dir;
  const std::string store_dir = dir.sub("events");
  std::mt19937 rng(std::random_device{}());
  std::map<std::string, std::string> acked;  // ticket id -> number, over all rounds
  for (int round = 0; round < 10; ++round) {
    CAPTURE(round);
    auto [pid, fd] = spawn_with_stdout({CRASH_CHILD_PATH, store_dir, "8", "tickets"});
    std::string out;
    read_first(fd, out, std::chrono::seconds(60));
    read_until(fd, out, std::chrono::steady_clock::now() + std::chrono::milliseconds(rng() % 400));
    REQUIRE(::kill(pid, SIGKILL) == 0);
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    read_until(fd, out, std::nullopt);
    ::close(fd);
    std::istringstream lines(out);
    std::string id, number;
    std::size_t this_round = 0;
    while (lines >> id >> number) {
      CHECK(acked.emplace(id, number).second);
      ++this_round;
    }
    CHECK(this_round > 0);
  }
  // Every acknowledged ticket is in the log with its number; numbers are unique; and its
  // subject opens: the key sealing it was durable before the ticket was acknowledged.
  auto keys = open_subject_key_store(store_dir + "-keys");
  REQUIRE(keys);
  FieldCipher cipher(**keys);
  Engine e(store_dir, {}, Engine::kStart, cipher);
  for (int i = 0; i < 50; ++i) REQUIRE(e.engine.create(new_ticket(), as(customer())));
  std::map<std::string, std::string> stored;  // number -> ticket id
  auto all = e.store->read_all(0, 10'000'000);
  REQUIRE(all);
  for (const auto& r : *all) {
    if (r.type != "ticket.created") continue;
    auto ev = decode_ticket_event(r.type, r.data, cipher);
    REQUIRE(ev);
    const auto& created = std::get<TicketCreated>(*ev);
    if (acked.count(created.id)) CHECK(created.subject == "crash test ticket");
    CHECK_MESSAGE(stored.emplace(created.number, created.id).second, "number reused: " << created.number);
  }
  std::size_t missing = 0;
  for (const auto& [ticket, number] : acked) {
    auto it = stored.find(number);
    missing += (it == stored.end() || it->second != ticket);
  }
  CHECK(missing == 0);
  CHECK(stored.size() >= acked.size() + 50);
}
