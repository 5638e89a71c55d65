// Macros and ticket templates: placeholder rendering, prefill, their validation in the
// tenant settings' codec, and ApplyMacro's decide() (one event list, all or nothing).
#include "domain/macro.h"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include "domain/ticket_template.h"
#include "domain/ticket_workflow.h"
#include "events/tenant_config_codec.h"
#include "tests/error_of.h"

using namespace ticketd;
using ticketd::test::error_of;

namespace {

const Timestamp kNow = *parse_rfc3339("2026-11-20T12:00:00Z");
const Principal kAgent{"a1", "acme", Role::agent, "Alex", ""};
const Principal kCustomer{"c1", "acme", Role::customer, "Carla", ""};

TenantConfig config() {
  TenantConfig c;
  c.id = "acme";
  c.queues = {"general", "billing"};
  return c;
}

Ticket fold(Ticket t, const std::vector<TicketEvent>& events) {
  for (const auto& e : events) t = apply(std::move(t), e, kNow);
  return t;
}

// A new ticket of c1.
Ticket new_ticket() {
  CreateTicket c;
  c.id = "T1";
  c.number = "TICK-2026-000001";
  c.tenant = "acme";
  c.subject = "Printer on fire";
  auto events = decide(Ticket{}, c, DecideContext{kCustomer, kNow, true, config()});
  REQUIRE(events.has_value());
  return fold(Ticket{}, *events);
}

Result<std::vector<TicketEvent>> apply_as(const Ticket& t, const Macro& m, const Principal& who) {
  ApplyMacro a;
  a.macro_id = m.id;
  a.comment_id = "C1";
  a.macro = m;
  a.comment_body = m.comment ? m.comment->body : "";
  a.assign = AssignTicket{who.sub, KnownUser{who.sub, "acme", who.role}, true};
  const TenantConfig c = config();
  return decide(t, a, DecideContext{who, kNow, true, c});
}

Macro take_and_start() {
  Macro m;
  m.id = "take";
  m.name = "Take and start";
  m.comment = MacroComment{"On it.", Visibility::public_};
  m.status = Status::in_progress;
  m.priority = Priority::high;
  m.add_tags = {"printer", "hardware"};
  m.remove_tags = {"triage"};
  m.assignee = MacroAssignee{MacroAssignee::Kind::me, ""};
  return m;
}

}  // namespace

TEST_CASE("placeholders: known ones are rendered once, unknown and unclosed ones are found") {
  const PlaceholderValues v{"TICK-2026-000001", "Printer {{agent.name}}", "Carla", "Alex"};
  CHECK(render_placeholders("Hi {{requester.name}}, {{ticket.number}} ({{ticket.subject}}) - {{agent.name}}", v) ==
        "Hi Carla, TICK-2026-000001 (Printer {{agent.name}}) - Alex");
  CHECK(render_placeholders("no placeholders {", v) == "no placeholders {");
  CHECK(render_placeholders("{{requester.name}}", PlaceholderValues{}) == "");
  CHECK_FALSE(first_bad_placeholder("Hi {{requester.name}} and {{agent.name}}").has_value());
  CHECK(first_bad_placeholder("Hi {{requester.email}}") == "{{requester.email}}");
  CHECK(first_bad_placeholder("Hi {{requester.name") == "{{");
  CHECK(placeholder_names().size() == 4);
}

TEST_CASE("templates prefill what the request leaves out; what it sends wins") {
  TicketTemplate t{"vpn",    "VPN access",   TicketType::service_request,
                   "access", Priority::high, "general",
                   {"vpn"},  "[VPN] ",       "Which office?\n"};
  CreateTicket c;
  c.subject = "Need access";
  prefill(c, t);
  CHECK(c.subject == "[VPN] Need access");
  CHECK(c.type == TicketType::service_request);
  CHECK(c.category == "access");
  CHECK(c.priority == Priority::high);
  CHECK(c.tags == std::vector<std::string>{"vpn"});
  CHECK(c.description == "Which office?\n");
  CreateTicket sent;
  sent.subject = "[VPN] again";
  sent.priority = Priority::low;
  sent.description = "Berlin";
  prefill(sent, t);
  CHECK(sent.subject == "[VPN] again");
  CHECK(sent.priority == Priority::low);
  CHECK(sent.description == "Berlin");
}

TEST_CASE("macros and templates round-trip through the tenant settings") {
  TenantConfig c = config();
  c.macros = {take_and_start()};
  Macro resolve;
  resolve.id = "resolve";
  resolve.name = "Resolve";
  resolve.status = Status::resolved;
  resolve.resolution = Resolution{ResolutionCode::resolved, "Fixed"};
  resolve.assignee = MacroAssignee{MacroAssignee::Kind::unassign, ""};
  Macro to_bob;
  to_bob.id = "bob";
  to_bob.name = "To Bob";
  to_bob.assignee = MacroAssignee{MacroAssignee::Kind::user, "bob"};
  c.macros.push_back(resolve);
  c.macros.push_back(to_bob);
  c.templates = {
      TicketTemplate{"vpn", "VPN", TicketType::incident, "access", Priority::low, "billing", {"vpn"}, "", ""}};
  auto back = decode_tenant_config("acme", encode_tenant_config(c));
  REQUIRE_MESSAGE(back.has_value(), back.error().message);
  CHECK(back->macros == c.macros);
  CHECK(back->templates == c.templates);
  CHECK(back->macro("resolve") != nullptr);
  CHECK(back->ticket_template("nope") == nullptr);
}

TEST_CASE("bad macros and templates are validation errors naming the field") {
  auto field_of = [](const auto& result) { return error_of(result).fields.front().field; };
  CHECK(field_of(decode_macros(R"({"macros":[{"id":"a","name":"A","comment":{"body":"Hi {{user.email}}"}}]})")) ==
        "macros[0].comment.body");
  CHECK(field_of(decode_macros(R"({"macros":[{"id":"a","name":"A","status":"resolved"}]})")) == "macros[0].resolution");
  CHECK(field_of(decode_macros(R"({"macros":[{"id":"a","name":"A","status":"done"}]})")) == "macros[0].status");
  CHECK(field_of(decode_macros(R"({"macros":[{"id":"a","name":"A","priority":"asap"}]})")) == "macros[0].priority");
  CHECK(field_of(decode_macros(R"({"macros":[{"id":"a","name":"A","colour":"red","priority":"low"}]})")) ==
        "macros[0].colour");
  CHECK(field_of(decode_macros(R"({"macros":[{"name":"A","priority":"low"}]})")) == "macros[0].id");
  CHECK(field_of(decode_macros(R"({"macros":[{"id":"a","name":"A"}]})")) == "macros[0]");
  CHECK(field_of(decode_macros(
            R"({"macros":[{"id":"a","name":"A","priority":"low"},{"id":"a","name":"B","priority":"low"}]})")) ==
        "macros[1].id");
  CHECK(field_of(decode_macros(R"({"macros":[{"id":"a","name":"A","priority":"low","resolution":{"text":"x"}}]})")) ==
        "macros[0].resolution");
  std::string many = R"({"macros":[)";
  for (std::size_t i = 0; i <= TenantConfigLimits::kMaxMacros; ++i) {
    many += std::string(i ? "," : "") + fmt::format(R"({{"id":"m{}","name":"M","priority":"low"}})", i);
  }
  CHECK(field_of(decode_macros(many + "]}")) == "macros");
  CHECK(decode_macros(R"({"macros":[]})").has_value());

  const TenantConfig vocabulary = config();
  CHECK(field_of(decode_templates(R"({"templates":[{"id":"t","name":"T","category":"nope"}]})", vocabulary)) ==
        "templates[0].category");
  CHECK(field_of(decode_templates(R"({"templates":[{"id":"t","name":"T","queue":"vip"}]})", vocabulary)) ==
        "templates[0].queue");
  CHECK(decode_templates(R"({"templates":[{"id":"t","name":"T","queue":"billing"}]})", vocabulary).has_value());
  // Within a tenant's whole settings, the references are to its own categories and queues.
  CHECK(
      decode_tenant_config("x", R"({"queues":["vip"],"templates":[{"id":"t","name":"T","queue":"vip"}]})").has_value());
}

TEST_CASE("ApplyMacro decides every part in one event list, as the parts' own commands would") {
  Ticket t = new_ticket();
  t.tags = {"triage"};
  auto events = apply_as(t, take_and_start(), kAgent);
  REQUIRE_MESSAGE(events.has_value(), events.error().message);
  // comment, tags/priority, assignment (and new -> open), open -> in_progress
  REQUIRE(events->size() == 5);
  CHECK(std::holds_alternative<CommentAdded>((*events)[0]));
  CHECK(std::holds_alternative<TicketUpdated>((*events)[1]));
  CHECK(std::holds_alternative<TicketAssigned>((*events)[2]));
  CHECK(std::holds_alternative<StatusChanged>((*events)[3]));
  CHECK(std::holds_alternative<StatusChanged>((*events)[4]));
  const Ticket after = fold(t, *events);
  CHECK(after.status == Status::in_progress);
  CHECK(after.assignee == "a1");
  CHECK(after.priority == Priority::high);
  CHECK(after.tags == std::vector<std::string>{"hardware", "printer"});
  CHECK(after.comments.size() == 1);

  SUBCASE("a refused part refuses the whole macro") {
    Macro m = take_and_start();
    m.status = Status::waiting_on_customer;  // open -> waiting_on_customer is not a transition
    CHECK(error_of(apply_as(t, m, kAgent)).code == Errc::conflict);
    m.status = Status::resolved;  // resolved needs a resolution
    CHECK(error_of(apply_as(after, m, kAgent)).code == Errc::validation);
  }
  SUBCASE("customers may not apply macros; an unknown macro is not found") {
    CHECK(error_of(apply_as(t, take_and_start(), kCustomer)).code == Errc::forbidden);
    ApplyMacro none;
    none.macro_id = "nope";
    const TenantConfig c = config();
    CHECK(error_of(decide(t, none, DecideContext{kAgent, kNow, true, c})).code == Errc::not_found);
  }
  SUBCASE("a macro that changes nothing writes nothing") {
    Macro m;
    m.id = "same";
    m.status = Status::in_progress;
    m.priority = Priority::high;
    auto nothing = apply_as(after, m, kAgent);
    REQUIRE(nothing.has_value());
    CHECK(nothing->empty());
  }
}
