// A running ticketd with a small tenant tree and a token per role, for the HTTP tests.
//
//   acme (root) ── acme-emea        globex (another root, "the other tenant")
//
// Users: carla (customer, acme-emea), cody (customer, acme-emea), alex (agent, acme),
// ada (admin, acme), max (manager, acme), aude (auditor, acme), root (global_admin,
// acme), jira (integration, acme); and for globex one principal of every role.
#pragma once

#include <doctest/doctest.h>

#include "tests/http_fixture.h"

namespace ticketd::test {

inline const std::vector<Role>& all_roles() {
  static const std::vector<Role> roles{Role::customer, Role::agent,        Role::admin,      Role::manager,
                                       Role::auditor,  Role::global_admin, Role::integration};
  return roles;
}

struct World {
  explicit World(std::vector<std::string> extra = {}) : server(dir.str(), std::move(extra)), http(server.client()) {
    put("/api/v1/tenants/acme", R"({"name":"ACME","settings":{"queues":["general","billing"]}})");
    put("/api/v1/tenants/acme-emea",
        R"({"name":"ACME EMEA","parent":"acme","settings":{"queues":["general","billing"]}})");
    put("/api/v1/tenants/globex", R"({"name":"Globex"})");
    tokens[Role::customer] = token(Role::customer, "acme-emea", "carla");
    tokens[Role::agent] = token(Role::agent, "acme", "alex");
    tokens[Role::admin] = token(Role::admin, "acme", "ada");
    tokens[Role::manager] = token(Role::manager, "acme", "max");
    tokens[Role::auditor] = token(Role::auditor, "acme", "aude");
    tokens[Role::global_admin] = token(Role::global_admin, "acme", "root");
    tokens[Role::integration] = token(Role::integration, "acme-emea", "jira");  // imports carla's tickets
    other_customer = token(Role::customer, "acme-emea", "cody");
    for (Role r : all_roles()) {
      foreign[r] = token(r, "globex", std::string("g-") + role_name(r));
    }
    // Every principal is recorded when first seen; the agent must be known to be assignable.
    for (Role r : all_roles()) (void)as(r, "GET", "/api/v1/meta");
  }

  Reply as(Role role, const std::string& method, const std::string& target, const std::string& body = "",
           std::vector<std::pair<std::string, std::string>> headers = {}) {
    headers.push_back(bearer(tokens.at(role)));
    return http.request(method, target, body, headers);
  }
  Reply with(const std::string& jwt, const std::string& method, const std::string& target, const std::string& body = "",
             std::vector<std::pair<std::string, std::string>> headers = {}) {
    headers.push_back(bearer(jwt));
    return http.request(method, target, body, headers);
  }
  void put(const std::string& target, const std::string& body) {
    auto r = with(token(Role::global_admin, "acme", "root"), "PUT", target, body);
    REQUIRE_MESSAGE(r.status == 200, r.body);
  }
  // A new ticket requested by carla; returns its id.
  std::string new_ticket(const std::string& subject = "Printer on fire") {
    auto r = as(Role::customer, "POST", "/api/v1/tickets",
                R"({"subject":")" + subject + R"(","description":"It smokes.","priority":"high"})");
    REQUIRE_MESSAGE(r.status == 201, r.body);
    return r.str("id");
  }
  // The log head, as global admins see it.
  std::uint64_t head() {
    auto r = as(Role::global_admin, "GET", "/api/v1/events?limit=1");
    REQUIRE(r.status == 200);
    return r.json()["head"].get_uint64().value();
  }
  // Waits until the read models have applied everything in the log.
  void await_read_models() {
    const bool caught_up = eventually([&] {
      auto r = http.request("GET", "/readyz");
      return r.status == 200 && r.json()["lag"].get_uint64().value() == 0;
    });
    REQUIRE(caught_up);
  }

  TempDir dir;
  ServerProcess server;
  HttpClient http;
  std::map<Role, std::string> tokens;
  std::map<Role, std::string> foreign;
  std::string other_customer;
};

}  // namespace ticketd::test
