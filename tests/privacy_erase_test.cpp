// Export and erasure end to end against a real ticketd process (docs/privacy.md): a customer's data
// is sealed in the log; POST /privacy/erase destroys their key; afterwards the API,
// search, history and ticketctl show "[erased]", the chain still verifies, a SIGKILL right
// after the answer loses nothing of it, and no file of the data directory holds the
// customer's words (the attachment's bytes included), while an agent's reply, which is not
// erased, stays readable.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>

#include "app/data_dir.h"
#include "privacy/subject_key_store.h"
#include "tests/http_fixture.h"
#include "tests/process_support.h"
#include "tests/test_support.h"

using namespace ticketd;
using namespace ticketd::test;

namespace {

// Words only the customer wrote (subject, description, comment, name, e-mail, feedback, an
// attachment's name and bytes), and one only the agent wrote.
constexpr const char* kCustomerWords[] = {"Quokka7Subject",  "Quokka7Description",   "Quokka7Comment",
                                          "Quokka7Name",     "quokka7@mail.example", "Quokka7Feedback",
                                          "Quokka7FileName", "Quokka7FileBytes"};
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
  std::string id, attachment, before_erasure;
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
    auto attached = http.request("POST", "/api/v1/tickets/" + id + "/attachments?filename=Quokka7FileName.txt",
                                 "Quokka7FileBytes a scan of my contract", {bearer(carla)}, "text/plain");
    REQUIRE_MESSAGE(attached.status == 201, attached.body);
    attachment = attached.str("id");
    const std::string base = "/api/v1/tickets/" + id;
    REQUIRE(http.request("POST", base + "/assign", R"({"assignee":"alex"})", {bearer(alex)}).status == 200);
    REQUIRE(http.request("POST", base + "/status", R"({"status":"in_progress"})", {bearer(alex)}).status == 200);
    REQUIRE(http.request("POST", base + "/status",
                         R"({"status":"resolved","resolution":{"code":"resolved","text":"Wombat3Fix new fuse"}})",
                         {bearer(alex)})
                .status == 200);
    auto rated = http.request("POST", base + "/feedback", R"({"rating":2,"comment":"Quokka7Feedback too slow"})",
                              {bearer(carla)});
    REQUIRE(rated.status == 200);
    before_erasure = rated.str("updated_at");
    auto download = http.request("GET", "/api/v1/attachments/" + attachment + "/content", "", {bearer(alex)});
    REQUIRE(download.status == 200);
    CHECK(download.body.find("Quokka7FileBytes") == 0);
    CHECK(eventually(
        [&] { return items(http.request("GET", "/api/v1/tickets?q=Quokka7Comment", "", {bearer(alex)})) == 1; }));
    // Before: the log and the attachment store hold the customer's words only sealed.
    for (const char* word : kCustomerWords) {
      CHECK_MESSAGE(files_with(app::event_store_dir(dir.str()), word).empty(), word);
      CHECK_MESSAGE(files_with(app::attachment_dir(dir.str()), word).empty(), word);
    }
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
    CHECK(exported.json()["attachments_uploaded"].get_array().value().size() == 1);
    CHECK(exported.json()["feedback"].get_array().value().size() == 1);
    // The directory holds her token's claims now (they replaced the admin's entry).
    CHECK(std::string_view(exported.json()["user"]["email"].get_string().value()) == "carla@example.com");
    for (const char* word :
         {"Quokka7Subject", "Quokka7Description", "Quokka7Comment", "Quokka7Feedback", "Quokka7FileName"}) {
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
    // The attachment's name and bytes are gone with her key.
    auto attachments = http.request("GET", "/api/v1/tickets/" + id + "/attachments", "", {bearer(alex)});
    REQUIRE(attachments.status == 200);
    CHECK(attachments.body.find("[erased]") != std::string::npos);
    auto download = http.request("GET", "/api/v1/attachments/" + attachment + "/content", "", {bearer(alex)});
    CHECK(download.status == 404);
    CHECK(download.body.find("erased") != std::string::npos);
    CHECK(ticket.body.find("Quokka7") == std::string::npos);  // feedback and resolution included
    // As of an instant before the erasure: the ticket then, with her words erased.
    auto as_of = http.request("GET", "/api/v1/tickets/" + id + "/history?as_of=" + before_erasure, "", {bearer(alex)});
    REQUIRE_MESSAGE(as_of.status == 200, as_of.body);
    CHECK(as_of.str("subject") == "[erased]");
    CHECK(as_of.body.find("Quokka7") == std::string::npos);
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

TEST_CASE("erasure: a kill -9 at any point leaves the whole erasure or none of it") {
  TempDir dir;
  const std::string alex = token(Role::agent, "acme", "alex");
  const std::string ada = token(Role::admin, "acme", "ada");
  auto search = [&](HttpClient& http, const std::string& word) {
    return items(http.request("GET", "/api/v1/tickets?q=" + word, "", {bearer(alex)}));
  };
  int erased_rounds = 0, kept_rounds = 0;
  constexpr int kRounds = 8;
  for (int round = 0; round <= kRounds; ++round) {
    const std::string sub = fmt::format("cust{}", round);
    const std::string word = fmt::format("Echidna{}Word", round);
    const std::string customer = token(Role::customer, "acme", sub);
    std::string id;
    {
      ServerProcess server(dir.str());
      HttpClient http = server.client();
      auto created =
          http.request("POST", "/api/v1/tickets", R"({"subject":")" + word + R"( printer","description":"it smokes"})",
                       {bearer(customer)});
      REQUIRE(created.status == 201);
      id = created.str("id");
      REQUIRE(eventually([&] { return search(http, word) == 1; }));
      if (round == kRounds) {
        // The exact window: keys destroyed, the process gone before privacy.erased.
        CHECK(server.stop() == 0);
        auto keys = open_subject_key_store(app::key_store_dir(dir.str()));
        REQUIRE(keys);
        CHECK(*(*keys)->erase(sub) == 1);
      } else {
        std::thread eraser([&] {
          try {
            HttpClient client = server.client();
            client.request("POST", "/api/v1/privacy/erase", R"({"subject":")" + sub + R"("})", {bearer(ada)});
          } catch (const std::exception&) {
            // killed mid-request
          }
        });
        std::this_thread::sleep_for(std::chrono::milliseconds(round * 3));  // 0 to 21 ms into it
        server.kill_hard();
        eraser.join();
      }
    }
    ServerProcess server(dir.str());
    HttpClient http = server.client();
    auto ticket = http.request("GET", "/api/v1/tickets/" + id, "", {bearer(alex)});
    REQUIRE(ticket.status == 200);
    const bool erased = ticket.str("subject") == "[erased]";
    if (!erased) CHECK(ticket.str("subject") == word + " printer");
    // The read models say what the log says, once they have caught up.
    CHECK_MESSAGE(eventually([&] {
                    auto list = http.request("GET", "/api/v1/tickets?limit=100", "", {bearer(alex)});
                    return search(http, word) == (erased ? 0 : 1) &&
                           (list.body.find(word) != std::string::npos) == !erased;
                  }),
                  "round ", round, erased ? " erased" : " kept");
    if (round == kRounds) {
      CHECK(erased);
      CHECK(server.output().find("recorded 1 erasures a crash had left pending") != std::string::npos);
    }
    (erased ? erased_rounds : kept_rounds) += 1;
    CHECK(server.stop() == 0);
  }
  MESSAGE("rounds that ended erased: ", erased_rounds, ", unchanged: ", kept_rounds);
  auto verify = run_command(ctl(dir, "verify"));
  CHECK(verify.exit_code == 0);
}
