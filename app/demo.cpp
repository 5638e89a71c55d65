#include "app/demo.h"

#include <fmt/format.h>

#include <vector>

#include "http/tokens.h"

namespace ticketd::app {

namespace {

constexpr const char* kSeededKey = "demo/seeded";
constexpr std::chrono::hours kDemoTokenTtl{24 * 30};

struct DemoUser {
  Role role;
  const char* sub;
  const char* tenant;
  const char* name;
};

// The tree: acme (root) with acme-emea and acme-us below it.
const std::vector<DemoUser>& demo_users() {
  static const std::vector<DemoUser> users{
      {Role::customer, "carla", "acme-emea", "Carla Customer"},
      {Role::agent, "alex", "acme", "Alex Agent"},
      {Role::admin, "ada", "acme", "Ada Admin"},
      {Role::manager, "max", "acme", "Max Manager"},
      {Role::auditor, "aude", "acme", "Aude Auditor"},
      {Role::global_admin, "root", "acme", "Gina Global"},
      {Role::integration, "jira-sync", "acme", "Jira integration"},
  };
  return users;
}

Principal principal_of(const DemoUser& u) {
  return Principal{u.sub, u.tenant, u.role, u.name, std::string(u.sub) + "@example.com"};
}

}  // namespace

Result<void> seed_demo(CommandEngine& engine, EventStore& store, IdSource& ids) {
  auto seeded = store.get_meta(kSeededKey);
  if (!seeded) return std::unexpected(seeded.error());
  if (*seeded) return {};
  const Principal root = principal_of(demo_users()[5]);
  for (const auto& [id, name, parent] : std::vector<std::tuple<const char*, const char*, const char*>>{
           {"acme", "ACME Corp", ""}, {"acme-emea", "ACME EMEA", "acme"}, {"acme-us", "ACME US", "acme"}}) {
    TenantConfig config;
    config.id = id;
    config.name = name;
    config.parent = parent;
    config.queues = {"general", "billing", "escalations"};
    if (auto put = engine.configure_tenant(config, root); !put) return std::unexpected(put.error());
  }
  for (const auto& u : demo_users()) {
    const Principal p = principal_of(u);
    UserRecord record{p.sub, p.tenant, p.name, p.email, p.role};
    if (auto r = engine.record_user(record, root); !r) return std::unexpected(r.error());
  }
  const Principal customer = principal_of(demo_users()[0]);
  const Principal agent = principal_of(demo_users()[1]);
  auto request = [](const Principal& p) {
    CommandRequest r;
    r.principal = p;
    return r;
  };
  struct Seed {
    const char* subject;
    const char* description;
    Priority priority;
    const char* category;
  };
  const std::vector<Seed> seeds{
      {"Cannot log in to the portal", "Since this morning the login page says my password is wrong.", Priority::high,
       "access"},
      {"Invoice 2026-114 charged twice", "The November invoice appears twice on my card statement.", Priority::medium,
       "billing"},
      {"Export to CSV", "It would help us to export the ticket list as CSV.", Priority::low, "feature_request"},
  };
  std::vector<std::string> created;
  for (const auto& s : seeds) {
    CreateTicket c;
    c.tenant = customer.tenant;
    c.subject = s.subject;
    c.description = s.description;
    c.priority = s.priority;
    c.category = s.category;
    auto out = engine.create(c, request(customer));
    if (!out) return std::unexpected(out.error());
    created.push_back(out->ticket->id);
  }
  AssignTicket assign;
  assign.assignee = agent.sub;
  if (auto r = engine.execute(created[0], assign, request(agent)); !r) return std::unexpected(r.error());
  if (auto r = engine.execute(created[0], ChangeStatus{Status::in_progress, std::nullopt}, request(agent)); !r) {
    return std::unexpected(r.error());
  }
  AddComment reply;
  reply.comment_id = ids.next_id();
  reply.body = "We reset your password; please check your inbox.";
  if (auto r = engine.execute(created[0], reply, request(agent)); !r) return std::unexpected(r.error());
  AddComment note;
  note.comment_id = ids.next_id();
  note.body = "Internal: the account was locked by the fraud filter.";
  note.visibility = Visibility::internal;
  if (auto r = engine.execute(created[0], note, request(agent)); !r) return std::unexpected(r.error());
  return store.put_meta(kSeededKey, "1");
}

void print_demo_tokens(const std::string& secret, Timestamp now) {
  for (const auto& u : demo_users()) {
    auto token = http::mint_hs256(secret, principal_of(u), now, kDemoTokenTtl);
    if (token) fmt::print("token {} {} (sub {}, tenant {})\n", role_name(u.role), *token, u.sub, u.tenant);
  }
}

}  // namespace ticketd::app
