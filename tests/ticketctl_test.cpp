// ticketctl and ticketd as programs: run against a data directory that a writer holds open.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <thread>

#include "app/data_dir.h"
#include "eventstore/event_store.h"
#include "projections/sqlite.h"
#include "tests/engine_fixture.h"
#include "tests/process_support.h"
#include "tests/test_support.h"

using namespace ticketd;
using ticketd::test::make_event;
using ticketd::test::run_command;
using ticketd::test::TempDir;

namespace {

std::string ctl(const TempDir& dir, const std::string& args) {
  return fmt::format("{} --data-dir {} {}", TICKETCTL_PATH, dir.str(), args);
}

NewEvent at(std::string id, const char* time) {
  NewEvent e = make_event(std::move(id));
  e.time = *parse_rfc3339(time);
  return e;
}

}  // namespace

TEST_CASE("dump, replay and verify work while a writer holds the store open") {
  TempDir dir;
  auto store = std::move(*open_rocksdb_event_store(app::event_store_dir(dir.str())));
  REQUIRE(store->append("T-1", ExpectedVersion::no_stream(), {at("a", "2026-11-01T10:00:00Z")}));
  REQUIRE(store->append("T-2", ExpectedVersion::no_stream(), {at("b", "2026-11-01T11:00:00Z")}));
  REQUIRE(store->append("T-1", ExpectedVersion::exact(1),
                        {at("c", "2026-11-02T09:00:00Z"), at("d", "2026-11-03T09:00:00Z")}));

  SUBCASE("dump prints stored records as JSON lines") {
    auto r = run_command(ctl(dir, "dump --after 1 --limit 2"));
    CHECK(r.exit_code == 0);
    CHECK(r.out == *store->read_raw(2) + "\n" + *store->read_raw(3) + "\n");
    auto tail = run_command(ctl(dir, "dump --after 3 --limit 100"));
    CHECK(tail.out == *store->read_raw(4) + "\n");
  }
  SUBCASE("replay prints one stream, up to --as-of") {
    auto all = run_command(ctl(dir, "replay --stream T-1"));
    CHECK(all.exit_code == 0);
    CHECK(all.out == *store->read_raw(1) + "\n" + *store->read_raw(3) + "\n" + *store->read_raw(4) + "\n");
    auto until = run_command(ctl(dir, "replay --stream T-1 --as-of 2026-11-02T12:00:00+02:00"));
    CHECK(until.exit_code == 0);
    CHECK(until.out == *store->read_raw(1) + "\n" + *store->read_raw(3) + "\n");
  }
  SUBCASE("verify reports the head") {
    auto r = run_command(ctl(dir, "verify"));
    CHECK(r.exit_code == 0);
    CHECK(r.out == fmt::format("ok: 4 records, head position 4 hash {}\n", store->head().hash));
    // Global options may come after the subcommand too, as with git or kubectl.
    auto after = run_command(fmt::format("{} verify --data-dir {}", TICKETCTL_PATH, dir.str()));
    CHECK(after.exit_code == 0);
    CHECK(after.out == r.out);
  }
  SUBCASE("bad input is a message and a non-zero exit") {
    auto bad_time = run_command(ctl(dir, "replay --stream T-1 --as-of yesterday"));
    CHECK(bad_time.exit_code == 2);
    CHECK(bad_time.out.find("not an RFC 3339 time") != std::string::npos);
    auto no_stream = run_command(ctl(dir, "replay --stream T-404"));
    CHECK(no_stream.exit_code == 1);
    CHECK(no_stream.out.find("no stream T-404") != std::string::npos);
    auto bad_limit = run_command(ctl(dir, "dump --limit 0"));
    CHECK(bad_limit.exit_code == 2);
    auto no_command = run_command(fmt::format("{} --data-dir {}", TICKETCTL_PATH, dir.str()));
    CHECK(no_command.exit_code == 2);
  }
}

TEST_CASE("ticketctl on a directory without a store fails with a message") {
  TempDir dir;
  auto r = run_command(ctl(dir, "verify"));
  CHECK(r.exit_code == 1);
  CHECK(r.out.find("cannot open event store") != std::string::npos);
}

TEST_CASE("ticketd opens the store, keeps what it held, and exits 0 on SIGTERM") {
  TempDir dir;
  {
    auto store = std::move(*open_rocksdb_event_store(app::event_store_dir(dir.str())));
    REQUIRE(store->append("T-1", ExpectedVersion::no_stream(), {make_event("a")}));
  }
  const std::string log = dir.sub("ticketd.out");
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    const int fd = ::creat(log.c_str(), 0644);
    ::dup2(fd, 1);
    ::execl(TICKETD_PATH, TICKETD_PATH, "--data-dir", dir.str().c_str(), "--listen", "127.0.0.1:0", "--jwt-secret",
            "ticketctl-test-secret-0123456789abcdef", static_cast<char*>(nullptr));
    _exit(127);
  }
  std::string out;
  for (int i = 0; i < 400 && out.find("listening on http://") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
    std::ifstream in(log);
    out.assign(std::istreambuf_iterator<char>(in), {});
  }
  CHECK(out.find("head position 1") != std::string::npos);
  CHECK(out.find("listening on http://127.0.0.1:") != std::string::npos);
  REQUIRE(::kill(pid, SIGTERM) == 0);
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  CHECK_MESSAGE(WIFEXITED(status), "ticketd ended by signal " << WTERMSIG(status) << "; its output: " << out);
  CHECK(WEXITSTATUS(status) == 0);
}

TEST_CASE("replay --state rebuilds a ticket as it was at a past instant") {
  TempDir dir;
  std::string id;
  {
    test::Engine e(app::event_store_dir(dir.str()));
    e.add_user("a1", Role::agent);
    id = e.engine.create(test::new_ticket(), test::as(test::customer()))->ticket->id;  // 08:00
    e.clock.set(*parse_rfc3339("2026-11-20T09:00:00Z"));
    REQUIRE(e.engine.execute(id, AssignTicket{"a1", std::nullopt, false}, test::as(test::agent())));
    e.clock.set(*parse_rfc3339("2026-11-20T10:00:00Z"));
    REQUIRE(e.engine.execute(id, ChangeStatus{Status::in_progress, {}}, test::as(test::agent())));
  }
  auto at_830 = run_command(ctl(dir, "replay --state --stream " + id + " --as-of 2026-11-20T08:30:00Z"));
  CHECK(at_830.exit_code == 0);
  CHECK(at_830.out.find(R"("status":"new")") != std::string::npos);
  CHECK(at_830.out.find(R"("version":1})") != std::string::npos);
  auto at_930 = run_command(ctl(dir, "replay --state --stream " + id + " --as-of 2026-11-20T09:30:00Z"));
  CHECK(at_930.out.find(R"("status":"open")") != std::string::npos);
  CHECK(at_930.out.find(R"("assignee":"a1")") != std::string::npos);
  auto now = run_command(ctl(dir, "replay --state --stream " + id));
  CHECK(now.out.find(R"("status":"in_progress")") != std::string::npos);
  auto before = run_command(ctl(dir, "replay --state --stream " + id + " --as-of 2026-11-19T00:00:00Z"));
  CHECK(before.exit_code == 1);
}

TEST_CASE("rebuild drops and rebuilds the read models, and refuses while the store is in use") {
  TempDir dir;
  {
    test::Engine e(app::event_store_dir(dir.str()));
    for (int i = 0; i < 3; ++i) REQUIRE(e.engine.create(test::new_ticket(), test::as(test::customer())));
    auto r = run_command(ctl(dir, "rebuild"));
    CHECK(r.exit_code == 1);
    CHECK(r.out.find("is ticketd running") != std::string::npos);
  }
  auto r = run_command(ctl(dir, "rebuild --projection tickets"));
  CHECK(r.exit_code == 0);
  CHECK(r.out.starts_with("rebuilt tickets to position "));
  sql::Database db(app::read_model_path(dir.str()), true);
  auto count = db.prepare("SELECT COUNT(*) FROM tickets");
  REQUIRE(count.step());
  CHECK(count.int64(0) == 3);
  auto unknown = run_command(ctl(dir, "rebuild --projection nope"));
  CHECK(unknown.exit_code == 1);
  CHECK(unknown.out.find("no projection named nope") != std::string::npos);
}
