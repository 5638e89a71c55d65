// Timestamps (base/timestamp.h): the RFC 3339 form ticketd prints (six fraction digits,
// 'Z', sorting in time order) and the forms it reads (offsets, separators, long
// fractions), malformed and out-of-range input, and round trips across many instants.
#include "base/timestamp.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <vector>

using namespace ticketd;
using namespace std::chrono;

namespace {

Timestamp at_micros(std::int64_t us) { return Timestamp{microseconds{us}}; }

// The instant of a UTC civil time, computed with <chrono> rather than the parser.
Timestamp utc(int y, unsigned mo, unsigned d, int h = 0, int mi = 0, int s = 0, std::int64_t us = 0) {
  return Timestamp{sys_days{year{y} / month{mo} / day{d}} + hours{h} + minutes{mi} + seconds{s} + microseconds{us}};
}

}  // namespace

TEST_CASE("format_rfc3339: UTC, six fraction digits, 'Z'") {
  struct Row {
    Timestamp t;
    const char* text;
  };
  const std::vector<Row> rows{
      {at_micros(0), "1970-01-01T00:00:00.000000Z"},
      {at_micros(1), "1970-01-01T00:00:00.000001Z"},
      {at_micros(1'790'000'000'000'000), "2026-09-21T14:13:20.000000Z"},
      {utc(2026, 11, 22, 4, 55, 28, 123456), "2026-11-22T04:55:28.123456Z"},
      {utc(2024, 2, 29, 23, 59, 59, 999999), "2024-02-29T23:59:59.999999Z"},
      {utc(2000, 1, 1), "2000-01-01T00:00:00.000000Z"},
      {utc(9999, 12, 31, 23, 59, 59, 999999), "9999-12-31T23:59:59.999999Z"},
      {utc(1, 1, 1), "0001-01-01T00:00:00.000000Z"},
  };
  for (const auto& row : rows) {
    const std::string text = format_rfc3339(row.t);
    CHECK(text == row.text);
    CHECK(text.size() == 27);
  }
}

TEST_CASE("format_rfc3339 before 1970 counts the day and time forward from midnight") {
  CHECK(format_rfc3339(at_micros(-1)) == "1969-12-31T23:59:59.999999Z");
  CHECK(format_rfc3339(at_micros(-1'000'000)) == "1969-12-31T23:59:59.000000Z");
  CHECK(format_rfc3339(at_micros(-86'400'000'000)) == "1969-12-31T00:00:00.000000Z");
  CHECK(format_rfc3339(utc(1900, 3, 1, 12, 0, 0, 5)) == "1900-03-01T12:00:00.000005Z");
}

TEST_CASE("the text sorts lexicographically in time order") {
  std::vector<Timestamp> times{at_micros(-86'400'000'001),
                               at_micros(-1),
                               at_micros(0),
                               at_micros(1),
                               at_micros(999'999),
                               at_micros(1'000'000),
                               utc(1999, 12, 31, 23, 59, 59, 999999),
                               utc(2000, 1, 1),
                               utc(2026, 1, 9),
                               utc(2026, 1, 10),
                               utc(2026, 10, 1),
                               utc(2026, 10, 1, 9),
                               utc(2026, 10, 1, 10),
                               utc(9999, 12, 31, 23, 59, 59, 999999)};
  std::mt19937_64 rng(20261122);
  std::uniform_int_distribution<std::int64_t> any(utc(1, 1, 1).time_since_epoch().count(),
                                                  utc(9999, 12, 31).time_since_epoch().count());
  for (int i = 0; i < 500; ++i) times.push_back(at_micros(any(rng)));
  std::sort(times.begin(), times.end());
  for (std::size_t i = 1; i < times.size(); ++i) {
    const std::string a = format_rfc3339(times[i - 1]);
    const std::string b = format_rfc3339(times[i]);
    INFO(a, " vs ", b);
    if (times[i - 1] == times[i]) {
      CHECK(a == b);
    } else {
      CHECK(a < b);
    }
  }
}

TEST_CASE("parse accepts Z and numeric offsets, converting to UTC") {
  struct Row {
    const char* text;
    Timestamp t;
  };
  const std::vector<Row> rows{
      {"2026-11-22T04:55:28.123456Z", utc(2026, 11, 22, 4, 55, 28, 123456)},
      {"2026-11-22T04:55:28Z", utc(2026, 11, 22, 4, 55, 28)},
      {"2026-11-22T04:55:28z", utc(2026, 11, 22, 4, 55, 28)},
      {"2026-11-22T04:55:28+00:00", utc(2026, 11, 22, 4, 55, 28)},
      {"2026-11-22T04:55:28-00:00", utc(2026, 11, 22, 4, 55, 28)},
      {"2026-11-22T06:55:28+02:00", utc(2026, 11, 22, 4, 55, 28)},
      {"2026-11-21T23:25:28-05:30", utc(2026, 11, 22, 4, 55, 28)},
      {"2026-11-22T10:25:28.5+05:30", utc(2026, 11, 22, 4, 55, 28, 500000)},
      {"2026-01-01T00:30:00+01:00", utc(2025, 12, 31, 23, 30)},  // back over a year
      {"2024-02-28T22:00:00-03:00", utc(2024, 2, 29, 1)},        // into a leap day
      {"2026-03-01T00:00:00+23:59", utc(2026, 2, 28, 0, 1)},     // the largest offset
      {"1969-12-31T23:59:59.999999Z", at_micros(-1)},
      {"1970-01-01T01:00:00+01:00", at_micros(0)},
  };
  for (const auto& row : rows) {
    INFO(row.text);
    auto t = parse_rfc3339(row.text);
    REQUIRE(t.has_value());
    CHECK(*t == row.t);
  }
}

TEST_CASE("parse accepts 'T', 't' and ' ' between date and time") {
  const Timestamp expected = utc(2026, 5, 4, 3, 2, 1, 120000);
  for (const char* text : {"2026-05-04T03:02:01.12Z", "2026-05-04t03:02:01.12Z", "2026-05-04 03:02:01.12Z"}) {
    INFO(text);
    CHECK(parse_rfc3339(text) == expected);
  }
  for (const char* text : {"2026-05-04_03:02:01Z", "2026-05-04X03:02:01Z", "2026-05-0403:02:01Z"}) {
    INFO(text);
    CHECK_FALSE(parse_rfc3339(text).has_value());
  }
}

TEST_CASE("fractions: 1 to 6 digits scale, more digits are truncated, not rounded") {
  struct Row {
    const char* text;
    std::int64_t micros;
  };
  const std::vector<Row> rows{
      {"2026-01-01T00:00:00.1Z", 100000},       {"2026-01-01T00:00:00.12Z", 120000},
      {"2026-01-01T00:00:00.000001Z", 1},       {"2026-01-01T00:00:00.999999Z", 999999},
      {"2026-01-01T00:00:00.1234567Z", 123456}, {"2026-01-01T00:00:00.9999999Z", 999999},  // truncated, not 1 s
      {"2026-01-01T00:00:00.0000009Z", 0},      {"2026-01-01T00:00:00.123456789012345678901234567890Z", 123456},
      {"2026-01-01T00:00:00.000000+00:00", 0},
  };
  for (const auto& row : rows) {
    INFO(row.text);
    CHECK(parse_rfc3339(row.text) == utc(2026, 1, 1, 0, 0, 0, row.micros));
  }
}

TEST_CASE("a leap second (:60) is accepted as the next minute's first second") {
  CHECK(parse_rfc3339("2016-12-31T23:59:60Z") == utc(2017, 1, 1));
  CHECK(parse_rfc3339("2016-12-31T23:59:60.5Z") == utc(2017, 1, 1, 0, 0, 0, 500000));
  CHECK_FALSE(parse_rfc3339("2016-12-31T23:59:61Z").has_value());
}

TEST_CASE("parse refuses malformed and out-of-range text") {
  const std::vector<std::string> refused{
      "",
      "garbage",
      "2026",
      "2026-11-22",
      "2026-11-22T04:55",
      "2026-11-22T04:55:28",         // no zone
      "2026-11-22T04:55:28.123456",  // no zone
      "2026-11-22T04:55:28.Z",       // a dot without digits
      "2026-11-22T04:55:28 Z",
      "2026-11-22T04:55:28ZZ",
      "2026-11-22T04:55:28Z ",
      " 2026-11-22T04:55:28Z",
      "2026-13-01T00:00:00Z",  // month 13
      "2026-00-01T00:00:00Z",  // month 0
      "2026-01-32T00:00:00Z",  // day 32
      "2026-01-00T00:00:00Z",  // day 0
      "2026-04-31T00:00:00Z",  // April has 30 days
      "2025-02-29T00:00:00Z",  // not a leap year
      "2100-02-29T00:00:00Z",  // not a leap year either
      "2026-01-01T24:00:00Z",  // hour 24
      "2026-01-01T00:60:00Z",  // minute 60
      "2026-01-01T00:00:61Z",
      "2026-01-01T00:00:00+24:00",  // offset hour 24
      "2026-01-01T00:00:00+02:60",  // offset minute 60
      "2026-01-01T00:00:00+0200",   // offset without a colon
      "2026-01-01T00:00:00+02",
      "2026-01-01T00:00:00+2:00",
      "2026-01-01T00:00:00+02:00:00",
      "2026-01-01T00:00:00UTC",
      "2026-1-01T00:00:00Z",
      "2026-01-1T00:00:00Z",
      "2026/01/01T00:00:00Z",
      "2026-01-01T00.00.00Z",
      "2026-01-01T0a:00:00Z",
      "+026-01-01T00:00:00Z",
      "-026-01-01T00:00:00Z",
      "20260-01-01T00:00:00Z",
      "2026-01-01T00:00:00.-1Z",
  };
  for (const auto& text : refused) {
    INFO("'", text, "'");
    CHECK_FALSE(parse_rfc3339(text).has_value());
  }
}

TEST_CASE("parse stops at the end of the view, not at a terminator") {
  const std::string text = "2026-11-22T04:55:28Z and more";
  CHECK(parse_rfc3339(std::string_view(text).substr(0, 20)) == utc(2026, 11, 22, 4, 55, 28));
  CHECK_FALSE(parse_rfc3339(std::string_view(text).substr(0, 19)).has_value());
}

TEST_CASE("format then parse is the identity across many instants, including before 1970") {
  std::vector<Timestamp> times{at_micros(0),
                               at_micros(-1),
                               at_micros(1),
                               utc(1, 1, 1),
                               utc(9999, 12, 31, 23, 59, 59, 999999),
                               utc(1600, 2, 29, 12),
                               utc(1969, 7, 20, 20, 17, 40),
                               utc(2038, 1, 19, 3, 14, 8)};
  std::mt19937_64 rng(42);
  std::uniform_int_distribution<std::int64_t> any(utc(1, 1, 1).time_since_epoch().count(),
                                                  utc(9999, 12, 31).time_since_epoch().count());
  std::uniform_int_distribution<std::int64_t> near(-30'000'000'000'000'000, 30'000'000'000'000'000);
  for (int i = 0; i < 2000; ++i) times.push_back(at_micros(any(rng)));
  for (int i = 0; i < 2000; ++i) times.push_back(at_micros(near(rng)));
  int checked = 0;
  for (Timestamp t : times) {
    const std::string text = format_rfc3339(t);
    auto back = parse_rfc3339(text);
    if (!back || *back != t) {
      FAIL_CHECK("round trip of ", t.time_since_epoch().count(), " us via ", text);
      continue;
    }
    ++checked;
  }
  CHECK(checked == static_cast<int>(times.size()));
}

TEST_CASE("an instant written with an offset formats as the same instant in UTC") {
  auto t = parse_rfc3339("2026-07-01T08:15:30.25-07:00");
  REQUIRE(t.has_value());
  CHECK(format_rfc3339(*t) == "2026-07-01T15:15:30.250000Z");
  auto u = parse_rfc3339("2026-07-02T00:15:30.25+09:00");
  REQUIRE(u.has_value());
  CHECK(format_rfc3339(*u) == "2026-07-01T15:15:30.250000Z");
}
