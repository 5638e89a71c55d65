// The command side's caches stay within their bounds whatever names clients send, and a
// lookup racing a write never leaves the old value cached.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <functional>

#include "commands/tenant_directory.h"
#include "commands/user_directory.h"
#include "eventstore/memory_event_store.h"
#include "tests/engine_fixture.h"

using namespace ticketd;

namespace {

const Timestamp kNow{std::chrono::microseconds{1'790'000'000'000'000}};

// Forwards to a real store; `after_read` (when set) runs once, right after a read_stream
// has read its records and before they are returned: a write made there lands between a
// cache miss's read and its insert, deterministically.
class InterleavingStore final : public EventStore {
 public:
  explicit InterleavingStore(std::unique_ptr<EventStore> inner) : inner_(std::move(inner)) {}

  mutable std::function<void()> after_read;

  void append_async(AppendRequest request, AppendCallback done) override {
    inner_->append_async(std::move(request), std::move(done));
  }
  Result<std::vector<EventRecord>> read_stream(std::string_view stream, std::uint64_t from_version,
                                               std::size_t max) const override {
    auto out = inner_->read_stream(stream, from_version, max);
    if (after_read) std::exchange(after_read, nullptr)();
    return out;
  }
  Result<std::vector<EventRecord>> read_all(std::uint64_t after_position, std::size_t max) const override {
    return inner_->read_all(after_position, max);
  }
  Result<std::string> read_raw(std::uint64_t position) const override { return inner_->read_raw(position); }
  Result<std::uint64_t> stream_version(std::string_view stream) const override {
    return inner_->stream_version(stream);
  }
  LogHead head() const override { return inner_->head(); }
  EventStoreStats stats() const override { return inner_->stats(); }
  bool wait_beyond(std::uint64_t position, std::chrono::milliseconds timeout) const override {
    return inner_->wait_beyond(position, timeout);
  }
  Result<void> save_snapshot(std::string_view stream, const Snapshot& snapshot) override {
    return inner_->save_snapshot(stream, snapshot);
  }
  Result<std::optional<Snapshot>> load_snapshot(std::string_view stream) const override {
    return inner_->load_snapshot(stream);
  }
  Result<void> put_meta(std::string_view key, std::string_view value) override { return inner_->put_meta(key, value); }
  Result<std::optional<std::string>> get_meta(std::string_view key) const override { return inner_->get_meta(key); }

 private:
  std::unique_ptr<EventStore> inner_;
};

UserRecord user_named(int i, const std::string& tenant = "acme") {
  return UserRecord{fmt::format("user-{}", i), tenant, fmt::format("User {}", i), fmt::format("u{}@example.com", i),
                    Role::agent};
}

}  // namespace

TEST_CASE("user directory: unknown names are never cached, known users stay within the byte bound") {
  auto store = make_memory_event_store();
  constexpr std::size_t kBound = 16 * 1024;
  UserDirectory users(*store, test::shared_test_cipher(), kBound);
  for (int i = 0; i < 5000; ++i) {
    auto u = users.get(fmt::format("mention-{}", i));
    REQUIRE(u);
    CHECK_FALSE(u->has_value());
  }
  CHECK(users.cached_users() == 0);
  CHECK(users.cached_bytes() == 0);

  const Principal admin{"ad1", "acme", Role::admin, "", ""};
  for (int i = 0; i < 2000; ++i) REQUIRE(users.record(user_named(i), admin, kNow, fmt::format("ev-{}", i)));
  for (int pass = 0; pass < 2; ++pass) {
    for (int i = 0; i < 2000; ++i) {
      auto u = users.get(fmt::format("user-{}", i));
      REQUIRE(u);
      REQUIRE(u->has_value());
      CHECK(**u == user_named(i));  // evicted users load again, unchanged
      CHECK(users.cached_bytes() <= kBound);
    }
  }
  CHECK(users.cached_users() > 10);       // the cache is in use...
  CHECK(users.cached_users() < 2000);     // ...and evicts
  CHECK(users.cached_bytes() <= kBound);  // within its bound
}

TEST_CASE("tenant directory: unconfigured names are never cached, configured ones stay within the byte bound") {
  auto store = make_memory_event_store();
  constexpr std::size_t kBound = 32 * 1024;
  TenantDirectory tenants(*store, kBound);
  const Principal root = system_principal("acme");
  for (int i = 0; i < 5000; ++i) {
    auto t = tenants.get(fmt::format("nobody-{}", i));
    REQUIRE(t);
    CHECK(t->parent.empty());
    auto covered = tenants.covers(Principal{"a1", "acme", Role::agent, "", ""}, fmt::format("nobody-{}", i));
    REQUIRE(covered);
    CHECK_FALSE(*covered);
  }
  CHECK(tenants.cached_tenants() == 0);
  CHECK(tenants.cached_bytes() == 0);

  for (int i = 0; i < 500; ++i) {
    TenantConfig c;
    c.id = fmt::format("t-{}", i);
    c.name = fmt::format("Tenant {}", i);
    c.parent = "acme";
    REQUIRE(tenants.put(c, root, kNow, fmt::format("ev-{}", i)));
  }
  for (int i = 0; i < 500; ++i) {
    auto t = tenants.get(fmt::format("t-{}", i));
    REQUIRE(t);
    CHECK(t->name == fmt::format("Tenant {}", i));
    CHECK(t->parent == "acme");
    CHECK(tenants.cached_bytes() <= kBound);
  }
  CHECK(tenants.cached_tenants() > 10);
  CHECK(tenants.cached_tenants() < 500);
}

TEST_CASE("user directory: a lookup that read the old record before a record() does not cache it") {
  InterleavingStore store(make_memory_event_store());
  UserDirectory users(store, test::shared_test_cipher());
  const Principal admin{"ad1", "acme", Role::admin, "", ""};
  const UserRecord before{"bob", "acme", "Bob", "bob@example.com", Role::customer};
  const UserRecord after{"bob", "acme", "Bob", "bob@example.com", Role::agent};
  REQUIRE(users.record(before, admin, kNow, "ev-1"));

  // The lookup misses and reads `before`; the record of `after` lands in between.
  bool recorded = false;
  store.after_read = [&] { recorded = static_cast<bool>(users.record(after, admin, kNow, "ev-2")); };
  auto seen = users.get("bob");
  REQUIRE(recorded);
  REQUIRE(seen);
  CHECK(**seen == before);  // that lookup answers what it read...

  auto now = users.get("bob");  // ...but the cache does not keep it
  REQUIRE(now);
  CHECK(**now == after);
}

TEST_CASE("tenant directory: a lookup that read the old configuration before a put() does not cache it") {
  InterleavingStore store(make_memory_event_store());
  TenantDirectory tenants(store);
  const Principal root = system_principal("acme");
  TenantConfig config;
  config.id = "emea";
  config.parent = "acme";
  config.sla[Priority::high].resolution = std::chrono::minutes(600);
  REQUIRE(tenants.put(config, root, kNow, "ev-1"));
  // A fresh directory on the same log: the first get() misses.
  TenantDirectory fresh(store);

  TenantConfig moved = config;
  moved.parent = "global";
  moved.sla[Priority::high].resolution = std::chrono::minutes(60);
  bool put = false;
  store.after_read = [&] { put = static_cast<bool>(fresh.put(moved, root, kNow, "ev-2")); };
  auto seen = fresh.get("emea");
  REQUIRE(put);
  REQUIRE(seen);
  CHECK(seen->parent == "acme");

  auto now = fresh.get("emea");
  REQUIRE(now);
  CHECK(now->parent == "global");
  CHECK(now->sla.at(Priority::high).resolution == std::chrono::minutes(60));
  const Principal emea_admin{"x", "acme", Role::admin, "", ""};
  auto covered = fresh.covers(emea_admin, "emea");
  REQUIRE(covered);
  CHECK_FALSE(*covered);  // the old parent no longer grants acme's admin the tenant
}

TEST_CASE("ticket repository: the cache is bounded by the tickets' bytes, and evicted tickets load unchanged") {
  test::Engine e(make_memory_event_store());
  const std::string body(4096, 'x');
  std::vector<std::string> ids;
  for (int i = 0; i < 40; ++i) {
    auto created = e.engine.create(test::new_ticket(fmt::format("ticket {}", i)), test::as(test::customer()));
    REQUIRE(created);
    ids.push_back(created->ticket->id);
    for (int c = 0; c < 3; ++c) {
      REQUIRE(e.engine.execute(ids.back(), AddComment{fmt::format("c-{}-{}", i, c), body, Visibility::public_, {}, {}},
                               test::as(test::customer())));
    }
  }
  auto one = e.replay.load_fresh(ids.front());
  REQUIRE(one);
  CHECK(approx_ticket_bytes(*one) > 3 * body.size());  // a ticket weighs its comments' text

  constexpr std::size_t kBound = 64 * 1024;  // about four of these tickets
  TicketRepository repo(*e.store, e.cipher, TicketRepositoryOptions{.cache_bytes = kBound});
  for (int pass = 0; pass < 2; ++pass) {
    for (const auto& id : ids) {
      auto held = repo.load(id);
      REQUIRE(held);
      auto fresh = e.replay.load_fresh(id, false);
      REQUIRE(fresh);
      CHECK(**held == *fresh);
      CHECK(repo.cached_bytes() <= kBound);
    }
  }
  CHECK(repo.cached_tickets() >= 2);
  CHECK(repo.cached_tickets() <= 5);

  // A ticket larger than the whole cache is answered, not kept.
  TicketRepository tiny(*e.store, e.cipher, TicketRepositoryOptions{.cache_bytes = 8 * 1024});
  auto big = tiny.load(ids.front());
  REQUIRE(big);
  CHECK((*big)->comments.size() == 3);
  CHECK(tiny.cached_tickets() == 0);
  CHECK(tiny.cached_bytes() == 0);
}
