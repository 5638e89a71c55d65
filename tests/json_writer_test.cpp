// The JSON writer (base/json_writer.h): string escaping, commas in nested containers,
// numbers at their limits, bool, null and raw(). Every output is parsed back with
// simdjson to prove it is valid JSON that round-trips.
#include "base/json_writer.h"

#include <doctest/doctest.h>
#include <simdjson.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

using namespace ticketd;

namespace {

std::string escaped(std::string_view s) {
  std::string out;
  append_json_string(out, s);
  return out;
}

// The string a JSON text (a single string value) decodes to.
std::string decode_string(const std::string& json) {
  simdjson::dom::parser parser;
  std::string_view v;
  REQUIRE_MESSAGE(parser.parse(json).get_string().get(v) == simdjson::SUCCESS, json);
  return std::string(v);
}

}  // namespace

TEST_CASE("strings: quotes, backslashes and control characters are escaped") {
  struct Row {
    std::string in;
    std::string out;
  };
  const std::vector<Row> rows{
      {"", R"("")"},
      {"plain", R"("plain")"},
      {R"(say "hi")", R"("say \"hi\"")"},
      {R"(C:\dir\)", R"("C:\\dir\\")"},
      {"\n", R"("\n")"},
      {"\r", R"("\r")"},
      {"\t", R"("\t")"},
      {"\b", R"("\b")"},
      {"\f", R"("\f")"},
      {std::string(1, '\0'), R"("\u0000")"},
      {"\x01", R"("\u0001")"},
      {"\x0b", R"("\u000b")"},  // vertical tab has no short escape
      {"\x1b[0m", R"("\u001b[0m")"},
      {"\x1f", R"("\u001f")"},
      {" ", R"(" ")"},                                                       // 0x20 is not a control character
      {"\x7f", "\"\x7f\""},                                                  // DEL needs no escape in JSON
      {"a/b", R"("a/b")"},                                                   // '/' may stay as it is
      {"caf\xc3\xa9 \xf0\x9f\x98\x80", "\"caf\xc3\xa9 \xf0\x9f\x98\x80\""},  // UTF-8 copied
      {std::string("a\0b", 3), R"("a\u0000b")"},
      {"\"\\\n", R"("\"\\\n")"},
  };
  for (const auto& row : rows) {
    INFO("input bytes: ", row.in.size(), " expected ", row.out);
    CHECK(escaped(row.in) == row.out);
    CHECK(decode_string(escaped(row.in)) == row.in);
  }
}

TEST_CASE("strings: every control character round-trips through a parser") {
  std::string all;
  for (int c = 0; c < 0x20; ++c) all.push_back(static_cast<char>(c));
  all += "\"\\/ end";
  const std::string json = escaped(all);
  for (char c : json) CHECK(static_cast<unsigned char>(c) >= 0x20);  // no raw control bytes left
  CHECK(decode_string(json) == all);
}

TEST_CASE("append_json_string appends to what is there") {
  std::string out = "prefix:";
  append_json_string(out, "x");
  CHECK(out == R"(prefix:"x")");
}

TEST_CASE("keys are escaped like values") {
  JsonWriter w;
  w.begin_object().key("a\"b\\c\nd").value(1).end_object();
  CHECK(w.str() == R"({"a\"b\\c\nd":1})");
  simdjson::dom::parser parser;
  simdjson::dom::object o;
  REQUIRE(parser.parse(w.str()).get_object().get(o) == simdjson::SUCCESS);
  std::int64_t v = 0;
  CHECK(o["a\"b\\c\nd"].get_int64().get(v) == simdjson::SUCCESS);
  CHECK(v == 1);
}

TEST_CASE("nested containers place commas between elements only") {
  JsonWriter w;
  w.begin_object()
      .key("a")
      .value(1)
      .key("list")
      .begin_array()
      .value("x")
      .begin_object()
      .key("k")
      .value(true)
      .key("n")
      .null()
      .end_object()
      .begin_array()
      .end_array()
      .begin_object()
      .end_object()
      .begin_array()
      .value(2)
      .begin_array()
      .value(3)
      .end_array()
      .end_array()
      .end_array()
      .key("empty")
      .begin_object()
      .end_object()
      .key("z")
      .value(false)
      .end_object();
  const std::string expected = R"({"a":1,"list":["x",{"k":true,"n":null},[],{},[2,[3]]],"empty":{},"z":false})";
  CHECK(w.str() == expected);

  simdjson::dom::parser parser;
  simdjson::dom::element root;
  REQUIRE(parser.parse(w.str()).get(root) == simdjson::SUCCESS);
  CHECK(root["list"].get_array().size() == 5);
  std::int64_t three = 0;
  CHECK(root["list"].at(4).at(1).at(0).get_int64().get(three) == simdjson::SUCCESS);
  CHECK(three == 3);
  bool z = true;
  CHECK(root["z"].get_bool().get(z) == simdjson::SUCCESS);
  CHECK_FALSE(z);
  CHECK(root["list"].at(1)["n"].is_null());
}

TEST_CASE("a top-level array of scalars and an empty document container") {
  JsonWriter a;
  a.begin_array().value(1).value("two").value(3.5).value(true).null().end_array();
  CHECK(a.str() == R"([1,"two",3.5,true,null])");

  JsonWriter e;
  e.begin_object().end_object();
  CHECK(e.str() == "{}");

  JsonWriter scalar;
  scalar.value("just a string");
  CHECK(scalar.str() == R"("just a string")");
}

TEST_CASE("integers at their limits are exact and parse back") {
  JsonWriter w;
  w.begin_array()
      .value(std::numeric_limits<std::int64_t>::min())
      .value(std::numeric_limits<std::int64_t>::max())
      .value(std::numeric_limits<std::uint64_t>::max())
      .value(std::int64_t{0})
      .value(-1)
      .value(42u)
      .end_array();
  CHECK(w.str() == "[-9223372036854775808,9223372036854775807,18446744073709551615,0,-1,42]");
  simdjson::dom::parser parser;
  simdjson::dom::array a;
  REQUIRE(parser.parse(w.str()).get_array().get(a) == simdjson::SUCCESS);
  std::int64_t min = 0, max = 0, minus_one = 0;
  std::uint64_t umax = 0;
  CHECK(a.at(0).get_int64().get(min) == simdjson::SUCCESS);
  CHECK(a.at(1).get_int64().get(max) == simdjson::SUCCESS);
  CHECK(a.at(2).get_uint64().get(umax) == simdjson::SUCCESS);
  CHECK(a.at(4).get_int64().get(minus_one) == simdjson::SUCCESS);
  CHECK(min == std::numeric_limits<std::int64_t>::min());
  CHECK(max == std::numeric_limits<std::int64_t>::max());
  CHECK(umax == std::numeric_limits<std::uint64_t>::max());
  CHECK(minus_one == -1);
}

TEST_CASE("doubles: shortest text that round-trips; NaN and infinity become null") {
  struct Row {
    double value;
    const char* text;
  };
  const std::vector<Row> rows{
      {0.5, "0.5"},
      {-2.25, "-2.25"},
      {0.1, "0.1"},
      {1.0, "1"},
      {1e300, "1e+300"},
      {-1.5e-300, "-1.5e-300"},
      {123456.789, "123456.789"},
  };
  for (const auto& row : rows) {
    INFO("value ", row.value);
    JsonWriter w;
    w.begin_array().value(row.value).end_array();
    CHECK(w.str() == std::string("[") + row.text + "]");
    simdjson::dom::parser parser;
    double back = 0;
    REQUIRE(parser.parse(w.str()).at(0).get_double().get(back) == simdjson::SUCCESS);
    CHECK(back == row.value);  // exactly, not approximately
  }
  for (double d : {0.1 + 0.2, 1.0 / 3.0, std::numeric_limits<double>::max(), std::numeric_limits<double>::denorm_min(),
                   std::numeric_limits<double>::epsilon()}) {
    JsonWriter w;
    w.begin_array().value(d).end_array();
    simdjson::dom::parser parser;
    double back = 0;
    REQUIRE_MESSAGE(parser.parse(w.str()).at(0).get_double().get(back) == simdjson::SUCCESS, w.str());
    CHECK(back == d);
  }
  JsonWriter w;
  w.begin_array()
      .value(std::numeric_limits<double>::quiet_NaN())
      .value(std::numeric_limits<double>::infinity())
      .value(-std::numeric_limits<double>::infinity())
      .end_array();
  CHECK(w.str() == "[null,null,null]");
}

TEST_CASE("a string literal is a string, not a bool") {
  JsonWriter w;
  w.begin_array().value("true").value(std::string("false")).value(true).end_array();
  CHECK(w.str() == R"(["true","false",true])");
}

TEST_CASE("raw() inserts JSON verbatim, with commas like any value") {
  JsonWriter w;
  w.begin_object()
      .key("data")
      .raw(R"({"body":"hi","n":[1,2]})")
      .key("list")
      .begin_array()
      .raw("1")
      .raw(R"({"x":null})")
      .raw("[]")
      .end_array()
      .key("after")
      .value("x")
      .end_object();
  CHECK(w.str() == R"({"data":{"body":"hi","n":[1,2]},"list":[1,{"x":null},[]],"after":"x"})");
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  REQUIRE(parser.parse(w.str()).get(root) == simdjson::SUCCESS);
  std::string_view body;
  CHECK(root["data"]["body"].get_string().get(body) == simdjson::SUCCESS);
  CHECK(body == "hi");
}

TEST_CASE("str() reads, take() moves the document out") {
  JsonWriter w;
  w.begin_object().key("k").value("v").end_object();
  CHECK(w.str() == R"({"k":"v"})");
  CHECK(w.str() == R"({"k":"v"})");
  const std::string taken = w.take();
  CHECK(taken == R"({"k":"v"})");
}

TEST_CASE("a document of many strings with awkward bytes parses back field by field") {
  std::vector<std::string> values;
  for (int c = 0; c < 0x80; ++c) values.push_back(std::string("<") + static_cast<char>(c) + ">");
  values.push_back("\xe2\x80\xa8 line separator stays raw");
  JsonWriter w;
  w.begin_object();
  for (std::size_t i = 0; i < values.size(); ++i) w.key("k" + std::to_string(i)).value(values[i]);
  w.end_object();
  simdjson::dom::parser parser;
  simdjson::dom::object o;
  REQUIRE_MESSAGE(parser.parse(w.str()).get_object().get(o) == simdjson::SUCCESS, w.str());
  CHECK(o.size() == values.size());
  for (std::size_t i = 0; i < values.size(); ++i) {
    INFO("value ", i);
    std::string_view v;
    REQUIRE(o["k" + std::to_string(i)].get_string().get(v) == simdjson::SUCCESS);
    CHECK(v == values[i]);
  }
}
