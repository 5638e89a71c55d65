#include "projections/ticket_queries.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <map>
#include <variant>

#include "domain/access.h"
#include "domain/ticket_vocabulary.h"
#include "projections/tickets_projection.h"

namespace ticketd {
namespace {

using Param = std::variant<std::int64_t, std::string>;

// SQL text and its parameters, built together so every value is bound, never spliced.
struct Query {
  std::string sql;
  std::vector<Param> params;

  Query& add(std::string_view text) {
    sql += text;
    return *this;
  }
  Query& add(std::string_view text, Param p) {
    sql += text;
    params.push_back(std::move(p));
    return *this;
  }
  sql::Statement prepare(sql::Database& db) const {
    auto st = db.prepare_cached(sql);
    for (std::size_t i = 0; i < params.size(); ++i) {
      const int index = static_cast<int>(i + 1);
      std::visit([&](const auto& v) { st.bind(index, v); }, params[i]);
    }
    return st;
  }
};

std::unexpected<Error> invalid(std::string field, std::string message) {
  Error e{Errc::validation, "invalid query: " + field + " " + message, {{field, message}}, std::nullopt, {}, {}};
  return std::unexpected(std::move(e));
}

std::unexpected<Error> not_found() { return make_error(Errc::not_found, "ticket not found"); }

std::int64_t micros(Timestamp t) { return t.time_since_epoch().count(); }
Timestamp from_micros(std::int64_t v) { return Timestamp{std::chrono::microseconds{v}}; }

// Restricts table alias `t` to the caller's scope.
void add_scope(Query& q, const Principal& who) {
  if (!access::sees_all_tenants(who)) {
    q.add(" AND t.tenant IN (WITH RECURSIVE sub(id) AS (SELECT ?", who.tenant)
        .add(" UNION SELECT tenants.id FROM tenants JOIN sub ON tenants.parent = sub.id) SELECT id FROM sub)");
  }
  if (access::sees_only_own_tickets(who)) q.add(" AND t.requester = ?", who.sub);
}

// Words of `text` as an FTS5 query in which every word must match; customers search
// only the columns they may see.
std::string fts_query(std::string_view text, bool customer) {
  std::string words;
  std::string word;
  auto flush = [&] {
    if (word.empty()) return;
    if (!words.empty()) words += ' ';
    words += '"' + word + '"';
    word.clear();
  };
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || u >= 0x80) {
      word.push_back(c);
    } else {
      flush();
    }
  }
  flush();
  if (words.empty()) return {};
  return customer ? "{subject description public_text} : (" + words + ")" : words;
}

constexpr const char* kRowColumns =
    "t.id, t.number, t.tenant, t.subject, t.type, t.category, t.priority, t.status, t.queue, t.requester,"
    " t.assignee, t.created_at, t.updated_at, t.version, t.comment_count, t.public_comment_count,"
    " t.attachment_count, t.public_attachment_count, t.fr_due, t.res_due, t.first_response_at, t.sla_due,"
    " t.sla_at_risk, t.fr_breached, t.res_breached, t.seq";
constexpr int kSeqColumn = 25;

const char* priority_name(std::int64_t rank) {
  static constexpr const char* kNames[] = {"low", "medium", "high", "urgent"};
  return rank >= 0 && rank < 4 ? kNames[rank] : "medium";
}

TicketRow read_row(const sql::Statement& s, const Principal& who, Timestamp now) {
  TicketRow r;
  r.id = s.text(0);
  r.number = s.text(1);
  r.tenant = s.text(2);
  r.subject = s.text(3);
  r.type = s.text(4);
  r.category = s.text(5);
  r.priority = priority_name(s.int64(6));
  r.status = s.text(7);
  r.queue = s.text(8);
  r.requester = s.text(9);
  r.assignee = s.opt_text(10);
  r.created_at = from_micros(s.int64(11));
  r.updated_at = from_micros(s.int64(12));
  r.version = static_cast<std::uint64_t>(s.int64(13));
  r.comment_count = access::sees_internal(who) ? s.int64(14) : s.int64(15);
  r.attachment_count = access::sees_internal(who) ? s.int64(16) : s.int64(17);
  if (auto v = s.opt_int64(18)) r.sla.first_response_due = from_micros(*v);
  if (auto v = s.opt_int64(19)) r.sla.resolution_due = from_micros(*v);
  if (auto v = s.opt_int64(20)) r.sla.first_response_at = from_micros(*v);
  const std::int64_t due = s.int64(21);
  const std::int64_t at_risk = s.int64(22);
  r.sla.breached = s.int64(23) != 0 || s.int64(24) != 0 || (due != kNoSlaDue && due < micros(now));
  r.sla.at_risk = !r.sla.breached && at_risk != kNoSlaDue && at_risk <= micros(now);
  return r;
}

struct SortSpec {
  const char* name;
  const char* column;
  bool descending;
};

constexpr SortSpec kSorts[] = {
    // Creation order is log order: seq is assigned as ticket.created events are projected.
    {"created", "t.seq", false},        {"-created", "t.seq", true},      {"updated", "t.updated_at", false},
    {"-updated", "t.updated_at", true}, {"priority", "t.urgency", false}, {"due", "t.sla_due", false},
};

// Cursor: "<sort>.<key>.<seq>"; opaque to clients.
bool parse_cursor(std::string_view cursor, std::string_view sort, std::int64_t& key, std::int64_t& seq) {
  if (!cursor.starts_with(sort) || cursor.size() <= sort.size() || cursor[sort.size()] != '.') return false;
  cursor.remove_prefix(sort.size() + 1);
  const auto dot = cursor.find('.');
  if (dot == std::string_view::npos) return false;
  auto a = std::from_chars(cursor.data(), cursor.data() + dot, key);
  auto b = std::from_chars(cursor.data() + dot + 1, cursor.data() + cursor.size(), seq);
  return a.ec == std::errc() && a.ptr == cursor.data() + dot && b.ec == std::errc() &&
         b.ptr == cursor.data() + cursor.size();
}

Result<TicketPage> run_page(sql::Database& db, Query q, const Principal& who, Timestamp now, int limit,
                            const char* sort_name, int key_column) {
  q.add(" LIMIT ?", static_cast<std::int64_t>(limit + 1));
  TicketPage page;
  try {
    auto st = q.prepare(db);
    std::int64_t last_key = 0, last_seq = 0;
    while (st.step()) {
      if (static_cast<int>(page.items.size()) == limit) {
        page.next_cursor = fmt::format("{}.{}.{}", sort_name, last_key, last_seq);
        break;
      }
      page.items.push_back(read_row(st, who, now));
      last_key = st.int64(key_column);
      last_seq = st.int64(kSeqColumn);
    }
  } catch (const sql::SqliteError& e) {
    return make_error(Errc::internal, std::string("read model query failed: ") + e.what());
  }
  return page;
}

bool valid_limit(int limit) { return limit >= 1 && limit <= kMaxPageSize; }

}  // namespace

TicketQueries::TicketQueries(const std::string& db_path) : db_(db_path, true) {}

Result<TicketPage> TicketQueries::list(const Principal& who, const TicketFilter& f, Timestamp now) {
  if (!valid_limit(f.limit)) return invalid("limit", "must be 1-200");
  const SortSpec* sort = nullptr;
  for (const auto& s : kSorts) {
    if (f.sort == s.name) sort = &s;
  }
  if (!sort) return invalid("sort", "must be one of created, -created, updated, -updated, priority, due");

  // With a search in creation order, walk the full-text matches in rowid (= seq) order
  // and stop at the page end; otherwise filter the tickets table through its indexes.
  const bool search_in_created_order = !f.q.empty() && std::string_view(sort->column) == "t.seq";
  Query q;
  if (search_in_created_order) {
    const std::string match = fts_query(f.q, !access::sees_internal(who));
    if (match.empty()) return invalid("q", "has no words to search for");
    q.add(fmt::format("SELECT {}, {} FROM tickets_fts f JOIN tickets t ON t.seq = f.rowid WHERE tickets_fts MATCH ?",
                      kRowColumns, sort->column),
          match);
  } else {
    q.add(fmt::format("SELECT {}, {} FROM tickets t WHERE 1=1", kRowColumns, sort->column));
  }
  add_scope(q, who);
  if (!f.status.empty()) {
    q.add(" AND t.status IN (");
    for (std::size_t i = 0; i < f.status.size(); ++i) {
      if (!parse_status(f.status[i])) return invalid("status", "unknown status " + f.status[i]);
      q.add(i ? ",?" : "?", f.status[i]);
    }
    q.add(")");
  }
  if (f.priority) {
    auto p = parse_priority(*f.priority);
    if (!p) return invalid("priority", "unknown priority");
    q.add(" AND t.priority = ?", static_cast<std::int64_t>(priority_rank(*p)));
  }
  if (f.type) {
    if (!parse_ticket_type(*f.type)) return invalid("type", "unknown type");
    q.add(" AND t.type = ?", *f.type);
  }
  if (f.category) q.add(" AND t.category = ?", *f.category);
  if (f.queue) q.add(" AND t.queue = ?", *f.queue);
  if (f.assignee) {
    if (*f.assignee == "none") {
      q.add(" AND t.assignee IS NULL");
    } else {
      q.add(" AND t.assignee = ?", *f.assignee == "me" ? who.sub : *f.assignee);
    }
  }
  if (f.requester) q.add(" AND t.requester = ?", *f.requester);
  if (f.tag) q.add(" AND t.seq IN (SELECT seq FROM ticket_tags WHERE tag = ?)", *f.tag);
  if (f.sla) {
    if (*f.sla == "breached") {
      q.add(" AND (t.fr_breached = 1 OR t.res_breached = 1 OR t.sla_due < ?)", micros(now));
    } else if (*f.sla == "at_risk") {
      q.add(" AND t.fr_breached = 0 AND t.res_breached = 0 AND t.sla_due >= ?", micros(now))
          .add(" AND t.sla_at_risk <= ?", micros(now));
    } else {
      return invalid("sla", "must be at_risk or breached");
    }
  }
  if (f.created_after) q.add(" AND t.created_at > ?", micros(*f.created_after));
  if (f.created_before) q.add(" AND t.created_at < ?", micros(*f.created_before));
  if (!f.q.empty() && !search_in_created_order) {
    const std::string match = fts_query(f.q, !access::sees_internal(who));
    if (match.empty()) return invalid("q", "has no words to search for");
    q.add(" AND t.seq IN (SELECT rowid FROM tickets_fts WHERE tickets_fts MATCH ?)", match);
  }
  if (!f.cursor.empty()) {
    std::int64_t key = 0, seq = 0;
    if (!parse_cursor(f.cursor, sort->name, key, seq)) return invalid("cursor", "is not a cursor of this sort");
    if (search_in_created_order) {
      q.add(sort->descending ? " AND f.rowid < ?" : " AND f.rowid > ?", seq);
    } else {
      q.add(fmt::format(" AND ({}, t.seq) {} (?, ", sort->column, sort->descending ? "<" : ">"), key).add("?)", seq);
    }
  }
  const char* dir = sort->descending ? " DESC" : "";
  if (search_in_created_order) {
    q.add(fmt::format(" ORDER BY f.rowid{}", dir));
  } else {
    q.add(fmt::format(" ORDER BY {}{}, t.seq{}", sort->column, dir, dir));
  }
  return run_page(db_, std::move(q), who, now, f.limit, sort->name, kSeqColumn + 1);
}

Result<TicketPage> TicketQueries::queue(const Principal& who, const std::optional<std::string>& queue,
                                        const std::optional<std::string>& assignee, int limit,
                                        const std::string& cursor, Timestamp now) {
  if (!valid_limit(limit)) return invalid("limit", "must be 1-200");
  Query q;
  // The cursor names the last row's seq; the next page starts after that row's
  // (sla_due, urgency, created_at, seq).
  q.add(fmt::format("SELECT {}, t.seq FROM tickets t INDEXED BY tickets_work WHERE t.active = 1", kRowColumns));
  add_scope(q, who);
  if (queue) q.add(" AND t.queue = ?", *queue);
  if (assignee) {
    if (*assignee == "none") {
      q.add(" AND t.assignee IS NULL");
    } else {
      q.add(" AND t.assignee = ?", *assignee == "me" ? who.sub : *assignee);
    }
  }
  if (!cursor.empty()) {
    std::int64_t key = 0, seq = 0;
    if (!parse_cursor(cursor, "queue", key, seq) || key != seq) return invalid("cursor", "is not a queue cursor");
    q.add(
        " AND (t.sla_due, t.urgency, t.created_at, t.seq) > (SELECT sla_due, urgency, created_at, seq FROM tickets"
        " WHERE seq = ?)",
        seq);
  }
  q.add(" ORDER BY t.sla_due, t.urgency, t.created_at, t.seq");
  return run_page(db_, std::move(q), who, now, limit, "queue", kSeqColumn + 1);
}

Result<TicketRow> TicketQueries::get(const Principal& who, const std::string& id_or_number, Timestamp now) {
  Query q;
  q.add(fmt::format("SELECT {} FROM tickets t WHERE (t.id = ?", kRowColumns), id_or_number)
      .add(" OR t.number = ?)", id_or_number);
  add_scope(q, who);
  try {
    auto st = q.prepare(db_);
    if (!st.step()) return not_found();
    return read_row(st, who, now);
  } catch (const sql::SqliteError& e) {
    return make_error(Errc::internal, std::string("read model query failed: ") + e.what());
  }
}

Result<std::vector<WorkloadRow>> TicketQueries::workload(const Principal& who) {
  Query q;
  q.add("SELECT t.assignee, COUNT(*) FROM tickets t WHERE t.active = 1 AND t.assignee IS NOT NULL");
  add_scope(q, who);
  q.add(" GROUP BY t.assignee ORDER BY COUNT(*) DESC, t.assignee");
  std::vector<WorkloadRow> out;
  try {
    auto st = q.prepare(db_);
    while (st.step()) out.push_back(WorkloadRow{st.text(0), st.int64(1)});
  } catch (const sql::SqliteError& e) {
    return make_error(Errc::internal, std::string("read model query failed: ") + e.what());
  }
  return out;
}

namespace {

// Restricts column `column` (a tenant id) to the caller's scope.
void add_tenant_scope(Query& q, const Principal& who, std::string_view column) {
  if (access::sees_all_tenants(who)) return;
  q.add(fmt::format(" AND {} IN (WITH RECURSIVE sub(id) AS (SELECT ?", column), who.tenant)
      .add(" UNION SELECT tenants.id FROM tenants JOIN sub ON tenants.parent = sub.id) SELECT id FROM sub)");
}

}  // namespace

Result<std::vector<TenantRow>> TicketQueries::tenants(const Principal& who) {
  Query q;
  q.add("SELECT id, parent, name, config FROM tenants WHERE 1=1");
  add_tenant_scope(q, who, "id");
  q.add(" ORDER BY id");
  std::vector<TenantRow> out;
  try {
    auto st = q.prepare(db_);
    while (st.step()) out.push_back(TenantRow{st.text(0), st.text(1), st.text(2), st.text(3)});
  } catch (const sql::SqliteError& e) {
    return make_error(Errc::internal, std::string("read model query failed: ") + e.what());
  }
  return out;
}

Result<std::vector<UserRow>> TicketQueries::users(const Principal& who, int limit, const std::string& after_sub) {
  Query q;
  q.add("SELECT sub, tenant, role, name, email, queues, available FROM users WHERE sub > ?", after_sub);
  add_tenant_scope(q, who, "tenant");
  q.add(" ORDER BY sub LIMIT ?", static_cast<std::int64_t>(limit));
  std::vector<UserRow> out;
  try {
    auto st = q.prepare(db_);
    while (st.step()) {
      out.push_back(UserRow{st.text(0), st.text(1), st.text(2), st.text(3), st.text(4), st.text(5), st.int64(6) != 0});
    }
  } catch (const sql::SqliteError& e) {
    return make_error(Errc::internal, std::string("read model query failed: ") + e.what());
  }
  return out;
}

Result<std::vector<std::string>> TicketQueries::tickets_of_person(const Principal& who, const std::string& sub,
                                                                  int limit) {
  Query q;
  q.add("SELECT t.id FROM tickets t WHERE (t.requester = ?", sub)
      .add(" OR t.seq IN (SELECT seq FROM ticket_people WHERE sub = ?))", sub);
  add_scope(q, who);
  q.add(" ORDER BY t.seq LIMIT ?", static_cast<std::int64_t>(limit));
  std::vector<std::string> out;
  try {
    auto st = q.prepare(db_);
    while (st.step()) out.push_back(st.text(0));
  } catch (const sql::SqliteError& e) {
    return make_error(Errc::internal, std::string("read model query failed: ") + e.what());
  }
  return out;
}

Result<Stats> TicketQueries::stats(const Principal& who, Timestamp now) {
  Stats s;
  try {
    auto grouped = [&](const char* column, std::vector<std::pair<std::string, std::int64_t>>& out) {
      Query q;
      q.add(fmt::format("SELECT {}, COUNT(*) FROM tickets t WHERE 1=1", column));
      add_scope(q, who);
      q.add(fmt::format(" GROUP BY {} ORDER BY {}", column, column));
      auto st = q.prepare(db_);
      while (st.step()) {
        out.emplace_back(std::string(column) == "t.priority" ? priority_name(st.int64(0)) : st.text(0), st.int64(1));
      }
    };
    grouped("t.status", s.by_status);
    grouped("t.priority", s.by_priority);
    grouped("t.queue", s.by_queue);
    Query q;
    q.add(
        "SELECT COALESCE(SUM(t.assignee IS NULL), 0), COALESCE(SUM(t.fr_breached = 1 OR t.res_breached = 1 OR"
        " t.sla_due < ?), 0) FROM tickets t WHERE t.active = 1",
        micros(now));
    add_scope(q, who);
    auto st = q.prepare(db_);
    if (st.step()) {
      s.unassigned = st.int64(0);
      s.breached = st.int64(1);
    }
  } catch (const sql::SqliteError& e) {
    return make_error(Errc::internal, std::string("read model query failed: ") + e.what());
  }
  return s;
}

DurationStats duration_stats(std::vector<double> v) {
  DurationStats d;
  d.count = static_cast<std::int64_t>(v.size());
  if (v.empty()) return d;
  std::sort(v.begin(), v.end());
  double sum = 0;
  for (double x : v) sum += x;
  d.mean_seconds = sum / static_cast<double>(v.size());
  const std::size_t n = v.size();
  d.median_seconds = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  const std::size_t rank = static_cast<std::size_t>(std::ceil(0.9 * static_cast<double>(n)));
  d.p90_seconds = v[std::max<std::size_t>(rank, 1) - 1];
  return d;
}

Result<std::vector<ReportRow>> TicketQueries::report(const Principal& who, Timestamp from, Timestamp to,
                                                     const std::string& group_by) {
  static const std::map<std::string, std::string> kGroups{
      {"category", "t.category"},
      {"priority", "t.priority"},
      {"queue", "t.queue"},
      {"agent", "COALESCE(t.assignee, '')"},
      {"day", "strftime('%Y-%m-%d', t.created_at / 1000000, 'unixepoch')"},
  };
  auto group = kGroups.find(group_by);
  if (group == kGroups.end()) return invalid("group_by", "must be category, priority, queue, agent or day");
  if (to <= from) return invalid("to", "must be after from");
  struct Acc {
    std::int64_t volume = 0;
    std::vector<double> first_response, resolution;
    std::int64_t fr_ended = 0, fr_met = 0, res_ended = 0, res_met = 0;
    std::vector<double> ratings;
  };
  std::map<std::string, Acc> groups;
  Query q;
  q.add(fmt::format("SELECT {}, t.created_at, t.first_response_at, t.resolved_at, t.fr_breached, t.res_breached,"
                    " t.feedback_rating FROM tickets t WHERE t.created_at >= ?",
                    group->second),
        micros(from))
      .add(" AND t.created_at < ?", micros(to));
  add_scope(q, who);
  try {
    auto st = q.prepare(db_);
    while (st.step()) {
      Acc& a = groups[group_by == "priority" ? priority_name(st.int64(0)) : st.text(0)];
      ++a.volume;
      const double created = static_cast<double>(st.int64(1));
      const bool fr_breached = st.int64(4) != 0;
      const bool res_breached = st.int64(5) != 0;
      if (auto fr = st.opt_int64(2)) a.first_response.push_back((static_cast<double>(*fr) - created) / 1e6);
      if (auto res = st.opt_int64(3)) a.resolution.push_back((static_cast<double>(*res) - created) / 1e6);
      // Compliance counts tickets whose metric has an outcome: met, or breached.
      if (!st.is_null(2) || fr_breached) {
        ++a.fr_ended;
        if (!fr_breached) ++a.fr_met;
      }
      if (!st.is_null(3) || res_breached) {
        ++a.res_ended;
        if (!res_breached) ++a.res_met;
      }
      if (auto r = st.opt_int64(6)) a.ratings.push_back(static_cast<double>(*r));
    }
  } catch (const sql::SqliteError& e) {
    return make_error(Errc::internal, std::string("read model query failed: ") + e.what());
  }
  std::vector<ReportRow> out;
  for (auto& [key, a] : groups) {
    ReportRow r;
    r.group = key;
    r.volume = a.volume;
    r.first_response = duration_stats(std::move(a.first_response));
    r.resolution = duration_stats(std::move(a.resolution));
    if (a.fr_ended) r.first_response_compliance = static_cast<double>(a.fr_met) / static_cast<double>(a.fr_ended);
    if (a.res_ended) r.resolution_compliance = static_cast<double>(a.res_met) / static_cast<double>(a.res_ended);
    r.csat_responses = static_cast<std::int64_t>(a.ratings.size());
    if (!a.ratings.empty()) {
      double sum = 0;
      std::int64_t satisfied = 0;
      for (double x : a.ratings) {
        sum += x;
        satisfied += x >= 4;
      }
      r.csat_average = sum / static_cast<double>(a.ratings.size());
      r.csat_satisfied = static_cast<double>(satisfied) / static_cast<double>(a.ratings.size());
    }
    out.push_back(std::move(r));
  }
  return out;
}

std::string report_csv(const std::vector<ReportRow>& rows) {
  auto cell = [](std::string s) {
    // A text cell a spreadsheet would run as a formula gets a leading apostrophe.
    if (!s.empty() && std::string_view("=+-@\t\r").find(s.front()) != std::string_view::npos) s.insert(0, 1, '\'');
    if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
    std::string quoted = "\"";
    for (char c : s) {
      if (c == '"') quoted += '"';
      quoted += c;
    }
    return quoted + '"';
  };
  auto num = [](const std::optional<double>& v) { return v ? fmt::format("{:.3f}", *v) : std::string(); };
  std::string out =
      "group,volume,first_response_count,first_response_mean_s,first_response_median_s,first_response_p90_s,"
      "resolution_count,resolution_mean_s,resolution_median_s,resolution_p90_s,first_response_compliance,"
      "resolution_compliance,csat_responses,csat_average,csat_satisfied\r\n";
  for (const auto& r : rows) {
    out +=
        fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\r\n", cell(r.group), r.volume, r.first_response.count,
                    num(r.first_response.mean_seconds), num(r.first_response.median_seconds),
                    num(r.first_response.p90_seconds), r.resolution.count, num(r.resolution.mean_seconds),
                    num(r.resolution.median_seconds), num(r.resolution.p90_seconds), num(r.first_response_compliance),
                    num(r.resolution_compliance), r.csat_responses, num(r.csat_average), num(r.csat_satisfied));
  }
  return out;
}

}  // namespace ticketd
