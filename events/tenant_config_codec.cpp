#include "events/tenant_config_codec.h"

#include <simdjson.h>

#include <algorithm>

#include "base/json_writer.h"
#include "base/timestamp.h"

namespace ticketd {

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
  if (!errors.empty()) {
    Error e{Errc::validation,
            "invalid tenant settings: " + errors.front().field + " " + errors.front().message,
            errors,
            std::nullopt,
            {},
            {}};
    return std::unexpected(std::move(e));
  }
  return c;
}

}  // namespace ticketd
