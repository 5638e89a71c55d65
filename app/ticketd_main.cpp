// ticketd: the ticket engine server.
//
// So far it opens (or creates) the event store in the data directory, keeps the read
// models (SQLite) current from the log, runs the SLA scheduler (warnings, breaches,
// auto-close) every kSchedulerInterval, and runs until SIGTERM or SIGINT, then stops
// both, closes the store cleanly and exits 0.
#include <CLI/CLI.hpp>
#include <csignal>
#include <filesystem>
#include <fmt/format.h>

#include <condition_variable>
#include <thread>

#include "app/data_dir.h"
#include "commands/command_engine.h"
#include "eventstore/event_store.h"
#include "projections/projection_runner.h"
#include "projections/tickets_projection.h"

namespace {

constexpr std::chrono::seconds kSchedulerInterval{30};

}  // namespace

int main(int argc, char** argv) {
  CLI::App cli{"ticketd: event-sourced ticket engine"};
  std::string data_dir = ticketd::app::kDefaultDataDir;
  cli.add_option("--data-dir", data_dir, "data directory")->envname(ticketd::app::kDataDirEnv);
  CLI11_PARSE(cli, argc, argv);

  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);  // threads started below inherit the mask

  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  if (ec) {
    fmt::print(stderr, "ticketd: cannot create data directory {}: {}\n", data_dir, ec.message());
    return 1;
  }
  auto store = ticketd::open_rocksdb_event_store(ticketd::app::event_store_dir(data_dir));
  if (!store) {
    fmt::print(stderr, "ticketd: {}\n", store.error().message);
    return 1;
  }
  const auto head = (*store)->head();
  fmt::print("event store open in {}: head position {} hash {}\n", data_dir, head.position, head.hash);
  std::fflush(stdout);

  std::unique_ptr<ticketd::ProjectionRunner> projector;
  try {
    std::vector<std::unique_ptr<ticketd::Projection>> projections;
    projections.push_back(std::make_unique<ticketd::TicketsProjection>());
    projector = std::make_unique<ticketd::ProjectionRunner>(**store, ticketd::app::read_model_path(data_dir),
                                                            std::move(projections));
  } catch (const std::exception& e) {
    fmt::print(stderr, "ticketd: read models: {}\n", e.what());
    return 1;
  }
  fmt::print("read models at position {} of {}\n", projector->checkpoint(), head.position);
  std::fflush(stdout);
  projector->start();

  ticketd::SystemClock clock;
  ticketd::RandomIds ids;
  auto engine = std::make_unique<ticketd::CommandEngine>(**store, clock, ids);
  std::mutex mu;
  std::condition_variable cv;
  bool stopping = false;
  std::thread scheduler([&] {
    std::unique_lock lock(mu);
    while (!cv.wait_for(lock, kSchedulerInterval, [&] { return stopping; })) {
      lock.unlock();
      auto caught_up = engine->active.catch_up();
      auto report = caught_up ? engine->scheduler.run_once(engine->active.ids())
                              : ticketd::Result<ticketd::SchedulerReport>(std::unexpected(caught_up.error()));
      if (!report) {
        fmt::print(stderr, "ticketd: scheduler: {}\n", report.error().message);
      } else if (report->warnings + report->breaches + report->auto_closed > 0) {
        fmt::print("scheduler: {} tickets checked, {} SLA warnings, {} breaches, {} auto-closed\n", report->checked,
                   report->warnings, report->breaches, report->auto_closed);
      }
      std::fflush(stdout);
      lock.lock();
    }
  });

  int sig = 0;
  sigwait(&signals, &sig);
  fmt::print("ticketd: signal {}, stopping\n", sig);
  {
    std::lock_guard lock(mu);
    stopping = true;
  }
  cv.notify_all();
  scheduler.join();
  projector->stop();
  if (auto failed = projector->error()) fmt::print(stderr, "ticketd: read models stopped: {}\n", failed->message);
  projector.reset();
  engine.reset();
  store->reset();
  return 0;
}
