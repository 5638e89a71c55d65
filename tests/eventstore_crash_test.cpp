// Crash safety: SIGKILL a process that is appending; every acknowledged event survives.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <random>
#include <set>
#include <sstream>

#include "eventstore/chain_verifier.h"
#include "eventstore/event_store.h"
#include "tests/process_support.h"
#include "tests/test_support.h"

using namespace ticketd;
using ticketd::test::read_until;
using ticketd::test::TempDir;

namespace {

std::pair<pid_t, int> spawn_child(const std::string& dir, int threads) {
  return ticketd::test::spawn_with_stdout({CRASH_CHILD_PATH, dir, std::to_string(threads)});
}

}  // namespace

TEST_CASE("SIGKILL at a random moment loses no acknowledged event (20 rounds)") {
  constexpr int kRounds = 20;
  std::mt19937 rng(std::random_device{}());
  std::uniform_int_distribution<int> delay_ms(0, 700);
  std::size_t total_acked = 0;
  for (int round = 0; round < kRounds; ++round) {
    CAPTURE(round);
    TempDir dir;
    const std::string store_dir = dir.sub("events");
    auto [pid, fd] = spawn_child(store_dir, 16);
    std::string acked_text;
    // Wait for the first acknowledgement (a sanitizer build starts slowly), then kill at a
    // random moment of the appending.
    ticketd::test::read_first(fd, acked_text, std::chrono::seconds(60));
    read_until(fd, acked_text, std::chrono::steady_clock::now() + std::chrono::milliseconds(delay_ms(rng)));
    REQUIRE(::kill(pid, SIGKILL) == 0);
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    CHECK(WIFSIGNALED(status));
    read_until(fd, acked_text, std::nullopt);  // whatever was acknowledged before the kill
    ::close(fd);

    std::set<std::string> acked;
    std::istringstream lines(acked_text);
    for (std::string line; std::getline(lines, line);) {
      if (!line.empty()) acked.insert(line);
    }
    REQUIRE(!acked.empty());  // the child made progress before the kill
    total_acked += acked.size();

    auto store = open_rocksdb_event_store(store_dir);
    REQUIRE(store);
    auto all = (*store)->read_all(0, 100'000'000);
    REQUIRE(all);
    CHECK(all->size() == (*store)->head().position);
    std::set<std::string> stored;
    for (std::size_t i = 0; i < all->size(); ++i) {
      REQUIRE((*all)[i].position == i + 1);
      stored.insert((*all)[i].event_id);
    }
    std::size_t missing = 0;
    for (const auto& id : acked) missing += stored.count(id) == 0;
    CHECK(missing == 0);
    auto report = verify_chain(**store);
    REQUIRE(report);
    CHECK(report->ok);
    // The reopened store keeps appending where the chain ended.
    NewEvent e;
    e.event_id = "after-crash";
    e.type = "t";
    auto r = (*store)->append("after", ExpectedVersion::no_stream(), {e});
    REQUIRE(r);
    CHECK(r->first_position == all->size() + 1);
  }
  MESSAGE("acknowledged events checked across rounds: " << total_acked);
}
