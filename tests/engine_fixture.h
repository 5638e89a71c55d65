// A command-side engine on an event store (RocksDB in a temporary directory, or in
// memory), with a manual clock and sequential ids, for the commands tests.
#pragma once

#include <memory>
#include <string>

#include "commands/command_engine.h"
#include "eventstore/memory_event_store.h"
#include "tests/test_cipher.h"
#include "tests/test_support.h"

namespace ticketd::test {

inline int next_engine_number() {
  static std::atomic<int> n{0};
  return ++n;
}

struct Engine {
  static inline const Timestamp kStart = *parse_rfc3339("2026-11-20T08:00:00Z");

  // On a RocksDB store in `store_dir` (tests of restarts and real concurrency).
  explicit Engine(const std::string& store_dir, TicketRepositoryOptions repo_options = {}, Timestamp start = kStart,
                  FieldCipher& field_cipher = shared_test_cipher())
      : Engine(std::move(*open_rocksdb_event_store(store_dir)), repo_options, start, field_cipher) {}
  // On any store, e.g. make_memory_event_store() where RocksDB adds nothing to the test.
  explicit Engine(std::unique_ptr<EventStore> event_store, TicketRepositoryOptions repo_options = {},
                  Timestamp start = kStart, FieldCipher& field_cipher = shared_test_cipher())
      : store(std::move(event_store)),
        clock(start),
        cipher(field_cipher),
        engine(*store, clock, ids, cipher, repo_options),
        replay(*store, cipher) {}

  // Records a user in the directory (as an admin would register them ahead).
  void add_user(const std::string& sub, Role role, const std::string& tenant = "acme") {
    auto r = engine.record_user(UserRecord{sub, tenant, "", "", role}, Principal{sub, tenant, role, "", ""});
    if (!r) throw std::runtime_error(r.error().message);
  }

  // The engine's current state of a ticket (its cache), as the system sees it.
  [[nodiscard]] Result<TicketRepository::Ptr> held(const std::string& id) {
    return engine.ticket(id, system_principal("acme"));
  }

  std::unique_ptr<EventStore> store;
  ManualClock clock;
  // Ids differ between engines, so engines reopening one store never reuse an id.
  SequentialIds ids{"id" + std::to_string(next_engine_number())};
  FieldCipher& cipher;
  CommandEngine engine;
  // A second repository on the store, without the engine's cache: load_fresh() replays.
  TicketRepository replay;
};

inline Principal customer(std::string sub = "c1") { return {std::move(sub), "acme", Role::customer, "", ""}; }
inline Principal agent(std::string sub = "a1") { return {std::move(sub), "acme", Role::agent, "", ""}; }
inline Principal admin(std::string sub = "ad1") { return {std::move(sub), "acme", Role::admin, "", ""}; }

inline CommandRequest as(const Principal& p) {
  CommandRequest r;
  r.principal = p;
  return r;
}

inline CreateTicket new_ticket(std::string subject = "Printer on fire", std::optional<Priority> priority = {}) {
  CreateTicket c;
  c.tenant = "acme";
  c.subject = std::move(subject);
  c.description = "It smokes.";
  c.priority = priority;
  return c;
}

}  // namespace ticketd::test
