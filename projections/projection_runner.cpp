#include "projections/projection_runner.h"

#include <algorithm>

namespace ticketd {

// The single writer keeps the hot parts of the read models in memory.
inline constexpr const char* kWriterCachePragma = "PRAGMA cache_size=-524288";  // 512 MiB

ProjectionRunner::ProjectionRunner(const EventStore& store, const std::string& db_path,
                                   std::vector<std::unique_ptr<Projection>> projections)
    : store_(store), db_(db_path), projections_(std::move(projections)) {
  db_.exec(kWriterCachePragma);
  db_.exec("PRAGMA temp_store=MEMORY");
  db_.exec("CREATE TABLE IF NOT EXISTS projection_checkpoints (name TEXT PRIMARY KEY, position INTEGER NOT NULL)");
  for (auto& p : projections_) {
    p->create_schema(db_);
    p->open(db_);
  }
  load_checkpoints();
}

ProjectionRunner::~ProjectionRunner() { stop(); }

void ProjectionRunner::load_checkpoints() {
  checkpoints_.assign(projections_.size(), 0);
  auto q = db_.prepare("SELECT position FROM projection_checkpoints WHERE name = ?");
  for (std::size_t i = 0; i < projections_.size(); ++i) {
    q.bind(1, projections_[i]->name());
    if (q.step()) checkpoints_[i] = static_cast<std::uint64_t>(q.int64(0));
    q.reset();
  }
  checkpoint_ = checkpoints_.empty() ? 0 : *std::min_element(checkpoints_.begin(), checkpoints_.end());
}

Result<std::size_t> ProjectionRunner::apply_batch() {
  const std::uint64_t from = checkpoint_.load();
  auto batch = store_.read_all(from, kBatchEvents);
  if (!batch) return std::unexpected(batch.error());
  if (batch->empty()) return std::size_t{0};
  try {
    sql::Transaction tx(db_);
    for (const auto& record : *batch) {
      for (std::size_t i = 0; i < projections_.size(); ++i) {
        if (record.position > checkpoints_[i]) projections_[i]->apply(record);
      }
    }
    for (auto& p : projections_) p->flush();
    const std::uint64_t last = batch->back().position;
    auto save = db_.prepare(
        "INSERT INTO projection_checkpoints(name, position) VALUES(?, ?) "
        "ON CONFLICT(name) DO UPDATE SET position = excluded.position");
    for (std::size_t i = 0; i < projections_.size(); ++i) {
      save.bind(1, projections_[i]->name()).bind(2, static_cast<std::int64_t>(std::max(last, checkpoints_[i])));
      save.run();
    }
    tx.commit();
    for (auto& c : checkpoints_) c = std::max(c, last);
    checkpoint_ = last;
  } catch (const std::exception& e) {
    for (auto& p : projections_) p->discard();
    load_checkpoints();  // the transaction rolled back
    return make_error(Errc::internal, std::string("projection failed: ") + e.what());
  }
  return batch->size();
}

Result<std::uint64_t> ProjectionRunner::catch_up() {
  const std::uint64_t head = store_.head().position;
  while (checkpoint_.load() < head) {
    auto n = apply_batch();
    if (!n) return std::unexpected(n.error());
    if (*n == 0) break;
  }
  return checkpoint_.load();
}

void ProjectionRunner::start() {
  stop_ = false;
  thread_ = std::thread([this] {
    while (!stop_) {
      auto n = apply_batch();
      if (!n) {
        std::lock_guard lock(error_mu_);
        error_ = n.error();
        return;
      }
      if (*n == 0) (void)store_.wait_beyond(checkpoint_.load(), kIdleWait);
    }
  });
}

void ProjectionRunner::stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

Result<void> ProjectionRunner::reset(const std::string& name) {
  bool found = false;
  try {
    sql::Transaction tx(db_);
    for (auto& p : projections_) {
      if (!name.empty() && p->name() != name) continue;
      found = true;
      p->drop(db_);
      p->create_schema(db_);
      db_.prepare("DELETE FROM projection_checkpoints WHERE name = ?").bind(1, p->name()).run();
    }
    tx.commit();
    for (auto& p : projections_) p->open(db_);
  } catch (const std::exception& e) {
    return make_error(Errc::internal, std::string("reset failed: ") + e.what());
  }
  if (!found) return make_error(Errc::not_found, "no projection named " + name);
  load_checkpoints();
  return {};
}

std::uint64_t ProjectionRunner::lag() const {
  const std::uint64_t head = store_.head().position;
  const std::uint64_t at = checkpoint_.load();
  return head > at ? head - at : 0;
}

std::optional<Error> ProjectionRunner::error() const {
  std::lock_guard lock(error_mu_);
  return error_;
}

}  // namespace ticketd
