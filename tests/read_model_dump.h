// The whole content of a read-model database as sorted text lines, for comparing two
// databases ("incremental equals rebuild"). Covers every table sqlite_master lists:
//   "schema|<type>|<name>|<tbl_name>|<sql>" for every schema object (tables, indexes,
//     virtual tables, shadow tables; rootpage left out: it depends on creation order),
//   "<table>|<quote(col1)>,<quote(col2)>,..." for every row of every table, in declared
//     column order, values rendered by SQLite's quote() (NULL, 'text', X'blob', numbers);
//     virtual tables add their rowid first (an FTS rowid is the ticket's seq, data).
// Left out, by name: the shadow tables of a virtual table (PRAGMA table_list type
// "shadow": tickets_fts_data, _idx, _content, _docsize, _config). Their bytes depend on
// FTS5's segment-merge history, not on the content, and the content they hold is
// compared through the virtual table's own rows. Nothing else is left out.
#pragma once

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "projections/sqlite.h"

namespace ticketd::test {

struct ReadModelTable {
  std::string name;
  bool is_virtual = false;
};

// The tables a dump compares: every table and virtual table of the main schema except
// shadow tables (and sqlite_schema itself, whose lines the dump holds as "schema|...").
inline std::vector<ReadModelTable> read_model_tables(sql::Database& db) {
  std::vector<ReadModelTable> tables;
  auto list = db.prepare(
      "SELECT name, type FROM pragma_table_list WHERE schema = 'main' AND type IN ('table', 'virtual') "
      "AND name <> 'sqlite_schema' ORDER BY name");
  while (list.step()) tables.push_back(ReadModelTable{list.text(0), list.text(1) == "virtual"});
  return tables;
}

inline std::set<std::string> read_model_table_names(const std::string& db_path) {
  sql::Database db(db_path, true);
  std::set<std::string> names;
  for (const auto& t : read_model_tables(db)) names.insert(t.name);
  return names;
}

inline std::vector<std::string> dump_read_model(const std::string& db_path) {
  sql::Database db(db_path, true);
  std::vector<std::string> rows;
  auto schema = db.prepare("SELECT type, name, tbl_name, sql FROM sqlite_master");
  while (schema.step()) {
    rows.push_back(fmt::format("schema|{}|{}|{}|{}", schema.text(0), schema.text(1), schema.text(2),
                               schema.is_null(3) ? std::string("NULL") : schema.text(3)));
  }
  for (const ReadModelTable& table : read_model_tables(db)) {
    std::vector<std::string> columns;
    if (table.is_virtual) columns.emplace_back("quote(rowid)");
    auto info = db.prepare(fmt::format("SELECT name FROM pragma_table_info('{}')", table.name));
    while (info.step()) columns.push_back(fmt::format("quote(\"{}\")", info.text(0)));
    auto st = db.prepare(fmt::format("SELECT {} FROM \"{}\"", fmt::join(columns, " || ',' || "), table.name));
    while (st.step()) rows.push_back(table.name + "|" + st.text(0));
  }
  std::sort(rows.begin(), rows.end());
  return rows;
}

// The tables that have at least one row in `dump`.
inline std::set<std::string> tables_with_rows(const std::vector<std::string>& dump) {
  std::set<std::string> names;
  for (const auto& row : dump) {
    const std::string name = row.substr(0, row.find('|'));
    if (name != "schema") names.insert(name);
  }
  return names;
}

}  // namespace ticketd::test
