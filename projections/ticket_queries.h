// Reads of the "tickets" read model, always within the caller's scope: a principal sees
// its tenant and the tenants below it (global_admin: all); customers only tickets they
// requested, and never internal comments or attachments, in lists, counts or search.
//
// Each TicketQueries owns one read-only SQLite connection: use one per thread.
// Errors: Errc::validation for bad filters, sorts, limits and cursors; Errc::internal
// for database failures.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/timestamp.h"
#include "domain/principal.h"
#include "projections/sqlite.h"

namespace ticketd {

inline constexpr int kDefaultPageSize = 50;
inline constexpr int kMaxPageSize = 200;

struct TicketFilter {
  std::vector<std::string> status;  // any of
  std::optional<std::string> priority, category, queue, type;
  std::optional<std::string> assignee;  // a user id, "me" or "none"
  std::optional<std::string> requester;
  std::optional<std::string> tag;
  std::optional<std::string> sla;  // "at_risk" or "breached"
  std::optional<Timestamp> created_after, created_before;
  std::string q;                  // full text: words, all must match
  std::string sort = "-created";  // created, -created, updated, -updated, priority, due
  int limit = kDefaultPageSize;
  std::string cursor;
};

struct SlaSummary {
  std::optional<Timestamp> first_response_due, resolution_due;
  std::optional<Timestamp> first_response_at;
  bool at_risk = false;
  bool breached = false;
};

struct TicketRow {
  std::string id, number, tenant, subject, type, category, priority, status, queue, requester;
  std::optional<std::string> assignee;
  Timestamp created_at{}, updated_at{};
  std::uint64_t version = 0;
  std::int64_t comment_count = 0;     // visible to the caller
  std::int64_t attachment_count = 0;  // visible to the caller
  SlaSummary sla;
};

struct TicketPage {
  std::vector<TicketRow> items;
  std::string next_cursor;  // empty on the last page
};

struct WorkloadRow {
  std::string assignee;
  std::int64_t active = 0;
};

struct Stats {
  std::vector<std::pair<std::string, std::int64_t>> by_status, by_priority, by_queue;
  std::int64_t unassigned = 0;  // active tickets without an assignee
  std::int64_t breached = 0;    // active tickets past an SLA target
};

struct DurationStats {
  std::int64_t count = 0;
  std::optional<double> mean_seconds, median_seconds, p90_seconds;
};

struct ReportRow {
  std::string group;
  std::int64_t volume = 0;
  DurationStats first_response, resolution;
  std::optional<double> first_response_compliance, resolution_compliance;  // fraction met in time
  std::int64_t csat_responses = 0;
  std::optional<double> csat_average;
  std::optional<double> csat_satisfied;  // fraction of ratings 4 or 5
};

struct TenantRow {
  std::string id, parent, name, config_json;  // config_json: data of tenant.configured
};

struct UserRow {
  std::string sub, tenant, role, name, email;
  std::string queues;  // a JSON array of queue names
  bool available = true;
};

class TicketQueries {
 public:
  explicit TicketQueries(const std::string& db_path);

  [[nodiscard]] Result<TicketPage> list(const Principal& who, const TicketFilter& filter, Timestamp now);
  // Active work ordered by SLA due, then priority, then age.
  [[nodiscard]] Result<TicketPage> queue(const Principal& who, const std::optional<std::string>& queue,
                                         const std::optional<std::string>& assignee, int limit,
                                         const std::string& cursor, Timestamp now);
  [[nodiscard]] Result<TicketRow> get(const Principal& who, const std::string& id_or_number, Timestamp now);
  [[nodiscard]] Result<std::vector<WorkloadRow>> workload(const Principal& who);
  [[nodiscard]] Result<Stats> stats(const Principal& who, Timestamp now);
  // Configured tenants in scope (the caller's tenant and below; global_admin: all), by id.
  [[nodiscard]] Result<std::vector<TenantRow>> tenants(const Principal& who);
  // Known users of tenants in scope, by sub, after `after_sub`, at most `limit`.
  [[nodiscard]] Result<std::vector<UserRow>> users(const Principal& who, int limit, const std::string& after_sub);
  // Ids of the tickets in scope that `sub` requested, commented on or uploaded to, oldest
  // first, at most `limit`.
  [[nodiscard]] Result<std::vector<std::string>> tickets_of_person(const Principal& who, const std::string& sub,
                                                                   int limit);
  // Tickets created in [from, to), grouped by category, priority, queue, agent or day (UTC).
  [[nodiscard]] Result<std::vector<ReportRow>> report(const Principal& who, Timestamp from, Timestamp to,
                                                      const std::string& group_by);

 private:
  sql::Database db_;
};

// The report as CSV (RFC 4180), one row per group, durations in seconds. A group name that
// starts with '=', '+', '-', '@', a tab or a CR (a formula to a spreadsheet) is written with a
// leading apostrophe.
[[nodiscard]] std::string report_csv(const std::vector<ReportRow>& rows);

// Median (mean of the two middle values for an even count) and nearest-rank percentile.
[[nodiscard]] DurationStats duration_stats(std::vector<double> seconds);

}  // namespace ticketd
