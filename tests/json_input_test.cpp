// Request bodies as JSON (http/json_input.h): 415/400/422 from parse(), typed reads that
// collect field errors, limits, enums, nested objects, nullable strings, string arrays,
// finish() refusing unknown fields, and the problem+json bodies these become.
#include "http/json_input.h"

#include <doctest/doctest.h>
#include <simdjson.h>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

using namespace ticketd;
using namespace ticketd::http;

namespace {

Request json_request(std::string body, std::optional<std::string> content_type = "application/json") {
  Request r;
  r.method = "POST";
  r.target = r.path = "/api/v1/things";
  if (content_type) r.headers.emplace_back("content-type", *content_type);
  r.body = std::move(body);
  r.body_size = r.body.size();
  return r;
}

// A problem+json response, parsed back.
struct Problem {
  int status = 0;
  std::string content_type;
  std::string type;
  std::string title;
  std::int64_t body_status = 0;
  std::string detail;
  std::vector<std::pair<std::string, std::string>> errors;  // field, message
};

Problem read_problem(const Response& r) {
  Problem p;
  p.status = r.status;
  p.content_type = r.content_type;
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  REQUIRE_MESSAGE(parser.parse(r.body).get(root) == simdjson::SUCCESS, r.body);
  std::string_view s;
  REQUIRE(root["type"].get_string().get(s) == simdjson::SUCCESS);
  p.type = s;
  REQUIRE(root["title"].get_string().get(s) == simdjson::SUCCESS);
  p.title = s;
  REQUIRE(root["status"].get_int64().get(p.body_status) == simdjson::SUCCESS);
  REQUIRE(root["detail"].get_string().get(s) == simdjson::SUCCESS);
  p.detail = s;
  simdjson::dom::array errors;
  if (root["errors"].get_array().get(errors) == simdjson::SUCCESS) {
    for (auto e : errors) {
      std::string_view field, message;
      REQUIRE(e["field"].get_string().get(field) == simdjson::SUCCESS);
      REQUIRE(e["message"].get_string().get(message) == simdjson::SUCCESS);
      p.errors.emplace_back(field, message);
    }
  }
  return p;
}

using Errors = std::vector<std::pair<std::string, std::string>>;

// The field errors finish() answers with (empty when it answers nothing).
Errors finish_errors(JsonInput& in) {
  auto bad = in.finish();
  if (!bad) return {};
  const Problem p = read_problem(*bad);
  CHECK(p.status == 422);
  CHECK(p.body_status == 422);
  CHECK(p.content_type == "application/problem+json");
  CHECK(p.type == "https://ticketd.dev/problems/validation");
  CHECK(p.title == "Unprocessable Content");
  CHECK(p.detail == "the request has invalid fields");
  return p.errors;
}

enum class Colour { red, green };
std::optional<Colour> parse_colour(std::string_view s) {
  if (s == "red") return Colour::red;
  if (s == "green") return Colour::green;
  return std::nullopt;
}

}  // namespace

TEST_CASE("a body that is not application/json is 415") {
  const std::vector<std::optional<std::string>> refused{
      std::nullopt,
      "",
      "text/plain",
      "application/jsonx",
      "application/xml",
      "json",
      "multipart/form-data; boundary=x",
      "application/x-www-form-urlencoded",
      "application/json-seq",
  };
  for (const auto& ct : refused) {
    INFO("content-type: ", ct.value_or("(none)"));
    auto in = JsonInput::parse(json_request("{}", ct));
    REQUIRE_FALSE(in.has_value());
    const Problem p = read_problem(in.error());
    CHECK(p.status == 415);
    CHECK(p.body_status == 415);
    CHECK(p.content_type == "application/problem+json");
    CHECK(p.type == "https://ticketd.dev/problems/unsupported-media-type");
    CHECK(p.title == "Unsupported Media Type");
    CHECK(p.detail == "the body must be application/json");
    CHECK(p.errors.empty());
  }
}

TEST_CASE("application/json with parameters, in any case, and merge-patch are accepted") {
  for (const char* ct : {"application/json", "application/json; charset=utf-8", "Application/JSON",
                         "  application/json  ;charset=UTF-8", "application/merge-patch+json"}) {
    INFO("content-type: ", ct);
    auto in = JsonInput::parse(json_request(R"({"a":"b"})", ct));
    REQUIRE(in.has_value());
    CHECK(in->string("a") == "b");
    CHECK_FALSE(in->finish().has_value());
  }
}

TEST_CASE("has_media_type compares the media type only") {
  CHECK(has_media_type(json_request("", "text/CSV; header=present"), "text/csv"));
  CHECK_FALSE(has_media_type(json_request("", "text/csvx"), "text/csv"));
  CHECK_FALSE(has_media_type(json_request("", std::nullopt), "text/csv"));
}

TEST_CASE("a body that is not JSON is 400") {
  for (const char* body : {"", " ", "{", "}", R"({"a":})", R"({"a":1,})", "nope", R"({'a':1})", R"({"a":1} {"b":2})",
                           R"({"a":01})", R"({"a":"unterminated})"}) {
    INFO("body: ", body);
    auto in = JsonInput::parse(json_request(body));
    REQUIRE_FALSE(in.has_value());
    const Problem p = read_problem(in.error());
    CHECK(p.status == 400);
    CHECK(p.type == "https://ticketd.dev/problems/bad-request");
    CHECK(p.title == "Bad Request");
    CHECK(p.detail.starts_with("malformed JSON: "));
    CHECK(p.detail.size() > std::string_view("malformed JSON: ").size());
  }
}

TEST_CASE("invalid UTF-8 is refused as malformed") {
  const std::vector<std::string> bodies{
      "{\"a\":\"\xff\"}",               // never valid
      "{\"a\":\"\xc3\"}",               // truncated sequence
      "{\"a\":\"\xc0\xaf\"}",           // overlong '/'
      "{\"a\":\"\xed\xa0\x80\"}",       // a UTF-16 surrogate encoded as UTF-8
      "{\"\xfe\":\"key is bad\"}",      // in a key
      "{\"a\":\"ok\",\"b\":\"\x80\"}",  // a lone continuation byte
  };
  for (const auto& body : bodies) {
    INFO("body bytes: ", body.size());
    auto in = JsonInput::parse(json_request(body));
    REQUIRE_FALSE(in.has_value());
    CHECK(in.error().status == 400);
  }
  // Valid multi-byte UTF-8 and escapes pass and arrive decoded.
  auto ok = JsonInput::parse(json_request("{\"a\":\"caf\xc3\xa9 \\u00e9 \\ud83d\\ude00 \xf0\x9f\x98\x80\"}"));
  REQUIRE(ok.has_value());
  CHECK(ok->string("a") == "caf\xc3\xa9 \xc3\xa9 \xf0\x9f\x98\x80 \xf0\x9f\x98\x80");
}

TEST_CASE("JSON that is not an object is 422 naming the body") {
  for (const char* body : {"[]", "[{}]", "1", "\"text\"", "null", "true"}) {
    INFO("body: ", body);
    auto in = JsonInput::parse(json_request(body));
    REQUIRE_FALSE(in.has_value());
    const Problem p = read_problem(in.error());
    CHECK(p.status == 422);
    CHECK(p.body_status == 422);
    CHECK(p.type == "https://ticketd.dev/problems/validation");
    CHECK(p.detail == "the body must be a JSON object");
    CHECK(p.errors == Errors{{"", "must be a JSON object"}});
  }
}

TEST_CASE("typed reads collect every field error, in the order read") {
  auto in = JsonInput::parse(
      json_request(R"({"subject":5,"tags":"x","count":"3","colour":"blue","ok":"fine","n":-42,"flag":true})"));
  REQUIRE(in.has_value());
  CHECK_FALSE(in->string("subject").has_value());
  CHECK_FALSE(in->strings("tags").has_value());
  CHECK_FALSE(in->integer("count").has_value());
  CHECK_FALSE(in->enumerated<Colour>("colour", parse_colour, "red, green").has_value());
  CHECK(in->string("ok") == "fine");
  CHECK(in->integer("n") == -42);
  CHECK_FALSE(in->string("flag").has_value());
  CHECK(finish_errors(*in) == Errors{
                                  {"subject", "must be a string"},
                                  {"tags", "must be an array of strings"},
                                  {"count", "must be an integer"},
                                  {"colour", "must be one of red, green"},
                                  {"flag", "must be a string"},
                              });
}

TEST_CASE("absent and null fields read as nothing, without an error") {
  auto in = JsonInput::parse(json_request(R"({"s":null,"l":null,"i":null,"o":null,"e":null})"));
  REQUIRE(in.has_value());
  CHECK_FALSE(in->string("s").has_value());
  CHECK_FALSE(in->strings("l").has_value());
  CHECK_FALSE(in->integer("i").has_value());
  CHECK_FALSE(in->object("o").has_value());
  CHECK_FALSE(in->enumerated<Colour>("e", parse_colour, "red, green").has_value());
  CHECK_FALSE(in->string("absent").has_value());
  CHECK_FALSE(in->integer("absent2").has_value());
  CHECK(finish_errors(*in).empty());
}

TEST_CASE("integers: the int64 range, nothing else") {
  struct Row {
    const char* json;
    std::optional<std::int64_t> value;  // nullopt: "must be an integer"
  };
  const std::vector<Row> rows{
      {"0", 0},
      {"-7", -7},
      {"9223372036854775807", INT64_MAX},
      {"-9223372036854775808", INT64_MIN},
      {"9223372036854775808", std::nullopt},
      {"1.5", std::nullopt},
      {"1e3", std::nullopt},
      {"\"12\"", std::nullopt},
      {"true", std::nullopt},
      {"[1]", std::nullopt},
  };
  for (const auto& row : rows) {
    INFO("n: ", row.json);
    auto in = JsonInput::parse(json_request(std::string(R"({"n":)") + row.json + "}"));
    REQUIRE(in.has_value());
    CHECK(in->integer("n") == row.value);
    const Errors expected = row.value ? Errors{} : Errors{{"n", "must be an integer"}};
    CHECK(finish_errors(*in) == expected);
  }
}

TEST_CASE("strings are limited in bytes, not characters") {
  const std::string e_acute = "\xc3\xa9";  // two bytes
  struct Row {
    std::string value;
    std::size_t max;  // 0: the default
    bool ok;
  };
  auto times = [](const std::string& s, int n) {
    std::string out;
    for (int i = 0; i < n; ++i) out += s;
    return out;
  };
  const std::vector<Row> rows{
      {"", 0, true},
      {std::string(JsonInput::kDefaultMaxString, 'a'), 0, true},
      {std::string(JsonInput::kDefaultMaxString + 1, 'a'), 0, false},
      {times(e_acute, 100), 0, true},   // 200 bytes
      {times(e_acute, 101), 0, false},  // 202 bytes, 101 characters
      {"abcde", 5, true},
      {"abcdef", 5, false},
      {std::string(5000, 'x'), 5000, true},
  };
  for (const auto& row : rows) {
    INFO("bytes ", row.value.size(), " max ", row.max);
    auto in = JsonInput::parse(json_request(R"({"s":")" + row.value + R"("})"));
    REQUIRE(in.has_value());
    auto v = row.max == 0 ? in->string("s") : in->string("s", row.max);
    const std::size_t max = row.max == 0 ? JsonInput::kDefaultMaxString : row.max;
    if (row.ok) {
      CHECK(v == row.value);
      CHECK(finish_errors(*in).empty());
    } else {
      CHECK_FALSE(v.has_value());
      CHECK(finish_errors(*in) == Errors{{"s", "must be at most " + std::to_string(max) + " bytes"}});
    }
  }
  // The limit applies to the decoded string: six bytes of escape are one byte.
  auto in = JsonInput::parse(json_request(R"({"s":"\u0041\u0042"})"));
  REQUIRE(in.has_value());
  CHECK(in->string("s", 2) == "AB");
  CHECK(finish_errors(*in).empty());
}

TEST_CASE("an unknown enum value names the allowed values") {
  auto in = JsonInput::parse(json_request(R"({"a":"red","b":"RED","c":"","d":7})"));
  REQUIRE(in.has_value());
  CHECK(in->enumerated<Colour>("a", parse_colour, "red, green") == Colour::red);
  CHECK_FALSE(in->enumerated<Colour>("b", parse_colour, "red, green").has_value());
  CHECK_FALSE(in->enumerated<Colour>("c", parse_colour, "red, green").has_value());
  CHECK_FALSE(in->enumerated<Colour>("d", parse_colour, "red, green").has_value());
  CHECK(finish_errors(*in) == Errors{
                                  {"b", "must be one of red, green"},
                                  {"c", "must be one of red, green"},
                                  {"d", "must be a string"},
                              });
}

TEST_CASE("require reports absent fields only") {
  auto in = JsonInput::parse(json_request(R"({"here":"x","empty":""})"));
  REQUIRE(in.has_value());
  in->require("here");
  in->require("empty");
  in->require("missing");
  in->require("Here");  // keys are case-sensitive
  CHECK(in->has("here"));
  CHECK_FALSE(in->has("missing"));
  CHECK(in->string("here") == "x");
  CHECK(in->string("empty") == "");
  CHECK(finish_errors(*in) == Errors{{"missing", "is required"}, {"Here", "is required"}});
}

TEST_CASE("nullable_string tells absent, null and a value apart") {
  auto in = JsonInput::parse(
      json_request(R"({"null":null,"value":"u-1","empty":"","number":5,"long":")" + std::string(201, 'x') + R"("})"));
  REQUIRE(in.has_value());
  auto absent = in->nullable_string("absent");
  CHECK_FALSE(absent.has_value());

  auto null = in->nullable_string("null");
  REQUIRE(null.has_value());
  CHECK_FALSE(null->has_value());

  auto value = in->nullable_string("value");
  REQUIRE(value.has_value());
  REQUIRE(value->has_value());
  CHECK(**value == "u-1");

  auto empty = in->nullable_string("empty");
  REQUIRE(empty.has_value());
  REQUIRE(empty->has_value());
  CHECK((*empty)->empty());

  CHECK_FALSE(in->nullable_string("number").has_value());
  CHECK_FALSE(in->nullable_string("long").has_value());
  const std::string message = "must be a string of at most 200 bytes, or null";
  CHECK(finish_errors(*in) == Errors{{"number", message}, {"long", message}});
}

TEST_CASE("string arrays: items, item types and the item limit") {
  auto array_of = [](int n, const std::string& item) {
    std::string out = "[";
    for (int i = 0; i < n; ++i) out += (i ? ",\"" : "\"") + item + "\"";
    return out + "]";
  };
  const auto max = static_cast<int>(JsonInput::kMaxArrayItems);
  struct Row {
    std::string json;
    std::size_t item_max;
    std::optional<std::size_t> items;  // nullopt: an error
    std::string message;
  };
  const std::string too_many = "must have at most " + std::to_string(max) + " items";
  const std::vector<Row> rows{
      {"[]", 200, 0, ""},
      {R"(["a","","c"])", 200, 3, ""},
      {array_of(max, "t"), 200, max, ""},
      {array_of(max + 1, "t"), 200, std::nullopt, too_many},
      {R"(["a",1])", 200, std::nullopt, "must be an array of strings of at most 200 bytes"},
      {R"(["a",null])", 200, std::nullopt, "must be an array of strings of at most 200 bytes"},
      {R"([["a"]])", 200, std::nullopt, "must be an array of strings of at most 200 bytes"},
      {R"(["abc","abcd"])", 3, std::nullopt, "must be an array of strings of at most 3 bytes"},
      {R"(["abc","abc"])", 3, 2, ""},
      {R"("a")", 200, std::nullopt, "must be an array of strings"},
      {R"({"a":"b"})", 200, std::nullopt, "must be an array of strings"},
  };
  for (const auto& row : rows) {
    INFO("tags: ", row.json.substr(0, 60), " item max ", row.item_max);
    auto in = JsonInput::parse(json_request(R"({"tags":)" + row.json + "}"));
    REQUIRE(in.has_value());
    auto v = in->strings("tags", row.item_max);
    if (row.items) {
      REQUIRE(v.has_value());
      CHECK(v->size() == *row.items);
      CHECK(finish_errors(*in).empty());
    } else {
      CHECK_FALSE(v.has_value());
      CHECK(finish_errors(*in) == Errors{{"tags", row.message}});
    }
  }
  auto in = JsonInput::parse(json_request(R"({"tags":["b","a","b"]})"));
  REQUIRE(in.has_value());
  CHECK(in->strings("tags") == std::vector<std::string>{"b", "a", "b"});  // order and duplicates kept
}

TEST_CASE("finish refuses every field that was never read") {
  auto in = JsonInput::parse(json_request(R"({"subject":"s","subjet":"typo","extra":null,"n":1})"));
  REQUIRE(in.has_value());
  CHECK(in->has("n"));  // asking does not count as reading
  CHECK(in->string("subject") == "s");
  CHECK(finish_errors(*in) == Errors{
                                  {"subjet", "is not a known field"},
                                  {"extra", "is not a known field"},
                                  {"n", "is not a known field"},
                              });

  // Everything read, even with a wrong type read as absent: no unknown-field errors.
  auto all = JsonInput::parse(json_request(R"({"a":"x","b":null})"));
  REQUIRE(all.has_value());
  (void)all->string("a");
  (void)all->integer("b");
  CHECK_FALSE(all->finish().has_value());

  // An empty object reads fine.
  auto empty = JsonInput::parse(json_request("{}"));
  REQUIRE(empty.has_value());
  CHECK_FALSE(empty->finish().has_value());
}

TEST_CASE("a nested object shares the errors, with its field names prefixed") {
  auto in = JsonInput::parse(json_request(R"({"status":"resolved",)"
                                          R"("resolution":{"code":"bogus","text":5,"extra":1,)"
                                          R"("why":{"deep":1}}})"));
  REQUIRE(in.has_value());
  CHECK(in->string("status") == "resolved");
  auto r = in->object("resolution");
  REQUIRE(r.has_value());
  CHECK_FALSE(r->enumerated<Colour>("code", parse_colour, "red, green").has_value());
  CHECK_FALSE(r->string("text").has_value());
  auto why = r->object("why");
  REQUIRE(why.has_value());
  why->add_error("reason", "is made up");
  why->reject_unread();
  r->reject_unread();
  CHECK(finish_errors(*in) == Errors{
                                  {"resolution.code", "must be one of red, green"},
                                  {"resolution.text", "must be a string"},
                                  {"resolution.why.reason", "is made up"},
                                  {"resolution.why.deep", "is not a known field"},
                                  {"resolution.extra", "is not a known field"},
                              });
}

TEST_CASE("a nested object that is fully read passes; a non-object is an error") {
  auto in = JsonInput::parse(json_request(R"({"resolution":{"code":"green","text":"done"}})"));
  REQUIRE(in.has_value());
  auto r = in->object("resolution");
  REQUIRE(r.has_value());
  CHECK(r->enumerated<Colour>("code", parse_colour, "red, green") == Colour::green);
  CHECK(r->string("text") == "done");
  r->reject_unread();
  CHECK_FALSE(in->finish().has_value());

  for (const char* value : {"[]", "\"x\"", "1", "true"}) {
    INFO("resolution: ", value);
    auto bad = JsonInput::parse(json_request(std::string(R"({"resolution":)") + value + "}"));
    REQUIRE(bad.has_value());
    CHECK_FALSE(bad->object("resolution").has_value());
    CHECK(finish_errors(*bad) == Errors{{"resolution", "must be an object"}});
  }
}

TEST_CASE("finish checks its own level; a nested input checks its fields with reject_unread") {
  // As documented: reject_unread() is what a nested input calls (see read_resolution).
  auto in = JsonInput::parse(json_request(R"({"resolution":{"code":"red","typo":1}})"));
  REQUIRE(in.has_value());
  auto r = in->object("resolution");
  REQUIRE(r.has_value());
  (void)r->string("code");
  CHECK_FALSE(in->finish().has_value());
  r->reject_unread();
  CHECK(finish_errors(*in) == Errors{{"resolution.typo", "is not a known field"}});
}

TEST_CASE("add_error adds a field error of the handler's own") {
  auto in = JsonInput::parse(json_request(R"({"attachments":["a"]})"));
  REQUIRE(in.has_value());
  CHECK(in->strings("attachments") == std::vector<std::string>{"a"});
  in->add_error("attachments", "attach files after creating the ticket");
  CHECK(finish_errors(*in) == Errors{{"attachments", "attach files after creating the ticket"}});
}

TEST_CASE("raw() is the parsed object") {
  auto in = JsonInput::parse(json_request(R"({"a":1,"b":[true]})"));
  REQUIRE(in.has_value());
  CHECK(in->raw().size() == 2);
  bool b = false;
  CHECK(in->raw()["b"].at(0).get_bool().get(b) == simdjson::SUCCESS);
  CHECK(b);
}
