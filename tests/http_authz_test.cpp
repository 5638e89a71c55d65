// The authorization matrix over real HTTP: every role against every endpoint, every
// endpoint from another tenant's token and from another customer, and the paths by which
// internal content could reach a customer.
#include <doctest/doctest.h>

#include <functional>
#include <set>
#include <tuple>

#include "tests/http_world.h"

using namespace ticketd;
using namespace ticketd::test;

namespace {

constexpr const char* kSubject = "Matrix ticket";
constexpr const char* kSecretWord = "zebracrossing";  // only ever written internally

struct Attempt {
  std::string method;
  std::string target;
  std::string body;
  std::string content_type = "application/json";
};

// One endpoint of docs/api.md: how to make a request that this role may or may not make, the
// roles that may make it, and the status they get.
struct Endpoint {
  std::string name;
  std::function<Attempt(World&)> prepare;  // makes fresh state for one request
  std::set<Role> allowed;
  int success = 200;
  bool names_a_ticket = false;  // the path names an acme ticket: outsiders get 404
};

// States a test ticket is put in (carla's, in acme-emea). Imported by the integration
// (sub "jira"), so that the integration may act on it as well.
std::string fresh(World& w) {
  static int key = 0;
  auto r = w.as(Role::integration, "POST", "/api/v1/tickets",
                std::string(R"({"subject":")") + kSubject + R"(","requester":"carla","external":{"system":"jira",)" +
                    R"("key":"SUP-)" + std::to_string(++key) + R"("}})");
  REQUIRE_MESSAGE(r.status == 201, r.body);
  return r.str("id");
}
std::string in_progress(World& w) {
  const std::string id = fresh(w);
  REQUIRE(w.as(Role::admin, "POST", "/api/v1/tickets/" + id + "/assign", R"({"assignee":"alex"})").status == 200);
  REQUIRE(w.as(Role::agent, "POST", "/api/v1/tickets/" + id + "/status", R"({"status":"in_progress"})").status == 200);
  return id;
}
std::string resolved(World& w) {
  const std::string id = in_progress(w);
  REQUIRE(w.as(Role::agent, "POST", "/api/v1/tickets/" + id + "/status",
               R"({"status":"resolved","resolution":{"code":"resolved","text":"Replaced the toner."}})")
              .status == 200);
  return id;
}
std::string uploaded(World& w, const std::string& ticket, const std::string& visibility) {
  auto r = w.as(
      Role::agent, "POST", "/api/v1/tickets/" + ticket + "/attachments?filename=notes.txt&visibility=" + visibility,
      std::string("notes ") + (visibility == "internal" ? kSecretWord : "for all"), {{"Content-Type", "text/plain"}});
  REQUIRE_MESSAGE(r.status == 201, r.body);
  return r.str("id");
}
// An agent's public file that a public comment hands to the customer.
std::string shared(World& w, const std::string& ticket) {
  const std::string id = uploaded(w, ticket, "public");
  REQUIRE(w.as(Role::agent, "POST", "/api/v1/tickets/" + ticket + "/comments",
               R"({"body":"The file you asked for.","attachments":[")" + id + R"("]})")
              .status == 201);
  return id;
}

const std::set<Role> kEveryone{Role::customer, Role::agent,        Role::admin,      Role::manager,
                               Role::auditor,  Role::global_admin, Role::integration};
const std::set<Role> kStaff{Role::agent, Role::admin, Role::global_admin};
const std::set<Role> kAdmins{Role::admin, Role::global_admin};

std::vector<Endpoint> endpoints() {
  const std::string t = "/api/v1/tickets/";
  std::vector<Endpoint> e;
  e.push_back({"meta", [](World&) { return Attempt{"GET", "/api/v1/meta", ""}; }, kEveryone});
  e.push_back({"create ticket",
               [](World&) {
                 return Attempt{"POST", "/api/v1/tickets", R"({"subject":"New one","description":"d"})"};
               },
               {Role::customer, Role::agent, Role::admin, Role::global_admin},  // integrations only import
               201});
  e.push_back({"import ticket (external reference of jira, the integration's system)",
               [](World&) {
                 return Attempt{"POST", "/api/v1/tickets",
                                R"({"subject":"Imported","external":{"system":"jira","key":"SUP-900"}})"};
               },
               {Role::admin, Role::global_admin, Role::integration},
               201});
  e.push_back({"list tickets", [](World&) { return Attempt{"GET", "/api/v1/tickets", ""}; }, kEveryone});
  e.push_back({"get ticket", [t](World& w) { return Attempt{"GET", t + fresh(w), ""}; }, kEveryone, 200, true});
  e.push_back({"patch ticket",
               [t](World& w) {
                 return Attempt{"PATCH", t + fresh(w), R"({"subject":"Renamed"})"};
               },
               {Role::customer, Role::agent, Role::admin, Role::global_admin, Role::integration},
               200,
               true});
  // alex is the agent: agents may assign themselves, not others.
  e.push_back({"assign to alex",
               [t](World& w) {
                 return Attempt{"POST", t + fresh(w) + "/assign", R"({"assignee":"alex"})"};
               },
               kStaff, 200, true});
  e.push_back({"assign to ada",
               [t](World& w) {
                 return Attempt{"POST", t + fresh(w) + "/assign", R"({"assignee":"ada"})"};
               },
               kAdmins, 200, true});
  e.push_back({"resolve",
               [t](World& w) {
                 return Attempt{"POST", t + in_progress(w) + "/status",
                                R"({"status":"resolved","resolution":{"code":"resolved","text":"Done."}})"};
               },
               {Role::agent, Role::admin, Role::global_admin, Role::integration},
               200,
               true});
  e.push_back({"withdraw",
               [t](World& w) {
                 return Attempt{"POST", t + fresh(w) + "/status",
                                R"({"status":"closed","resolution":{"code":"canceled","text":"Not needed."}})"};
               },
               {Role::customer},
               200,
               true});
  e.push_back({"public comment",
               [t](World& w) {
                 return Attempt{"POST", t + fresh(w) + "/comments", R"({"body":"Any news?"})"};
               },
               {Role::customer, Role::agent, Role::admin, Role::global_admin, Role::integration},
               201,
               true});
  e.push_back({"internal comment",
               [t](World& w) {
                 return Attempt{"POST", t + fresh(w) + "/comments", R"({"body":"Note","visibility":"internal"})"};
               },
               {Role::agent, Role::admin, Role::global_admin, Role::integration},
               201,
               true});  // imported notes
  e.push_back({"list comments",
               [t](World& w) {
                 return Attempt{"GET", t + fresh(w) + "/comments", ""};
               },
               kEveryone, 200, true});
  e.push_back({"upload attachment",
               [t](World& w) {
                 return Attempt{"POST", t + fresh(w) + "/attachments?filename=a.txt", "hello", "text/plain"};
               },
               {Role::customer, Role::agent, Role::admin, Role::global_admin},
               201,
               true});
  e.push_back({"list attachments",
               [t](World& w) {
                 return Attempt{"GET", t + fresh(w) + "/attachments", ""};
               },
               kEveryone, 200, true});
  e.push_back({"download attachment",
               [](World& w) {
                 return Attempt{"GET", "/api/v1/attachments/" + shared(w, fresh(w)) + "/content", ""};
               },
               kEveryone, 200, true});
  e.push_back({"feedback",
               [t](World& w) {
                 return Attempt{"POST", t + resolved(w) + "/feedback", R"({"rating":5})"};
               },
               {Role::customer},
               200,
               true});
  e.push_back({"merge",
               [t](World& w) {
                 const std::string into = fresh(w);
                 return Attempt{"POST", t + fresh(w) + "/merge", R"({"into":")" + into + R"("})"};
               },
               {Role::agent, Role::admin, Role::global_admin},
               200,
               true});
  e.push_back({"history",
               [t](World& w) {
                 return Attempt{"GET", t + fresh(w) + "/history", ""};
               },
               {Role::agent, Role::admin, Role::global_admin, Role::auditor},
               200,
               true});
  e.push_back({"bulk",
               [](World& w) {
                 return Attempt{"POST", "/api/v1/tickets/bulk",
                                R"({"ids":[")" + fresh(w) + R"("],"action":"priority","priority":"low"})"};
               },
               kAdmins});
  e.push_back({"queue",
               [](World&) {
                 return Attempt{"GET", "/api/v1/queue", ""};
               },
               {Role::agent, Role::admin, Role::global_admin, Role::manager}});
  e.push_back({"workload",
               [](World&) {
                 return Attempt{"GET", "/api/v1/agents/workload", ""};
               },
               {Role::admin, Role::global_admin, Role::manager}});
  e.push_back({"stats",
               [](World&) {
                 return Attempt{"GET", "/api/v1/stats", ""};
               },
               {Role::agent, Role::admin, Role::global_admin, Role::manager}});
  e.push_back({"get SLA policies",
               [](World&) {
                 return Attempt{"GET", "/api/v1/sla/policies", ""};
               },
               {Role::agent, Role::admin, Role::global_admin, Role::manager}});
  e.push_back({"put SLA policies",
               [](World&) {
                 return Attempt{"PUT", "/api/v1/sla/policies",
                                R"({"sla":{"low":{"first_response_minutes":1440,"resolution_minutes":7200}}})"};
               },
               kAdmins});
  e.push_back({"report",
               [](World&) {
                 return Attempt{"GET", "/api/v1/reports/summary?group_by=priority", ""};
               },
               {Role::admin, Role::global_admin, Role::manager}});
  e.push_back({"report csv",
               [](World&) {
                 return Attempt{"GET", "/api/v1/reports/summary.csv", ""};
               },
               {Role::admin, Role::global_admin, Role::manager}});
  e.push_back({"events",
               [](World&) {
                 return Attempt{"GET", "/api/v1/events?after=0", ""};
               },
               {Role::auditor, Role::global_admin}});
  e.push_back({"list tenants", [](World&) { return Attempt{"GET", "/api/v1/tenants", ""}; }, kAdmins});
  e.push_back({"put tenant",
               [](World&) {
                 return Attempt{"PUT", "/api/v1/tenants/acme-emea", R"({"name":"EMEA","parent":"acme"})"};
               },
               {Role::global_admin}});
  e.push_back({"list users", [](World&) { return Attempt{"GET", "/api/v1/users", ""}; }, kAdmins});
  e.push_back({"put user",
               [](World&) {
                 return Attempt{"PUT", "/api/v1/users/agnes", R"({"tenant":"acme-emea","role":"agent"})"};
               },
               kAdmins});
  return e;
}

std::string head(const std::string& body) { return body.substr(0, 240); }

Reply send(World& w, const std::string& jwt, const Attempt& c) {
  return w.http.request(c.method, c.target, c.body, {bearer(jwt)}, c.content_type);
}

}  // namespace

TEST_CASE("every role against every endpoint: allowed roles succeed, the others get 403") {
  World w;
  for (const auto& ep : endpoints()) {
    for (Role role : all_roles()) {
      const Attempt c = ep.prepare(w);
      const Reply r = send(w, w.tokens.at(role), c);
      const int expected = ep.allowed.contains(role) ? ep.success : 403;
      CHECK_MESSAGE(r.status == expected, ep.name, " as ", std::string(role_name(role)), ": ", r.status, " ",
                    head(r.body));
      if (r.status >= 400) CHECK(r.header("content-type") == "application/problem+json");
    }
  }
}

TEST_CASE("another tenant's token, or another customer, gets 404 for acme's tickets and never their data") {
  World w;
  for (const auto& ep : endpoints()) {
    std::vector<std::pair<std::string, std::string>> outsiders;
    // (A global admin sees every tenant, whichever tenant its token names.)
    for (Role role : all_roles()) {
      if (role != Role::global_admin)
        outsiders.emplace_back(std::string("globex ") + role_name(role), w.foreign.at(role));
    }
    if (ep.names_a_ticket) outsiders.emplace_back("cody (another acme customer)", w.other_customer);
    for (const auto& [who, jwt] : outsiders) {
      const Attempt c = ep.prepare(w);
      const Reply r = send(w, jwt, c);
      if (ep.names_a_ticket) {
        CHECK_MESSAGE(r.status == 404, ep.name, " as ", who, ": ", r.status, " ", head(r.body));
      } else {
        CHECK_MESSAGE(r.status < 500, ep.name, " as ", who, ": ", r.status, " ", head(r.body));
      }
      // Nothing of acme's: no tenant name, no ticket subject, no acme user. (globex's own
      // events name their actor, the global admin who configured globex: root of acme.)
      for (const char* word : {"acme", kSubject, "carla", "alex"}) {
        if (ep.name == "events" && std::string_view(word) == "acme") continue;
        CHECK_MESSAGE(r.body.find(word) == std::string::npos, ep.name, " as ", who, " leaks ", std::string(word), ": ",
                      head(r.body));
      }
    }
  }
  // The ticket list, search, queue, stats and events of globex show none of acme's tickets.
  const std::string id = w.new_ticket(kSubject);
  w.await_read_models();
  for (const char* target :
       {"/api/v1/tickets", "/api/v1/tickets?q=matrix", "/api/v1/queue", "/api/v1/stats",
        "/api/v1/events?after=0&limit=200", "/api/v1/agents/workload", "/api/v1/reports/summary?group_by=agent"}) {
    for (Role role : all_roles()) {
      if (role == Role::global_admin) continue;
      const Reply r = w.with(w.foreign.at(role), "GET", target);
      CHECK_MESSAGE(r.body.find(id) == std::string::npos, target, " as globex ", std::string(role_name(role)), ": ",
                    head(r.body));
    }
  }
}

TEST_CASE("a bulk change naming another tenant's ticket is refused per item and changes nothing") {
  World w;
  const std::string id = fresh(w);
  const Reply before = w.as(Role::agent, "GET", "/api/v1/tickets/" + id);
  REQUIRE(before.status == 200);
  const Reply bulk = w.with(w.foreign.at(Role::admin), "POST", "/api/v1/tickets/bulk",
                            R"({"ids":[")" + id + R"("],"action":"priority","priority":"low"})");
  REQUIRE_MESSAGE(bulk.status == 200, bulk.body);
  auto results = bulk.array("results");
  REQUIRE(results.size() == 1);
  CHECK(results.at(0)["status"].get_int64().value() == 404);
  CHECK(bulk.body.find(kSubject) == std::string::npos);
  const Reply after = w.as(Role::agent, "GET", "/api/v1/tickets/" + id);
  CHECK(after.str("priority") == before.str("priority"));
  CHECK(after.json()["version"].get_uint64().value() == before.json()["version"].get_uint64().value());
  // The control: acme's own admin changes it with the same request.
  const Reply own = w.as(Role::admin, "POST", "/api/v1/tickets/bulk",
                         R"({"ids":[")" + id + R"("],"action":"priority","priority":"low"})");
  CHECK(own.array("results").at(0)["status"].get_int64().value() == 200);
  CHECK(w.as(Role::agent, "GET", "/api/v1/tickets/" + id).str("priority") == "low");
}

TEST_CASE("customers never receive internal comments or internal attachments, by any path") {
  World w;
  const std::string id = w.new_ticket(kSubject);
  const std::string base = "/api/v1/tickets/" + id;
  REQUIRE(w.as(Role::agent, "POST", base + "/comments",
               std::string(R"({"body":"Suspect )") + kSecretWord + R"( again","visibility":"internal"})")
              .status == 201);
  REQUIRE(w.as(Role::agent, "POST", base + "/comments", R"({"body":"We are on it."})").status == 201);
  const std::string internal_file = uploaded(w, id, "internal");
  const std::string public_file = shared(w, id);
  w.await_read_models();

  // Staff see both (the control that makes the checks below meaningful).
  CHECK(w.as(Role::agent, "GET", base + "/comments").body.find(kSecretWord) != std::string::npos);
  CHECK(w.as(Role::agent, "GET", base + "/attachments").body.find(internal_file) != std::string::npos);
  CHECK(w.as(Role::agent, "GET", "/api/v1/tickets?q=" + std::string(kSecretWord)).body.find(id) != std::string::npos);

  // Every path answers the customer as stated, and where it answers 200 the public content
  // is there: an absence in an error body would prove nothing.
  struct Path {
    std::string target;
    int status;
    std::string sighting;  // public content that must be in a 200 body
  };
  const std::vector<Path> paths{
      {base, 200, id},
      {base + "/comments", 200, "We are on it."},
      {base + "/attachments", 200, public_file},
      {"/api/v1/tickets", 200, id},
      {"/api/v1/tickets?q=" + std::string(kSecretWord), 200, "\"items\":[]"},
      {"/api/v1/tickets?q=zebracrossing*", 200, "\"items\":[]"},
      {"/api/v1/tickets?q=asked", 200, id},  // the public comment's words are searchable
      {base + "/history", 403, ""},
      {"/api/v1/attachments/" + internal_file + "/content", 404, ""},
      {"/api/v1/attachments/" + public_file + "/content", 200, "notes"},
      {"/api/v1/events?after=0", 403, ""},
  };
  for (const Path& p : paths) {
    const Reply r = w.as(Role::customer, "GET", p.target);
    CHECK_MESSAGE(r.status == p.status, p.target, ": ", r.body);
    if (p.status == 200) CHECK_MESSAGE(r.body.find(p.sighting) != std::string::npos, p.target, ": ", r.body);
    CHECK_MESSAGE(r.body.find(kSecretWord) == std::string::npos, p.target, ": ", r.body);
    if (!p.target.ends_with("/content")) {
      CHECK_MESSAGE(r.body.find(internal_file) == std::string::npos, p.target, ": ", r.body);
    }
  }
  // A customer cannot write internal content either.
  CHECK(w.as(Role::customer, "POST", base + "/comments", R"({"body":"x","visibility":"internal"})").status == 403);
}

TEST_CASE("an agent's file reaches the customer only through a public comment") {
  World w;
  const std::string id = w.new_ticket(kSubject);
  const std::string base = "/api/v1/tickets/" + id;
  const std::string draft = uploaded(w, id, "public");
  const std::string internal_file = uploaded(w, id, "internal");
  auto customer_sees = [&](const std::string& file) {
    w.await_read_models();
    const Reply list = w.as(Role::customer, "GET", base + "/attachments");
    const Reply content = w.as(Role::customer, "GET", "/api/v1/attachments/" + file + "/content");
    const Reply ticket = w.as(Role::customer, "GET", base);
    const Reply rows = w.as(Role::customer, "GET", "/api/v1/tickets");
    REQUIRE(list.status == 200);
    REQUIRE(ticket.status == 200);
    REQUIRE(rows.status == 200);
    const bool listed = list.body.find(file) != std::string::npos;
    CHECK(listed == (content.status == 200));
    if (!listed) CHECK(content.status == 404);
    // The counts agree with the list, in the ticket and in the read model's row.
    const auto count = static_cast<std::int64_t>(list.array("items").size());
    CHECK(ticket.json()["attachment_count"].get_int64().value() == count);
    CHECK(rows.array("items").at(0)["attachment_count"].get_int64().value() == count);
    return listed;
  };
  CHECK_FALSE(customer_sees(draft));  // an agent's upload is a draft to the customer
  CHECK(w.as(Role::agent, "GET", base + "/attachments").body.find(draft) != std::string::npos);

  // An internal note that references it does not share it.
  REQUIRE(w.as(Role::agent, "POST", base + "/comments",
               R"({"body":"see file","visibility":"internal","attachments":[")" + draft + R"("]})")
              .status == 201);
  CHECK_FALSE(customer_sees(draft));
  // A public comment cannot carry an internal file.
  const Reply refused =
      w.as(Role::agent, "POST", base + "/comments", R"({"body":"here","attachments":[")" + internal_file + R"("]})");
  CHECK(refused.status == 422);
  CHECK(refused.body.find("internal") != std::string::npos);
  CHECK_FALSE(customer_sees(internal_file));
  // A customer cannot reference (or learn of) a file it does not see.
  CHECK(w.as(Role::customer, "POST", base + "/comments", R"({"body":"this?","attachments":[")" + draft + R"("]})")
            .status == 422);
  // A public comment shares it.
  REQUIRE(
      w.as(Role::agent, "POST", base + "/comments", R"({"body":"here","attachments":[")" + draft + R"("]})").status ==
      201);
  CHECK(customer_sees(draft));
  CHECK_FALSE(customer_sees(internal_file));

  // The customer's own upload is theirs at once.
  const Reply own =
      w.as(Role::customer, "POST", base + "/attachments?filename=mine.txt", "mine", {{"Content-Type", "text/plain"}});
  REQUIRE(own.status == 201);
  CHECK(customer_sees(own.str("id")));
}

TEST_CASE("an integration acts only on tickets linked to its own system, and creates only imports") {
  World w;
  const std::string unlinked = w.new_ticket(kSubject);  // carla's, no external reference
  const std::string base = "/api/v1/tickets/" + unlinked;
  for (const auto& [method, target, body] : std::vector<std::tuple<std::string, std::string, std::string>>{
           {"POST", base + "/comments", R"({"body":"synced"})"},
           {"POST", base + "/comments", R"({"body":"synced","visibility":"internal"})"},
           {"PATCH", base, R"({"priority":"low"})"},
           {"POST", base + "/status", R"({"status":"closed"})"}}) {
    const Reply r = w.as(Role::integration, method, target, body);
    CHECK_MESSAGE(r.status == 403, method, " ", target, ": ", r.body);
    CHECK(r.body.find("own system") != std::string::npos);
  }
  CHECK(w.as(Role::integration, "GET", base).status == 200);                          // reading is not acting
  CHECK(w.as(Role::agent, "GET", base).json()["version"].get_uint64().value() == 1);  // nothing was written
  // Creating: only with a reference of its own system.
  CHECK(w.as(Role::integration, "POST", "/api/v1/tickets", R"({"subject":"x"})").status == 403);
  CHECK(
      w.as(Role::integration, "POST", "/api/v1/tickets", R"({"subject":"x","external":{"system":"zammad","key":"42"}})")
          .status == 403);
  CHECK(w.as(Role::integration, "POST", "/api/v1/tickets", R"({"subject":"x","external":{"system":"jira"}})").status ==
        422);
  const Reply imported =
      w.as(Role::integration, "POST", "/api/v1/tickets",
           R"({"subject":"Imported","requester":"carla","external":{"system":"jira","key":"SUP-7"}})");
  REQUIRE(imported.status == 201);
  CHECK(imported.json()["internal"]["external"].at(0)["key"].get_string().value() == "SUP-7");
  CHECK(w.as(Role::integration, "POST", "/api/v1/tickets/" + imported.str("id") + "/comments", R"({"body":"synced"})")
            .status == 201);
  // Customers and agents cannot link: external references are for admins and integrations.
  CHECK(w.as(Role::agent, "POST", "/api/v1/tickets", R"({"subject":"x","external":{"system":"jira","key":"1"}})")
            .status == 403);
}

TEST_CASE("a customer's staff-only status change on a new ticket is 403 and does not show the staff workflow") {
  World w;
  const std::string id = w.new_ticket(kSubject);  // carla's own, status new
  const std::string target = "/api/v1/tickets/" + id + "/status";
  const Reply before = w.as(Role::customer, "GET", "/api/v1/tickets/" + id);
  REQUIRE(before.status == 200);
  REQUIRE(before.str("status") == "new");
  const std::uint64_t version = before.json()["version"].get_uint64().value();

  // The control: staff asking for a move the workflow refuses get 409 with the workflow.
  const Reply staff = w.as(Role::agent, "POST", target, R"({"status":"in_progress"})");
  REQUIRE_MESSAGE(staff.status == 409, staff.body);
  CHECK(staff.json()["current_status"].get_string().value() == "new");
  CHECK(staff.json()["allowed"].get_array().error() == simdjson::SUCCESS);

  // Every staff-only target, as the requester herself: 403, and nothing of the workflow.
  for (const char* body : {R"({"status":"in_progress"})", R"({"status":"open"})", R"({"status":"waiting_on_customer"})",
                           R"({"status":"waiting_on_third_party"})",
                           R"({"status":"resolved","resolution":{"code":"resolved","text":"Fixed it myself."}})"}) {
    const Reply r = w.as(Role::customer, "POST", target, body);
    CHECK_MESSAGE(r.status == 403, body, ": ", r.status, " ", r.body);
    CHECK(r.header("content-type") == "application/problem+json");
    CHECK_MESSAGE(r.json()["allowed"].error() == simdjson::NO_SUCH_FIELD, r.body);
    CHECK_MESSAGE(r.json()["current_status"].error() == simdjson::NO_SUCH_FIELD, r.body);
    CHECK_MESSAGE(r.body.find("\"new\"") == std::string::npos, r.body);  // not the current status
    CHECK_MESSAGE(r.body.find("closed") == std::string::npos, r.body);   // nor a next one
  }

  // Nothing was written: the ticket is as it was.
  const Reply after = w.as(Role::customer, "GET", "/api/v1/tickets/" + id);
  REQUIRE(after.status == 200);
  CHECK(after.str("status") == "new");
  CHECK(after.json()["version"].get_uint64().value() == version);
  CHECK(after.header("etag") == before.header("etag"));
}
