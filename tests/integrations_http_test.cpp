// The integrations over HTTP against a real ticketd process (docs/integrations.md): the
// admin's connection (secrets write-only), the webhook's answers (400, 401, 404, 202, 200 for
// a duplicate), a delivery becoming a ticket, and a kill -9 right after a burst of
// acknowledged deliveries: after the restart every one of them is applied, once.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <fstream>
#include <set>
#include <sstream>

#include "base/hex.h"
#include "base/hmac.h"
#include "tests/fake_http_server.h"
#include "tests/http_fixture.h"
#include "tests/process_support.h"
#include "tests/test_support.h"

using namespace ticketd;
using namespace ticketd::test;

namespace {

constexpr const char* kWebhookSecret = "whsec-http-test-0123456789";

std::string fixture(const std::string& name) {
  std::ifstream in(std::string(FIXTURES_DIR) + "/" + name, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

Reply deliver(HttpClient& http, const std::string& body, const std::string& delivery,
              const std::string& secret = kWebhookSecret, const std::string& tenant = "acme") {
  return http.request("POST", "/api/v1/integrations/jira/webhook?tenant=" + tenant, body,
                      {{"X-Hub-Signature", "sha256=" + to_hex(hmac(HmacDigest::sha256, secret, body))},
                       {"X-Atlassian-Webhook-Identifier", delivery}});
}

// jira_issue_created.json with its key and summary replaced.
std::string issue(int n) {
  std::string body = fixture("jira_issue_created.json");
  for (std::string from : {"\"TES-41\"", "\"Unit test summary\""}) {
    const auto at = body.find(from);
    REQUIRE(at != std::string::npos);
    body.replace(at, from.size(), from[1] == 'T' ? fmt::format("\"KILL-{}\"", n) : fmt::format("\"Kill {}\"", n));
  }
  return body;
}

// Subjects of the tickets an agent lists (up to 200).
std::multiset<std::string> subjects(HttpClient& http) {
  auto r = http.request("GET", "/api/v1/tickets?limit=200", "", {bearer(token(Role::agent, "acme", "alex"))});
  std::multiset<std::string> out;
  if (r.status != 200) return out;
  for (auto item : r.array("items")) out.emplace(std::string_view(item["subject"].get_string().value()));
  return out;
}

void configure(HttpClient& http) {
  auto put = http.request(
      "PUT", "/api/v1/integrations/jira",
      fmt::format(R"({{"base_url":"https://example.atlassian.net","credentials":{{"email":"bot@example.com",)"
                  R"("api_token":"api-token-never-echoed"}},"webhook_secret":"{}",)"
                  R"("status_map":{{"Backlog":"new"}},"account_map":{{"5b10ac8d82e05b22cc7d4ef5":"alex"}},)"
                  R"("max_calls_in_flight":2}})",
                  kWebhookSecret),
      {bearer(token(Role::admin, "acme", "ada"))});
  REQUIRE_MESSAGE(put.status == 200, put.body);
}

}  // namespace

TEST_CASE("integrations over HTTP: connection, webhook answers, a delivery becomes a ticket") {
  TempDir dir;
  ServerProcess server(dir.str());
  HttpClient http = server.client();
  const std::string admin = token(Role::admin, "acme", "ada");

  CHECK(http.request("GET", "/api/v1/integrations/jira", "", {bearer(admin)}).status == 404);
  configure(http);
  auto got = http.request("GET", "/api/v1/integrations/jira", "", {bearer(admin)});
  REQUIRE(got.status == 200);
  CHECK(got.body.find("api-token-never-echoed") == std::string::npos);
  CHECK(got.body.find(kWebhookSecret) == std::string::npos);
  CHECK(got.json()["credentials"]["api_token"]["set"].get_bool().value());
  CHECK(got.json()["webhook_secret"]["set"].get_bool().value());
  CHECK(std::string_view(got.json()["status_map"]["Backlog"].get_string().value()) == "new");
  CHECK(std::string_view(got.json()["account_map"]["5b10ac8d82e05b22cc7d4ef5"].get_string().value()) == "alex");
  CHECK(got.json()["max_calls_in_flight"].get_int64().value() == 2);
  CHECK(http.request("GET", "/api/v1/integrations/jira", "", {bearer(token(Role::agent, "acme", "alex"))}).status ==
        403);
  CHECK(http.request("GET", "/api/v1/integrations/servicenow", "", {bearer(admin)}).status == 404);
  auto bad = http.request("PUT", "/api/v1/integrations/jira",
                          R"({"base_url":"ftp://x","status_map":{"Done":"finished"},"pull_interval_s":5,)"
                          R"("max_calls_in_flight":17,"account_map":{"acc-1":""}})",
                          {bearer(admin)});
  CHECK(bad.status == 422);
  CHECK(bad.body.find("base_url") != std::string::npos);
  CHECK(bad.body.find("status_map.Done") != std::string::npos);
  CHECK(bad.body.find("pull_interval_s") != std::string::npos);
  CHECK(bad.body.find("max_calls_in_flight") != std::string::npos);
  CHECK(bad.body.find("account_map") != std::string::npos);

  const std::string body = fixture("jira_issue_created.json");
  CHECK(http.request("POST", "/api/v1/integrations/jira/webhook", body).status == 400);  // no tenant
  CHECK(http.request("POST", "/api/v1/integrations/jira/webhook?tenant=acme", body).status == 401);
  CHECK(deliver(http, body, "h-1", "a wrong secret").status == 401);
  CHECK(deliver(http, body, "h-1", kWebhookSecret, "globex").status == 404);
  auto accepted = deliver(http, body, "h-1");
  CHECK(accepted.status == 202);
  auto again = deliver(http, body, "h-1");
  CHECK(again.status == 200);
  CHECK(again.body.find("duplicate") != std::string::npos);
  REQUIRE(eventually([&] { return subjects(http).count("Unit test summary") == 1; }));

  auto status = http.request("GET", "/api/v1/integrations/jira/status", "", {bearer(admin)});
  REQUIRE(status.status == 200);
  CHECK(status.json()["received"].get_uint64().value() == 1);
  CHECK(status.json()["duplicates"].get_uint64().value() == 1);
  CHECK(status.json()["bad_signatures"].get_uint64().value() == 2);
}

TEST_CASE("integrations over HTTP: a kill -9 after acknowledged deliveries loses none and applies none twice") {
  TempDir dir;
  constexpr int kDeliveries = 60;
  {
    ServerProcess server(dir.str());
    HttpClient http = server.client();
    configure(http);
    for (int i = 0; i < kDeliveries; ++i) REQUIRE(deliver(http, issue(i), fmt::format("k-{}", i)).status == 202);
    auto status =
        http.request("GET", "/api/v1/integrations/jira/status", "", {bearer(token(Role::admin, "acme", "ada"))});
    MESSAGE("deliveries still in the inbox just before the kill: ", status.json()["inbox_depth"].get_uint64().value());
    server.kill_hard();
  }
  ServerProcess server(dir.str());
  HttpClient http = server.client();
  REQUIRE(eventually([&] { return subjects(http).size() == kDeliveries; }, std::chrono::seconds(60)));
  const auto all = subjects(http);
  for (int i = 0; i < kDeliveries; ++i) CHECK(all.count(fmt::format("Kill {}", i)) == 1);
  // And the same deliveries once more are duplicates.
  CHECK(deliver(http, issue(0), "k-0").status == 200);
}

TEST_CASE("ticketctl sync asks the running ticketd to pull, and reports what it did") {
  const std::string created = fixture("jira_issue_created.json");
  simdjson::dom::parser parser;
  const std::string issue = std::string(simdjson::minify(parser.parse(created)["issue"].value()));
  FakeHttpServer jira([&](const FakeRequest& r) -> FakeReply {
    if (r.target.starts_with("/rest/api/3/search/jql?"))
      return {200, R"({"issues":[)" + issue + R"(],"isLast":true})", ""};
    return {404, "{}", ""};
  });
  TempDir dir;
  ServerProcess server(dir.str());
  HttpClient http = server.client();
  auto put = http.request("PUT", "/api/v1/integrations/jira",
                          R"({"base_url":")" + jira.url() +
                              R"(","credentials":{"email":"b@example.com","api_token":"t"},)"
                              R"("webhook_secret":"s"})",
                          {bearer(token(Role::admin, "acme", "ada"))});
  REQUIRE(put.status == 200);
  const auto ok =
      run_command(fmt::format("{} --data-dir {} sync --system jira --tenant acme --since 2019-01-01T00:00:00Z "
                              "--jwt-secret {}",
                              TICKETCTL_PATH, dir.str(), kTestSecret));
  CHECK_MESSAGE(ok.exit_code == 0, ok.out);
  CHECK(ok.out.find(R"("tickets":1)") != std::string::npos);
  CHECK(subjects(http).count("Unit test summary") == 1);
  const auto bad =
      run_command(fmt::format("{} --data-dir {} sync --system jira --tenant acme --since yesterday --jwt-secret {}",
                              TICKETCTL_PATH, dir.str(), kTestSecret));
  CHECK(bad.exit_code == 2);
  CHECK(bad.out.find("RFC 3339") != std::string::npos);
}
