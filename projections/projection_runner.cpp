#include "projections/projection_runner.h"

#include <algorithm>

namespace ticketd {

// The single writer keeps the hot parts of the read models in memory.
inline constexpr const char* kWriterCachePragma = "PRAGMA cache_size=-524288";  // 512 MiB

ProjectionRunner::ProjectionRunner(const EventStore& store, const std::string& db_path,
                                   std::vector<std::unique_ptr<Projection>> projections)
    : store_(store),
      db_(db_path),
      projections_(std::move(projections)),
      follower_(
          store, 0, [this](std::span<const EventRecord> batch) { return apply(batch); },
          LogFollower::Options{.batch_events = kBatchEvents}) {
  db_.exec(kWriterCachePragma);
  db_.exec("PRAGMA temp_store=MEMORY");
  db_.exec("CREATE TABLE IF NOT EXISTS projection_checkpoints (name TEXT PRIMARY KEY, position INTEGER NOT NULL)");
  db_.exec("CREATE TABLE IF NOT EXISTS projection_versions (name TEXT PRIMARY KEY, version INTEGER NOT NULL)");
  for (auto& p : projections_) {
    rebuild_if_outdated(*p);
    p->create_schema(db_);
    p->open(db_);
  }
  follower_.seek(load_checkpoints());
}

void ProjectionRunner::rebuild_if_outdated(Projection& p) {
  auto q = db_.prepare("SELECT version FROM projection_versions WHERE name = ?");
  q.bind(1, p.name());
  if (q.step() && q.int64(0) == p.schema_version()) return;
  q.reset();
  sql::Transaction tx(db_);
  forget(p);
  db_.prepare(
         "INSERT INTO projection_versions(name, version) VALUES(?, ?) ON CONFLICT(name) DO UPDATE SET "
         "version = excluded.version")
      .bind(1, p.name())
      .bind(2, static_cast<std::int64_t>(p.schema_version()))
      .run();
  tx.commit();
}

ProjectionRunner::~ProjectionRunner() { stop(); }

std::uint64_t ProjectionRunner::load_checkpoints() {
  checkpoints_.assign(projections_.size(), 0);
  auto q = db_.prepare("SELECT position FROM projection_checkpoints WHERE name = ?");
  for (std::size_t i = 0; i < projections_.size(); ++i) {
    q.bind(1, projections_[i]->name());
    if (q.step()) checkpoints_[i] = static_cast<std::uint64_t>(q.int64(0));
    q.reset();
  }
  return checkpoints_.empty() ? 0 : *std::min_element(checkpoints_.begin(), checkpoints_.end());
}

Result<void> ProjectionRunner::apply(std::span<const EventRecord> batch) {
  try {
    sql::Transaction tx(db_);
    for (const auto& record : batch) {
      for (std::size_t i = 0; i < projections_.size(); ++i) {
        if (record.position > checkpoints_[i]) projections_[i]->apply(record);
      }
    }
    for (auto& p : projections_) p->flush();
    const std::uint64_t last = batch.back().position;
    auto save = db_.prepare(
        "INSERT INTO projection_checkpoints(name, position) VALUES(?, ?) "
        "ON CONFLICT(name) DO UPDATE SET position = excluded.position");
    for (std::size_t i = 0; i < projections_.size(); ++i) {
      save.bind(1, projections_[i]->name()).bind(2, static_cast<std::int64_t>(std::max(last, checkpoints_[i])));
      save.run();
    }
    tx.commit();
    for (auto& c : checkpoints_) c = std::max(c, last);
    for (auto& p : projections_) p->after_commit(db_);
  } catch (const std::exception& e) {
    for (auto& p : projections_) p->discard();
    load_checkpoints();  // the transaction rolled back; the follower stays where it was
    return make_error(Errc::internal, std::string("projection failed: ") + e.what());
  }
  return {};
}

Result<std::uint64_t> ProjectionRunner::catch_up() { return follower_.catch_up(); }

void ProjectionRunner::start() { follower_.start(); }

void ProjectionRunner::stop() { follower_.stop(); }

void ProjectionRunner::forget(Projection& p) {
  p.drop(db_);
  db_.prepare("DELETE FROM projection_checkpoints WHERE name = ?").bind(1, p.name()).run();
}

Result<void> ProjectionRunner::reset(const std::string& name) {
  bool found = false;
  try {
    sql::Transaction tx(db_);
    for (auto& p : projections_) {
      if (!name.empty() && p->name() != name) continue;
      found = true;
      forget(*p);
      p->create_schema(db_);
    }
    tx.commit();
    for (auto& p : projections_) p->open(db_);
  } catch (const std::exception& e) {
    return make_error(Errc::internal, std::string("reset failed: ") + e.what());
  }
  if (!found) return make_error(Errc::not_found, "no projection named " + name);
  follower_.seek(load_checkpoints());
  return {};
}

std::uint64_t ProjectionRunner::lag() const {
  const std::uint64_t head = store_.head().position;
  const std::uint64_t at = follower_.position();
  return head > at ? head - at : 0;
}

}  // namespace ticketd
