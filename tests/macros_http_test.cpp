// Macros and ticket templates over HTTP (docs/automations.md): admins replace them, agents
// list and apply macros (one append), customers list templates and create from them.
#include <set>

#include "tests/http_world.h"

using namespace ticketd;
using namespace ticketd::test;

namespace {

const char* kMacros = R"({"macros":[
  {"id":"take","name":"Take, answer and start",
   "comment":{"body":"Hello {{requester.name}}, {{agent.name}} is on {{ticket.number}} ({{ticket.subject}}).",
              "visibility":"public"},
   "status":"in_progress","priority":"urgent","add_tags":["hardware"],"assignee":"me"},
  {"id":"park","name":"Wait on the customer","status":"waiting_on_customer","priority":"low",
   "comment":{"body":"Internal: parked","visibility":"internal"}}]})";

}  // namespace

TEST_CASE("macros: admins replace them, agents list and apply them in one append; customers may not") {
  World w;
  auto saved = w.as(Role::admin, "PUT", "/api/v1/macros", kMacros);
  REQUIRE_MESSAGE(saved.status == 200, saved.body);
  CHECK(saved.array("macros").size() == 2);
  CHECK(w.as(Role::agent, "PUT", "/api/v1/macros", kMacros).status == 403);
  auto listed = w.as(Role::agent, "GET", "/api/v1/macros");
  REQUIRE(listed.status == 200);
  CHECK(listed.array("macros").size() == 2);
  CHECK(w.as(Role::customer, "GET", "/api/v1/macros").status == 403);

  const std::string id = w.new_ticket("Printer on fire");
  const std::string base = "/api/v1/tickets/" + id;
  auto before = w.as(Role::agent, "GET", base);
  REQUIRE(before.status == 200);
  const std::uint64_t version = before.json()["version"].get_uint64().value();
  const std::string number = before.str("number");

  CHECK(w.as(Role::customer, "POST", base + "/macros/take").status == 403);
  CHECK(w.as(Role::agent, "POST", base + "/macros/nope").status == 404);
  // A refused part refuses the macro: new -> waiting_on_customer is no transition.
  auto refused = w.as(Role::agent, "POST", base + "/macros/park");
  CHECK(refused.status == 409);
  auto unchanged = w.as(Role::agent, "GET", base);
  CHECK(unchanged.json()["version"].get_uint64().value() == version);
  CHECK(unchanged.str("priority") == "high");
  // If-Match pins the version, as for other ticket commands.
  CHECK(w.as(Role::agent, "POST", base + "/macros/take", "", {{"If-Match", "\"999\""}}).status == 412);

  auto applied = w.as(Role::agent, "POST", base + "/macros/take", "",
                      {{"Idempotency-Key", "take-1"}, {"If-Match", before.header("etag")}});
  REQUIRE_MESSAGE(applied.status == 200, applied.body);
  CHECK(applied.str("status") == "in_progress");
  CHECK(applied.str("assignee") == "alex");
  CHECK(applied.str("priority") == "urgent");
  // comment, update, assigned, new -> open, open -> in_progress
  const std::uint64_t after = applied.json()["version"].get_uint64().value();
  CHECK(after == version + 5);
  auto again = w.as(Role::agent, "POST", base + "/macros/take", "",
                    {{"Idempotency-Key", "take-1"}, {"If-Match", before.header("etag")}});
  CHECK(again.status == 200);
  CHECK(again.header("idempotent-replayed") == "true");

  auto comments = w.as(Role::customer, "GET", base + "/comments");
  REQUIRE(comments.status == 200);
  auto items = comments.array("items");
  REQUIRE(items.size() == 1);
  CHECK(std::string_view(items.at(0)["body"].get_string().value()) ==
        "Hello carla, alex is on " + number + " (Printer on fire).");

  // The log: the macro's events are consecutive positions of one append, one correlation id.
  auto history = w.as(Role::agent, "GET", base + "/history?limit=200");
  REQUIRE(history.status == 200);
  auto events = history.array("items");
  REQUIRE(events.size() == after);
  std::set<std::string> correlations;
  std::uint64_t position = 0;
  std::vector<std::string> types;
  for (std::size_t i = version; i < after; ++i) {
    auto e = events.at(i);
    correlations.emplace(e["correlation_id"].get_string().value());
    const std::uint64_t p = e["position"].get_uint64().value();
    if (i > version) CHECK(p == position + 1);
    position = p;
    types.emplace_back(e["type"].get_string().value());
  }
  CHECK(correlations.size() == 1);
  CHECK(types == std::vector<std::string>{"ticket.commented", "ticket.updated", "ticket.assigned",
                                          "ticket.status_changed", "ticket.status_changed"});
}

TEST_CASE("macros: validation is 422 with the field") {
  World w;
  auto bad = [&](const std::string& body) {
    auto r = w.as(Role::admin, "PUT", "/api/v1/macros", body);
    CHECK_MESSAGE(r.status == 422, body, " ", r.body);
    return std::string(r.array("errors").at(0)["field"].get_string().value());  // the reply dies here
  };
  CHECK(bad(R"({"macros":[{"id":"a","name":"A","comment":{"body":"{{requester.email}}"}}]})") ==
        "macros[0].comment.body");
  CHECK(bad(R"({"macros":[{"id":"a","name":"A","status":"resolved"}]})") == "macros[0].resolution");
  CHECK(bad(R"({"macros":[{"id":"a","name":"A","priority":"asap"}]})") == "macros[0].priority");
  CHECK(bad(R"({"macros":[{"id":"a","name":"A","priority":"low"}],"extra":1})") == "extra");
  CHECK(bad(R"({})") == "macros");
  CHECK(w.as(Role::agent, "GET", "/api/v1/macros").array("macros").size() == 0);
}

TEST_CASE("templates: listed to customers, prefilling a create; body fields win; validation 422") {
  World w;
  const std::string eve = token(Role::admin, "acme-emea", "eve");  // an admin of the customers' tenant
  auto saved = w.with(eve, "PUT", "/api/v1/templates", R"({"templates":[
    {"id":"billing","name":"Billing question","type":"service_request","category":"billing","priority":"low",
     "queue":"billing","tags":["invoice"],"subject_prefix":"[Billing] ","description":"Invoice number:\n"}]})");
  REQUIRE_MESSAGE(saved.status == 200, saved.body);
  CHECK(w.as(Role::customer, "PUT", "/api/v1/templates", R"({"templates":[]})").status == 403);
  auto listed = w.as(Role::customer, "GET", "/api/v1/templates");
  REQUIRE(listed.status == 200);
  REQUIRE(listed.array("templates").size() == 1);
  CHECK(std::string_view(listed.array("templates").at(0)["name"].get_string().value()) == "Billing question");

  auto created = w.as(Role::customer, "POST", "/api/v1/tickets", R"({"subject":"Charged twice","template":"billing"})");
  REQUIRE_MESSAGE(created.status == 201, created.body);
  CHECK(created.str("subject") == "[Billing] Charged twice");
  CHECK(created.str("type") == "service_request");
  CHECK(created.str("category") == "billing");
  CHECK(created.str("priority") == "low");
  CHECK(created.str("queue") == "billing");
  CHECK(created.str("description") == "Invoice number:\n");
  CHECK(created.array("tags").size() == 1);
  auto own = w.as(Role::customer, "POST", "/api/v1/tickets",
                  R"({"subject":"Charged twice","template":"billing","priority":"high","description":"INV-1"})");
  REQUIRE(own.status == 201);
  CHECK(own.str("priority") == "high");
  CHECK(own.str("description") == "INV-1");
  CHECK(w.as(Role::customer, "POST", "/api/v1/tickets", R"({"subject":"x","template":"nope"})").status == 422);

  auto bad = w.with(eve, "PUT", "/api/v1/templates", R"({"templates":[{"id":"t","name":"T","queue":"vip"}]})");
  CHECK(bad.status == 422);
  CHECK(std::string_view(bad.array("errors").at(0)["field"].get_string().value()) == "templates[0].queue");
}

TEST_CASE("macros: an erased requester's name renders as an empty string") {
  World w;
  REQUIRE(
      w.as(Role::admin, "PUT", "/api/v1/macros",
           R"({"macros":[{"id":"hi","name":"Hi","comment":{"body":"Hi {{requester.name}}, {{agent.name}} here"}}]})")
          .status == 200);
  const std::string id = w.new_ticket();
  REQUIRE(w.as(Role::admin, "POST", "/api/v1/privacy/erase", R"({"subject":"carla"})").status == 200);
  auto applied = w.as(Role::agent, "POST", "/api/v1/tickets/" + id + "/macros/hi");
  REQUIRE_MESSAGE(applied.status == 200, applied.body);
  auto comments = w.as(Role::agent, "GET", "/api/v1/tickets/" + id + "/comments");
  REQUIRE(comments.status == 200);
  auto items = comments.array("items");
  REQUIRE(items.size() == 1);
  CHECK(std::string_view(items.at(0)["body"].get_string().value()) == "Hi , alex here");
}
