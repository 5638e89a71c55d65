#include "projections/sqlite.h"

#include <sqlite3.h>

namespace ticketd::sql {

inline constexpr int kBusyTimeoutMs = 5000;
// Memory per connection: page cache and memory-mapped reads (read models are rebuilt
// from the log, so a larger cache only costs RAM).
inline constexpr const char* kCachePragma = "PRAGMA cache_size=-65536";    // 64 MiB
inline constexpr const char* kMmapPragma = "PRAGMA mmap_size=4294967296";  // 4 GiB of address space

namespace {

// Prepares `sql` or throws SqliteError naming it.
sqlite3_stmt* prepare_or_throw(sqlite3* db, std::string_view sql, unsigned flags) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()), flags, &stmt, nullptr) != SQLITE_OK) {
    sqlite3_finalize(stmt);
    throw SqliteError(std::string(sqlite3_errmsg(db)) + " in: " + std::string(sql.substr(0, 200)));
  }
  return stmt;
}

}  // namespace

Database::Database(const std::string& path, bool read_only) {
  // Before SQLite's first use in the process: no global allocation statistics (their
  // mutex is taken on every allocation, by every connection).
  static const int configured = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  (void)configured;
  const int flags = read_only ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  if (sqlite3_open_v2(path.c_str(), &db_, flags | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK) {
    std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    db_ = nullptr;
    throw SqliteError("cannot open " + path + ": " + msg);
  }
  sqlite3_busy_timeout(db_, kBusyTimeoutMs);
  exec(kCachePragma);
  exec(kMmapPragma);
  if (!read_only) {
    exec("PRAGMA journal_mode=WAL");
    exec("PRAGMA synchronous=NORMAL");  // the log, not SQLite, is the source of truth
  }
  exec("PRAGMA foreign_keys=OFF");
}

Database::~Database() {
  for (auto& [sql, cached] : cache_) sqlite3_finalize(cached.stmt);
  sqlite3_close_v2(db_);
}

void Database::exec(std::string_view sql) {
  char* err = nullptr;
  const std::string text(sql);
  if (sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    throw SqliteError(msg + " in: " + text.substr(0, 200));
  }
}

Statement Database::prepare(std::string_view sql) { return Statement(db_, sql); }

Statement Database::prepare_cached(std::string_view sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) {
    if (cache_.size() >= kMaxCachedStatements) return Statement(db_, sql);
    it = cache_.emplace(std::string(sql), Cached{prepare_or_throw(db_, sql, SQLITE_PREPARE_PERSISTENT), false}).first;
  }
  if (it->second.in_use) return Statement(db_, sql);
  it->second.in_use = true;
  return Statement(db_, it->second.stmt, &it->second.in_use);
}

std::int64_t Database::changes() const { return sqlite3_changes64(db_); }

Statement::Statement(sqlite3* db, std::string_view sql) : db_(db), stmt_(prepare_or_throw(db, sql, 0)) {}

Statement::Statement(sqlite3* db, sqlite3_stmt* cached, bool* in_use) : db_(db), stmt_(cached), borrowed_(in_use) {}

Statement::~Statement() {
  if (borrowed_ == nullptr) {
    sqlite3_finalize(stmt_);
  } else if (stmt_ != nullptr) {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
    *borrowed_ = false;
  }
}

Statement::Statement(Statement&& other) noexcept : db_(other.db_), stmt_(other.stmt_), borrowed_(other.borrowed_) {
  other.stmt_ = nullptr;
  other.borrowed_ = nullptr;
}

Statement& Statement::bind(int i, std::int64_t v) {
  sqlite3_bind_int64(stmt_, i, v);
  return *this;
}
Statement& Statement::bind(int i, double v) {
  sqlite3_bind_double(stmt_, i, v);
  return *this;
}
Statement& Statement::bind(int i, std::string_view v) {
  sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  return *this;
}
Statement& Statement::bind(int i, const std::optional<std::string>& v) {
  return v ? bind(i, std::string_view(*v)) : bind_null(i);
}
Statement& Statement::bind(int i, const std::optional<std::int64_t>& v) { return v ? bind(i, *v) : bind_null(i); }
Statement& Statement::bind_null(int i) {
  sqlite3_bind_null(stmt_, i);
  return *this;
}

bool Statement::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  throw SqliteError(sqlite3_errmsg(db_));
}

void Statement::run() {
  while (step()) {
  }
  reset();
}

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

bool Statement::is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
std::int64_t Statement::int64(int col) const { return sqlite3_column_int64(stmt_, col); }
double Statement::real(int col) const { return sqlite3_column_double(stmt_, col); }
std::string Statement::text(int col) const {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
  return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col))) : std::string();
}
std::optional<std::string> Statement::opt_text(int col) const {
  if (is_null(col)) return std::nullopt;
  return text(col);
}
std::optional<std::int64_t> Statement::opt_int64(int col) const {
  if (is_null(col)) return std::nullopt;
  return int64(col);
}
int Statement::columns() const { return sqlite3_column_count(stmt_); }

Transaction::Transaction(Database& db) : db_(db) { db_.exec("BEGIN IMMEDIATE"); }
Transaction::~Transaction() {
  if (!done_) {
    try {
      db_.exec("ROLLBACK");
    } catch (const SqliteError&) {
    }
  }
}
void Transaction::commit() {
  db_.exec("COMMIT");
  done_ = true;
}

}  // namespace ticketd::sql
