// A tenant's configuration: categories, queues, SLA targets, business calendar, the time
// rules of the workflow, and the agents' macros and customers' ticket templates. Defaults are those of docs/domain.md.
// Configuration changes are events of the tenant's stream, so their history is auditable.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/escalation.h"
#include "domain/macro.h"
#include "domain/ticket_template.h"
#include "domain/ticket_vocabulary.h"

namespace ticketd {

// Bounds of a tenant's settings (422 beyond them): durations stay far from overflowing the
// clock arithmetic of SLA due times, and lists stay small.
struct TenantConfigLimits {
  static constexpr std::int64_t kMaxTargetMinutes = 366LL * 24 * 60;  // an SLA target: one year
  static constexpr std::int64_t kMaxWindowHours = 366LL * 24;         // reopen window, auto-close delay
  static constexpr std::int64_t kMaxRetentionDays = 100LL * 366;
  static constexpr std::size_t kMaxHolidays = 1000;
  static constexpr int kMinHolidayYear = 2000;
  static constexpr int kMaxHolidayYear = 2200;
  static constexpr std::size_t kMaxSpansPerDay = 24;  // and they must not overlap
  static constexpr std::size_t kMaxNames = 100;       // categories, queues
  // Macros and ticket templates (docs/automations.md).
  static constexpr std::size_t kMaxMacros = 50;
  static constexpr std::size_t kMaxTemplates = 50;
  static constexpr std::size_t kMaxIdBytes = 64;           // a macro's or template's id
  static constexpr std::size_t kMaxLabelBytes = 100;       // a macro's or template's name
  static constexpr std::size_t kMaxTextBytes = 64 * 1024;  // comment, description: TicketLimits::kBodyMaxBytes
  static constexpr std::size_t kMaxSubjectPrefixBytes = 50;
  static constexpr std::size_t kMaxSubBytes = 200;  // a macro's assignee: TicketLimits::kFieldMaxBytes
};

struct SlaTarget {
  std::chrono::minutes first_response{0};
  std::chrono::minutes resolution{0};
  friend bool operator==(const SlaTarget&, const SlaTarget&) = default;
};

// Which minutes count for SLA clocks. No hours at all means 24x7.
struct BusinessCalendar {
  struct Span {
    int start_minute = 0;  // local minutes after midnight, [start, end)
    int end_minute = 0;
    friend bool operator==(const Span&, const Span&) = default;
  };
  std::string time_zone = "UTC";                // IANA name
  std::array<std::vector<Span>, 7> weekly{};    // index 0 = Sunday (as std::chrono::weekday)
  std::vector<std::chrono::sys_days> holidays;  // local dates on which no minute counts

  [[nodiscard]] bool always_open() const;
  friend bool operator==(const BusinessCalendar&, const BusinessCalendar&) = default;
};

// How a queue's new and reopened unassigned tickets get an assignee (docs/automations.md):
// by hand, or by the engine among the queue's available member agents, taking turns
// (round_robin) or the one holding the fewest active tickets (least_loaded).
enum class AssignmentMode { manual, round_robin, least_loaded };
[[nodiscard]] std::string_view name_of(AssignmentMode mode);
[[nodiscard]] std::optional<AssignmentMode> parse_assignment_mode(std::string_view text);

struct TenantConfig {
  std::string id;
  std::string name;
  std::string parent;
  std::vector<std::string> categories{"technical", "billing", "access", "feature_request", "bug", "general"};
  std::vector<std::string> queues{"general"};
  std::map<std::string, AssignmentMode> assignment;  // queue -> mode; queues not named are manual
  std::map<Priority, SlaTarget> sla = default_sla();
  BusinessCalendar calendar;
  std::chrono::hours reopen_window{14 * 24};
  std::chrono::hours auto_close_delay{48};
  std::chrono::days retention{365 * 3};
  std::vector<EscalationRule> escalations;  // in the order they fire
  std::vector<Macro> macros;                // at most kMaxMacros, ids unique
  std::vector<TicketTemplate> templates;    // at most kMaxTemplates, ids unique

  [[nodiscard]] static std::map<Priority, SlaTarget> default_sla();
  [[nodiscard]] bool has_category(const std::string& c) const;
  [[nodiscard]] bool has_queue(const std::string& q) const;
  [[nodiscard]] SlaTarget target_for(Priority p) const;
  [[nodiscard]] AssignmentMode assignment_of(const std::string& queue) const;
  // The macro / template with this id, or nullptr.
  [[nodiscard]] const Macro* macro(std::string_view macro_id) const;
  [[nodiscard]] const TicketTemplate* ticket_template(std::string_view template_id) const;
};

}  // namespace ticketd
