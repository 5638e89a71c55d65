// ticketd: the ticket engine server.
//
// So far it opens (or creates) the event store in the data directory, reports its
// head, and runs until SIGTERM or SIGINT, then closes the store cleanly and exits 0.
#include <CLI/CLI.hpp>
#include <csignal>
#include <filesystem>
#include <fmt/format.h>

#include "app/data_dir.h"
#include "eventstore/event_store.h"

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

  int sig = 0;
  sigwait(&signals, &sig);
  fmt::print("ticketd: signal {}, closing the event store\n", sig);
  store->reset();
  return 0;
}
