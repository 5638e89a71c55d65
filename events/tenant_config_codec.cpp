#include "events/tenant_config_codec.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <functional>
#include <set>

#include "base/json_writer.h"
#include "base/timestamp.h"
#include "domain/text_rules.h"
#include "domain/ticket_events.h"
#include "domain/ticket_workflow.h"

namespace ticketd {

namespace {
constexpr const char* kAssigneeMe = "me";
constexpr const char* kStatusNames =
    "new, open, in_progress, waiting_on_customer, waiting_on_third_party, resolved, closed";
constexpr const char* kPriorityNames = "low, medium, high, urgent";
}  // namespace

namespace {

using Errors = std::vector<FieldError>;

Error invalid(const Errors& errors) {
  return Error{Errc::validation,
               "invalid tenant settings: " + errors.front().field + " " + errors.front().message,
               errors,
               std::nullopt,
               {},
               {}};
}

void write_tags(JsonWriter& w, const char* key, const std::vector<std::string>& tags) {
  w.key(key).begin_array();
  for (const auto& t : tags) w.value(t);
  w.end_array();
}

void write_macro(JsonWriter& w, const Macro& m) {
  w.begin_object().key("id").value(m.id).key("name").value(m.name);
  if (m.comment) {
    w.key("comment").begin_object().key("body").value(m.comment->body);
    w.key("visibility").value(name_of(m.comment->visibility)).end_object();
  }
  if (m.status) w.key("status").value(name_of(*m.status));
  if (m.resolution) {
    w.key("resolution").begin_object().key("code").value(name_of(m.resolution->code));
    w.key("text").value(m.resolution->text).end_object();
  }
  if (m.priority) w.key("priority").value(name_of(*m.priority));
  if (!m.add_tags.empty()) write_tags(w, "add_tags", m.add_tags);
  if (!m.remove_tags.empty()) write_tags(w, "remove_tags", m.remove_tags);
  if (m.assignee) {
    w.key("assignee");
    switch (m.assignee->kind) {
      case MacroAssignee::Kind::me:
        w.value(kAssigneeMe);
        break;
      case MacroAssignee::Kind::user:
        w.value(m.assignee->sub);
        break;
      case MacroAssignee::Kind::unassign:
        w.null();
        break;
    }
  }
  w.end_object();
}

void write_template(JsonWriter& w, const TicketTemplate& t) {
  w.begin_object().key("id").value(t.id).key("name").value(t.name);
  if (t.type) w.key("type").value(name_of(*t.type));
  if (t.category) w.key("category").value(*t.category);
  if (t.priority) w.key("priority").value(name_of(*t.priority));
  if (t.queue) w.key("queue").value(*t.queue);
  if (!t.tags.empty()) write_tags(w, "tags", t.tags);
  if (!t.subject_prefix.empty()) w.key("subject_prefix").value(t.subject_prefix);
  w.key("description").value(t.description).end_object();
}

// The members of one macro or template object: typed reads record field errors under
// `prefix`, and finish() refuses the members never read.
class Members {
 public:
  Members(simdjson::dom::object o, std::string prefix, Errors& errors)
      : object_(o), prefix_(std::move(prefix)), errors_(errors) {}

  // An error of member `key`, or of the object itself when `key` is "".
  void bad(const std::string& key, std::string message) {
    std::string field = key.empty() && !prefix_.empty() ? prefix_.substr(0, prefix_.size() - 1) : prefix_ + key;
    errors_.push_back({std::move(field), std::move(message)});
  }

  std::optional<simdjson::dom::element> get(const char* key) {
    read_.insert(key);
    simdjson::dom::element e;
    if (object_[key].get(e) != simdjson::SUCCESS) return std::nullopt;
    return e;
  }

  // A string of min_bytes..max_bytes; absent (or null): nullopt, an error when required.
  std::optional<std::string> string(const char* key, std::size_t min_bytes, std::size_t max_bytes,
                                    bool required = false) {
    auto e = get(key);
    std::string_view v;
    if (!e || e->is_null()) {
      if (required) bad(key, "is required");
      return std::nullopt;
    }
    if (e->get_string().get(v) != simdjson::SUCCESS || v.size() < min_bytes || v.size() > max_bytes) {
      bad(key, fmt::format("must be a string of {} to {} bytes", min_bytes, max_bytes));
      return std::nullopt;
    }
    return std::string(v);
  }

  // The object member `key` (`shape` names its members for the error), its errors under
  // "<prefix><key>."; absent or null: nullopt.
  std::optional<Members> object(const char* key, const char* shape) {
    auto e = get(key);
    if (!e || e->is_null()) return std::nullopt;
    simdjson::dom::object o;
    if (e->get_object().get(o) != simdjson::SUCCESS) {
      bad(key, std::string("must be an object ") + shape);
      return std::nullopt;
    }
    return Members(o, prefix_ + key + ".", errors_);
  }

  template <class T, class Parse>
  std::optional<T> enumerated(const char* key, Parse parse, const char* allowed) {
    auto text = string(key, 1, TenantConfigLimits::kMaxLabelBytes);
    if (!text) return std::nullopt;
    auto v = parse(*text);
    if (!v) bad(key, std::string("must be one of ") + allowed);
    return v;
  }

  // A list of tags, as a ticket's tags are bounded.
  std::vector<std::string> tags(const char* key) {
    std::vector<std::string> out;
    auto e = get(key);
    if (!e || e->is_null()) return out;
    simdjson::dom::array a;
    const std::string rule =
        fmt::format("must be at most {} tags of 1 to {} bytes", TicketLimits::kMaxTags, TicketLimits::kTagMaxBytes);
    if (e->get_array().get(a) != simdjson::SUCCESS || a.size() > TicketLimits::kMaxTags) {
      bad(key, rule);
      return out;
    }
    for (auto item : a) {
      std::string_view v;
      if (item.get_string().get(v) != simdjson::SUCCESS || trim(v).empty() || v.size() > TicketLimits::kTagMaxBytes) {
        bad(key, rule);
        return {};
      }
      out.push_back(trim(v));
    }
    return out;
  }

  void finish() {
    for (auto [key, value] : object_) {
      if (!read_.contains(std::string(key))) bad(std::string(key), "is not a known field");
    }
  }

 private:
  simdjson::dom::object object_;
  std::string prefix_;
  Errors& errors_;
  std::set<std::string> read_;
};

// Reads the array `value` of at most `max` objects, each with read_one(members, index);
// ids (member "id") must be unique.
template <class T, class ReadOne>
std::vector<T> read_objects(simdjson::dom::element value, const char* key, std::size_t max, Errors& errors,
                            ReadOne read_one) {
  std::vector<T> out;
  simdjson::dom::array a;
  if (value.get_array().get(a) != simdjson::SUCCESS || a.size() > max) {
    errors.push_back({key, fmt::format("must be an array of at most {} objects", max)});
    return out;
  }
  std::set<std::string> ids;
  std::size_t i = 0;
  for (auto item : a) {
    const std::string prefix = fmt::format("{}[{}].", key, i++);
    simdjson::dom::object o;
    if (item.get_object().get(o) != simdjson::SUCCESS) {
      errors.push_back({prefix.substr(0, prefix.size() - 1), "must be an object"});
      continue;
    }
    Members members(o, prefix, errors);
    T one = read_one(members);
    members.finish();
    if (!one.id.empty() && !ids.insert(one.id).second) members.bad("id", "is used twice");
    out.push_back(std::move(one));
  }
  return out;
}

void read_id_and_name(Members& in, std::string& id, std::string& name) {
  id = in.string("id", 1, TenantConfigLimits::kMaxIdBytes, true).value_or("");
  name = in.string("name", 1, TenantConfigLimits::kMaxLabelBytes, true).value_or("");
  if (id.find('/') != std::string::npos) in.bad("id", "must not contain '/'");
}

Macro read_macro(Members& in) {
  Macro m;
  read_id_and_name(in, m.id, m.name);
  if (auto c = in.object("comment", "{body, visibility}")) {
    MacroComment out;
    out.body = c->string("body", 1, TenantConfigLimits::kMaxTextBytes, true).value_or("");
    out.visibility =
        c->enumerated<Visibility>("visibility", parse_visibility, "public, internal").value_or(Visibility::public_);
    if (auto placeholder = first_bad_placeholder(out.body)) {
      c->bad("body", "has an unknown placeholder " + *placeholder +
                         " (known: {{ticket.number}}, {{ticket.subject}}, {{requester.name}}, {{agent.name}})");
    }
    c->finish();
    m.comment = std::move(out);
  }
  m.status = in.enumerated<Status>("status", parse_status, kStatusNames);
  if (auto r = in.object("resolution", "{code, text}")) {
    Resolution out;
    out.code = r->enumerated<ResolutionCode>("code", parse_resolution_code, "resolved, canceled, duplicate, wont_fix")
                   .value_or(ResolutionCode::resolved);
    out.text = r->string("text", 1, TenantConfigLimits::kMaxTextBytes, true).value_or("");
    r->finish();
    m.resolution = std::move(out);
  }
  const bool resolves = m.status == Status::resolved || m.status == Status::closed;
  if (m.status == Status::resolved && !m.resolution) in.bad("resolution", "is required to resolve");
  if (m.resolution && !resolves) in.bad("resolution", "is only for a status of resolved or closed");
  m.priority = in.enumerated<Priority>("priority", parse_priority, kPriorityNames);
  m.add_tags = in.tags("add_tags");
  m.remove_tags = in.tags("remove_tags");
  if (auto assignee = in.get("assignee")) {
    std::string_view v;
    if (assignee->is_null()) {
      m.assignee = MacroAssignee{MacroAssignee::Kind::unassign, ""};
    } else if (assignee->get_string().get(v) != simdjson::SUCCESS || v.empty() ||
               v.size() > TenantConfigLimits::kMaxSubBytes) {
      in.bad("assignee", "must be a user's sub, \"me\" (the applying agent) or null (unassign)");
    } else if (v == kAssigneeMe) {
      m.assignee = MacroAssignee{MacroAssignee::Kind::me, ""};
    } else {
      m.assignee = MacroAssignee{MacroAssignee::Kind::user, std::string(v)};
    }
  }
  if (!m.comment && !m.status && !m.priority && m.add_tags.empty() && m.remove_tags.empty() && !m.assignee) {
    in.bad("", "needs at least one action: comment, status, priority, add_tags, remove_tags or assignee");
  }
  return m;
}

TicketTemplate read_template(Members& in, const TenantConfig& vocabulary) {
  TicketTemplate t;
  read_id_and_name(in, t.id, t.name);
  t.type = in.enumerated<TicketType>("type", parse_ticket_type, "question, incident, service_request, change_request");
  t.category = in.string("category", 1, TenantConfigLimits::kMaxLabelBytes);
  if (t.category && !vocabulary.has_category(*t.category)) in.bad("category", "is not one of the tenant's categories");
  t.priority = in.enumerated<Priority>("priority", parse_priority, kPriorityNames);
  t.queue = in.string("queue", 1, TenantConfigLimits::kMaxLabelBytes);
  if (t.queue && !vocabulary.has_queue(*t.queue)) in.bad("queue", "is not one of the tenant's queues");
  t.tags = in.tags("tags");
  t.subject_prefix = in.string("subject_prefix", 0, TenantConfigLimits::kMaxSubjectPrefixBytes).value_or("");
  t.description = in.string("description", 0, TenantConfigLimits::kMaxTextBytes).value_or("");
  return t;
}

std::vector<Macro> read_macros(simdjson::dom::element value, Errors& errors) {
  return read_objects<Macro>(value, "macros", TenantConfigLimits::kMaxMacros, errors, read_macro);
}

std::vector<TicketTemplate> read_templates(simdjson::dom::element value, const TenantConfig& vocabulary,
                                           Errors& errors) {
  return read_objects<TicketTemplate>(value, "templates", TenantConfigLimits::kMaxTemplates, errors,
                                      [&](Members& in) { return read_template(in, vocabulary); });
}

// The member `key` of the JSON object `json`, or an error.
Result<simdjson::dom::element> member(simdjson::dom::parser& parser, std::string_view json, const char* key) {
  simdjson::dom::element root, value;
  if (parser.parse(json.data(), json.size()).get(root) != simdjson::SUCCESS || !root.is_object()) {
    return make_error(Errc::validation, "the body is not a JSON object");
  }
  if (root[key].get(value) != simdjson::SUCCESS) {
    return std::unexpected(invalid({{key, "is required"}}));
  }
  return value;
}

using Bad = std::function<void(std::string, std::string)>;

void write_escalations(JsonWriter& w, const std::vector<EscalationRule>& rules) {
  w.begin_array();
  for (const auto& r : rules) {
    w.begin_object().key("id").value(r.id).key("on").value(name_of(r.on));
    if (r.metric) w.key("metric").value(name_of(*r.metric));
    if (r.on == EscalationTrigger::unassigned) {
      w.key("minutes").value(static_cast<std::int64_t>(r.unassigned_for.count()));
    }
    if (r.only_queue) w.key("queue").value(*r.only_queue);
    w.key("actions").begin_object();
    if (r.raise_to) w.key("priority").value(name_of(*r.raise_to));
    if (r.move_to_queue) w.key("queue").value(*r.move_to_queue);
    if (r.assign_to) w.key("assignee").value(*r.assign_to);
    if (!r.add_tags.empty()) {
      w.key("tags").begin_array();
      for (const auto& t : r.add_tags) w.value(t);
      w.end_array();
    }
    if (!r.notify.empty()) {
      w.key("notify").begin_array();
      for (const auto& n : r.notify) w.value(n);
      w.end_array();
    }
    w.end_object().end_object();
  }
  w.end_array();
}

bool valid_rule_id(std::string_view id) {
  if (id.empty() || id.size() > EscalationLimits::kMaxIdBytes) return false;
  return std::all_of(id.begin(), id.end(), [](char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' || ch == '_';
  });
}

// Names of 1-64 bytes (tags, subs), at most `max`; false after reporting `field`.
bool read_names(simdjson::dom::element e, std::size_t max, std::vector<std::string>& out) {
  simdjson::dom::array a;
  if (e.get_array().get(a) != simdjson::SUCCESS || a.size() > max) return false;
  for (auto x : a) {
    std::string_view sv;
    if (x.get_string().get(sv) != simdjson::SUCCESS || sv.empty() || sv.size() > 64) return false;
    out.emplace_back(sv);
  }
  return true;
}

void read_escalations(simdjson::dom::array rules, const TenantConfig& c, std::vector<EscalationRule>& out,
                      const Bad& bad) {
  out.clear();
  if (rules.size() > EscalationLimits::kMaxRules) {
    bad("escalations", "at most 50 rules");
    return;
  }
  std::size_t i = 0;
  for (auto e : rules) {
    const std::string at = "escalations[" + std::to_string(i++) + "]";
    EscalationRule r;
    std::string_view sv;
    if (e["id"].get_string().get(sv) != simdjson::SUCCESS || !valid_rule_id(sv)) {
      bad(at + ".id", "is required: 1-64 of a-z, 0-9, - and _");
      continue;
    }
    r.id = std::string(sv);
    if (std::any_of(out.begin(), out.end(), [&](const EscalationRule& x) { return x.id == r.id; })) {
      bad(at + ".id", "is used twice: " + r.id);
    }
    std::optional<EscalationTrigger> on;
    if (e["on"].get_string().get(sv) == simdjson::SUCCESS) on = parse_escalation_trigger(sv);
    if (!on) {
      bad(at + ".on", "is one of sla.warning, sla.breached, unassigned");
      continue;
    }
    r.on = *on;
    if (e["metric"].get_string().get(sv) == simdjson::SUCCESS) {
      if (r.on == EscalationTrigger::unassigned || (sv != "first_response" && sv != "resolution")) {
        bad(at + ".metric", "is first_response or resolution, for the sla triggers only");
      } else {
        r.metric = sv == "first_response" ? SlaMetric::first_response : SlaMetric::resolution;
      }
    }
    std::int64_t minutes = 0;
    const bool has_minutes = e["minutes"].get_int64().get(minutes) == simdjson::SUCCESS;
    if (r.on == EscalationTrigger::unassigned) {
      if (!has_minutes || minutes < 1 || minutes > EscalationLimits::kMaxMinutes) {
        bad(at + ".minutes", "is required for unassigned: 1 to 527040");
      }
      r.unassigned_for = std::chrono::minutes{minutes};
    } else if (has_minutes) {
      bad(at + ".minutes", "is for the unassigned trigger only");
    }
    if (e["queue"].get_string().get(sv) == simdjson::SUCCESS) {
      if (!c.has_queue(std::string(sv))) bad(at + ".queue", "is not one of the tenant's queues");
      r.only_queue = std::string(sv);
    }
    simdjson::dom::element actions;
    if (e["actions"].get(actions) != simdjson::SUCCESS || !actions.is_object()) {
      bad(at + ".actions", "is required: priority, queue, assignee, tags and/or notify");
      continue;
    }
    if (actions["priority"].get_string().get(sv) == simdjson::SUCCESS) {
      r.raise_to = parse_priority(sv);
      if (!r.raise_to) bad(at + ".actions.priority", "is one of low, medium, high, urgent");
    }
    if (actions["queue"].get_string().get(sv) == simdjson::SUCCESS) {
      if (!c.has_queue(std::string(sv))) bad(at + ".actions.queue", "is not one of the tenant's queues");
      r.move_to_queue = std::string(sv);
    }
    if (actions["assignee"].get_string().get(sv) == simdjson::SUCCESS) {
      if (sv.empty() || sv.size() > 200) bad(at + ".actions.assignee", "is a user's sub of 1-200 bytes");
      r.assign_to = std::string(sv);
    }
    simdjson::dom::element list;
    if (actions["tags"].get(list) == simdjson::SUCCESS && !read_names(list, EscalationLimits::kMaxTags, r.add_tags)) {
      bad(at + ".actions.tags", "is a list of at most 20 tags of 1-64 bytes");
    }
    if (actions["notify"].get(list) == simdjson::SUCCESS && !read_names(list, EscalationLimits::kMaxNotify, r.notify)) {
      bad(at + ".actions.notify", "is a list of at most 20 subs (or \"assignee\") of 1-64 bytes");
    }
    if (!r.raise_to && !r.move_to_queue && !r.assign_to && r.add_tags.empty() && r.notify.empty()) {
      bad(at + ".actions", "needs at least one of priority, queue, assignee, tags, notify");
    }
    out.push_back(std::move(r));
  }
}

}  // namespace

std::string encode_macros(const std::vector<Macro>& macros) {
  JsonWriter w;
  w.begin_array();
  for (const auto& m : macros) write_macro(w, m);
  w.end_array();
  return w.take();
}

std::string encode_templates(const std::vector<TicketTemplate>& templates) {
  JsonWriter w;
  w.begin_array();
  for (const auto& t : templates) write_template(w, t);
  w.end_array();
  return w.take();
}

Result<std::vector<Macro>> decode_macros(std::string_view json) {
  thread_local simdjson::dom::parser parser;
  auto value = member(parser, json, "macros");
  if (!value) return std::unexpected(value.error());
  Errors errors;
  auto out = read_macros(*value, errors);
  if (!errors.empty()) return std::unexpected(invalid(errors));
  return out;
}

Result<std::vector<TicketTemplate>> decode_templates(std::string_view json, const TenantConfig& vocabulary) {
  thread_local simdjson::dom::parser parser;
  auto value = member(parser, json, "templates");
  if (!value) return std::unexpected(value.error());
  Errors errors;
  auto out = read_templates(*value, vocabulary, errors);
  if (!errors.empty()) return std::unexpected(invalid(errors));
  return out;
}

std::string encode_escalation_rules(const std::vector<EscalationRule>& rules) {
  JsonWriter w;
  write_escalations(w, rules);
  return w.take();
}

Result<std::vector<EscalationRule>> decode_escalation_rules(std::string_view json, const TenantConfig& config) {
  thread_local simdjson::dom::parser parser;
  simdjson::dom::array rules;
  if (parser.parse(json.data(), json.size()).get_array().get(rules) != simdjson::SUCCESS) {
    return make_error(Errc::validation, "escalation rules are not a JSON array");
  }
  std::vector<FieldError> errors;
  std::vector<EscalationRule> out;
  read_escalations(rules, config, out, [&](std::string f, std::string m) {
    errors.push_back({std::move(f), std::move(m)});
  });
  if (!errors.empty()) return std::unexpected(invalid(errors));
  return out;
}

std::string encode_tenant_config(const TenantConfig& c) {
  JsonWriter w;
  w.begin_object().key("name").value(c.name).key("parent").value(c.parent);
  w.key("categories").begin_array();
  for (const auto& x : c.categories) w.value(x);
  w.end_array().key("queues").begin_array();
  for (const auto& x : c.queues) w.value(x);
  w.end_array().key("assignment").begin_object();
  for (const auto& [queue, mode] : c.assignment) w.key(queue).value(name_of(mode));
  w.end_object().key("sla").begin_object();
  for (const auto& [p, t] : c.sla) {
    w.key(name_of(p)).begin_object();
    w.key("first_response_minutes").value(static_cast<std::int64_t>(t.first_response.count()));
    w.key("resolution_minutes").value(static_cast<std::int64_t>(t.resolution.count())).end_object();
  }
  w.end_object().key("calendar").begin_object().key("time_zone").value(c.calendar.time_zone);
  w.key("weekly").begin_array();
  for (const auto& day : c.calendar.weekly) {
    w.begin_array();
    for (const auto& s : day) w.begin_array().value(s.start_minute).value(s.end_minute).end_array();
    w.end_array();
  }
  w.end_array().key("holidays").begin_array();
  for (const auto& d : c.calendar.holidays) {
    w.value(format_rfc3339(Timestamp{d}).substr(0, 10));
  }
  w.end_array().end_object();
  w.key("reopen_window_hours").value(static_cast<std::int64_t>(c.reopen_window.count()));
  w.key("auto_close_delay_hours").value(static_cast<std::int64_t>(c.auto_close_delay.count()));
  w.key("retention_days").value(static_cast<std::int64_t>(c.retention.count()));
  w.key("macros").raw(encode_macros(c.macros)).key("templates").raw(encode_templates(c.templates));
  w.key("escalations").raw(encode_escalation_rules(c.escalations));
  w.end_object();
  return w.take();
}

Result<TenantConfig> decode_tenant_config(std::string_view id, std::string_view json) {
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(json.data(), json.size()).get(root) != simdjson::SUCCESS || !root.is_object()) {
    return make_error(Errc::validation, "tenant settings are not a JSON object");
  }
  TenantConfig c;
  c.id = std::string(id);
  std::vector<FieldError> errors;
  auto bad = [&](std::string field, std::string message) { errors.push_back({std::move(field), std::move(message)}); };
  std::string_view sv;
  if (root["name"].get_string().get(sv) == simdjson::SUCCESS) c.name = std::string(sv);
  if (root["parent"].get_string().get(sv) == simdjson::SUCCESS) c.parent = std::string(sv);
  auto read_list = [&](const char* key, std::vector<std::string>& out) {
    simdjson::dom::array a;
    if (root[key].get_array().get(a) != simdjson::SUCCESS) return;
    out.clear();
    for (auto e : a) {
      if (e.get_string().get(sv) != simdjson::SUCCESS || sv.empty() || sv.size() > 64) {
        bad(key, "must be a list of 1-64 character names");
        return;
      }
      out.emplace_back(sv);
    }
    if (out.empty()) bad(key, "must not be empty");
    if (out.size() > TenantConfigLimits::kMaxNames) bad(key, "must have at most 100 names");
  };
  read_list("categories", c.categories);
  read_list("queues", c.queues);
  simdjson::dom::object assignment;
  if (root["assignment"].get_object().get(assignment) == simdjson::SUCCESS) {
    for (auto [queue, value] : assignment) {
      std::optional<AssignmentMode> mode;
      if (value.get_string().get(sv) == simdjson::SUCCESS) mode = parse_assignment_mode(sv);
      if (!mode) {
        bad("assignment", "each queue's mode is manual, round_robin or least_loaded");
        break;
      }
      if (!c.has_queue(std::string(queue))) {
        bad("assignment", "names a queue that is not in queues: " + std::string(queue));
        break;
      }
      if (*mode != AssignmentMode::manual) c.assignment[std::string(queue)] = *mode;
    }
  }
  simdjson::dom::object sla;
  if (root["sla"].get_object().get(sla) == simdjson::SUCCESS) {
    for (auto [key, value] : sla) {
      auto p = parse_priority(key);
      std::int64_t fr = 0, res = 0;
      if (!p || value["first_response_minutes"].get_int64().get(fr) != simdjson::SUCCESS ||
          value["resolution_minutes"].get_int64().get(res) != simdjson::SUCCESS || fr <= 0 || res <= 0 ||
          fr > TenantConfigLimits::kMaxTargetMinutes || res > TenantConfigLimits::kMaxTargetMinutes) {
        bad("sla", "each priority needs first_response_minutes and resolution_minutes from 1 to 527040 (one year)");
        break;
      }
      c.sla[*p] = SlaTarget{std::chrono::minutes{fr}, std::chrono::minutes{res}};
    }
  }
  simdjson::dom::element cal;
  if (root["calendar"].get(cal) == simdjson::SUCCESS) {
    if (cal["time_zone"].get_string().get(sv) == simdjson::SUCCESS) c.calendar.time_zone = std::string(sv);
    simdjson::dom::array weekly;
    if (cal["weekly"].get_array().get(weekly) == simdjson::SUCCESS) {
      if (weekly.size() != 7) bad("calendar.weekly", "needs 7 days, Sunday first");
      std::size_t day = 0;
      for (auto spans : weekly) {
        if (day >= 7) break;
        simdjson::dom::array list;
        if (spans.get_array().get(list) != simdjson::SUCCESS) {
          bad("calendar.weekly", "each day is a list of [start_minute, end_minute]");
          break;
        }
        for (auto span : list) {
          std::int64_t a = -1, b = -1;
          if (span.at(0).get_int64().get(a) != simdjson::SUCCESS ||
              span.at(1).get_int64().get(b) != simdjson::SUCCESS || a < 0 || b > 24 * 60 || a >= b) {
            bad("calendar.weekly", "spans are [start, end) minutes within a day");
            break;
          }
          c.calendar.weekly[day].push_back({static_cast<int>(a), static_cast<int>(b)});
        }
        auto& spans_of_day = c.calendar.weekly[day];
        std::sort(spans_of_day.begin(), spans_of_day.end(),
                  [](const auto& x, const auto& y) { return x.start_minute < y.start_minute; });
        if (spans_of_day.size() > TenantConfigLimits::kMaxSpansPerDay) {
          bad("calendar.weekly", "at most 24 spans per day");
        }
        for (std::size_t i = 1; i < spans_of_day.size(); ++i) {
          if (spans_of_day[i].start_minute < spans_of_day[i - 1].end_minute) {
            bad("calendar.weekly", "the spans of a day must not overlap");
            break;
          }
        }
        ++day;
      }
    }
    simdjson::dom::array holidays;
    if (cal["holidays"].get_array().get(holidays) == simdjson::SUCCESS) {
      for (auto h : holidays) {
        std::optional<Timestamp> t;
        if (h.get_string().get(sv) == simdjson::SUCCESS) t = parse_rfc3339(std::string(sv) + "T00:00:00Z");
        const int year =
            t ? static_cast<int>(std::chrono::year_month_day{std::chrono::floor<std::chrono::days>(*t)}.year()) : 0;
        if (!t || year < TenantConfigLimits::kMinHolidayYear || year > TenantConfigLimits::kMaxHolidayYear) {
          bad("calendar.holidays", "dates are YYYY-MM-DD from 2000 to 2200");
          break;
        }
        if (c.calendar.holidays.size() >= TenantConfigLimits::kMaxHolidays) {
          bad("calendar.holidays", "at most 1000 holidays");
          break;
        }
        c.calendar.holidays.push_back(std::chrono::floor<std::chrono::days>(*t));
      }
    }
  }
  std::int64_t n;
  if (root["reopen_window_hours"].get_int64().get(n) == simdjson::SUCCESS) {
    if (n < 0 || n > TenantConfigLimits::kMaxWindowHours) bad("reopen_window_hours", "must be from 0 to 8784");
    c.reopen_window = std::chrono::hours{n};
  }
  if (root["auto_close_delay_hours"].get_int64().get(n) == simdjson::SUCCESS) {
    if (n < 1 || n > TenantConfigLimits::kMaxWindowHours) bad("auto_close_delay_hours", "must be from 1 to 8784");
    c.auto_close_delay = std::chrono::hours{n};
  }
  if (root["retention_days"].get_int64().get(n) == simdjson::SUCCESS) {
    if (n < 1 || n > TenantConfigLimits::kMaxRetentionDays) bad("retention_days", "must be from 1 to 36600");
    c.retention = std::chrono::days{n};
  }
  simdjson::dom::element listed;
  if (root["macros"].get(listed) == simdjson::SUCCESS) c.macros = read_macros(listed, errors);
  if (root["templates"].get(listed) == simdjson::SUCCESS) c.templates = read_templates(listed, c, errors);
  simdjson::dom::array escalations;
  if (root["escalations"].get_array().get(escalations) == simdjson::SUCCESS) {
    read_escalations(escalations, c, c.escalations, [&](std::string f, std::string m) {
      errors.push_back({std::move(f), std::move(m)});
    });
  }
  if (!errors.empty()) return std::unexpected(invalid(errors));
  return c;
}

}  // namespace ticketd
