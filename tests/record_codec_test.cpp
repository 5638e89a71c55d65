// The record codec (eventstore/record_codec.h): canonical bytes, the stored form and its
// hash tail, chain_hash against an independent OpenSSL SHA-256, decode round trips with
// unicode and escapes, and what decode_record, canonical_of_stored and
// minify_json_object refuse.
#include "eventstore/record_codec.h"

#include <doctest/doctest.h>
#include <openssl/evp.h>

#include <string>
#include <vector>

#include "tests/error_of.h"
#include "tests/test_support.h"

using namespace ticketd;
using ticketd::test::error_of;
using ticketd::test::make_event;

namespace {

constexpr std::size_t kMaxData = 64 * 1024;

// SHA-256 as lowercase hex, straight from OpenSSL (not base/sha256.h).
std::string openssl_sha256_hex(const std::string& bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  REQUIRE(EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha256(), nullptr) == 1);
  REQUIRE(length == 32);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < length; ++i) {
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 0xf]);
  }
  return out;
}

// A record as the store seals it: data minified, chained after `prev_hash`.
EventRecord sealed(const NewEvent& e, std::string stream, std::uint64_t position, std::uint64_t version,
                   std::string prev_hash) {
  EventRecord r;
  r.position = position;
  r.stream = std::move(stream);
  r.version = version;
  r.event_id = e.event_id;
  r.type = e.type;
  r.schema = e.schema;
  r.time = e.time;
  r.actor = e.actor;
  r.correlation_id = e.correlation_id;
  r.causation_id = e.causation_id;
  auto data = minify_json_object(e.data, kMaxData);
  REQUIRE(data.has_value());
  r.data = *data;
  r.prev_hash = std::move(prev_hash);
  r.hash = chain_hash(r.prev_hash, canonical_bytes(r));
  return r;
}

// A record full of bytes that need escaping, and non-ASCII text.
EventRecord awkward_record() {
  NewEvent e = make_event("evt-\"1\"", "ticket.commented",
                          "{ \"body\" : \"h\xc3\xa9llo \\\"quoted\\\" back\\\\slash\\nnew line \\t tab "
                          "\\u00e9 \\ud83d\\ude00 \xe2\x9c\x93\" , \"n\" : [ 1 , -2.5e3 , null ], "
                          "\"nested\" : { \"k\" : { } } }");
  e.actor = Actor{"u-\xc3\x84\"", "agent", "acme\\corp"};
  e.correlation_id = "corr\ttab";
  e.causation_id = "cause\x01";
  e.schema = 3;
  e.time = Timestamp{std::chrono::microseconds{-123'456'789}};  // before 1970
  return sealed(e, "ticket-\xc3\x9c\xe2\x82\xac", 7, 2, std::string(kGenesisHash));
}

std::string hex_run(char c) { return std::string(kHashHexBytes, c); }

}  // namespace

TEST_CASE("canonical bytes: the fields in their fixed order, compact, data verbatim") {
  NewEvent e = make_event("e-1", "ticket.created", R"({"subject":"Printer"})");
  e.causation_id = "cause-1";
  const EventRecord r = sealed(e, "ticket-T1", 12, 3, std::string(kGenesisHash));
  CHECK(canonical_bytes(r) ==
        R"({"position":12,"stream":"ticket-T1","version":3,"event_id":"e-1","type":"ticket.created",)"
        R"("schema":1,"time":"2026-09-21T14:13:20.000000Z","actor":{"sub":"u-1","role":"agent",)"
        R"("tenant":"acme"},"correlation_id":"corr-1","causation_id":"cause-1",)"
        R"("data":{"subject":"Printer"}})");
  // The hash fields are not part of it.
  EventRecord other = r;
  other.prev_hash = hex_run('a');
  other.hash = hex_run('b');
  CHECK(canonical_bytes(other) == canonical_bytes(r));
  // Every other field is.
  other = r;
  other.version = 4;
  CHECK(canonical_bytes(other) != canonical_bytes(r));
  other = r;
  other.time += std::chrono::microseconds{1};
  CHECK(canonical_bytes(other) != canonical_bytes(r));
}

TEST_CASE("the stored form is the canonical bytes without '}' plus the fixed-length hash tail") {
  const EventRecord r = awkward_record();
  const std::string canonical = canonical_bytes(r);
  const std::string stored = stored_form(canonical, r);
  REQUIRE(canonical.back() == '}');
  CHECK(stored.size() == canonical.size() - 1 + kHashTailBytes);
  CHECK(kHashTailBytes == std::string(R"(,"prev_hash":"","hash":""})").size() + 2 * kHashHexBytes);
  CHECK(stored.substr(0, canonical.size() - 1) == canonical.substr(0, canonical.size() - 1));
  CHECK(stored.substr(canonical.size() - 1) ==
        R"(,"prev_hash":")" + std::string(kGenesisHash) + R"(","hash":")" + r.hash + R"("})");

  auto back = canonical_of_stored(stored);
  REQUIRE(back.has_value());
  CHECK(*back == canonical);
}

TEST_CASE("chain_hash is SHA-256 over prev_hash's hex digits followed by the canonical bytes") {
  const EventRecord first = awkward_record();
  const std::string canonical = canonical_bytes(first);
  CHECK(first.hash == openssl_sha256_hex(std::string(kGenesisHash) + canonical));
  CHECK(first.hash.size() == kHashHexBytes);
  CHECK(first.hash.find_first_not_of("0123456789abcdef") == std::string::npos);

  // The next record links to the first: its hash covers the first's hash as text.
  const EventRecord second = sealed(make_event("e-2"), "ticket-T1", 8, 3, first.hash);
  CHECK(second.hash == openssl_sha256_hex(first.hash + canonical_bytes(second)));
  CHECK(second.hash != chain_hash(std::string(kGenesisHash), canonical_bytes(second)));

  // Known value: SHA-256 of the empty string.
  CHECK(chain_hash("", "") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  // Only the concatenation counts, not where prev_hash ends.
  CHECK(chain_hash("ab", "c") == chain_hash("a", "bc"));
}

TEST_CASE("decode_record gives back the record, unicode and escapes included") {
  const EventRecord r = awkward_record();
  const std::string stored = stored_form(canonical_bytes(r), r);
  auto decoded = decode_record(stored);
  REQUIRE_MESSAGE(decoded.has_value(), decoded.error().message);
  CHECK(decoded->position == 7);
  CHECK(decoded->stream == "ticket-\xc3\x9c\xe2\x82\xac");
  CHECK(decoded->event_id == "evt-\"1\"");
  CHECK(decoded->actor == Actor{"u-\xc3\x84\"", "agent", "acme\\corp"});
  CHECK(decoded->correlation_id == "corr\ttab");
  CHECK(decoded->causation_id == "cause\x01");
  CHECK(decoded->schema == 3);
  CHECK(decoded->time == Timestamp{std::chrono::microseconds{-123'456'789}});
  CHECK(decoded->data == r.data);  // the minified bytes, escapes still escaped
  CHECK(decoded->data.find("\\\"quoted\\\"") != std::string::npos);
  CHECK(decoded->prev_hash == kGenesisHash);
  CHECK(decoded->hash == r.hash);
  CHECK(*decoded == r);
  // Re-encoding the decoded record gives the same bytes, so the hash still verifies.
  CHECK(canonical_bytes(*decoded) == canonical_bytes(r));
  CHECK(chain_hash(decoded->prev_hash, canonical_bytes(*decoded)) == decoded->hash);
}

TEST_CASE("decode_record round-trips a chain of records") {
  std::string prev(kGenesisHash);
  for (std::uint64_t p = 1; p <= 20; ++p) {
    NewEvent e = make_event("e-" + std::to_string(p), p % 2 ? "ticket.created" : "ticket.commented",
                            R"({"i":)" + std::to_string(p) + R"(,"s":"\u0000x"})");
    e.time += std::chrono::microseconds{p * 1'000'003};
    const EventRecord r = sealed(e, "s-" + std::to_string(p % 3), p, (p + 2) / 3, prev);
    const std::string stored = stored_form(canonical_bytes(r), r);
    auto decoded = decode_record(stored);
    REQUIRE(decoded.has_value());
    CHECK(*decoded == r);
    auto canonical = canonical_of_stored(stored);
    REQUIRE(canonical.has_value());
    CHECK(chain_hash(decoded->prev_hash, *canonical) == decoded->hash);
    prev = r.hash;
  }
}

TEST_CASE("decode_record refuses every truncation of a stored record") {
  const EventRecord r = awkward_record();
  const std::string stored = stored_form(canonical_bytes(r), r);
  REQUIRE(decode_record(stored).has_value());
  for (std::size_t n = 0; n < stored.size(); ++n) {
    INFO("first ", n, " of ", stored.size(), " bytes");
    auto decoded = decode_record(std::string_view(stored).substr(0, n));
    CHECK_FALSE(decoded.has_value());
    if (!decoded) CHECK(decoded.error().code == Errc::internal);
  }
}

TEST_CASE("decode_record refuses malformed records") {
  const EventRecord r = sealed(make_event("e-1"), "ticket-T1", 1, 1, std::string(kGenesisHash));
  const std::string good = stored_form(canonical_bytes(r), r);
  REQUIRE(decode_record(good).has_value());
  auto replaced = [&](const std::string& from, const std::string& to) {
    std::string s = good;
    const auto at = s.find(from);
    REQUIRE_MESSAGE(at != std::string::npos, from);
    s.replace(at, from.size(), to);
    return s;
  };
  const std::vector<std::pair<const char*, std::string>> rows{
      {"empty", ""},
      {"not JSON", "not json"},
      {"an array", "[1,2]"},
      {"a string", R"("record")"},
      {"empty object", "{}"},
      {"position as a string", replaced(R"("position":1)", R"("position":"1")")},
      {"negative position", replaced(R"("position":1)", R"("position":-1)")},
      {"fractional version", replaced(R"("version":1)", R"("version":1.5)")},
      {"no type", replaced(R"("type":"ticket.commented",)", "")},
      {"type as null", replaced(R"("type":"ticket.commented")", R"("type":null)")},
      {"actor not an object", replaced(R"("actor":{"sub":"u-1","role":"agent","tenant":"acme"})", R"("actor":"u-1")")},
      {"actor without a role", replaced(R"("role":"agent",)", "")},
      {"data an array", replaced(R"("data":{"body":"hello"})", R"("data":["hello"])")},
      {"data a string", replaced(R"("data":{"body":"hello"})", R"("data":"{}")")},
      {"no prev_hash", replaced(R"("prev_hash":")" + std::string(kGenesisHash) + R"(",)", "")},
      {"hash a number", replaced(R"("hash":")" + r.hash + R"(")", R"("hash":1)")},
      // Found by the fuzzer: such a hash made a stored form that is not JSON.
      {"hash not hex", replaced(R"("hash":")" + r.hash, R"("hash":")" + r.hash.substr(2))},
      {"prev_hash short", replaced(std::string(kGenesisHash), std::string(kGenesisHash).substr(1))},
      {"hash uppercase", replaced(r.hash, std::string(64, 'A'))},
      {"time not RFC 3339", replaced("2026-09-21T14:13:20.000000Z", "2026-09-21 14:13")},
      {"time without a zone", replaced("2026-09-21T14:13:20.000000Z", "2026-09-21T14:13:20.000000")},
      {"invalid UTF-8", replaced("u-1", "u-\xff")},
      {"unclosed string", replaced(R"("hello"})", R"("hello})")},
      // Found by fuzz/record_codec_fuzz.cpp: the on-demand parser's lookups after this
      // reached simdjson's "unreachable" (undefined behaviour in a release build).
      {"data with a bare word", replaced(R"("data":{"body":"hello"})", R"("data":{N10__cxxabiv,"body":"hello"})")},
  };
  for (const auto& [what, text] : rows) {
    INFO(what);
    auto decoded = decode_record(text);
    CHECK_FALSE(decoded.has_value());
    if (!decoded) CHECK(decoded.error().code == Errc::internal);
  }
}

TEST_CASE("canonical_of_stored refuses a stored form without the exact hash tail") {
  const EventRecord r = sealed(make_event("e-1"), "ticket-T1", 1, 1, std::string(kGenesisHash));
  const std::string canonical = canonical_bytes(r);
  const std::string body = canonical.substr(0, canonical.size() - 1);
  auto with_tail = [&](const std::string& prev, const std::string& hash) {
    return body + R"(,"prev_hash":")" + prev + R"(","hash":")" + hash + R"("})";
  };
  REQUIRE(canonical_of_stored(with_tail(hex_run('0'), hex_run('f'))) == canonical);
  std::string unclosed = with_tail(hex_run('0'), hex_run('f'));
  unclosed.pop_back();
  const std::vector<std::pair<const char*, std::string>> rows{
      {"empty", ""},
      {"an empty object", "{}"},
      {"the canonical bytes alone", canonical},
      {"only the tail", R"(,"prev_hash":")" + hex_run('0') + R"(","hash":")" + hex_run('f') + R"("})"},
      {"prev_hash one digit short", with_tail(std::string(63, '0'), hex_run('f'))},
      {"prev_hash one digit long", with_tail(std::string(65, '0'), hex_run('f'))},
      {"hash one digit short", with_tail(hex_run('0'), std::string(63, 'f'))},
      {"hash one digit long", with_tail(hex_run('0'), std::string(65, 'f'))},
      {"both hashes empty", with_tail("", "")},
      {"no closing brace", unclosed},
      {"a trailing newline", with_tail(hex_run('0'), hex_run('f')) + "\n"},
      {"keys swapped", body + R"(,"hash":")" + hex_run('f') + R"(","prev_hash":")" + hex_run('0') + R"("})"},
  };
  for (const auto& [what, text] : rows) {
    INFO(what);
    auto c = canonical_of_stored(text);
    CHECK_FALSE(c.has_value());
    if (!c) CHECK(c.error().code == Errc::internal);
  }
}

TEST_CASE("minify_json_object minifies objects, keeping string contents") {
  struct Row {
    std::string in;
    std::string out;
  };
  const std::vector<Row> rows{
      {"{}", "{}"},
      {" { } ", "{}"},
      {"{\n  \"a\" : [ 1 , 2 ] ,\r\n\t\"b\" : { \"c\" : null }\n}", R"({"a":[1,2],"b":{"c":null}})"},
      {R"({"s":"  spaces  \" inside ","t":true})", R"({"s":"  spaces  \" inside ","t":true})"},
      {"{\"u\":\"\xc3\xa9\\u00e9\"}", "{\"u\":\"\xc3\xa9\\u00e9\"}"},  // escapes stay escaped
      {R"({"n":-1.5e+10})", R"({"n":-1.5e+10})"},
  };
  for (const auto& row : rows) {
    INFO(row.in);
    auto m = minify_json_object(row.in, kMaxData);
    REQUIRE_MESSAGE(m.has_value(), m.error().message);
    CHECK(*m == row.out);
  }
}

TEST_CASE("minify_json_object refuses non-objects, malformed JSON and invalid UTF-8") {
  const std::vector<std::string> refused{
      "",
      " ",
      "[]",
      "[{}]",
      "1",
      "\"{}\"",
      "null",
      "true",
      "{",
      "{\"a\":}",
      "{\"a\":1,}",
      "{'a':1}",
      "{} {}",
      "{\"a\":\"\xff\"}",
      "{\"a\":\"\xc3\"}",
      "{\"a\":\"\xed\xa0\x80\"}",
      "{\"\xc0\xaf\":1}",
  };
  for (const auto& json : refused) {
    INFO("input bytes: ", json.size(), " '", json, "'");
    auto m = minify_json_object(json, kMaxData);
    CHECK_FALSE(m.has_value());
    if (!m) CHECK(m.error().code == Errc::validation);
  }
}

TEST_CASE("minify_json_object limits the input size, whitespace included") {
  const std::string padded = R"({ "a" : 1 })";  // 11 bytes, 7 when minified
  CHECK(minify_json_object(padded, padded.size()).has_value());
  auto over = minify_json_object(padded, padded.size() - 1);
  REQUIRE_FALSE(over.has_value());
  CHECK(over.error().code == Errc::too_large);
  // The size check comes first: oversize garbage is too_large, not a validation error.
  auto garbage = minify_json_object(std::string(100, 'x'), 99);
  REQUIRE_FALSE(garbage.has_value());
  CHECK(garbage.error().code == Errc::too_large);
  CHECK(error_of(minify_json_object("{}", 1)).code == Errc::too_large);
}
