#include "adapters/outbound_calls.h"

#include <fmt/format.h>

#include <charconv>

#include "adapters/payload_fields.h"
#include "adapters/system_auth.h"
#include "base/json_writer.h"

namespace ticketd {

namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;

PushResult from_answer(const Result<RestResponse>& answer, const std::string& what) {
  PushResult r;
  if (!answer) {
    if (answer.error().code == Errc::validation) return {PushResult::Outcome::failed, answer.error().message, {}, {}};
    return {PushResult::Outcome::retry, what + ": " + answer.error().message, {}, {}};
  }
  const int s = answer->status;
  if (s >= 200 && s < 300) return r;
  r.error = fmt::format("{}: HTTP {}: {}", what, s, answer->body.substr(0, 200));
  r.retry_after = answer->retry_after;
  r.outcome = answer->worth_retrying() ? PushResult::Outcome::retry : PushResult::Outcome::failed;
  return r;
}

std::string id_of(const std::string& body, std::initializer_list<std::string_view> path) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(body).get(root) != simdjson::SUCCESS) return {};
  return payload::text(root, path).value_or("");
}

// ---- names ----

void account_or_null(JsonWriter& w, const std::optional<std::string>& account) {
  if (account) {
    w.value(*account);
  } else {
    w.null();
  }
}

template <class T>
std::optional<std::string> backwards(const std::vector<std::pair<std::string, std::string>>& map, T value) {
  for (const auto& [from, to] : map) {
    if (to == name_of(value)) return from;
  }
  return std::nullopt;
}

// ---- Jira ----

std::string jira_category(Status s) {
  switch (s) {
    case Status::new_:
    case Status::open:
      return "new";
    case Status::in_progress:
    case Status::waiting_on_customer:
    case Status::waiting_on_third_party:
      return "indeterminate";
    case Status::resolved:
    case Status::closed:
      return "done";
  }
  return "new";
}

PushResult jira(const http::ConnectionSettings& c, const Headers& auth, const OutboundChange& ch,
                const RestClient& client) {
  const std::string issue =
      base_of(c) + "/rest/api/" + (ch.kind == OutboundChange::Kind::comment ? "2" : "3") + "/issue/" + ch.key;
  switch (ch.kind) {
    case OutboundChange::Kind::comment: {
      JsonWriter w;
      w.begin_object().key("body").value(ch.text).key("properties").begin_array().begin_object();
      w.key("key").value("sd.public.comment").key("value").begin_object().key("internal").value(!ch.is_public);
      w.end_object().end_object().end_array().end_object();
      auto answer = client.send({"POST", issue + "/comment", auth, w.take()});
      auto r = from_answer(answer, "jira comment");
      if (r.outcome == PushResult::Outcome::done) r.external_id = id_of(answer->body, {"id"});
      return r;
    }
    case OutboundChange::Kind::status: {
      auto listed = client.send({"GET", issue + "/transitions", auth, ""});
      auto r = from_answer(listed, "jira transitions");
      if (r.outcome != PushResult::Outcome::done) return r;
      const std::string wanted = jira_category(ch.status);
      const auto by_name = backwards(c.status_map, ch.status);
      simdjson::dom::parser parser;
      simdjson::dom::element root;
      simdjson::dom::array transitions;
      if (parser.parse(listed->body).get(root) != simdjson::SUCCESS ||
          root["transitions"].get_array().get(transitions) != simdjson::SUCCESS) {
        return {PushResult::Outcome::failed, "jira transitions: not the expected JSON", {}, {}};
      }
      std::string chosen;
      for (simdjson::dom::element t : transitions) {  // the mapped status name first, then the category
        if (by_name && payload::text(t, {"to", "name"}) == *by_name) chosen = payload::text(t, {"id"}).value_or("");
      }
      for (simdjson::dom::element t : transitions) {
        if (chosen.empty() && payload::text(t, {"to", "statusCategory", "key"}) == wanted) {
          chosen = payload::text(t, {"id"}).value_or("");
        }
      }
      if (chosen.empty()) {
        return {PushResult::Outcome::failed,
                fmt::format("jira: {} offers no transition to a {} status", ch.key, wanted),
                {},
                {}};
      }
      JsonWriter w;
      w.begin_object().key("transition").begin_object().key("id").value(chosen).end_object().end_object();
      return from_answer(client.send({"POST", issue + "/transitions", auth, w.take()}), "jira transition");
    }
    case OutboundChange::Kind::assignment: {
      JsonWriter w;
      w.begin_object();
      account_or_null(w.key(c.pat ? "name" : "accountId"), ch.account);
      w.end_object();
      return from_answer(client.send({"PUT", issue + "/assignee", auth, w.take()}), "jira assignee");
    }
    case OutboundChange::Kind::priority: {
      JsonWriter w;
      w.begin_object().key("fields").begin_object().key("priority").begin_object();
      w.key("name").value(external_priority(ExternalSystem::jira, c, ch.priority));
      w.end_object().end_object().end_object();
      return from_answer(client.send({"PUT", issue, auth, w.take()}), "jira priority");
    }
  }
  return {};
}

// ---- Zammad ----

constexpr const char* kZammadNobody = "1";  // Zammad's "-" user: an unassigned ticket's owner

// Zammad's ids are numbers; an account that is not one is sent as it is (and refused there).
void zammad_id(JsonWriter& w, const std::string& account) {
  std::int64_t n = 0;
  auto [end, err] = std::from_chars(account.data(), account.data() + account.size(), n);
  if (err == std::errc() && end == account.data() + account.size()) {
    w.value(n);
  } else {
    w.value(account);
  }
}

PushResult zammad(const http::ConnectionSettings& c, const Headers& auth, const OutboundChange& ch,
                  const RestClient& client) {
  JsonWriter w;
  w.begin_object();
  if (ch.kind == OutboundChange::Kind::comment) {
    w.key("ticket_id").value(ch.key).key("body").value(ch.text).key("type").value("note");
    w.key("internal").value(!ch.is_public).key("content_type").value("text/plain").end_object();
    auto answer = client.send({"POST", base_of(c) + "/api/v1/ticket_articles", auth, w.take()});
    auto r = from_answer(answer, "zammad article");
    if (r.outcome == PushResult::Outcome::done) r.external_id = id_of(answer->body, {"id"});
    return r;
  }
  if (ch.kind == OutboundChange::Kind::status) {
    w.key("state").value(external_status(ExternalSystem::zammad, c, ch.status));
  } else if (ch.kind == OutboundChange::Kind::assignment) {
    w.key("owner_id");
    zammad_id(w, ch.account.value_or(kZammadNobody));
  } else {
    w.key("priority").value(external_priority(ExternalSystem::zammad, c, ch.priority));
  }
  w.end_object();
  return from_answer(client.send({"PUT", base_of(c) + "/api/v1/tickets/" + ch.key, auth, w.take()}), "zammad ticket");
}

// ---- SMAX ----

PushResult smax(const http::ConnectionSettings& c, const Headers& auth, const OutboundChange& ch,
                const RestClient& client) {
  const std::string base = base_of(c) + "/rest/" + c.tenant_id;
  JsonWriter w;
  if (ch.kind == OutboundChange::Kind::comment) {
    w.begin_object().key("IsSystem").value(false).key("Body").value(ch.text);
    w.key("PrivacyType").value(ch.is_public ? "PUBLIC" : "INTERNAL").key("ActualInterface").value("API");
    w.key("CommentFrom").value("User").end_object();
    auto answer = client.send({"POST", base + "/collaboration/comments/Request/" + ch.key, auth, w.take()});
    auto r = from_answer(answer, "smax comment");
    if (r.outcome == PushResult::Outcome::done) r.external_id = id_of(answer->body, {"Id"});
    return r;
  }
  w.begin_object().key("entities").begin_array().begin_object().key("entity_type").value("Request");
  w.key("properties").begin_object().key("Id").value(ch.key);
  if (ch.kind == OutboundChange::Kind::status) {
    w.key("Status").value(external_status(ExternalSystem::smax, c, ch.status));
  } else if (ch.kind == OutboundChange::Kind::assignment) {
    account_or_null(w.key("AssignedToPerson"), ch.account);
  } else {
    w.key("Priority").value(external_priority(ExternalSystem::smax, c, ch.priority));
  }
  w.end_object().end_object().end_array().key("operation").value("UPDATE").end_object();
  auto answer = client.send({"POST", base + "/ems/bulk", auth, w.take()});
  auto r = from_answer(answer, "smax bulk update");
  if (r.outcome != PushResult::Outcome::done) return r;
  // HTTP 200 may still carry FAILED for an entity.
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  simdjson::dom::array results;
  if (parser.parse(answer->body).get(root) != simdjson::SUCCESS ||
      root["entity_result_list"].get_array().get(results) != simdjson::SUCCESS || results.size() == 0) {
    return {PushResult::Outcome::failed, "smax bulk update: no entity_result_list in the answer", {}, {}};
  }
  for (simdjson::dom::element e : results) {
    if (payload::text(e, {"completion_status"}) != "OK") {
      return {PushResult::Outcome::failed,
              "smax bulk update: " + payload::text(e, {"completion_status"}).value_or("no status") + " for " + ch.key +
                  " " + payload::text(e, {"errorDetails", "message"}).value_or(""),
              {},
              {}};
    }
  }
  return r;
}

}  // namespace

std::string external_status(ExternalSystem system, const http::ConnectionSettings& c, Status s) {
  if (auto mapped = backwards(c.status_map, s)) return *mapped;
  switch (system) {
    case ExternalSystem::jira:
      return jira_category(s);
    case ExternalSystem::zammad:
      return s == Status::new_ ? "new" : (s == Status::resolved || s == Status::closed) ? "closed" : "open";
    case ExternalSystem::smax:
      switch (s) {
        case Status::new_:
        case Status::open:
          return "RequestStatusReady";
        case Status::in_progress:
          return "RequestStatusInProgress";
        case Status::waiting_on_customer:
        case Status::waiting_on_third_party:
          return "RequestStatusPending";
        case Status::resolved:
        case Status::closed:
          return "RequestStatusComplete";
      }
  }
  return std::string(name_of(s));
}

std::string external_priority(ExternalSystem system, const http::ConnectionSettings& c, Priority p) {
  if (auto mapped = backwards(c.priority_map, p)) return *mapped;
  constexpr const char* kJira[] = {"Low", "Medium", "High", "Highest"};
  constexpr const char* kZammad[] = {"1 low", "2 normal", "3 high", "3 high"};
  constexpr const char* kSmax[] = {"LowPriority", "MediumPriority", "HighPriority", "CriticalPriority"};
  const auto i = static_cast<std::size_t>(p);
  switch (system) {
    case ExternalSystem::jira:
      return kJira[i];
    case ExternalSystem::zammad:
      return kZammad[i];
    case ExternalSystem::smax:
      return kSmax[i];
  }
  return std::string(name_of(p));
}

std::optional<std::string> external_account(const http::ConnectionSettings& c, const std::string& user) {
  for (const auto& [account, to] : c.account_map) {
    if (to == user) return account;
  }
  return std::nullopt;
}

PushResult push_change(ExternalSystem system, const http::ConnectionSettings& c, OutboundChange change,
                       const RestClient& client) {
  if (change.kind == OutboundChange::Kind::assignment && change.assignee) {
    change.account = external_account(c, *change.assignee);
    if (!change.account) {
      return {PushResult::Outcome::failed, "the account_map has no account for user " + *change.assignee, {}, {}};
    }
  }
  auto auth = auth_headers(system, c, client);
  if (!auth) {
    const bool again = auth.error().code == Errc::unavailable;
    return {again ? PushResult::Outcome::retry : PushResult::Outcome::failed, auth.error().message, {}, {}};
  }
  switch (system) {
    case ExternalSystem::jira:
      return jira(c, *auth, change, client);
    case ExternalSystem::zammad:
      return zammad(c, *auth, change, client);
    case ExternalSystem::smax:
      return smax(c, *auth, change, client);
  }
  return {PushResult::Outcome::failed, "unknown system", {}, {}};
}

}  // namespace ticketd
