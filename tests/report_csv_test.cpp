// report_csv (projections/ticket_queries.h): RFC 4180 quoting, and group names that a
// spreadsheet would run as formulas are neutralised with a leading apostrophe.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "projections/ticket_queries.h"

using namespace ticketd;

namespace {

// The first cell of the first data row (the group), exactly as written.
std::string group_cell(const std::string& group) {
  ReportRow row;
  row.group = group;
  row.volume = 3;
  const std::string csv = report_csv({row});
  const auto start = csv.find("\r\n") + 2;
  const auto end = csv.rfind(",3,");
  REQUIRE(start <= end);
  return csv.substr(start, end - start);
}

}  // namespace

TEST_CASE("plain names are written as they are; commas and quotes are quoted") {
  CHECK(group_cell("billing") == "billing");
  CHECK(group_cell("a,b") == "\"a,b\"");
  CHECK(group_cell("say \"hi\"") == "\"say \"\"hi\"\"\"");
  CHECK(group_cell("") == "");
}

TEST_CASE("formula-looking names get a leading apostrophe") {
  CHECK(group_cell("=1+1") == "'=1+1");
  CHECK(group_cell("+41 44 000") == "'+41 44 000");
  CHECK(group_cell("-2") == "'-2");
  CHECK(group_cell("@SUM(A1)") == "'@SUM(A1)");
  CHECK(group_cell("\tx") == "'\tx");
  CHECK(group_cell("=HYPERLINK(\"http://x\",\"y\")") == "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"");
  CHECK(group_cell("a=b") == "a=b");  // only the first character counts
}
