// Where the Api runs a handler (http/api.h): the probes and unmatched paths answer on the
// thread that hands the request over (the server's I/O thread); every read that may take a
// millisecond (a ticket's replay, lists sorted by due time or filtered by SLA state, search,
// the queue, meta with its first-seen user record) and every command runs on a worker.
#include <doctest/doctest.h>

#include <future>
#include <thread>

#include "tests/in_process_api.h"

using namespace ticketd;

namespace {

struct Answer {
  int status = 0;
  bool on_caller = false;
};

Answer send(test::InProcessApi& world, const std::string& method, const std::string& path,
            std::vector<std::pair<std::string, std::string>> query, std::optional<Role> role,
            const std::string& body = "") {
  const auto caller = std::this_thread::get_id();
  std::promise<Answer> answered;
  auto answer = answered.get_future();
  world.api().handle(world.request(method, path, role, body, std::move(query)),
                     [&answered, caller](http::Response response) {
                       answered.set_value(Answer{response.status, std::this_thread::get_id() == caller});
                     });
  return answer.get();
}

}  // namespace

TEST_CASE("only the probes and unmatched paths run on the I/O thread") {
  test::InProcessApi world;
  const std::string ticket = "/api/v1/tickets/" + world.ticket;
  struct Row {
    const char* what;
    std::string method;
    std::string path;
    std::vector<std::pair<std::string, std::string>> query;
    std::optional<Role> role;
    std::string body;
    int status;
    bool on_caller;
  };
  const std::vector<Row> rows{
      {"liveness", "GET", "/healthz", {}, std::nullopt, "", 200, true},
      {"readiness", "GET", "/readyz", {}, std::nullopt, "", 200, true},
      {"no such path", "GET", "/api/v1/nothing-here", {}, Role::agent, "", 404, true},
      {"meta", "GET", "/api/v1/meta", {}, Role::agent, "", 200, false},
      {"one ticket", "GET", ticket, {}, Role::agent, "", 200, false},
      {"comments", "GET", ticket + "/comments", {}, Role::agent, "", 200, false},
      {"attachments", "GET", ticket + "/attachments", {}, Role::agent, "", 200, false},
      {"history", "GET", ticket + "/history", {}, Role::agent, "", 200, false},
      {"a list", "GET", "/api/v1/tickets", {}, Role::agent, "", 200, false},
      {"a list by due time", "GET", "/api/v1/tickets", {{"sort", "due"}}, Role::agent, "", 200, false},
      {"a list of breached tickets", "GET", "/api/v1/tickets", {{"sla", "breached"}}, Role::agent, "", 200, false},
      {"a list at risk", "GET", "/api/v1/tickets", {{"sla", "at_risk"}}, Role::agent, "", 200, false},
      {"search", "GET", "/api/v1/tickets", {{"q", "printer"}}, Role::agent, "", 200, false},
      {"the queue", "GET", "/api/v1/queue", {}, Role::agent, "", 200, false},
      {"a command", "POST", ticket + "/comments", {}, Role::agent, R"({"body":"On it."})", 201, false},
  };
  for (const auto& row : rows) {
    INFO(row.what);
    const Answer a = send(world, row.method, row.path, row.query, row.role, row.body);
    CHECK(a.status == row.status);
    CHECK(a.on_caller == row.on_caller);
  }
}
