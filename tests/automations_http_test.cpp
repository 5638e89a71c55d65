// Automatic assignment against a real ticketd process (docs/automations.md): a round-robin
// queue, tickets created over HTTP in three bursts, ticketd killed with SIGKILL after the
// first two (while the runner may still have work in hand) and started again on the same
// data directory. In the end every ticket is assigned exactly once (one ticket.assigned
// event in its history), by the rule, and the turns came out even.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <map>

#include "tests/http_fixture.h"
#include "tests/test_support.h"

using namespace ticketd;
using namespace ticketd::test;

namespace {

std::size_t count_of(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
  return n;
}

}  // namespace

TEST_CASE("round-robin over HTTP: two kill -9 restarts mid-stream assign no ticket twice") {
  constexpr int kBursts = 3, kPerBurst = 30;
  TempDir dir;
  const std::string root = token(Role::global_admin, "acme", "root");
  const std::string admin = token(Role::admin, "acme", "ada");
  const std::string customer = token(Role::customer, "acme", "carla");
  std::vector<std::string> ids;
  for (int burst = 0; burst < kBursts; ++burst) {
    ServerProcess server(dir.str());
    HttpClient http = server.client();
    if (burst == 0) {
      auto tenant =
          http.request("PUT", "/api/v1/tenants/acme",
                       R"({"name":"Acme","settings":{"queues":["general"],"assignment":{"general":"round_robin"}}})",
                       {bearer(root)});
      REQUIRE_MESSAGE(tenant.status == 200, tenant.body);
      for (const char* sub : {"a1", "a2", "a3"}) {
        auto user = http.request("PUT", std::string("/api/v1/users/") + sub, R"({"role":"agent","queues":["general"]})",
                                 {bearer(admin)});
        REQUIRE_MESSAGE(user.status == 200, user.body);
      }
    }
    for (int i = 0; i < kPerBurst; ++i) {
      auto r = http.request("POST", "/api/v1/tickets",
                            fmt::format(R"({{"subject":"Burst {} ticket {}","description":"it smokes"}})", burst, i),
                            {bearer(customer)});
      REQUIRE_MESSAGE(r.status == 201, r.body);
      ids.push_back(r.str("id"));
    }
    if (burst < kBursts - 1) {
      server.kill_hard();
      continue;
    }
    // The last process: wait until every ticket has its assignee, then check the log.
    REQUIRE(eventually(
        [&] {
          for (const auto& id : ids) {
            auto t = http.request("GET", "/api/v1/tickets/" + id, "", {bearer(admin)});
            if (t.status != 200 || t.body.find(R"("assignee":"a)") == std::string::npos) return false;
          }
          return true;
        },
        std::chrono::seconds(60)));
    std::map<std::string, int> per_agent;
    for (const auto& id : ids) {
      auto history = http.request("GET", "/api/v1/tickets/" + id + "/history", "", {bearer(admin)});
      REQUIRE(history.status == 200);
      CHECK_MESSAGE(count_of(history.body, R"("type":"ticket.assigned")") == 1, id);
      CHECK(count_of(history.body, R"("sub":"system:automation/round_robin")") >= 1);
      auto t = http.request("GET", "/api/v1/tickets/" + id, "", {bearer(admin)});
      ++per_agent[t.str("assignee")];
    }
    // The last process's counters: it assigned what the kills left, and read the whole log.
    REQUIRE(eventually([&] {
      const std::string m = http.request("GET", "/metrics", "", {}).body;
      const std::string head = "\nticketd_log_head_position ", at = "\nticketd_automations_position ";
      const auto h = m.find(head), p = m.find(at);
      return h != std::string::npos && p != std::string::npos &&
             std::stoull(m.substr(h + head.size())) == std::stoull(m.substr(p + at.size()));
    }));
    CHECK(http.request("GET", "/metrics", "", {}).body.find("\nticketd_automations_refused_total ") !=
          std::string::npos);
    CHECK(per_agent.size() == 3);
    for (const auto& [sub, n] : per_agent) CHECK_MESSAGE(n == kBursts * kPerBurst / 3, sub, " got ", n);
  }
}
