// ticketd: the ticket engine server.
//
// Opens (or creates) the event store and attachment store in the data directory, keeps
// the read models (SQLite) current from the log, runs the SLA scheduler every
// kSchedulerInterval, and serves the HTTP API (docs/api.md). Every setting is a
// flag and an environment variable (the flag wins); see README.md, "Operating ticketd".
//
// Printed on stdout: "listening on http://HOST:PORT" once requests are accepted (the same
// address goes to <data-dir>/http.addr), and with --demo a "token ROLE JWT" line per role.
// SIGTERM or SIGINT: stop accepting, drain requests in flight, stop the scheduler and the
// projector, close the stores, exit 0. Start-up failures exit 1; bad flags exit 2.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <condition_variable>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <thread>

#include "adapters/integrations.h"
#include "app/automation_metrics.h"
#include "app/buffered_stdout_sink.h"
#include "app/data_dir.h"
#include "app/demo.h"
#include "app/replication_role.h"
#include "attachments/attachment_store.h"
#include "automations/automation_runner.h"
#include "commands/command_engine.h"
#include "eventstore/event_store.h"
#include "http/api.h"
#include "http/server.h"
#include "notifications/email_outbox.h"
#include "notifications/mailer.h"
#include "notifications/webhooks.h"
#include "privacy/subject_key_store.h"
#include "projections/projection_runner.h"
#include "projections/tickets_projection.h"

namespace {

constexpr std::chrono::seconds kSchedulerInterval{30};
// The default of --drain-timeout: how long SIGTERM waits for connections to finish.
constexpr std::chrono::seconds kDrainTimeout{30};
// Upper bound of the timeout flags (--idle-timeout, --read-timeout, --drain-timeout).
constexpr unsigned kMaxTimeoutSeconds = 3600;
constexpr std::size_t kDemoSecretBytes = 32;
// An HS256 secret shorter than this is refused at start (RFC 7518 3.2: at least the hash size).
constexpr std::size_t kMinJwtSecretBytes = 32;
constexpr std::chrono::seconds kLogFlushInterval{1};
constexpr std::size_t kStdoutBufferBytes = 64 * 1024;

struct Settings {
  std::string data_dir = ticketd::app::kDefaultDataDir;
  std::string listen = "127.0.0.1:8080";
  std::string admin_listen;
  std::string jwt_secret;
  std::string jwt_public_key;
  std::string jwt_issuer;
  std::string jwt_audience;
  unsigned jwt_leeway_s = 30;
  std::string kafka = "embedded";
  std::string follow;
  std::string replication_secret;
  bool demo = false;
  double rate_limit = 100;
  double rate_burst = 200;
  unsigned workers = 64;
  std::size_t max_queued_requests = ticketd::http::ApiOptions{}.max_queued_requests;
  std::uint64_t ready_max_lag = ticketd::http::ApiOptions{}.ready_max_lag;
  unsigned idle_timeout_s = static_cast<unsigned>(ticketd::http::ServerLimits{}.idle_timeout.count());
  unsigned read_timeout_s = static_cast<unsigned>(ticketd::http::ServerLimits{}.read_timeout.count());
  unsigned drain_timeout_s = static_cast<unsigned>(kDrainTimeout.count());
  bool access_log = true;
  std::string smtp_url;  // empty: no e-mail notifications
  std::string smtp_from;
  std::string smtp_user;
  std::string smtp_password;
  std::string smtp_starttls = "off";
  std::string public_url;
};

// The domain of an address ("noreply@example.com" -> "example.com"), for Message-IDs.
std::string domain_of(const std::string& address) {
  const auto at = address.rfind('@');
  return at == std::string::npos ? std::string() : address.substr(at + 1);
}

bool write_file_atomically(const std::string& path, const std::string& text, std::filesystem::perms perms) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    if (!out) return false;
    out << text;
    if (!out.flush()) return false;
  }
  std::error_code ec;
  std::filesystem::permissions(tmp, perms, ec);
  std::filesystem::rename(tmp, path, ec);
  return !ec;
}

// A demo secret of this data directory (in `path`, the JWT secret's by default), made up
// (and kept) on first use.
std::string demo_secret(const std::string& data_dir, std::string path = {}) {
  if (path.empty()) path = ticketd::app::demo_secret_path(data_dir);
  std::ifstream in(path);
  std::string secret;
  if (in && std::getline(in, secret) && !secret.empty()) return secret;
  ticketd::RandomIds ids;
  while (secret.size() < kDemoSecretBytes) secret += ids.next_id();
  secret.erase(std::remove(secret.begin(), secret.end(), '-'), secret.end());
  if (!write_file_atomically(path, secret + "\n",
                             std::filesystem::perms::owner_read | std::filesystem::perms::owner_write)) {
    return {};
  }
  return secret;
}

// Log lines (the access log among them) go to stdout through a buffer flushed every
// kLogFlushInterval and at once for warnings and errors.
void use_buffered_log() {
  static char buffer[kStdoutBufferBytes];
  std::setvbuf(stdout, buffer, _IOFBF, sizeof buffer);
  auto logger = std::make_shared<spdlog::logger>("ticketd", std::make_shared<ticketd::app::BufferedStdoutSink>());
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%fZ %l %v", spdlog::pattern_time_type::utc);
  logger->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(std::move(logger));
  spdlog::flush_every(kLogFlushInterval);
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  if (!in) return {};
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App cli{"ticketd: event-sourced ticket engine"};
  Settings s;
  cli.add_option("--data-dir", s.data_dir, "data directory")->envname(ticketd::app::kDataDirEnv);
  cli.add_option("--listen", s.listen, "HOST:PORT of the API (port 0 picks one)")->envname("TICKETD_LISTEN");
  cli.add_option("--admin-listen", s.admin_listen, "HOST:PORT for /metrics (default: on the API listener)")
      ->envname("TICKETD_ADMIN_LISTEN");
  cli.add_option("--jwt-secret", s.jwt_secret, "HS256 secret for bearer tokens")->envname("TICKETD_JWT_SECRET");
  cli.add_option("--jwt-public-key", s.jwt_public_key, "PEM file of an RS256 public key")
      ->envname("TICKETD_JWT_PUBLIC_KEY");
  cli.add_option("--jwt-issuer", s.jwt_issuer, "accept only tokens with this iss claim")->envname("TICKETD_JWT_ISSUER");
  cli.add_option("--jwt-audience", s.jwt_audience, "accept only tokens whose aud holds this audience")
      ->envname("TICKETD_JWT_AUDIENCE");
  cli.add_option("--jwt-leeway", s.jwt_leeway_s, "seconds of clock skew allowed on exp, nbf and iat (0-300)")
      ->envname("TICKETD_JWT_LEEWAY")
      ->check(CLI::Range(0u, static_cast<unsigned>(ticketd::http::TokenPolicy::kMaxLeeway.count())));
  cli.add_option("--kafka", s.kafka, "embedded (in-process cluster), HOST:PORT,... (a real cluster) or off")
      ->envname("TICKETD_KAFKA");
  cli.add_option("--follow", s.follow, "run as a read-only follower of the leader at this http://HOST:PORT")
      ->envname("TICKETD_FOLLOW");
  cli.add_option("--replication-secret", s.replication_secret,
                 "shared secret between a leader and its followers (subject keys)")
      ->envname("TICKETD_REPLICATION_SECRET");
  cli.add_flag("--demo", s.demo, "demo tenant tree and a token per role")->envname("TICKETD_DEMO");
  cli.add_option("--rate-limit", s.rate_limit, "requests per second per principal (0 = off)")
      ->envname("TICKETD_RATE_LIMIT")
      ->check(CLI::NonNegativeNumber);
  cli.add_option("--rate-burst", s.rate_burst, "burst per principal")
      ->envname("TICKETD_RATE_BURST")
      ->check(CLI::PositiveNumber);
  cli.add_option("--workers", s.workers, "request handler threads")
      ->envname("TICKETD_WORKERS")
      ->check(CLI::Range(1, 1024));
  cli.add_option("--max-queued-requests", s.max_queued_requests, "requests waiting for a worker; beyond: 503")
      ->envname("TICKETD_MAX_QUEUED_REQUESTS")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 20));
  cli.add_option("--ready-max-lag", s.ready_max_lag, "/readyz answers 503 when the read models lag more events")
      ->envname("TICKETD_READY_MAX_LAG");
  cli.add_option("--idle-timeout", s.idle_timeout_s, "seconds an idle keep-alive connection stays open")
      ->envname("TICKETD_IDLE_TIMEOUT")
      ->check(CLI::Range(1u, kMaxTimeoutSeconds));
  cli.add_option("--read-timeout", s.read_timeout_s, "seconds to read one request once it began")
      ->envname("TICKETD_READ_TIMEOUT")
      ->check(CLI::Range(1u, kMaxTimeoutSeconds));
  cli.add_option("--drain-timeout", s.drain_timeout_s, "seconds SIGTERM waits for connections before closing them")
      ->envname("TICKETD_DRAIN_TIMEOUT")
      ->check(CLI::Range(0u, kMaxTimeoutSeconds));
  cli.add_option("--access-log", s.access_log, "one log line per request (true/false)")->envname("TICKETD_ACCESS_LOG");
  cli.add_option("--smtp-url", s.smtp_url,
                 "e-mail notifications through smtp://HOST:PORT or smtps://HOST:PORT (default: off)")
      ->envname("TICKETD_SMTP_URL");
  cli.add_option("--smtp-from", s.smtp_from, "the sender address of e-mail notifications")
      ->envname("TICKETD_SMTP_FROM");
  cli.add_option("--smtp-user", s.smtp_user, "SMTP AUTH user (default: no AUTH)")->envname("TICKETD_SMTP_USER");
  cli.add_option("--smtp-password", s.smtp_password, "SMTP AUTH password (prefer the environment variable)")
      ->envname("TICKETD_SMTP_PASSWORD");
  cli.add_option("--smtp-starttls", s.smtp_starttls, "STARTTLS: off, try or required")
      ->envname("TICKETD_SMTP_STARTTLS")
      ->check(CLI::IsMember({"off", "try", "required"}));
  cli.add_option("--public-url", s.public_url, "the URL users reach ticketd at, for links in e-mails")
      ->envname("TICKETD_PUBLIC_URL");
  CLI11_PARSE(cli, argc, argv);
  if (!s.smtp_url.empty() && !s.smtp_url.starts_with("smtp://") && !s.smtp_url.starts_with("smtps://")) {
    fmt::print(stderr, "ticketd: --smtp-url must start with smtp:// or smtps://\n");
    return 2;
  }
  if (!s.smtp_url.empty() && (domain_of(s.smtp_from).empty() || s.public_url.empty())) {
    fmt::print(stderr, "ticketd: --smtp-url needs --smtp-from (an address) and --public-url\n");
    return 2;
  }

  const ticketd::app::ReplicationSettings replication_settings{s.kafka, s.follow, s.replication_secret, s.data_dir};
  if (auto ok = ticketd::app::ReplicationRole::check(replication_settings); !ok) {
    fmt::print(stderr, "ticketd: {}\n", ok.error().message);
    return 2;
  }
  const bool follower = !s.follow.empty();
  std::error_code ec;
  std::filesystem::create_directories(s.data_dir, ec);
  if (ec) {
    fmt::print(stderr, "ticketd: cannot create data directory {}: {}\n", s.data_dir, ec.message());
    return 1;
  }
  if (s.demo && s.jwt_secret.empty()) s.jwt_secret = demo_secret(s.data_dir);
  if (s.demo && !follower && s.replication_secret.empty()) {
    s.replication_secret = demo_secret(s.data_dir, ticketd::app::demo_replication_secret_path(s.data_dir));
  }
  ticketd::http::TokenKeys keys{s.jwt_secret, {}};
  if (!s.jwt_public_key.empty()) {
    keys.rs256_public_pem = read_text(s.jwt_public_key);
    if (keys.rs256_public_pem.find("PUBLIC KEY") == std::string::npos) {
      fmt::print(stderr, "ticketd: --jwt-public-key {}: not a readable PEM public key\n", s.jwt_public_key);
      return 2;
    }
  }
  if (keys.hs256_secret.empty() && keys.rs256_public_pem.empty()) {
    fmt::print(stderr, "ticketd: --jwt-secret (or --jwt-public-key) is required unless --demo\n");
    return 2;
  }
  if (!keys.hs256_secret.empty() && keys.hs256_secret.size() < kMinJwtSecretBytes) {
    fmt::print(stderr, "ticketd: --jwt-secret is {} bytes; HS256 needs at least {}\n", keys.hs256_secret.size(),
               kMinJwtSecretBytes);
    return 2;
  }

  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);  // threads started below inherit the mask
  use_buffered_log();

  auto store = ticketd::open_rocksdb_event_store(ticketd::app::event_store_dir(s.data_dir));
  if (!store) {
    fmt::print(stderr, "ticketd: {}\n", store.error().message);
    return 1;
  }
  auto subject_keys = ticketd::open_subject_key_store(ticketd::app::key_store_dir(s.data_dir));
  if (!subject_keys) {
    fmt::print(stderr, "ticketd: {}\n", subject_keys.error().message);
    return 1;
  }
  auto attachments = ticketd::open_attachment_store(ticketd::app::attachment_dir(s.data_dir), **subject_keys);
  if (!attachments) {
    fmt::print(stderr, "ticketd: {}\n", attachments.error().message);
    return 1;
  }
  ticketd::FieldCipher cipher(**subject_keys);
  const std::string uploads = ticketd::app::upload_dir(s.data_dir);
  std::filesystem::remove_all(uploads, ec);
  std::filesystem::create_directories(uploads, ec);
  const auto head = (*store)->head();
  fmt::print("event store open in {}: head position {} hash {}\n", s.data_dir, head.position, head.hash);

  std::unique_ptr<ticketd::ProjectionRunner> projector;
  try {
    std::vector<std::unique_ptr<ticketd::Projection>> projections;
    projections.push_back(std::make_unique<ticketd::TicketsProjection>(cipher, **store));
    projector = std::make_unique<ticketd::ProjectionRunner>(**store, ticketd::app::read_model_path(s.data_dir),
                                                            std::move(projections));
  } catch (const std::exception& e) {
    fmt::print(stderr, "ticketd: read models: {}\n", e.what());
    return 1;
  }
  fmt::print("read models at position {} of {}\n", projector->checkpoint(), head.position);
  std::fflush(stdout);
  projector->start();

  ticketd::SystemClock clock;
  ticketd::RandomIds ids;
  auto engine = std::make_unique<ticketd::CommandEngine>(**store, clock, ids, cipher);
  // An erasure cut short by a crash (keys destroyed, not yet in the log) is recorded now
  // (by a leader: a follower's log holds only what its leader wrote).
  if (auto recorded = follower ? ticketd::Result<std::size_t>(0) : engine->record_pending_erasures(); !recorded) {
    fmt::print(stderr, "ticketd: pending erasures: {}\n", recorded.error().message);
    return 1;
  } else if (*recorded > 0) {
    fmt::print("recorded {} erasures a crash had left pending\n", *recorded);
  }
  auto replication = ticketd::app::ReplicationRole::start(replication_settings, **store, cipher, *engine, clock);
  if (!replication) {
    fmt::print(stderr, "ticketd: replication: {}\n", replication.error().message);
    return 1;
  }
  if (s.demo && !follower) {
    if (auto seeded = ticketd::app::seed_demo(*engine, **store, ids); !seeded) {
      fmt::print(stderr, "ticketd: demo data: {}\n", seeded.error().message);
      return 1;
    }
  }

  // The sync adapters take writes: a leader's only (a follower answers webhooks with 503).
  std::unique_ptr<ticketd::IntegrationStore> integration_store;
  std::unique_ptr<ticketd::Integrations> integrations;
  std::unique_ptr<ticketd::Webhooks> webhooks;
  std::unique_ptr<ticketd::AutomationRunner> automations;  // a leader's: they write commands
  std::unique_ptr<ticketd::SmtpMailer> mailer;
  std::unique_ptr<ticketd::EmailNotifications> email;
  if (!follower) {
    automations = std::make_unique<ticketd::AutomationRunner>(*engine, **store, cipher, clock,
                                                              ticketd::AutomationRunner::Options{});
    if (auto started = automations->start(); !started) {
      fmt::print(stderr, "ticketd: automations: {}\n", started.error().message);
      return 1;
    }
    auto opened = ticketd::IntegrationStore::open(ticketd::app::integration_dir(s.data_dir));
    if (!opened) {
      fmt::print(stderr, "ticketd: {}\n", opened.error().message);
      return 1;
    }
    integration_store = std::move(*opened);
    integrations = std::make_unique<ticketd::Integrations>(*engine, *integration_store, cipher, ids, clock);
    integrations->start();
    webhooks = std::make_unique<ticketd::Webhooks>(*engine, *integration_store, cipher, ids, clock,
                                                   ticketd::Webhooks::Options{});
    if (auto started = webhooks->start(); !started) {
      fmt::print(stderr, "ticketd: webhooks: {}\n", started.error().message);
      return 1;
    }
    if (!s.smtp_url.empty()) {
      ticketd::SmtpMailer::Options mail_options;
      mail_options.url = s.smtp_url;
      mail_options.starttls = *ticketd::parse_starttls(s.smtp_starttls);  // checked by the flag
      mail_options.username = s.smtp_user;
      mail_options.password = s.smtp_password;
      mail_options.from = s.smtp_from;
      mailer = std::make_unique<ticketd::SmtpMailer>(std::move(mail_options));
      ticketd::EmailNotifications::Options email_options;
      email_options.public_url = s.public_url;
      while (email_options.public_url.ends_with('/')) email_options.public_url.pop_back();
      email_options.host = domain_of(s.smtp_from);
      email = std::make_unique<ticketd::EmailNotifications>(*engine, *integration_store, cipher, *mailer, clock,
                                                            std::move(email_options));
      if (auto started = email->start(); !started) {
        fmt::print(stderr, "ticketd: e-mail notifications: {}\n", started.error().message);
        return 1;
      }
    }
  }

  ticketd::http::TokenVerifier verifier(
      keys, ticketd::http::TokenPolicy{s.jwt_issuer, s.jwt_audience, std::chrono::seconds(s.jwt_leeway_s)});
  ticketd::EicarScanner scanner;
  ticketd::http::ApiOptions api_options;
  api_options.worker_threads = s.workers;
  api_options.rate = {s.rate_limit, s.rate_burst};
  api_options.metrics_on_admin_only = !s.admin_listen.empty();
  api_options.access_log = s.access_log;
  api_options.max_queued_requests = s.max_queued_requests;
  api_options.ready_max_lag = s.ready_max_lag;
  api_options.leader_url = s.follow;
  api_options.replication_secret = follower ? std::string() : s.replication_secret;
  auto api = std::make_unique<ticketd::http::Api>(
      ticketd::http::ApiServices{*engine, **attachments, *projector, ticketd::app::read_model_path(s.data_dir), clock,
                                 ids, verifier, scanner, subject_keys->get(), (*replication)->view(),
                                 integrations.get(), webhooks.get(), email.get(),
                                 [&automations](std::string& out) {
                                   if (automations) ticketd::app::render_automation_metrics(*automations, out);
                                 }},
      api_options);
  ticketd::http::ServerLimits limits;
  limits.idle_timeout = std::chrono::seconds(s.idle_timeout_s);
  limits.read_timeout = std::chrono::seconds(s.read_timeout_s);
  ticketd::http::Server server(limits, *api, uploads);
  auto bound = server.listen(s.listen, false);
  if (!bound) {
    fmt::print(stderr, "ticketd: {}\n", bound.error().message);
    return 1;
  }
  std::string admin_bound;
  if (!s.admin_listen.empty()) {
    auto a = server.listen(s.admin_listen, true);
    if (!a) {
      fmt::print(stderr, "ticketd: {}\n", a.error().message);
      return 1;
    }
    admin_bound = *a;
  }
  server.start();
  if (!write_file_atomically(ticketd::app::http_addr_path(s.data_dir), *bound + "\n",
                             std::filesystem::perms::owner_read | std::filesystem::perms::owner_write |
                                 std::filesystem::perms::group_read | std::filesystem::perms::others_read)) {
    fmt::print(stderr, "ticketd: cannot write {}\n", ticketd::app::http_addr_path(s.data_dir));
  }
  if (s.demo) ticketd::app::print_demo_tokens(s.jwt_secret, clock.now());
  if (s.demo && !follower) fmt::print("replication secret {}\n", s.replication_secret);
  if (!admin_bound.empty()) fmt::print("admin listening on http://{}\n", admin_bound);
  fmt::print("listening on http://{}\n", *bound);
  std::fflush(stdout);

  std::mutex mu;
  std::condition_variable cv;
  bool stopping = false;
  // The scheduler writes: a follower's log grows only by replication.
  std::thread scheduler([&] {
    if (follower) return;
    std::unique_lock lock(mu);
    while (!cv.wait_for(lock, kSchedulerInterval, [&] { return stopping; })) {
      lock.unlock();
      auto report = engine->run_scheduler();
      if (automations) {
        if (auto fired = automations->check_timers(); !fired) spdlog::error("automations: {}", fired.error().message);
      }
      if (!report) {
        spdlog::error("scheduler: {}", report.error().message);
      } else if (report->warnings + report->breaches + report->auto_closed + report->archived > 0) {
        spdlog::info("scheduler: {} tickets checked, {} SLA warnings, {} breaches, {} auto-closed, {} archived",
                     report->checked, report->warnings, report->breaches, report->auto_closed, report->archived);
      }
      lock.lock();
    }
  });

  int sig = 0;
  sigwait(&signals, &sig);
  spdlog::info("signal {}: draining", sig);
  server.stop_accepting();
  const bool drained = server.drain(std::chrono::seconds(s.drain_timeout_s));
  if (!drained)
    spdlog::warn("{} connections still open after {} s; closing", server.open_connections(), s.drain_timeout_s);
  api->shut_down();
  server.stop();
  {
    std::lock_guard lock(mu);
    stopping = true;
  }
  cv.notify_all();
  scheduler.join();
  if (integrations) integrations->stop();
  if (webhooks) webhooks->stop();
  if (automations) automations->stop();
  if (email) email->stop();
  (*replication)->stop();
  projector->stop();
  if (auto failed = projector->error()) spdlog::error("read models stopped: {}", failed->message);
  api.reset();
  integrations.reset();
  webhooks.reset();
  automations.reset();
  email.reset();
  mailer.reset();
  integration_store.reset();
  replication->reset();
  projector.reset();
  engine.reset();
  attachments->reset();
  store->reset();
  spdlog::info("stopped cleanly");
  spdlog::shutdown();
  return 0;
}
