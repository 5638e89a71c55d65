// Bad input over real HTTP: each gets its documented error as problem+json, the server
// stays up and nothing is written. Also tokens (HS256, RS256, expired, tampered),
// Idempotency-Key replays, the per-principal rate limit and a SIGTERM with requests in
// flight.
#include <doctest/doctest.h>
#include <jwt.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <atomic>
#include <cctype>
#include <fstream>
#include <mutex>
#include <set>
#include <thread>
#include <tuple>

#include "tests/http_world.h"

using namespace ticketd;
using namespace ticketd::test;

namespace {

struct BadRequest {
  std::string what;
  std::string method;
  std::string target;
  std::string body;
  std::string content_type;
  int status;
  std::string field = "";  // for 422: the field the errors name
};

// No answer carries the text of what is underneath: file paths, SQLite's or RocksDB's
// messages, C++ exception text.
void check_no_internal_text(const Reply& r, const std::string& what) {
  std::string body = r.body;
  for (auto& c : body) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const char* internal : {"/tmp/", "sqlite", "rocksdb", "fts5", "io error", "std::", "what()", "syntax error"}) {
    CHECK_MESSAGE(body.find(internal) == std::string::npos, what, ": ", internal, " in ", r.body.substr(0, 300));
  }
}

void check_problem(const Reply& r, int status, const std::string& what) {
  CHECK_MESSAGE(r.status == status, what, ": ", r.status, " ", r.body.substr(0, 300));
  CHECK_MESSAGE(r.header("content-type") == "application/problem+json", what);
  if (r.header("content-type") != "application/problem+json") return;
  CHECK(r.json()["status"].get_int64().value() == status);
  CHECK(!r.json()["title"].get_string().value().empty());
  CHECK(!r.json()["type"].get_string().value().empty());
  check_no_internal_text(r, what);
}

std::size_t attachment_count(World& w, const std::string& id) {
  return w.as(Role::agent, "GET", "/api/v1/tickets/" + id + "/attachments").json()["items"].get_array().value().size();
}

// A JWT whose payload is `claims` (JSON), signed HS256 with `secret` or not at all.
std::string raw_jwt(const std::string& claims, const std::string& secret, jwt_alg_t alg) {
  jwt_t* j = nullptr;
  REQUIRE(jwt_new(&j) == 0);
  REQUIRE(jwt_add_grants_json(j, claims.c_str()) == 0);
  REQUIRE(jwt_set_alg(j, alg, secret.empty() ? nullptr : reinterpret_cast<const unsigned char*>(secret.data()),
                      static_cast<int>(secret.size())) == 0);
  char* text = jwt_encode_str(j);
  std::string out(text);
  free(text);  // NOLINT: libjwt's allocation
  jwt_free(j);
  return out;
}

long unix_now() {
  return static_cast<long>(
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count());
}

}  // namespace

TEST_CASE("bad input: each gets its error, the server stays up, nothing is written") {
  World w;
  const std::string id = w.new_ticket();
  const std::string t = "/api/v1/tickets/" + id;
  w.await_read_models();
  const auto head = w.head();

  const std::string json = "application/json";
  const std::vector<BadRequest> cases{
      {"truncated JSON", "POST", "/api/v1/tickets", R"({"subject":)", json, 400},
      {"unterminated object", "POST", "/api/v1/tickets", R"({"subject":"x")", json, 400},
      {"not JSON", "POST", "/api/v1/tickets", "subject=x", json, 400},
      {"JSON but not an object", "POST", "/api/v1/tickets", "[1,2]", json, 422},
      {"wrong type", "POST", "/api/v1/tickets", R"({"subject":5})", json, 422, "subject"},
      {"missing required field", "POST", "/api/v1/tickets", R"({"description":"d"})", json, 422, "subject"},
      {"empty subject", "POST", "/api/v1/tickets", R"({"subject":"   "})", json, 422, "subject"},
      {"subject too long", "POST", "/api/v1/tickets", R"({"subject":")" + std::string(201, 's') + R"("})", json, 422,
       "subject"},
      {"unknown enum value", "POST", "/api/v1/tickets", R"({"subject":"x","priority":"extreme"})", json, 422,
       "priority"},
      {"unknown field", "POST", "/api/v1/tickets", R"({"subject":"x","colour":"red"})", json, 422, "colour"},
      {"tags not a list", "PATCH", t, R"({"tags":"vpn"})", json, 422, "tags"},
      {"invalid UTF-8", "POST", "/api/v1/tickets", "{\"subject\":\"bad \xff\xfe bytes\"}", json, 400},
      {"invalid UTF-8 in a comment", "POST", t + "/comments", "{\"body\":\"\xc3\x28\"}", json, 400},
      {"wrong content type", "POST", "/api/v1/tickets", R"({"subject":"x"})", "text/plain", 415},
      {"no content type", "POST", t + "/comments", R"({"body":"x"})", "", 415},
      {"body over the limit", "POST", "/api/v1/tickets",
       R"({"subject":"x","description":")" + std::string(1100 * 1024, 'd') + R"("})", json, 413},
      {"unknown status", "POST", t + "/status", R"({"status":"flying"})", json, 422, "status"},
      {"comment body of the wrong type", "POST", t + "/comments", R"({"body":12})", json, 422, "body"},
      {"comment visibility unknown", "POST", t + "/comments", R"({"body":"x","visibility":"secret"})", json, 422,
       "visibility"},
      {"rating not a number", "POST", t + "/feedback", R"({"rating":"five"})", json, 422, "rating"},
      {"rating out of range", "POST", t + "/feedback", R"({"rating":9})", json, 422, "rating"},
      {"assignee of the wrong type", "POST", t + "/assign", R"({"assignee":7})", json, 422, "assignee"},
      {"bulk ids not a list", "POST", "/api/v1/tickets/bulk", R"({"ids":"a","action":"priority","priority":"low"})",
       json, 422, "ids"},
      {"limit not a number", "GET", "/api/v1/tickets?limit=ten", "", "", 400},
      {"path traversal in a file name", "POST", t + "/attachments?filename=..%2F..%2Fetc%2Fpasswd", "x", "text/plain",
       422, "file_name"},
      {"backslash in a file name", "POST", t + "/attachments?filename=..%5Cboot.ini", "x", "text/plain", 422,
       "file_name"},
      {"attachment type not allowed", "POST", t + "/attachments?filename=run.exe", "MZ", "application/x-msdownload",
       415},
      {"infected attachment", "POST", t + "/attachments?filename=eicar.txt",
       "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*", "text/plain", 422, "file"},
      {"multipart without a boundary", "POST", t + "/attachments", "--x\r\n", "multipart/form-data", 400},
      {"traversal in an attachment id", "GET", "/api/v1/attachments/..%2F..%2Fetc%2Fpasswd/content", "", "", 404},
      // Streams of other kinds exist under these names (tenant acme, user ada): none is a ticket.
      {"a tenant stream as a ticket id", "GET", "/api/v1/tickets/tenant:acme", "", "", 404},
      {"a user stream as a ticket id", "GET", "/api/v1/tickets/user:ada", "", "", 404},
      {"a user stream's history", "GET", "/api/v1/tickets/user:ada/history", "", "", 404},
      {"a comment on a tenant stream", "POST", "/api/v1/tickets/tenant:acme/comments", R"({"body":"x"})", json, 404},
  };
  for (const auto& c : cases) {
    auto r = w.http.request(c.method, c.target, c.body, {bearer(w.tokens.at(Role::admin))}, c.content_type);
    check_problem(r, c.status, c.what);
    if (!c.field.empty() && r.status == 422) {
      bool named = false;
      for (auto e : r.array("errors")) {
        named = named || e["field"].get_string().value() == c.field;
      }
      CHECK_MESSAGE(named, c.what, ": ", r.body);
    }
  }

  // Queries aimed at the read model's SQL and full-text syntax: each is answered 200 or 400,
  // never with SQLite's words.
  for (const char* query : {"q=%22unterminated", "q=NEAR(a%20b", "q=*", "q=a%20AND%20OR%20NOT", "q=%22%22%22",
                            "q=subject%3Ax", "q=%5E%5E", "q=a%27%29%3B--", "sort=due%3BDROP", "cursor=%27%29%3B--",
                            "cursor=created.9999999999999999999999.1", "status=%27", "tag=%25", "assignee=%00"}) {
    auto r = w.as(Role::agent, "GET", std::string("/api/v1/tickets?") + query);
    CHECK_MESSAGE((r.status == 200 || r.status == 400), query, ": ", r.status, " ", r.body.substr(0, 300));
    check_no_internal_text(r, query);
  }

  // A multipart upload whose file name climbs out of the directory.
  const std::string boundary = "b0undary";
  const std::string evil = "--" + boundary +
                           "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"../../x.txt\"\r\n"
                           "Content-Type: text/plain\r\n\r\nhello\r\n--" +
                           boundary + "--\r\n";
  check_problem(w.http.request("POST", t + "/attachments", evil, {bearer(w.tokens.at(Role::admin))},
                               "multipart/form-data; boundary=" + boundary),
                422, "multipart traversal");

  // Headers over the limit (431), a request line that is not HTTP (400), a body cut short.
  const std::string huge_header =
      "GET /healthz HTTP/1.1\r\nHost: t\r\nX-Fill: " + std::string(20 * 1024, 'h') + "\r\n\r\n";
  const std::string answer = w.http.raw(huge_header);
  CHECK_MESSAGE(answer.starts_with("HTTP/1.1 431"), answer.substr(0, 200));
  CHECK(answer.find("application/problem+json") != std::string::npos);
  const std::string garbage = w.http.raw("NOT HTTP AT ALL\r\n\r\n");
  CHECK_MESSAGE(garbage.starts_with("HTTP/1.1 400"), garbage.substr(0, 200));
  (void)w.http.raw("POST " + t + "/comments HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " + w.tokens.at(Role::admin) +
                       "\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"body\":\"cut",
                   std::chrono::milliseconds(300));

  // Errors the server makes itself echo the client's X-Request-Id once the header was read:
  // a declared body over the limit (413), a bad target (400), a malformed chunked body (400),
  // and a header over its limit (431) whose X-Request-Id came before the limit.
  for (const auto& [what, request, status] : std::vector<std::tuple<std::string, std::string, std::string>>{
           {"413",
            "POST /api/v1/tickets HTTP/1.1\r\nHost: t\r\nX-Request-Id: trace-413\r\nContent-Length: 9999999\r\n\r\n",
            "413"},
           {"bad target", "GET /api/v1/%zz? HTTP/1.1\r\nHost: t\r\nX-Request-Id: trace-target\r\n\r\n", "400"},
           {"bad chunk",
            "POST /api/v1/tickets HTTP/1.1\r\nHost: t\r\nX-Request-Id: trace-chunk\r\n"
            "Transfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n",
            "400"},
           {"431",
            "GET /healthz HTTP/1.1\r\nHost: t\r\nX-Request-Id: trace-431\r\nX-Fill: " + std::string(20 * 1024, 'h') +
                "\r\n\r\n",
            "431"}}) {
    const std::string echoed = w.http.raw(request, std::chrono::milliseconds(1000));
    CHECK_MESSAGE(echoed.starts_with("HTTP/1.1 " + status), what, ": ", echoed.substr(0, 200));
    const std::string request_id =
        request.substr(request.find("X-Request-Id: ") + 14,
                       request.find("\r\n", request.find("X-Request-Id: ")) - request.find("X-Request-Id: ") - 14);
    CHECK_MESSAGE(echoed.find("X-Request-Id: " + request_id + "\r\n") != std::string::npos, what, ": ",
                  echoed.substr(0, 300));
  }

  // Still up, and nothing was written: the log head and the ticket are as before.
  CHECK(w.http.request("GET", "/healthz").status == 200);
  CHECK(w.head() == head);
  CHECK(attachment_count(w, id) == 0);
  CHECK(w.as(Role::agent, "GET", t).header("etag") == "\"1\"");
}

TEST_CASE("tokens: missing, malformed, tampered, expired, unsigned or wrongly signed tokens get 401") {
  World w;
  const long now = unix_now();
  const std::string claims = R"({"sub":"alex","tenant":"acme","role":"agent","exp":)" + std::to_string(now + 600) + "}";
  const std::string good = raw_jwt(claims, kTestSecret, JWT_ALG_HS256);
  REQUIRE(w.with(good, "GET", "/api/v1/meta").status == 200);

  std::string tampered = good;  // the payload edited, the signature kept
  const auto dot = tampered.find('.');
  tampered[dot + 5] = tampered[dot + 5] == 'A' ? 'B' : 'A';
  std::string bad_signature = good;
  bad_signature.back() = bad_signature.back() == 'A' ? 'B' : 'A';

  const std::vector<std::pair<std::string, std::string>> bad{
      {"expired (beyond the 30 s leeway)",
       raw_jwt(R"({"sub":"alex","tenant":"acme","role":"agent","exp":)" + std::to_string(now - 60) + "}", kTestSecret,
               JWT_ALG_HS256)},
      {"not valid before (nbf)", raw_jwt(R"({"sub":"alex","tenant":"acme","role":"agent","exp":)" +
                                             std::to_string(now + 600) + R"(,"nbf":)" + std::to_string(now + 300) + "}",
                                         kTestSecret, JWT_ALG_HS256)},
      {"issued in the future (iat)",
       raw_jwt(R"({"sub":"alex","tenant":"acme","role":"agent","exp":)" + std::to_string(now + 600) + R"(,"iat":)" +
                   std::to_string(now + 300) + "}",
               kTestSecret, JWT_ALG_HS256)},
      {"no exp", raw_jwt(R"({"sub":"alex","tenant":"acme","role":"agent"})", kTestSecret, JWT_ALG_HS256)},
      {"no tenant",
       raw_jwt(R"({"sub":"alex","role":"agent","exp":)" + std::to_string(now + 600) + "}", kTestSecret, JWT_ALG_HS256)},
      {"unknown role",
       raw_jwt(R"({"sub":"alex","tenant":"acme","role":"wizard","exp":)" + std::to_string(now + 600) + "}", kTestSecret,
               JWT_ALG_HS256)},
      {"system role",
       raw_jwt(R"({"sub":"alex","tenant":"acme","role":"system","exp":)" + std::to_string(now + 600) + "}", kTestSecret,
               JWT_ALG_HS256)},
      {"another secret", raw_jwt(claims, "not-the-secret-at-all-0123456789", JWT_ALG_HS256)},
      {"alg none", raw_jwt(claims, "", JWT_ALG_NONE)},
      {"tampered payload", tampered},
      {"bad signature", bad_signature},
      {"garbage", "not.a.jwt"},
      {"oversize", std::string(9000, 'a')},
  };
  for (const auto& [what, jwt] : bad) {
    auto r = w.with(jwt, "GET", "/api/v1/meta");
    check_problem(r, 401, what);
    CHECK_MESSAGE(r.header("www-authenticate").starts_with("Bearer"), what);
  }
  // Within the leeway (clock skew): accepted.
  for (const std::string& claim : {R"("exp":)" + std::to_string(now - 5),
                                   R"("exp":)" + std::to_string(now + 600) + R"(,"nbf":)" + std::to_string(now + 5),
                                   R"("exp":)" + std::to_string(now + 600) + R"(,"iat":)" + std::to_string(now + 5)}) {
    const std::string jwt =
        raw_jwt(R"({"sub":"alex","tenant":"acme","role":"agent",)" + claim + "}", kTestSecret, JWT_ALG_HS256);
    CHECK_MESSAGE(w.with(jwt, "GET", "/api/v1/meta").status == 200, claim);
  }
  auto none = w.http.request("GET", "/api/v1/meta");
  check_problem(none, 401, "no token");
  CHECK(none.header("www-authenticate") == "Bearer");
  auto basic = w.http.request("GET", "/api/v1/meta", "", {{"Authorization", "Basic YWxhZGRpbjpvcGVuc2VzYW1l"}});
  check_problem(basic, 401, "basic auth");
}

TEST_CASE("--jwt-issuer and --jwt-audience: only tokens with that iss and an aud holding that audience") {
  TempDir data;
  ServerProcess server(data.str(), {"--jwt-issuer", "https://idp.example", "--jwt-audience", "ticketd"});
  HttpClient http = server.client();
  const std::string exp = std::to_string(unix_now() + 600);
  auto with_claims = [&](const std::string& extra) {
    const std::string jwt = raw_jwt(R"({"sub":"alex","tenant":"acme","role":"agent","exp":)" + exp + extra + "}",
                                    kTestSecret, JWT_ALG_HS256);
    return http.request("GET", "/api/v1/meta", "", {bearer(jwt)});
  };
  CHECK(with_claims(R"(,"iss":"https://idp.example","aud":"ticketd")").status == 200);
  CHECK(with_claims(R"(,"iss":"https://idp.example","aud":["other","ticketd"])").status == 200);
  check_problem(with_claims(""), 401, "neither");
  check_problem(with_claims(R"(,"iss":"https://evil.example","aud":"ticketd")"), 401, "another issuer");
  check_problem(with_claims(R"(,"iss":"https://idp.example","aud":"other")"), 401, "another audience");
  check_problem(with_claims(R"(,"iss":"https://idp.example","aud":["other"])"), 401, "audience list without ours");
  check_problem(with_claims(R"(,"iss":"https://idp.example")"), 401, "no audience");
  CHECK(server.stop() == 0);
}

TEST_CASE("failed authentications are limited per client address: a burst of 30, then 429 until it refills") {
  World w;
  const std::string good = w.tokens.at(Role::agent);
  for (int i = 0; i < 30; ++i) {
    const Reply r = w.with("not.a.token", "GET", "/api/v1/meta");
    REQUIRE_MESSAGE(r.status == 401, i);
  }
  const Reply limited = w.with("not.a.token", "GET", "/api/v1/meta");
  CHECK(limited.status == 429);
  CHECK(limited.header("retry-after") == "1");
  // The address is not even verified while limited, a good token included.
  CHECK(w.with(good, "GET", "/api/v1/meta").status == 429);
  CHECK(w.http.request("GET", "/healthz").status == 200);        // unauthenticated routes are not limited
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));  // one failure's worth refills per second
  CHECK(w.with(good, "GET", "/api/v1/meta").status == 200);
  CHECK(w.with("not.a.token", "GET", "/api/v1/meta").status == 401);  // the refilled one, spent
  CHECK(w.with("not.a.token", "GET", "/api/v1/meta").status == 429);
}

TEST_CASE("RS256 tokens of an external identity provider verify with its PEM public key") {
  TempDir keys;
  EVP_PKEY* key = EVP_RSA_gen(2048);
  REQUIRE(key != nullptr);
  BIO* priv = BIO_new(BIO_s_mem());
  BIO* pub = BIO_new(BIO_s_mem());
  REQUIRE(PEM_write_bio_PrivateKey(priv, key, nullptr, nullptr, 0, nullptr, nullptr) == 1);
  REQUIRE(PEM_write_bio_PUBKEY(pub, key) == 1);
  auto text_of = [](BIO* b) {
    char* data = nullptr;
    const long n = BIO_get_mem_data(b, &data);
    return std::string(data, static_cast<std::size_t>(n));
  };
  const std::string private_pem = text_of(priv);
  const std::string public_pem = text_of(pub);
  BIO_free(priv);
  BIO_free(pub);
  EVP_PKEY_free(key);
  const std::string pem_path = keys.str() + "/idp.pem";
  std::ofstream(pem_path) << public_pem;

  TempDir data;
  ServerProcess server(data.str(), {"--jwt-public-key", pem_path});
  HttpClient http = server.client();
  const std::string claims =
      R"({"sub":"ines","tenant":"acme","role":"agent","exp":)" + std::to_string(unix_now() + 600) + "}";
  const std::string rs = raw_jwt(claims, private_pem, JWT_ALG_RS256);
  auto ok = http.request("GET", "/api/v1/meta", "", {bearer(rs)});
  CHECK_MESSAGE(ok.status == 200, ok.body);
  // HS256 still works with the secret; an HS256 token "signed" with the public key does not.
  CHECK(http.request("GET", "/api/v1/meta", "", {bearer(raw_jwt(claims, kTestSecret, JWT_ALG_HS256))}).status == 200);
  CHECK(http.request("GET", "/api/v1/meta", "", {bearer(raw_jwt(claims, public_pem, JWT_ALG_HS256))}).status == 401);
  const std::string expired =
      raw_jwt(R"({"sub":"ines","tenant":"acme","role":"agent","exp":)" + std::to_string(unix_now() - 60) + "}",
              private_pem, JWT_ALG_RS256);
  CHECK(http.request("GET", "/api/v1/meta", "", {bearer(expired)}).status == 401);
  CHECK(server.stop() == 0);
}

TEST_CASE("Idempotency-Key: a repeat returns the first answer and writes nothing; another body is 422") {
  World w;
  const std::string body = R"({"subject":"Keyed ticket","description":"once"})";
  auto first = w.as(Role::customer, "POST", "/api/v1/tickets", body, {{"Idempotency-Key", "k-1"}});
  REQUIRE_MESSAGE(first.status == 201, first.body);
  const auto head = w.head();
  auto again = w.as(Role::customer, "POST", "/api/v1/tickets", body, {{"Idempotency-Key", "k-1"}});
  CHECK(again.status == 201);
  CHECK(again.str("id") == first.str("id"));
  CHECK(again.header("idempotent-replayed") == "true");
  CHECK(w.head() == head);
  auto other_body =
      w.as(Role::customer, "POST", "/api/v1/tickets", R"({"subject":"Different"})", {{"Idempotency-Key", "k-1"}});
  check_problem(other_body, 422, "same key, other body");
  CHECK(w.head() == head);
  // Keys belong to their principal: the same key from someone else is a new request.
  auto cody = w.with(w.other_customer, "POST", "/api/v1/tickets", body, {{"Idempotency-Key", "k-1"}});
  CHECK(cody.status == 201);
  CHECK(cody.str("id") != first.str("id"));

  const std::string comments = "/api/v1/tickets/" + first.str("id") + "/comments";
  auto c1 = w.as(Role::agent, "POST", comments, R"({"body":"Looking."})", {{"Idempotency-Key", "c-1"}});
  REQUIRE(c1.status == 201);
  const auto head2 = w.head();
  auto c2 = w.as(Role::agent, "POST", comments, R"({"body":"Looking."})", {{"Idempotency-Key", "c-1"}});
  CHECK(c2.status == 201);
  CHECK(c2.str("id") == c1.str("id"));
  CHECK(w.head() == head2);
  CHECK(w.as(Role::agent, "GET", comments).json()["items"].get_array().value().size() == 1);
  check_problem(w.as(Role::agent, "POST", comments, R"({"body":"x"})", {{"Idempotency-Key", std::string(300, 'k')}}),
                400, "oversize key");
}

TEST_CASE("rate limit: a burst of 8, then 429 with Retry-After, one more after it; others go on") {
  World w({"--rate-limit", "1", "--rate-burst", "8"});
  // A principal the World has not used yet: its bucket is full.
  const std::string fresh_agent = token(Role::agent, "acme", "alma");
  auto as_alma = [&] { return w.with(fresh_agent, "GET", "/api/v1/meta"); };
  for (int i = 0; i < 8; ++i) REQUIRE_MESSAGE(as_alma().status == 200, i);
  const Reply limited = as_alma();  // the 9th at once: over the burst
  check_problem(limited, 429, "over the budget");
  const int retry_after = std::atoi(limited.header("retry-after").c_str());
  CHECK(retry_after == 1);                                          // one request's worth refills in a second at 1/s
  CHECK(w.as(Role::manager, "GET", "/api/v1/meta").status == 200);  // another principal's bucket
  CHECK(w.http.request("GET", "/healthz").status == 200);           // unauthenticated probes are not limited
  std::this_thread::sleep_for(std::chrono::seconds(retry_after) + std::chrono::milliseconds(50));
  CHECK(as_alma().status == 200);  // refilled: one
  CHECK(as_alma().status == 429);  // and only one
}

// A raw connection on which a request is sent in two parts, for a request in flight.
class SlowRequest {
 public:
  SlowRequest(const std::string& address, const std::string& head, const std::string& body)
      : socket_(ioc_), body_(body) {
    const auto colon = address.rfind(':');
    boost::asio::ip::tcp::resolver resolver(ioc_);
    socket_.connect(*resolver.resolve(address.substr(0, colon), address.substr(colon + 1)).begin());
    boost::asio::write(socket_, boost::asio::buffer(head + body_.substr(0, body_.size() / 2)));
  }
  // Sends the rest and reads the answer.
  Reply finish() {
    namespace bhttp = boost::beast::http;
    boost::asio::write(socket_, boost::asio::buffer(body_.substr(body_.size() / 2)));
    boost::beast::flat_buffer buffer;
    bhttp::response<bhttp::string_body> res;
    bhttp::read(socket_, buffer, res);
    Reply r;
    r.status = static_cast<int>(res.result_int());
    r.body = res.body();
    return r;
  }

 private:
  boost::asio::io_context ioc_;
  boost::asio::ip::tcp::socket socket_;
  std::string body_;
};

TEST_CASE("SIGTERM: requests in flight are answered, ticketd exits 0, every acknowledged write survives") {
  TempDir dir;
  std::vector<std::string> acknowledged;
  std::vector<std::string> unanswered;  // sent (or about to be) and never answered
  std::string ticket;
  const std::string agent = token(Role::agent, "acme", "alex");
  const std::string slow_body = R"({"body":"the slow one, sent across the SIGTERM"})";
  {
    ServerProcess server(dir.str());
    HttpClient setup = server.client();
    auto created = setup.request("POST", "/api/v1/tickets", R"({"subject":"Busy ticket"})", {bearer(agent)});
    REQUIRE(created.status == 201);
    ticket = created.str("id");

    std::mutex mu;
    std::atomic<bool> stop_sending{false};
    std::atomic<int> unexpected_status{0};
    std::vector<std::thread> clients;
    for (int c = 0; c < 8; ++c) {
      clients.emplace_back([&, c] {
        HttpClient http = server.client();
        for (int i = 0; !stop_sending; ++i) {
          const std::string body = "c" + std::to_string(c) + "-" + std::to_string(i);
          try {
            auto r = http.request("POST", "/api/v1/tickets/" + ticket + "/comments", R"({"body":")" + body + R"("})",
                                  {bearer(agent)});
            std::lock_guard lock(mu);
            if (r.status == 201)
              acknowledged.push_back(r.str("id"));
            else if (r.status != 503)
              unexpected_status.fetch_add(1);
          } catch (const std::exception&) {
            // Closed before an answer came: allowed only if the request was not carried out
            // (checked after the restart). A cut-off answer would fail to parse here too,
            // and its comment would be stored: that is the failure this test exists for.
            std::lock_guard lock(mu);
            unanswered.push_back(body);
            return;
          }
        }
      });
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    // One request whose body is still arriving when SIGTERM comes: it must be answered.
    SlowRequest slow(server.address(),
                     "POST /api/v1/tickets/" + ticket +
                         "/comments HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                         "Authorization: Bearer " +
                         agent + "\r\nContent-Length: " + std::to_string(slow_body.size()) + "\r\n\r\n",
                     slow_body);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    int exit_code = -1;
    std::thread terminator([&] { exit_code = server.stop(); });  // SIGTERM, then waits for the exit
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    Reply slow_reply;
    try {
      slow_reply = slow.finish();
    } catch (const std::exception& e) {
      slow_reply.body = e.what();
    }
    CHECK_MESSAGE(slow_reply.status == 201, slow_reply.body);
    stop_sending = true;
    for (auto& t : clients) t.join();
    terminator.join();
    const std::string output = server.output();
    CHECK_MESSAGE(exit_code == 0, output.substr(output.size() > 2000 ? output.size() - 2000 : 0));
    CHECK(unexpected_status == 0);
    CHECK(acknowledged.size() > 10);
  }
  // Restarted on the same data: every acknowledged comment is there, and no unanswered one.
  ServerProcess again(dir.str());
  HttpClient http = again.client();
  std::set<std::string> stored, bodies;
  for (std::string cursor;;) {
    auto comments = http.request("GET", "/api/v1/tickets/" + ticket + "/comments?limit=200" + cursor, "",
                                 {bearer(token(Role::agent, "acme", "alex"))});
    REQUIRE(comments.status == 200);
    for (auto c : comments.array("items")) {
      stored.insert(std::string(c["id"].get_string().value()));
      bodies.insert(std::string(c["body"].get_string().value()));
    }
    if (comments.json()["next_cursor"].is_null()) break;
    cursor = "&cursor=" + std::string(comments.json()["next_cursor"].get_string().value());
  }
  for (const auto& id : acknowledged) CHECK_MESSAGE(stored.contains(id), id);
  for (const auto& body : unanswered) CHECK_MESSAGE(!bodies.contains(body), body, " was done but not answered");
  CHECK(bodies.contains("the slow one, sent across the SIGTERM"));
  CHECK(again.stop() == 0);
}
