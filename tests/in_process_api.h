// An in-process ticketd without a server, for the fuzz harnesses and tests of the Api itself:
// the real Api (routes, access policy, command engine, read models) over an in-memory event
// store, a RocksDB attachment store and a SQLite read model in a temporary directory, a fixed
// clock, sequential ids and an HS256 key. It holds one ticket (requested by carla) and a
// token per role. handle() waits for the answer; api() hands requests over as the server does.
#pragma once

#include <filesystem>
#include <future>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "attachments/attachment_scanner.h"
#include "attachments/attachment_store.h"
#include "base/clock.h"
#include "base/ids.h"
#include "commands/command_engine.h"
#include "eventstore/memory_event_store.h"
#include "http/api.h"
#include "projections/projection_runner.h"
#include "projections/tickets_projection.h"
#include "tests/test_cipher.h"

namespace ticketd::test {

inline constexpr const char* kInProcessSecret = "fuzzing-secret-fuzzing-secret-fuzzing-secret";
inline const Timestamp kInProcessNow = *parse_rfc3339("2026-11-20T08:00:00Z");

class InProcessApi {
 public:
  // Over `store` (an in-memory log unless a test brings its own).
  explicit InProcessApi(std::unique_ptr<EventStore> store = make_memory_event_store())
      : dir_(make_dir()), store_(std::move(store)), clock_(kInProcessNow), ids_("fz") {
    attachments_ = std::move(*open_attachment_store((dir_ / "attachments").string(), shared_test_keys()));
    std::vector<std::unique_ptr<Projection>> projections;
    projections.push_back(std::make_unique<TicketsProjection>(shared_test_cipher(), *store_));
    projector_ = std::make_unique<ProjectionRunner>(*store_, (dir_ / "read.sqlite").string(), std::move(projections));
    engine_ = std::make_unique<CommandEngine>(*store_, clock_, ids_, shared_test_cipher());
    verifier_ = std::make_unique<http::TokenVerifier>(http::TokenKeys{kInProcessSecret, ""});
    http::ApiOptions options;
    options.worker_threads = 1;
    options.access_log = false;
    options.rate = {0, 0};
    api_ = std::make_unique<http::Api>(
        http::ApiServices{*engine_, *attachments_, *projector_, (dir_ / "read.sqlite").string(), clock_, ids_,
                          *verifier_, scanner_},
        options);
    for (auto [role, tenant, sub] : {std::tuple{Role::customer, "acme", "carla"},
                                     {Role::agent, "acme", "alex"},
                                     {Role::admin, "acme", "ada"},
                                     {Role::auditor, "acme", "aude"},
                                     {Role::global_admin, "acme", "root"},
                                     {Role::integration, "acme", "jira"}}) {
      tokens[role] = *http::mint_hs256(kInProcessSecret, Principal{sub, tenant, role, "", ""}, kInProcessNow,
                                       std::chrono::hours(1));
    }
    CreateTicket c;
    c.tenant = "acme";
    c.subject = "Printer on fire";
    c.description = "It smokes.";
    CommandRequest r;
    r.principal = Principal{"carla", "acme", Role::customer, "", ""};
    ticket = engine_->create(c, r).value().ticket->id;
  }
  ~InProcessApi() {
    api_->shut_down();
    api_.reset();
    projector_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  // A request as `role` (without a token when nullopt), as the server would hand it over.
  http::Request request(std::string method, std::string path, std::optional<Role> role, std::string body = "",
                        std::vector<std::pair<std::string, std::string>> query = {}) const {
    http::Request r;
    r.method = std::move(method);
    r.path = std::move(path);
    r.target = r.path;
    r.query = std::move(query);
    if (role) r.headers.emplace_back("authorization", "Bearer " + tokens.at(*role));
    if (!body.empty()) r.headers.emplace_back("content-type", "application/json");
    r.body = std::move(body);
    r.body_size = r.body.size();
    r.request_id = "in-process";
    return r;
  }

  http::Response handle(http::Request request) {
    std::promise<http::Response> answer;
    auto done = answer.get_future();
    api_->handle(std::move(request), [&answer](http::Response r) { answer.set_value(std::move(r)); });
    return done.get();
  }

  http::Api& api() { return *api_; }

  std::map<Role, std::string> tokens;
  std::string ticket;

 private:
  static std::filesystem::path make_dir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "ticketd-api-XXXXXX").string();
    return std::filesystem::path(::mkdtemp(tmpl.data()));
  }

  std::filesystem::path dir_;
  std::unique_ptr<EventStore> store_;
  ManualClock clock_;
  SequentialIds ids_;
  std::unique_ptr<AttachmentStore> attachments_;
  std::unique_ptr<ProjectionRunner> projector_;
  std::unique_ptr<CommandEngine> engine_;
  std::unique_ptr<http::TokenVerifier> verifier_;
  EicarScanner scanner_;
  std::unique_ptr<http::Api> api_;
};

}  // namespace ticketd::test
