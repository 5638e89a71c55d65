#include "projections/tickets_projection.h"

#include <algorithm>
#include <limits>

#include "base/json_writer.h"
#include "domain/sla.h"
#include "domain/ticket_workflow.h"
#include "events/erasure_codec.h"
#include "events/tenant_config_codec.h"
#include "events/ticket_event_codec.h"
#include "events/ticket_snapshot_codec.h"
#include "events/user_record_codec.h"

namespace ticketd {

int priority_rank(Priority p) {
  switch (p) {
    case Priority::low:
      return 0;
    case Priority::medium:
      return 1;
    case Priority::high:
      return 2;
    case Priority::urgent:
      return 3;
  }
  return 1;
}

namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS tickets (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  number TEXT NOT NULL,
  tenant TEXT NOT NULL,
  subject TEXT NOT NULL,
  type TEXT NOT NULL,
  category TEXT NOT NULL,
  priority INTEGER NOT NULL,
  urgency INTEGER NOT NULL,
  status TEXT NOT NULL,
  active INTEGER NOT NULL,
  queue TEXT NOT NULL,
  requester TEXT NOT NULL,
  assignee TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  resolved_at INTEGER,
  closed_at INTEGER,
  version INTEGER NOT NULL,
  first_response_at INTEGER,
  fr_due INTEGER,
  fr_at_risk INTEGER,
  fr_breached INTEGER NOT NULL,
  res_due INTEGER,
  res_at_risk INTEGER,
  res_breached INTEGER NOT NULL,
  sla_due INTEGER NOT NULL,
  sla_at_risk INTEGER NOT NULL,
  feedback_rating INTEGER,
  comment_count INTEGER NOT NULL,
  public_comment_count INTEGER NOT NULL,
  attachment_count INTEGER NOT NULL,
  public_attachment_count INTEGER NOT NULL,
  state TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS tickets_tenant_seq ON tickets(tenant, seq);
CREATE INDEX IF NOT EXISTS tickets_tenant_queue ON tickets(tenant, queue, seq);
CREATE INDEX IF NOT EXISTS tickets_tenant_updated ON tickets(tenant, updated_at, seq);
CREATE INDEX IF NOT EXISTS tickets_tenant_status ON tickets(tenant, status, seq);
CREATE INDEX IF NOT EXISTS tickets_tenant_urgency ON tickets(tenant, urgency, seq);
CREATE INDEX IF NOT EXISTS tickets_requester ON tickets(requester, seq);
CREATE INDEX IF NOT EXISTS tickets_assignee ON tickets(assignee, active);
CREATE INDEX IF NOT EXISTS tickets_work ON tickets(tenant, sla_due, urgency, created_at, seq) WHERE active = 1;
CREATE INDEX IF NOT EXISTS tickets_number ON tickets(number);
CREATE TABLE IF NOT EXISTS ticket_tags (
  tag TEXT NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (tag, seq)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS ticket_tags_seq ON ticket_tags(seq);
CREATE VIRTUAL TABLE IF NOT EXISTS tickets_fts USING fts5(subject, description, public_text, internal_text);
CREATE TABLE IF NOT EXISTS tenants (
  id TEXT PRIMARY KEY, parent TEXT NOT NULL, name TEXT NOT NULL, config TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS tenants_parent ON tenants(parent);
CREATE TABLE IF NOT EXISTS ticket_people (
  sub TEXT NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (sub, seq)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS attachment_uploads (
  uploader TEXT NOT NULL, sha256 TEXT NOT NULL, PRIMARY KEY (uploader, sha256)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS attachment_uploads_sha ON attachment_uploads(sha256, uploader);
CREATE TABLE IF NOT EXISTS users (
  sub TEXT PRIMARY KEY, tenant TEXT NOT NULL, role TEXT NOT NULL, name TEXT NOT NULL, email TEXT NOT NULL,
  queues TEXT NOT NULL, available INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS users_tenant ON users(tenant, sub);
)sql";

std::int64_t micros(Timestamp t) { return t.time_since_epoch().count(); }
std::optional<std::int64_t> micros(const std::optional<Timestamp>& t) {
  if (!t) return std::nullopt;
  return micros(*t);
}

}  // namespace

struct TicketsProjection::Statements {
  explicit Statements(sql::Database& db)
      : find(db.prepare("SELECT seq, state, comment_count, public_comment_count, attachment_count, "
                        "public_attachment_count FROM tickets WHERE id = ?")),
        upsert(db.prepare(
            "INSERT INTO tickets(seq, id, number, tenant, subject, type, category, priority, urgency, status, active,"
            " queue, requester, assignee, created_at, updated_at, resolved_at, closed_at, version, first_response_at,"
            " fr_due, fr_at_risk, fr_breached, res_due, res_at_risk, res_breached, sla_due, feedback_rating,"
            " comment_count, public_comment_count, attachment_count, public_attachment_count, state, sla_at_risk)"
            " VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?20,?21,?22,?23,?24,?25,?26,"
            "?27,?28,?29,?30,?31,?32,?33,?34)"
            " ON CONFLICT(seq) DO UPDATE SET subject=?5, type=?6, category=?7, priority=?8, urgency=?9,"
            " status=?10, active=?11, queue=?12, assignee=?14, updated_at=?16, resolved_at=?17, closed_at=?18,"
            " version=?19, first_response_at=?20, fr_due=?21, fr_at_risk=?22, fr_breached=?23, res_due=?24,"
            " res_at_risk=?25, res_breached=?26, sla_due=?27, feedback_rating=?28, comment_count=?29,"
            " public_comment_count=?30, attachment_count=?31, public_attachment_count=?32, state=?33,"
            " sla_at_risk=?34")),
        delete_tags(db.prepare("DELETE FROM ticket_tags WHERE seq = ?")),
        insert_tag(db.prepare("INSERT OR IGNORE INTO ticket_tags(tag, seq) VALUES(?, ?)")),
        fts_insert(db.prepare(
            "INSERT INTO tickets_fts(rowid, subject, description, public_text, internal_text) VALUES(?, ?, ?, ?, ?)")),
        fts_update(db.prepare("UPDATE tickets_fts SET subject = ?, description = ?, public_text = public_text || ?,"
                              " internal_text = internal_text || ? WHERE rowid = ?")),
        insert_person(db.prepare("INSERT OR IGNORE INTO ticket_people(sub, seq) VALUES(?, ?)")),
        insert_upload(db.prepare("INSERT OR IGNORE INTO attachment_uploads(uploader, sha256) VALUES(?, ?)")),
        upsert_tenant(
            db.prepare("INSERT INTO tenants(id, parent, name, config) VALUES(?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET"
                       " parent = excluded.parent, name = excluded.name, config = excluded.config")),
        upsert_user(db.prepare(
            "INSERT INTO users(sub, tenant, role, name, email, queues, available) VALUES(?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT(sub) DO UPDATE SET tenant = excluded.tenant, role = excluded.role, name = excluded.name,"
            " email = excluded.email, queues = excluded.queues, available = excluded.available")) {}

  sql::Statement find, upsert, delete_tags, insert_tag, fts_insert, fts_update, insert_person, insert_upload,
      upsert_tenant, upsert_user;
};

TicketsProjection::TicketsProjection(FieldCipher& cipher, const EventStore& log) : cipher_(cipher), log_(log) {}
TicketsProjection::~TicketsProjection() = default;

void TicketsProjection::create_schema(sql::Database& db) { db.exec(kSchema); }

void TicketsProjection::drop(sql::Database& db) {
  st_.reset();
  tenants_.clear();
  dirty_.clear();
  db.exec(
      "DROP TABLE IF EXISTS tickets; DROP TABLE IF EXISTS ticket_tags; DROP TABLE IF EXISTS tickets_fts;"
      " DROP TABLE IF EXISTS tenants;"
      " DROP TABLE IF EXISTS users; DROP TABLE IF EXISTS ticket_people; DROP TABLE IF EXISTS attachment_uploads;"
      // Schema version 1 had these; nothing read them. An outdated read model comes here
      // (ProjectionRunner::rebuild_if_outdated), so they go with it.
      " DROP TABLE IF EXISTS comments; DROP TABLE IF EXISTS attachments;");
}

void TicketsProjection::open(sql::Database& db) {
  db_ = &db;
  // Freed pages are zeroed, so rows rewritten after an erasure leave no plaintext behind.
  db.exec("PRAGMA secure_delete=ON");
  st_ = std::make_unique<Statements>(db);
  discard();
  tenants_.clear();
  auto q = db.prepare("SELECT id, config FROM tenants");
  while (q.step()) {
    auto config = decode_tenant_config(q.text(0), q.text(1));
    if (config) tenants_[q.text(0)] = std::make_shared<const TenantConfig>(std::move(*config));
  }
}

std::shared_ptr<const TenantConfig> TicketsProjection::config_of(const std::string& tenant) {
  auto it = tenants_.find(tenant);
  if (it != tenants_.end()) return it->second;
  auto defaults = std::make_shared<TenantConfig>();
  defaults->id = tenant;
  return tenants_.emplace(tenant, std::move(defaults)).first->second;
}

void TicketsProjection::apply(const EventRecord& record) {
  if (record.type == kTenantConfigured) {
    apply_tenant(record);
  } else if (record.type == kUserRecorded) {
    apply_user(record);
  } else if (record.type.starts_with("ticket.")) {
    apply_ticket(record);
  } else if (record.type == kPrivacyErased) {
    apply_erasure(record);
  }
}

void TicketsProjection::apply_erasure(const EventRecord& record) {
  auto erasure = decode_erasure(record.data);
  if (!erasure) throw sql::SqliteError("erasure at position " + std::to_string(record.position) + " is unreadable");
  flush();  // this batch's rows first: they are read back below
  const std::string& sub = erasure->subject;
  const std::string erased(FieldCipher::kErased);
  auto user = db_->prepare(
      "UPDATE users SET name = CASE name WHEN '' THEN '' ELSE ?2 END, email = CASE email WHEN '' THEN '' ELSE ?2 END"
      " WHERE sub = ?1");
  user.bind(1, sub).bind(2, erased);
  user.run();
  auto affected = db_->prepare(
      "SELECT seq, id, version FROM tickets WHERE requester = ?1 UNION"
      " SELECT t.seq, t.id, t.version FROM ticket_people p JOIN tickets t ON t.seq = p.seq WHERE p.sub = ?1");
  affected.bind(1, sub);
  std::vector<std::tuple<std::int64_t, std::string, std::uint64_t>> tickets;
  while (affected.step()) {
    tickets.emplace_back(affected.int64(0), affected.text(1), static_cast<std::uint64_t>(affected.int64(2)));
  }
  for (const auto& [seq, id, version] : tickets) rewrite_from_log(seq, id, version);
  // Merge the search index's segments, so that the deleted entries' text leaves it.
  db_->exec("INSERT INTO tickets_fts(tickets_fts) VALUES('optimize')");
  erased_in_batch_ = true;
}

void TicketsProjection::rewrite_from_log(std::int64_t seq, const std::string& id, std::uint64_t version) {
  constexpr std::size_t kPage = 1024;
  Ticket t;
  while (t.version < version) {
    auto page = log_.read_stream(id, t.version + 1, kPage);
    if (!page) throw sql::SqliteError("ticket " + id + ": " + page.error().message);
    if (page->empty()) throw sql::SqliteError("ticket " + id + " is shorter than its row");
    for (const auto& r : *page) {
      if (r.version > version) break;
      auto event = decode_ticket_event(r.type, r.data, cipher_);
      if (!event) throw sql::SqliteError("ticket " + id + ": " + event.error().message);
      t = ticketd::apply(std::move(t), *event, r.time);
    }
  }
  std::string public_text, internal_text;
  for (const auto& c : t.comments) {
    std::string& text = c.visibility == Visibility::public_ ? public_text : internal_text;
    text += ' ';
    text += c.body;
  }
  t.comments.clear();
  auto state = encode_ticket_snapshot(t, cipher_, Sealing::in_clear);
  if (!state) throw sql::SqliteError("ticket " + id + ": " + state.error().message);
  auto row = db_->prepare("UPDATE tickets SET subject = ?, state = ? WHERE seq = ?");
  row.bind(1, t.subject).bind(2, *state).bind(3, seq);
  row.run();
  auto gone = db_->prepare("DELETE FROM tickets_fts WHERE rowid = ?");
  gone.bind(1, seq);
  gone.run();
  Statements& st = *st_;
  st.fts_insert.bind(1, seq).bind(2, t.subject).bind(3, t.description).bind(4, public_text).bind(5, internal_text);
  st.fts_insert.run();
}

void TicketsProjection::after_commit(sql::Database& db) {
  if (!erased_in_batch_) return;
  erased_in_batch_ = false;
  // The write-ahead log still holds the pages as they were before; move them into the
  // database (zeroed where freed) and truncate it. Readers can hold it back: then the next
  // erasure or SQLite's own checkpoints finish the job (docs/privacy.md).
  db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
}

void TicketsProjection::apply_tenant(const EventRecord& record) {
  const std::string id = record.stream.substr(record.stream.find(':') + 1);
  auto config = decode_tenant_config(id, record.data);
  if (!config) throw sql::SqliteError("tenant " + id + " has an unreadable configuration");
  st_->upsert_tenant.bind(1, id).bind(2, config->parent).bind(3, config->name).bind(4, record.data);
  st_->upsert_tenant.run();
  tenants_[id] = std::make_shared<const TenantConfig>(std::move(*config));
}

void TicketsProjection::apply_user(const EventRecord& record) {
  auto user = decode_user_record(record.data, cipher_);
  if (!user) {
    throw sql::SqliteError("user record at position " + std::to_string(record.position) + ": " + user.error().message);
  }
  JsonWriter queues;  // a JSON array of names
  queues.begin_array();
  for (const auto& q : user->queues) queues.value(q);
  queues.end_array();
  st_->upsert_user.bind(1, user->sub)
      .bind(2, user->tenant)
      .bind(3, role_name(user->role))
      .bind(4, user->name)
      .bind(5, user->email)
      .bind(6, queues.take())
      .bind(7, static_cast<std::int64_t>(user->available));
  st_->upsert_user.run();
}

TicketsProjection::Dirty& TicketsProjection::dirty(const std::string& ticket_id, bool creating) {
  if (auto it = dirty_.find(ticket_id); it != dirty_.end()) return it->second;
  Dirty d;
  if (creating) {
    d.seq = next_seq_++;
    d.is_new = true;
  } else {
    Statements& st = *st_;
    st.find.bind(1, ticket_id);
    if (!st.find.step()) {
      st.find.reset();
      throw sql::SqliteError("event for unknown ticket " + ticket_id);
    }
    d.seq = st.find.int64(0);
    auto state = decode_ticket_snapshot(st.find.text(1), cipher_);
    d.comments = st.find.int64(2);
    d.public_comments = st.find.int64(3);
    d.attachments = st.find.int64(4);
    d.public_attachments = st.find.int64(5);
    st.find.reset();
    if (!state) throw sql::SqliteError("ticket " + ticket_id + " has an unreadable state");
    d.state = std::move(*state);
  }
  return dirty_.emplace(ticket_id, std::move(d)).first->second;
}

void TicketsProjection::apply_ticket(const EventRecord& record) {
  auto event = decode_ticket_event(record.type, record.data, cipher_);
  if (!event) throw sql::SqliteError(event.error().message);
  Statements& st = *st_;
  Dirty& d = dirty(record.stream, std::holds_alternative<TicketCreated>(*event));
  if (d.state.version + 1 != record.version) {
    throw sql::SqliteError("ticket " + record.stream + " event out of order");
  }
  d.state = ticketd::apply(std::move(d.state), *event, record.time);
  d.at = record.time;
  d.config = config_of(d.state.tenant);
  Ticket& t = d.state;

  // Side tables are written as events come; the ticket row and FTS at flush().
  if (std::holds_alternative<TicketCreated>(*event)) {
    for (const auto& tag : t.tags) {
      st.insert_tag.bind(1, tag).bind(2, d.seq);
      st.insert_tag.run();
    }
    d.texts_changed = true;
  } else if (const auto* updated = std::get_if<TicketUpdated>(&*event)) {
    if (updated->tags_after) {
      st.delete_tags.bind(1, d.seq);
      st.delete_tags.run();
      for (const auto& tag : *updated->tags_after) {
        st.insert_tag.bind(1, tag).bind(2, d.seq);
        st.insert_tag.run();
      }
    }
    if (std::any_of(updated->changes.begin(), updated->changes.end(),
                    [](const auto& c) { return c.field == "subject" || c.field == "description"; })) {
      d.texts_changed = true;
    }
  } else if (std::holds_alternative<CommentAdded>(*event)) {
    const Comment& c = t.comments.back();
    st.insert_person.bind(1, c.author).bind(2, d.seq);
    st.insert_person.run();
    const bool is_public = c.visibility == Visibility::public_;
    std::string& text = is_public ? d.public_text : d.internal_text;
    text += ' ';
    text += c.body;
    ++d.comments;
    if (is_public) ++d.public_comments;
  } else if (std::holds_alternative<AttachmentAdded>(*event)) {
    const AttachmentMeta& a = t.attachments.back();
    st.insert_person.bind(1, a.uploader).bind(2, d.seq);
    st.insert_person.run();
    st.insert_upload.bind(1, a.uploader).bind(2, a.sha256);
    st.insert_upload.run();
    ++d.attachments;
  } else if (std::holds_alternative<TicketArchived>(*event)) {
    d.archived = true;
  }
  // What the requester sees (access::may_see_attachment); attachments stay in the row's
  // state because a later public comment can share one.
  d.public_attachments = static_cast<std::int64_t>(t.shared_attachments.size());
  t.comments.clear();  // counted and indexed for search, not kept in the row's state
}

void TicketsProjection::flush() {
  for (auto& [id, d] : dirty_) {
    if (d.archived) {
      delete_row(d);
    } else {
      write_row(d);
    }
  }
  dirty_.clear();
}

void TicketsProjection::discard() {
  dirty_.clear();
  erased_in_batch_ = false;
  auto q = db_->prepare("SELECT COALESCE(MAX(seq), 0) + 1 FROM tickets");
  next_seq_ = q.step() ? q.int64(0) : 1;
}

void TicketsProjection::delete_row(const Dirty& d) {
  if (d.is_new) return;  // created and archived in one batch: never written
  for (const char* sql : {"DELETE FROM tickets WHERE seq = ?", "DELETE FROM ticket_tags WHERE seq = ?",
                          "DELETE FROM tickets_fts WHERE rowid = ?", "DELETE FROM ticket_people WHERE seq = ?"}) {
    auto gone = db_->prepare(sql);
    gone.bind(1, d.seq);
    gone.run();
  }
}

void TicketsProjection::write_row(const Dirty& d) {
  Statements& st = *st_;
  const Ticket& t = d.state;
  if (d.is_new) {
    st.fts_insert.bind(1, d.seq)
        .bind(2, t.subject)
        .bind(3, t.description)
        .bind(4, d.public_text)
        .bind(5, d.internal_text);
    st.fts_insert.run();
  } else if (d.texts_changed || !d.public_text.empty() || !d.internal_text.empty()) {
    st.fts_update.bind(1, t.subject)
        .bind(2, t.description)
        .bind(3, d.public_text)
        .bind(4, d.internal_text)
        .bind(5, d.seq);
    st.fts_update.run();
  }

  // SLA due instants under the tenant's configuration in force at the last event.
  const TenantConfig& config = *d.config;
  const TimeZoneRules* tz = nullptr;
  if (auto zone = zones_.get(config.calendar.time_zone)) tz = *zone;
  UtcRules utc;
  const TimeZoneRules& rules = tz ? *tz : static_cast<const TimeZoneRules&>(utc);
  const auto fr = evaluate_sla(t.first_response, sla_target(config, t.priority, SlaMetric::first_response),
                               config.calendar, rules, d.at);
  const auto res = evaluate_sla(t.resolution_clock, sla_target(config, t.priority, SlaMetric::resolution),
                                config.calendar, rules, d.at);
  // Earliest due and at-risk instants of the clocks still running (the queue's order).
  std::int64_t sla_due = kNoSlaDue;
  std::int64_t sla_at_risk = kNoSlaDue;
  auto consider = [&](const SlaClock& clock, const SlaStatus& status) {
    if (!is_active(t.status) || clock.met_at || !clock.running_since) return;
    if (status.due) sla_due = std::min(sla_due, micros(*status.due));
    if (status.at_risk_from) sla_at_risk = std::min(sla_at_risk, micros(*status.at_risk_from));
  };
  consider(t.first_response, fr);
  consider(t.resolution_clock, res);

  auto state = encode_ticket_snapshot(t, cipher_, Sealing::in_clear);
  if (!state) throw sql::SqliteError("ticket " + t.id + ": " + state.error().message);
  const int rank = priority_rank(t.priority);
  st.upsert.bind(1, d.seq)
      .bind(2, t.id)
      .bind(3, t.number)
      .bind(4, t.tenant)
      .bind(5, t.subject)
      .bind(6, name_of(t.type))
      .bind(7, t.category)
      .bind(8, rank)
      .bind(9, 3 - rank)
      .bind(10, name_of(t.status))
      .bind(11, is_active(t.status) ? 1 : 0)
      .bind(12, t.queue)
      .bind(13, t.requester)
      .bind(14, t.assignee)
      .bind(15, micros(t.created_at))
      .bind(16, micros(t.updated_at))
      .bind(17, micros(t.resolved_at))
      .bind(18, micros(t.closed_at))
      .bind(19, static_cast<std::int64_t>(t.version))
      .bind(20, micros(t.first_response.met_at))
      .bind(21, fr.due ? std::optional<std::int64_t>(micros(*fr.due)) : std::nullopt)
      .bind(22, fr.at_risk_from ? std::optional<std::int64_t>(micros(*fr.at_risk_from)) : std::nullopt)
      .bind(23, t.first_response.breached || fr.breached ? 1 : 0)
      .bind(24, res.due ? std::optional<std::int64_t>(micros(*res.due)) : std::nullopt)
      .bind(25, res.at_risk_from ? std::optional<std::int64_t>(micros(*res.at_risk_from)) : std::nullopt)
      .bind(26, t.resolution_clock.breached || res.breached ? 1 : 0)
      .bind(27, sla_due)
      .bind(28, t.feedback_rating ? std::optional<std::int64_t>(*t.feedback_rating) : std::nullopt)
      .bind(29, d.comments)
      .bind(30, d.public_comments)
      .bind(31, d.attachments)
      .bind(32, d.public_attachments)
      .bind(33, *state)
      .bind(34, sla_at_risk);
  st.upsert.run();
}

}  // namespace ticketd
