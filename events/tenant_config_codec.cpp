#include "events/tenant_config_codec.h"

#include <simdjson.h>

#include <algorithm>
#include <functional>

#include "base/json_writer.h"
#include "base/timestamp.h"
#include "domain/ticket_events.h"

namespace ticketd {

namespace {

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

Error validation_error(const std::string& what, std::vector<FieldError> errors) {
  return Error{Errc::validation,
               what + ": " + errors.front().field + " " + errors.front().message,
               std::move(errors),
               std::nullopt,
               {},
               {}};
}

}  // namespace

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
  if (!errors.empty()) return std::unexpected(validation_error("invalid escalation rules", std::move(errors)));
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
  w.key("escalations");
  write_escalations(w, c.escalations);
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
  simdjson::dom::array escalations;
  if (root["escalations"].get_array().get(escalations) == simdjson::SUCCESS)
    read_escalations(escalations, c, c.escalations, bad);
  if (!errors.empty()) return std::unexpected(validation_error("invalid tenant settings", std::move(errors)));
  return c;
}

}  // namespace ticketd
