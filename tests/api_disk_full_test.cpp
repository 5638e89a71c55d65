// A full disk as the API answers it (eventstore/event_store.h: a failed write or sync
// poisons the store): the refused command and every later one answer 503 with Retry-After
// and no internal text, /readyz fails with event_store_failed, reads go on, and nothing
// refused shows up in the ticket.
#include <doctest/doctest.h>

#include <atomic>

#include "eventstore/event_store.h"
#include "tests/in_process_api.h"
#include "tests/test_support.h"

using namespace ticketd;

namespace {

std::string header_of(const http::Response& r, const std::string& name) {
  for (const auto& [n, v] : r.headers) {
    if (n == name) return v;
  }
  return "";
}

}  // namespace

TEST_CASE("a full disk: commands answer 503, /readyz fails, reads go on, nothing refused is kept") {
  test::TempDir dir;
  std::atomic<bool> disk_full{false};
  EventStoreOptions options;
  options.before_sync = [&disk_full](std::uint64_t) { return !disk_full.load(); };
  auto store = open_rocksdb_event_store(dir.sub("events"), options);
  REQUIRE(store);
  test::InProcessApi world(std::move(*store));
  const std::string comments = "/api/v1/tickets/" + world.ticket + "/comments";

  REQUIRE(world.handle(world.request("POST", comments, Role::agent, R"({"body":"Kept."})")).status == 201);
  REQUIRE(world.handle(world.request("GET", "/readyz", std::nullopt)).status == 200);

  disk_full = true;
  const http::Response refused = world.handle(world.request("POST", comments, Role::agent, R"({"body":"Lost."})"));
  CHECK(refused.status == 503);
  CHECK(header_of(refused, "Retry-After") == "1");
  CHECK(refused.content_type == "application/problem+json");
  CHECK(refused.body.find(dir.str()) == std::string::npos);
  CHECK(refused.body.find("IO error") == std::string::npos);

  const http::Response ready = world.handle(world.request("GET", "/readyz", std::nullopt));
  CHECK(ready.status == 503);
  CHECK(ready.body.find(R"("event_store_failed":true)") != std::string::npos);

  // Space is back, but this process acknowledges nothing more until a restart.
  disk_full = false;
  CHECK(world.handle(world.request("POST", comments, Role::agent, R"({"body":"Later."})")).status == 503);
  CHECK(world
            .handle(world.request("POST", "/api/v1/tickets", Role::customer,
                                  R"({"subject":"New","description":"After the disk filled."})"))
            .status == 503);

  // Reads still answer, and hold only what was acknowledged.
  const http::Response listed = world.handle(world.request("GET", comments, Role::agent));
  REQUIRE(listed.status == 200);
  CHECK(listed.body.find("Kept.") != std::string::npos);
  CHECK(listed.body.find("Lost.") == std::string::npos);
  CHECK(listed.body.find("Later.") == std::string::npos);
}
