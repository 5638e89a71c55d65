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
#include "privacy/subject_key_store.h"
#include "projections/projection_runner.h"
#include "projections/sqlite.h"
#include "projections/tickets_projection.h"
#include "tests/engine_fixture.h"
#include "tests/process_support.h"
#include "tests/read_model_dump.h"
#include "tests/test_support.h"

using namespace ticketd;
using ticketd::test::make_event;
using ticketd::test::run_command;
using ticketd::test::TempDir;

namespace {

std::string ctl(const TempDir& dir, const std::string& args) {
  return fmt::format("{} --data-dir {} {}", TICKETCTL_PATH, dir.str(), args);
}

std::unique_ptr<ProjectionRunner> projection_runner(const EventStore& store, const std::string& db,
                                                    FieldCipher& cipher = ticketd::test::shared_test_cipher()) {
  std::vector<std::unique_ptr<Projection>> projections;
  projections.push_back(std::make_unique<TicketsProjection>(cipher, store));
  return std::make_unique<ProjectionRunner>(store, db, std::move(projections));
}

// Rows planted by the rebuild test that no projection of the log makes.
std::int64_t stale_rows(const std::string& db_path) {
  sql::Database db(db_path, true);
  auto st = db.prepare(
      "SELECT (SELECT COUNT(*) FROM tickets WHERE subject = 'stale subject') + "
      "(SELECT COUNT(*) FROM ticket_tags WHERE tag = 'stale-tag') + (SELECT COUNT(*) = 0 FROM users)");
  REQUIRE(st.step());
  return st.int64(0);
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

TEST_CASE("backup-keys copies the key store to a new directory, and says why when it cannot") {
  TempDir dir;
  auto none = run_command(ctl(dir, "backup-keys --to " + dir.sub("backup")));
  CHECK(none.exit_code == 1);
  CHECK(none.out.find("no key store") != std::string::npos);
  SubjectKey carla;
  {
    auto keys = open_subject_key_store(app::key_store_dir(dir.str()));
    REQUIRE(keys.has_value());
    carla = (*keys)->key_for("acme/carla").value();
    auto busy = run_command(ctl(dir, "backup-keys --to " + dir.sub("backup")));
    CHECK(busy.exit_code == 1);
    CHECK(busy.out.find("is ticketd running?") != std::string::npos);
  }
  auto done = run_command(ctl(dir, "backup-keys --to " + dir.sub("backup")));
  CHECK_MESSAGE(done.exit_code == 0, done.out);
  auto again = run_command(ctl(dir, "backup-keys --to " + dir.sub("backup")));
  CHECK(again.exit_code == 1);
  CHECK(again.out.find("exists") != std::string::npos);
  auto backup = open_subject_key_store(dir.sub("backup"));
  REQUIRE(backup.has_value());
  CHECK((*backup)->key(carla.id).value() == carla.bytes);
}

TEST_CASE("restore-keys puts a backup in place and destroys again the keys of subjects erased since") {
  TempDir dir;
  std::string id;
  {
    auto keys = std::move(*open_subject_key_store(app::key_store_dir(dir.str())));
    FieldCipher cipher(*keys);
    test::Engine e(app::event_store_dir(dir.str()), {}, test::Engine::kStart, cipher);
    id = e.engine.create(test::new_ticket("Carla's printer"), test::as(test::customer("carla")))->ticket->id;
    REQUIRE(e.engine.create(test::new_ticket("Cleo's laptop"), test::as(test::customer("cleo"))));
  }
  REQUIRE(run_command(ctl(dir, "backup-keys --to " + dir.sub("backup"))).exit_code == 0);
  {
    auto keys = std::move(*open_subject_key_store(app::key_store_dir(dir.str())));
    FieldCipher cipher(*keys);
    test::Engine e(app::event_store_dir(dir.str()), {}, test::Engine::kStart, cipher);
    REQUIRE(e.engine.erase_subject("carla", test::admin()));
  }
  // The key store is lost; the backup (which still holds carla's key) comes back.
  std::filesystem::remove_all(app::key_store_dir(dir.str()));
  auto restored = run_command(ctl(dir, "restore-keys --from " + dir.sub("backup")));
  CHECK_MESSAGE(restored.exit_code == 0, restored.out);
  CHECK(restored.out.find("1 keys of erased subjects destroyed again") != std::string::npos);
  auto state = run_command(ctl(dir, "replay --state --stream " + id));
  CHECK(state.out.find(R"("subject":"[erased]")") != std::string::npos);
  auto dump = run_command(ctl(dir, "dump --after 0 --limit 100"));
  CHECK(dump.out.find("Cleo's laptop") != std::string::npos);  // cleo's key came back
  CHECK(dump.out.find("Carla's printer") == std::string::npos);
  auto twice = run_command(ctl(dir, "restore-keys --from " + dir.sub("backup")));
  CHECK(twice.exit_code == 1);
  CHECK(twice.out.find("exists") != std::string::npos);
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
            "ticketctl-test-secret-0123456789abcdef", "--kafka", "off", static_cast<char*>(nullptr));
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
  const std::string read_model = app::read_model_path(dir.str());
  {
    auto keys = std::move(*open_subject_key_store(app::key_store_dir(dir.str())));
    FieldCipher cipher(*keys);
    test::Engine e(app::event_store_dir(dir.str()), {}, test::Engine::kStart, cipher);
    e.add_user("a1", Role::agent);
    for (int i = 0; i < 3; ++i) REQUIRE(e.engine.create(test::new_ticket(), test::as(test::customer())));
    // A read model caught up to the head (its checkpoint is the head), then made stale
    // behind the runner's back: a ticket the log never had, a changed subject, a tag.
    {
      auto runner = projection_runner(*e.store, read_model, cipher);
      REQUIRE(runner->catch_up());
      CHECK(runner->checkpoint() == e.store->head().position);
    }
    {
      sql::Database db(read_model);
      db.exec(
          "INSERT INTO tickets SELECT 99, 'T-stale', 'TICK-2026-999999', tenant, 'stale subject', type, category, "
          "priority, urgency, status, active, queue, requester, assignee, created_at, updated_at, resolved_at, "
          "closed_at, version, first_response_at, fr_due, fr_at_risk, fr_breached, res_due, res_at_risk, "
          "res_breached, sla_due, sla_at_risk, feedback_rating, comment_count, public_comment_count, "
          "attachment_count, public_attachment_count, state FROM tickets WHERE seq = 1");
      db.exec("UPDATE tickets SET subject = 'stale subject' WHERE seq = 2");
      db.exec("INSERT INTO ticket_tags (tag, seq) VALUES ('stale-tag', 3)");
      db.exec("DELETE FROM users");
    }
    // Catching up from that checkpoint changes nothing: only a rebuild can repair it.
    {
      auto runner = projection_runner(*e.store, read_model, cipher);
      REQUIRE(runner->catch_up());
    }
    CHECK(stale_rows(read_model) == 4);

    auto r = run_command(ctl(dir, "rebuild"));
    CHECK(r.exit_code == 1);
    CHECK(r.out.find("is ticketd running") != std::string::npos);
    CHECK(stale_rows(read_model) == 4);  // refused: nothing touched
  }
  auto r = run_command(ctl(dir, "rebuild --projection tickets"));
  CHECK(r.exit_code == 0);
  CHECK(r.out.starts_with("rebuilt tickets to position "));
  CHECK(stale_rows(read_model) == 0);
  // The rebuilt model equals a fresh projection of the same log, every table compared.
  {
    auto store = open_rocksdb_event_store(app::event_store_dir(dir.str()));
    REQUIRE(store);
    auto keys = std::move(*open_subject_key_store(app::key_store_dir(dir.str())));
    FieldCipher cipher(*keys);
    auto fresh = projection_runner(**store, dir.sub("fresh.sqlite"), cipher);
    REQUIRE(fresh->catch_up());
  }
  const auto rebuilt = test::dump_read_model(read_model);
  CHECK(test::tables_with_rows(rebuilt).contains("users"));
  CHECK(rebuilt == test::dump_read_model(dir.sub("fresh.sqlite")));
  sql::Database db(read_model, true);
  auto count = db.prepare("SELECT COUNT(*) FROM tickets");
  REQUIRE(count.step());
  CHECK(count.int64(0) == 3);
  auto unknown = run_command(ctl(dir, "rebuild --projection nope"));
  CHECK(unknown.exit_code == 1);
  CHECK(unknown.out.find("no projection named nope") != std::string::npos);
}
