// ticketd's settings from environment variables (README, "Operating ticketd"): each
// TICKETD_ variable takes effect when its flag is absent, and the flag wins when both are set.
#include <doctest/doctest.h>

#include <filesystem>

#include "app/data_dir.h"
#include "tests/http_fixture.h"

using namespace ticketd;
using namespace ticketd::test;

namespace {

// ticketd started through env(1) with `env` ("NAME=value") and `flags`; stopped with SIGTERM.
class EnvServer {
 public:
  EnvServer(const std::vector<std::string>& env, const std::vector<std::string>& flags) {
    std::vector<std::string> argv{"/usr/bin/env"};
    argv.insert(argv.end(), env.begin(), env.end());
    argv.push_back(TICKETD_PATH);
    argv.insert(argv.end(), flags.begin(), flags.end());
    argv.insert(argv.end(), {"--kafka", "off"});  // replication_process_test runs the embedded cluster
    std::tie(pid_, fd_) = spawn_with_stdout(argv);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < deadline) {
      read_until(fd_, out_, std::chrono::steady_clock::now() + std::chrono::milliseconds(20));
      const auto at = out_.find("listening on http://");
      if (at != std::string::npos && out_.find('\n', at) != std::string::npos) {
        const auto start = at + std::string("listening on http://").size();
        address_ = out_.substr(start, out_.find('\n', start) - start);
        return;
      }
    }
    FAIL("ticketd did not start: " << out_);
  }
  ~EnvServer() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
    if (fd_ >= 0) ::close(fd_);
  }
  EnvServer(const EnvServer&) = delete;
  EnvServer& operator=(const EnvServer&) = delete;

  [[nodiscard]] HttpClient client() const { return HttpClient(address_); }
  [[nodiscard]] const std::string& address() const { return address_; }

 private:
  pid_t pid_ = -1;
  int fd_ = -1;
  std::string out_;
  std::string address_;
};

}  // namespace

TEST_CASE("settings from TICKETD_ variables take effect without flags") {
  TempDir dir;
  const std::string data = dir.sub("from-env");
  EnvServer server({"TICKETD_DATA_DIR=" + data, "TICKETD_LISTEN=127.0.0.1:0",
                    std::string("TICKETD_JWT_SECRET=") + kTestSecret, "TICKETD_RATE_LIMIT=1", "TICKETD_RATE_BURST=2"},
                   {});
  // The data directory: the address file and the event store are there.
  CHECK(std::filesystem::exists(app::http_addr_path(data)));
  CHECK(std::filesystem::exists(app::event_store_dir(data)));
  CHECK(server.address().starts_with("127.0.0.1:"));
  // The secret: a token signed with it is accepted. The rate limit: a burst of 2, then 429.
  HttpClient http = server.client();
  const std::string agent = token(Role::agent, "acme", "alex");
  CHECK(http.request("GET", "/api/v1/meta", "", {bearer(agent)}).status == 200);
  CHECK(http.request("GET", "/api/v1/meta", "", {bearer(agent)}).status == 200);
  CHECK(http.request("GET", "/api/v1/meta", "", {bearer(agent)}).status == 429);
}

TEST_CASE("a flag beats its TICKETD_ variable") {
  TempDir dir;
  const std::string env_data = dir.sub("env-data");
  const std::string flag_data = dir.sub("flag-data");
  EnvServer server(
      {"TICKETD_DATA_DIR=" + env_data, "TICKETD_LISTEN=not-an-address",
       "TICKETD_JWT_SECRET=another-secret-of-at-least-32-bytes-0000", "TICKETD_RATE_LIMIT=1", "TICKETD_RATE_BURST=1"},
      {"--data-dir", flag_data, "--listen", "127.0.0.1:0", "--jwt-secret", kTestSecret, "--rate-burst", "3"});
  CHECK(std::filesystem::exists(app::http_addr_path(flag_data)));
  CHECK_FALSE(std::filesystem::exists(env_data));
  HttpClient http = server.client();
  const std::string agent = token(Role::agent, "acme", "alex");  // signed with the flag's secret
  for (int i = 0; i < 3; ++i) CHECK(http.request("GET", "/api/v1/meta", "", {bearer(agent)}).status == 200);
  CHECK(http.request("GET", "/api/v1/meta", "", {bearer(agent)}).status == 429);  // burst 3 (flag), not 1
}
