// A read model kept in SQLite from the log. The runner calls apply() for every event in
// position order, inside a transaction that also stores the projection's checkpoint, so
// a crash neither skips nor repeats an event. Any projection can be dropped and rebuilt.
#pragma once

#include <string_view>

#include "eventstore/event.h"
#include "projections/sqlite.h"

namespace ticketd {

class Projection {
 public:
  virtual ~Projection() = default;
  [[nodiscard]] virtual std::string_view name() const = 0;
  // The version of its tables and row formats. When it differs from the one the database
  // was built with, the runner drops the projection and rebuilds it from the log.
  [[nodiscard]] virtual int schema_version() const = 0;
  // Creates its tables and indexes if missing.
  virtual void create_schema(sql::Database& db) = 0;
  // Drops everything create_schema made.
  virtual void drop(sql::Database& db) = 0;
  // Prepares statements on the writer connection (after create_schema).
  virtual void open(sql::Database& db) = 0;
  // Applies one event; runs inside the runner's transaction. A projection may hold
  // changes in memory until flush().
  virtual void apply(const EventRecord& record) = 0;
  // Writes what apply() held back; called once per batch, before the commit.
  virtual void flush() = 0;
  // Forgets what apply() held back; called when the batch's transaction rolls back.
  virtual void discard() = 0;
  // After the batch's transaction committed (outside any transaction).
  virtual void after_commit(sql::Database& /*db*/) {}
};

}  // namespace ticketd
