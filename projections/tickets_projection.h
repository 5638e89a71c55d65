// The "tickets" projection: every read model of docs/api.md's ticket queries.
//
// Tables (schema: kSchema in tickets_projection.cpp):
//   tickets        one row per ticket: list/queue/report columns, SLA due instants, and
//                  `state`, the aggregate's scalar state (ticket snapshot JSON without
//                  comments and attachments) that domain apply() advances per event
//   ticket_tags    (ticket, tag)
//   tickets_fts    FTS5 over subject, description, public and internal comment text
//   tenants        the tenant tree and each tenant's configuration (as of the event)
//   users          the user directory (sub, tenant, role, name, email, queues, available)
//   ticket_people  (sub, ticket) for every comment author and attachment uploader
//   attachment_uploads (uploader, sha256): whose bytes each stored blob holds
// A `privacy.erased` record rewrites the rows of the subject's tickets from the log (where
// the subject's fields now read "[erased]"), replaces their search entries, merges the
// search index and truncates SQLite's write-ahead log after the commit; the writer runs
// with secure_delete, so freed pages hold no plaintext.
// A `ticket.archived` event (retention) deletes the ticket's rows from tickets,
// ticket_tags, tickets_fts and ticket_people: lists, queues, search and reports no longer
// count it, while the log (history, GET of the ticket, auditors) keeps it.
// SLA due instants use the tenant configuration in force when the event was applied,
// so a rebuild reproduces them exactly.
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "domain/tenant_config.h"
#include "domain/ticket.h"
#include "events/field_cipher.h"
#include "events/time_zones.h"
#include "eventstore/event_store.h"
#include "projections/projection.h"

namespace ticketd {

class TicketsProjection final : public Projection {
 public:
  static constexpr std::string_view kName = "tickets";
  // 2: no comments/attachments tables; `state` in snapshot format 2.
  // 4: `state` in snapshot format 4; ticket_people, attachment_uploads; erasure.
  static constexpr int kSchemaVersion = 5;

  // `log` is read to re-index the tickets of an erased data subject (privacy.erased).
  TicketsProjection(FieldCipher& cipher, const EventStore& log);
  ~TicketsProjection() override;

  [[nodiscard]] std::string_view name() const override { return kName; }
  [[nodiscard]] int schema_version() const override { return kSchemaVersion; }
  void create_schema(sql::Database& db) override;
  void drop(sql::Database& db) override;
  void open(sql::Database& db) override;
  void apply(const EventRecord& record) override;
  void flush() override;
  void after_commit(sql::Database& db) override;
  void discard() override;

 private:
  struct Statements;
  // A ticket changed in the current batch: its row is written once, at flush().
  struct Dirty {
    std::int64_t seq = 0;
    bool is_new = false;
    Ticket state;  // without comments and attachments
    std::int64_t comments = 0, public_comments = 0, attachments = 0, public_attachments = 0;
    bool texts_changed = false;                  // subject or description
    bool archived = false;                       // the row leaves the read models at flush()
    std::string public_text, internal_text;      // comment text added in this batch
    Timestamp at{};                              // time of the last event applied
    std::shared_ptr<const TenantConfig> config;  // the tenant's configuration at that event
  };
  void apply_tenant(const EventRecord& record);
  void apply_user(const EventRecord& record);
  void apply_ticket(const EventRecord& record);
  void apply_erasure(const EventRecord& record);
  // Rewrites ticket `id` (row `seq`, at `version`) from the log: subject, state, search.
  void rewrite_from_log(std::int64_t seq, const std::string& id, std::uint64_t version);
  Dirty& dirty(const std::string& ticket_id, bool creating);
  void write_row(const Dirty& d);
  void delete_row(const Dirty& d);
  [[nodiscard]] std::shared_ptr<const TenantConfig> config_of(const std::string& tenant);

  FieldCipher& cipher_;
  const EventStore& log_;
  sql::Database* db_ = nullptr;
  std::unique_ptr<Statements> st_;
  std::unordered_map<std::string, std::shared_ptr<const TenantConfig>> tenants_;
  std::unordered_map<std::string, Dirty> dirty_;
  std::int64_t next_seq_ = 1;
  bool erased_in_batch_ = false;
  TimeZones zones_;
};

// sla_due / sla_at_risk of a ticket with no running SLA clock (sorts last).
inline constexpr std::int64_t kNoSlaDue = std::numeric_limits<std::int64_t>::max();

// Priority as a number for sorting (low 0 ... urgent 3).
[[nodiscard]] int priority_rank(Priority p);

}  // namespace ticketd
