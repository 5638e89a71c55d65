// Export and erasure end to end against a real ticketd process (docs/privacy.md): a customer's data
// is sealed in the log; POST /privacy/erase destroys their key; afterwards the API,
// search, history and ticketctl show "[erased]", the chain still verifies, a SIGKILL right
// after the answer loses nothing of it, and no file of the data directory holds the
// customer's words, while an agent's reply, which is not erased, stays readable.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "tests/http_fixture.h"
#include "tests/process_support.h"
#include "tests/test_support.h"

using namespace ticketd;
using namespace ticketd::test;

namespace {

// Words only the customer wrote (subject, description, comment, name, e-mail), and one
// only the agent wrote.
constexpr const char* kCustomerWords[] = {"Quokka7Subject", "Quokka7Description", "Quokka7Comment", "Quokka7Name",
                                          "quokka7@mail.example"};
constexpr const char* kAgentWord = "Wombat3Reply";

// Files under `dir` that contain `needle` (every byte of every file, WAL and journal
// files included).
std::vector<std::string> files_with(const std::string& dir, const std::string& needle) {
  std::vector<std::string> found;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (bytes.find(needle) != std::string::npos) found.push_back(entry.path().string());
  }
  return found;
}

std::string ctl(const TempDir& dir, const std::string& args) {
  return fmt::format("{} --data-dir {} {}", TICKETCTL_PATH, dir.str(), args);
}

std::size_t items(const Reply& r) { return r.json()["items"].get_array().value().size(); }

}  // namespace

TEST_CASE("erasure: [erased] everywhere, the chain verifies, and no file keeps the person's words") {
  TempDir dir;
  const std::string carla = token(Role::customer, "acme", "carla");
  const std::string alex = token(Role::agent, "acme", "alex");
  const std::string ada = token(Role::admin, "acme", "ada");
  const std::string other_admin = token(Role::admin, "globex", "gus");
  std::string id;
  {
    ServerProcess server(dir.str());
    HttpClient http = server.client();
    REQUIRE(http.request("PUT", "/api/v1/users/carla",
                         R"({"tenant":"acme","role":"customer","name":"Quokka7Name","email":"quokka7@mail.example"})",
                         {bearer(ada)})
                .status == 200);
    auto created = http.request("POST", "/api/v1/tickets",
                                R"({"subject":"Quokka7Subject printer","description":"Quokka7Description it smokes"})",
                                {bearer(carla)});
    REQUIRE(created.status == 201);
    id = created.str("id");
    REQUIRE(http.request("POST", "/api/v1/tickets/" + id + "/comments", R"({"body":"Quokka7Comment still smoking"})",
                         {bearer(carla)})
                .status == 201);
    REQUIRE(http.request("POST", "/api/v1/tickets/" + id + "/comments", R"({"body":"Wombat3Reply on my way"})",
                         {bearer(alex)})
                .status == 201);
    CHECK(eventually(
        [&] { return items(http.request("GET", "/api/v1/tickets?q=Quokka7Comment", "", {bearer(alex)})) == 1; }));
    // Before: the log holds the customer's words only sealed.
    auto sealed = run_command(ctl(dir, "dump --sealed --after 0 --limit 1000"));
    REQUIRE(sealed.exit_code == 0);
    for (const char* word : kCustomerWords) CHECK_MESSAGE(sealed.out.find(word) == std::string::npos, word);
    CHECK(sealed.out.find("\"sealed\"") != std::string::npos);
    auto opened = run_command(ctl(dir, "dump --after 0 --limit 1000"));
    CHECK(opened.out.find("Quokka7Comment") != std::string::npos);  // the key opens them

    // Export: everything about carla, and nothing of alex's.
    auto exported = http.request("GET", "/api/v1/privacy/export?subject=carla", "", {bearer(ada)});
    REQUIRE(exported.status == 200);
    CHECK(exported.json()["tickets_requested"].get_array().value().size() == 1);
    CHECK(exported.json()["comments_written"].get_array().value().size() == 1);
    // The directory holds her token's claims now (they replaced the admin's entry).
    CHECK(std::string_view(exported.json()["user"]["email"].get_string().value()) == "carla@example.com");
    for (const char* word : {"Quokka7Subject", "Quokka7Description", "Quokka7Comment"}) {
      CHECK_MESSAGE(exported.body.find(word) != std::string::npos, std::string(word));
    }
    CHECK(exported.body.find(R"("body":"Wombat3Reply)") == std::string::npos);
    CHECK(exported.json()["truncated"].get_bool().value() == false);
    CHECK(http.request("GET", "/api/v1/privacy/export?subject=carla", "", {bearer(other_admin)}).status == 404);
    CHECK(http.request("GET", "/api/v1/privacy/export?subject=carla", "", {bearer(carla)}).status == 403);
    CHECK(http.request("GET", "/api/v1/privacy/export", "", {bearer(ada)}).status == 422);

    // Who may erase: not a customer (403), not an admin of another tenant (404).
    const std::string body = R"({"subject":"carla"})";
    CHECK(http.request("POST", "/api/v1/privacy/erase", body, {bearer(carla)}).status == 403);
    CHECK(http.request("POST", "/api/v1/privacy/erase", body, {bearer(other_admin)}).status == 404);
    CHECK(http.request("POST", "/api/v1/privacy/erase", R"({"subject":""})", {bearer(ada)}).status == 422);
    auto erased = http.request("POST", "/api/v1/privacy/erase", body, {bearer(ada)});
    REQUIRE(erased.status == 200);
    CHECK(erased.json()["keys"].get_uint64().value() == 1);
    server.kill_hard();  // SIGKILL right after the answer
  }
  {
    ServerProcess server(dir.str());
    HttpClient http = server.client();
    auto ticket = http.request("GET", "/api/v1/tickets/" + id, "", {bearer(alex)});
    REQUIRE(ticket.status == 200);
    CHECK(ticket.str("subject") == "[erased]");
    CHECK(ticket.str("description") == "[erased]");
    auto comments = http.request("GET", "/api/v1/tickets/" + id + "/comments", "", {bearer(alex)});
    REQUIRE(comments.status == 200);
    CHECK(comments.body.find("\"[erased]\"") != std::string::npos);
    CHECK(comments.body.find("Quokka7") == std::string::npos);
    CHECK(comments.body.find(kAgentWord) != std::string::npos);  // another person's words stay
    auto history = http.request("GET", "/api/v1/tickets/" + id + "/history", "", {bearer(alex)});
    REQUIRE(history.status == 200);
    CHECK(history.body.find("Quokka7") == std::string::npos);
    CHECK(history.body.find(kAgentWord) != std::string::npos);
    // The read models are rewritten: list, search, the user directory.
    CHECK(eventually([&] {
      auto list = http.request("GET", "/api/v1/tickets", "", {bearer(alex)});
      return list.body.find("[erased]") != std::string::npos && list.body.find("Quokka7") == std::string::npos;
    }));
    CHECK(items(http.request("GET", "/api/v1/tickets?q=Quokka7Comment", "", {bearer(alex)})) == 0);
    CHECK(items(http.request("GET", "/api/v1/tickets?q=Wombat3Reply", "", {bearer(alex)})) == 1);
    auto users = http.request("GET", "/api/v1/users?limit=200", "", {bearer(ada)});
    CHECK(users.body.find("Quokka7") == std::string::npos);
    CHECK(users.body.find("quokka7") == std::string::npos);
    auto exported = http.request("GET", "/api/v1/privacy/export?subject=carla", "", {bearer(ada)});
    REQUIRE(exported.status == 200);
    CHECK(exported.body.find("Quokka7") == std::string::npos);
    CHECK(exported.body.find("[erased]") != std::string::npos);
    // Erasing again finds nothing live and records again.
    CHECK(http.request("POST", "/api/v1/privacy/erase", R"({"subject":"carla"})", {bearer(ada)}).status == 200);
    CHECK(server.stop() == 0);
    for (const char* word : kCustomerWords) CHECK_MESSAGE(server.output().find(word) == std::string::npos, word);
  }
  auto verify = run_command(ctl(dir, "verify"));
  CHECK(verify.exit_code == 0);
  auto dump = run_command(ctl(dir, "dump --after 0 --limit 1000"));
  CHECK(dump.exit_code == 0);
  CHECK(dump.out.find("[erased]") != std::string::npos);
  CHECK(dump.out.find("privacy.erased") != std::string::npos);
  CHECK(dump.out.find(kAgentWord) != std::string::npos);
  auto state = run_command(ctl(dir, "replay --state --stream " + id));
  CHECK(state.out.find("[erased]") != std::string::npos);
  for (const char* word : kCustomerWords) {
    CHECK_MESSAGE(dump.out.find(word) == std::string::npos, word);
    CHECK_MESSAGE(state.out.find(word) == std::string::npos, word);
    CHECK_MESSAGE(files_with(dir.str(), word).empty(), word);
  }
  // The scan can see plaintext: the agent's reply is in the read model's search index.
  CHECK_FALSE(files_with(dir.str(), kAgentWord).empty());
}
