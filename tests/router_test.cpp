// The HTTP router (http/router.h): literal segments over parameters, path parameters,
// 404 versus 405 with the allowed methods, empty and trailing segments, quick routes and
// the role check an Action route carries into its OpenAPI doc.
#include "http/router.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "domain/access.h"

using namespace ticketd;
using namespace ticketd::http;

namespace {

// A handler that answers with its own name, so a test can tell which route was chosen.
Handler named(std::string name) {
  return [name = std::move(name)](Call&) { return json_response(200, name); };
}

// Runs the matched route's handler and returns what it answered ("" when nothing matched).
std::string chosen(const Router::Match& m) {
  if (m.route == nullptr) return "";
  Request request;
  Call call{request, m.params, std::nullopt};
  return m.route->handler(call).body;
}

// The routes of a small API, in the order ticketd registers them (parameters first).
Router api() {
  Router r;
  r.add("GET", "/api/v1/tickets", Access::principal, named("list"), {});
  r.add("POST", "/api/v1/tickets", Access::principal, named("create"), {});
  r.add("GET", "/api/v1/tickets/{id}", Access::principal, named("get"), {});
  r.add("PATCH", "/api/v1/tickets/{id}", Access::principal, named("edit"), {});
  r.add("POST", "/api/v1/tickets/bulk", access::Action::bulk_change, named("bulk"), {});
  r.add("GET", "/api/v1/tickets/{id}/comments/{comment}", Access::principal, named("comment"), {});
  r.add("GET", "/healthz", Access::anyone, named("health"), {});
  return r;
}

}  // namespace

TEST_CASE("a literal segment beats a parameter, whichever was registered first") {
  const Router r = api();
  auto bulk = r.match("POST", "/api/v1/tickets/bulk");
  REQUIRE(bulk.route != nullptr);
  CHECK(bulk.route->pattern == "/api/v1/tickets/bulk");
  CHECK(chosen(bulk) == "bulk");
  CHECK(bulk.params.values.empty());

  // Registered the other way round: still the literal.
  Router reversed;
  reversed.add("POST", "/t/bulk", Access::principal, named("bulk"), {});
  reversed.add("POST", "/t/{id}", Access::principal, named("by-id"), {});
  CHECK(chosen(reversed.match("POST", "/t/bulk")) == "bulk");
  CHECK(chosen(reversed.match("POST", "/t/42")) == "by-id");
}

TEST_CASE("a path the literal route owns answers 405 for another method, not the parameter route") {
  // GET /tickets/bulk must not reach GET /tickets/{id} with id "bulk".
  const Router r = api();
  auto m = r.match("GET", "/api/v1/tickets/bulk");
  CHECK(m.route == nullptr);
  CHECK(m.allowed == std::vector<std::string>{"POST"});
  CHECK(m.params.values.empty());
}

TEST_CASE("path parameters are extracted by name") {
  const Router r = api();
  auto m = r.match("GET", "/api/v1/tickets/T-00042");
  REQUIRE(m.route != nullptr);
  CHECK(chosen(m) == "get");
  CHECK(m.params.get("id") == "T-00042");
  CHECK(m.params.get("missing").empty());

  auto two = r.match("GET", "/api/v1/tickets/T-7/comments/c-9");
  REQUIRE(two.route != nullptr);
  CHECK(chosen(two) == "comment");
  REQUIRE(two.params.values.size() == 2);
  CHECK(two.params.values[0] == std::pair<std::string, std::string>{"id", "T-7"});
  CHECK(two.params.values[1] == std::pair<std::string, std::string>{"comment", "c-9"});
  CHECK(two.params.get("comment") == "c-9");

  // Whatever the segment holds (the server has percent-decoded it) is the value.
  auto odd = r.match("PATCH", "/api/v1/tickets/a b{}:");
  REQUIRE(odd.route != nullptr);
  CHECK(odd.params.get("id") == "a b{}:");
}

TEST_CASE("404 (no route has the path) versus 405 (the path, not the method)") {
  const Router r = api();
  struct Row {
    const char* method;
    const char* path;
    std::vector<std::string> allowed;  // empty: 404
  };
  const std::vector<Row> rows{
      {"GET", "/api/v1/nothing", {}},
      {"GET", "/api/v1", {}},
      {"GET", "/api/v1/tickets/T-1/history", {}},   // one segment too many
      {"GET", "/api/v1/tickets/T-1/comments", {}},  // one segment short
      {"DELETE", "/api/v1/nothing", {}},
      {"DELETE", "/api/v1/tickets", {"GET", "POST"}},
      {"PUT", "/api/v1/tickets/T-1", {"GET", "PATCH"}},
      {"POST", "/api/v1/tickets/T-1", {"GET", "PATCH"}},
      {"POST", "/healthz", {"GET"}},
      {"get", "/healthz", {"GET"}},  // methods are case-sensitive
  };
  for (const auto& row : rows) {
    INFO(row.method, " ", row.path);
    auto m = r.match(row.method, row.path);
    CHECK(m.route == nullptr);
    CHECK(m.allowed == row.allowed);
  }
}

TEST_CASE("allowed lists each method once, in registration order") {
  Router r;
  r.add("PUT", "/x/{id}", Access::principal, named("put"), {});
  r.add("GET", "/x/{id}", Access::principal, named("get"), {});
  r.add("GET", "/x/{other}", Access::principal, named("get2"), {});
  auto m = r.match("DELETE", "/x/1");
  CHECK(m.route == nullptr);
  CHECK(m.allowed == std::vector<std::string>{"PUT", "GET"});
}

TEST_CASE("an empty segment never matches a parameter") {
  const Router r = api();
  for (const char* path : {"/api/v1/tickets//comments/c-1", "/api/v1/tickets/T-1/comments/"}) {
    INFO(path);
    auto m = r.match("GET", path);
    CHECK(m.route == nullptr);
    CHECK(m.allowed.empty());
  }
}

TEST_CASE("a trailing slash is an extra empty segment: no match") {
  const Router r = api();
  // "/api/v1/tickets/" is not "/api/v1/tickets", and its empty last segment is no {id}.
  for (const char* method : {"GET", "POST"}) {
    INFO(method);
    auto m = r.match(method, "/api/v1/tickets/");
    CHECK(m.route == nullptr);
    CHECK(m.allowed.empty());
  }
  auto health = r.match("GET", "/healthz/");
  CHECK(health.route == nullptr);
  CHECK(health.allowed.empty());
  // A doubled leading slash is an empty first segment.
  CHECK(r.match("GET", "//healthz").route == nullptr);
  // Without a trailing slash both match.
  CHECK(chosen(r.match("GET", "/api/v1/tickets")) == "list");
  CHECK(chosen(r.match("GET", "/healthz")) == "health");
}

TEST_CASE("the root path and a route on it") {
  Router r;
  CHECK(r.match("GET", "/").route == nullptr);
  r.add("GET", "/", Access::anyone, named("root"), {});
  CHECK(chosen(r.match("GET", "/")) == "root");
  CHECK(r.match("POST", "/").allowed == std::vector<std::string>{"GET"});
  CHECK(r.match("GET", "/x").route == nullptr);
}

TEST_CASE("'{}' is a literal segment, not a parameter") {
  Router r;
  r.add("GET", "/a/{}", Access::anyone, named("braces"), {});
  CHECK(r.match("GET", "/a/x").route == nullptr);
  auto m = r.match("GET", "/a/{}");
  REQUIRE(m.route != nullptr);
  CHECK(m.params.values.empty());
}

TEST_CASE("add with an Access keeps it and names no action") {
  Router r;
  RouteDoc doc;
  doc.summary = "liveness";
  doc.who = "anyone";
  doc.statuses = {200};
  r.add("GET", "/healthz", Access::anyone, named("h"), doc);
  REQUIRE(r.routes().size() == 1);
  const Route& route = r.routes().front();
  CHECK(route.method == "GET");
  CHECK(route.pattern == "/healthz");
  CHECK(route.access == Access::anyone);
  CHECK_FALSE(route.action.has_value());
  CHECK(route.doc.who == "anyone");
  CHECK(route.doc.summary == "liveness");
  CHECK(route.doc.statuses == std::vector<int>{200});
  CHECK(route.segments == std::vector<std::string>{"healthz"});
  CHECK_FALSE(route.quick);
}

TEST_CASE("add with an Action sets route->action and doc.who from the access policy") {
  for (access::Action action : access::all_actions()) {
    INFO(access::name_of(action));
    Router r;
    RouteDoc doc;
    doc.summary = "something";
    doc.who = "whatever the caller wrote";
    doc.query = {"limit"};
    r.add("GET", "/x/{id}", action, named("x"), doc);
    auto m = r.match("GET", "/x/1");
    REQUIRE(m.route != nullptr);
    REQUIRE(m.route->action.has_value());
    CHECK(*m.route->action == action);
    CHECK(m.route->access == Access::principal);
    CHECK(m.route->doc.who == access::who_may(action));
    CHECK(m.route->doc.who != "whatever the caller wrote");
    CHECK(m.route->doc.summary == "something");
    CHECK(m.route->doc.query == std::vector<std::string>{"limit"});
  }
  // Written out for one action, independently of who_may().
  Router r;
  r.add("GET", "/events", access::Action::read_event_log, named("events"), {});
  CHECK(r.routes().front().doc.who == "auditor, global_admin");
}

TEST_CASE("set_quick marks exactly the named route") {
  Router r = api();
  CHECK(r.set_quick("GET", "/api/v1/tickets/{id}"));
  CHECK_FALSE(r.set_quick("GET", "/api/v1/tickets/T-1"));  // a pattern, not a path
  CHECK_FALSE(r.set_quick("DELETE", "/api/v1/tickets/{id}"));
  CHECK_FALSE(r.set_quick("GET", "/nope"));
  int quick = 0;
  for (const Route& route : r.routes()) {
    if (route.quick) {
      ++quick;
      CHECK(route.method == "GET");
      CHECK(route.pattern == "/api/v1/tickets/{id}");
    }
  }
  CHECK(quick == 1);
  auto m = r.match("GET", "/api/v1/tickets/T-1");
  REQUIRE(m.route != nullptr);
  CHECK(m.route->quick);
  auto patch = r.match("PATCH", "/api/v1/tickets/T-1");
  REQUIRE(patch.route != nullptr);
  CHECK_FALSE(patch.route->quick);
  // Marking again is harmless.
  CHECK(r.set_quick("GET", "/api/v1/tickets/{id}"));
}
