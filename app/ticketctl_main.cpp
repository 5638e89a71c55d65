// ticketctl: operator tool working on a data directory, also while ticketd runs
// (the store is opened read-only).
//
//   ticketctl verify                          walk the hash chain
//   ticketctl dump --after POS --limit N [--sealed]
//                                             records as JSON lines, sealed personal fields
//                                             opened ("[erased]" where erased); --sealed
//                                             prints the stored bytes instead
//   ticketctl rebuild [--projection NAME]     drop and rebuild read models from the log
//                                             (ticketd must be stopped: it is the writer)
//   ticketctl replay --stream ID [--as-of T] [--state]
//                                             a stream's events up to T as JSON lines, or
//                                             (--state) the ticket as it was at T
//   ticketctl backup-keys --to DIR            copy the data subjects' key store to a new
//                                             directory (ticketd must be stopped)
//   ticketctl restore-keys --from DIR         put a key store backup in place (ticketd
//                                             stopped, the data directory without keys)
// Exit status: 0 success, 1 verification failure or error, 2 usage error.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <fstream>

#include "app/data_dir.h"
#include "base/timestamp.h"
#include "commands/ticket_repository.h"
#include "events/erasure_codec.h"
#include "events/ticket_snapshot_codec.h"
#include "eventstore/chain_verifier.h"
#include "eventstore/event_store.h"
#include "eventstore/record_codec.h"
#include "http/rest_client.h"
#include "http/tokens.h"
#include "privacy/subject_key_store.h"
#include "projections/projection_runner.h"
#include "projections/tickets_projection.h"

namespace {

using ticketd::EventStore;

std::unique_ptr<EventStore> open_read_only(const std::string& data_dir) {
  ticketd::EventStoreOptions options;
  options.read_only = true;
  // A read-only open replays the WAL; if ticketd deletes a WAL file at that moment
  // (after a memtable flush) the open fails, and a second attempt sees the new files.
  constexpr int kOpenAttempts = 3;
  auto store = ticketd::open_rocksdb_event_store(ticketd::app::event_store_dir(data_dir), options);
  for (int attempt = 1; attempt < kOpenAttempts && !store && store.error().code != ticketd::Errc::not_found;
       ++attempt) {
    store = ticketd::open_rocksdb_event_store(ticketd::app::event_store_dir(data_dir), options);
  }
  if (!store) {
    fmt::print(stderr, "ticketctl: {}\n", store.error().message);
    return nullptr;
  }
  return std::move(*store);
}

// The key store read-only (beside a running ticketd), or empty keys when the data directory
// has none (every sealed value then reads as erased, which is what a lost key store means).
std::unique_ptr<ticketd::SubjectKeys> open_keys(const std::string& data_dir) {
  const std::string dir = ticketd::app::key_store_dir(data_dir);
  if (!std::filesystem::exists(dir)) return ticketd::make_memory_subject_keys();
  auto keys = ticketd::open_subject_key_store(dir, true);
  if (!keys) {
    fmt::print(stderr, "ticketctl: {}\n", keys.error().message);
    return nullptr;
  }
  return std::move(*keys);
}

// `r` as a JSON line: its stored form, or (not `sealed`) with its sealed values opened.
ticketd::Result<std::string> record_line(ticketd::EventRecord r, const ticketd::FieldCipher& cipher, bool sealed) {
  if (!sealed) {
    auto data = ticketd::open_sealed_values(r.data, r.type, cipher);
    if (!data) return std::unexpected(data.error());
    r.data = std::move(*data);
  }
  return ticketd::stored_form(ticketd::canonical_bytes(r), r);
}

int run_verify(const std::string& data_dir) {
  auto store = open_read_only(data_dir);
  if (!store) return 1;
  auto report = ticketd::verify_chain(*store);
  if (!report) {
    fmt::print(stderr, "ticketctl: verify: {}\n", report.error().message);
    return 1;
  }
  if (!report->ok) {
    fmt::print("broken at position {}: {}\n", report->broken_at, report->reason);
    return 1;
  }
  fmt::print("ok: {} records, head position {} hash {}\n", report->checked, report->head.position, report->head.hash);
  return 0;
}

int run_rebuild(const std::string& data_dir, const std::string& projection) {
  // A read-write open takes the store's lock: it fails while ticketd runs, and keeps
  // ticketd from starting during the rebuild.
  auto store = ticketd::open_rocksdb_event_store(ticketd::app::event_store_dir(data_dir));
  if (!store) {
    fmt::print(stderr, "ticketctl: rebuild: cannot lock the event store (is ticketd running? stop it first): {}\n",
               store.error().message);
    return 1;
  }
  auto keys = ticketd::open_subject_key_store(ticketd::app::key_store_dir(data_dir));
  if (!keys) {
    fmt::print(stderr, "ticketctl: rebuild: {}\n", keys.error().message);
    return 1;
  }
  ticketd::FieldCipher cipher(**keys);
  try {
    std::vector<std::unique_ptr<ticketd::Projection>> projections;
    projections.push_back(std::make_unique<ticketd::TicketsProjection>(cipher, **store));
    ticketd::ProjectionRunner runner(**store, ticketd::app::read_model_path(data_dir), std::move(projections));
    if (auto r = runner.reset(projection); !r) {
      fmt::print(stderr, "ticketctl: rebuild: {}\n", r.error().message);
      return 1;
    }
    const auto start = std::chrono::steady_clock::now();
    auto done = runner.catch_up();
    if (!done) {
      fmt::print(stderr, "ticketctl: rebuild: {}\n", done.error().message);
      return 1;
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    fmt::print("rebuilt {} to position {} in {:.2f} s\n", projection.empty() ? "all projections" : projection, *done,
               seconds);
  } catch (const std::exception& e) {
    fmt::print(stderr, "ticketctl: rebuild: {}\n", e.what());
    return 1;
  }
  return 0;
}

int run_dump(const std::string& data_dir, std::uint64_t after, std::uint64_t limit, bool sealed) {
  auto store = open_read_only(data_dir);
  if (!store) return 1;
  auto keys = open_keys(data_dir);
  if (!keys) return 1;
  const ticketd::FieldCipher cipher(*keys);
  const std::uint64_t last = std::min(store->head().position, after + limit);
  for (std::uint64_t position = after + 1; position <= last; ++position) {
    auto raw = store->read_raw(position);
    ticketd::Result<std::string> line = raw;
    if (raw && !sealed) {
      auto record = store->read_all(position - 1, 1);
      if (!record) {
        line = std::unexpected(record.error());
      } else if (record->empty()) {
        line = ticketd::make_error(ticketd::Errc::internal, "record missing");
      } else {
        line = record_line(std::move(record->front()), cipher, false);
      }
    }
    if (!line) {
      fmt::print(stderr, "ticketctl: dump: position {}: {}\n", position, line.error().message);
      return 1;
    }
    fmt::print("{}\n", *line);
  }
  return 0;
}

int print_state(EventStore& store, ticketd::FieldCipher& cipher, const std::string& stream,
                std::optional<ticketd::Timestamp> until) {
  ticketd::TicketRepository tickets(store, cipher);
  auto state = until ? tickets.load_as_of(stream, *until) : tickets.load_fresh(stream, false);
  if (!state) {
    fmt::print(stderr, "ticketctl: replay: {}\n", state.error().message);
    return 1;
  }
  if (!state->exists()) {
    fmt::print(stderr, "ticketctl: replay: no ticket {} at that time\n", stream);
    return 1;
  }
  auto shown_state = ticketd::encode_ticket_snapshot(*state, cipher, ticketd::Sealing::in_clear);
  if (!shown_state) {
    fmt::print(stderr, "ticketctl: replay: {}\n", shown_state.error().message);
    return 1;
  }
  fmt::print("{}\n", *shown_state);
  return 0;
}

int run_replay(const std::string& data_dir, const std::string& stream, const std::string& as_of, bool state,
               bool sealed) {
  std::optional<ticketd::Timestamp> until;
  if (!as_of.empty()) {
    until = ticketd::parse_rfc3339(as_of);
    if (!until) {
      fmt::print(stderr, "ticketctl: replay: --as-of is not an RFC 3339 time: {}\n", as_of);
      return 2;
    }
  }
  auto store = open_read_only(data_dir);
  if (!store) return 1;
  auto keys = open_keys(data_dir);
  if (!keys) return 1;
  ticketd::FieldCipher cipher(*keys);
  if (state) return print_state(*store, cipher, stream, until);
  constexpr std::size_t kPage = 1024;
  std::uint64_t from = 1;
  std::size_t shown = 0;
  for (;;) {
    auto page = store->read_stream(stream, from, kPage);
    if (!page) {
      fmt::print(stderr, "ticketctl: replay: {}\n", page.error().message);
      return 1;
    }
    for (const auto& r : *page) {
      if (until && r.time > *until) return 0;
      auto line = record_line(r, cipher, sealed);
      if (!line) {
        fmt::print(stderr, "ticketctl: replay: position {}: {}\n", r.position, line.error().message);
        return 1;
      }
      fmt::print("{}\n", *line);
      ++shown;
    }
    if (page->size() < kPage) break;
    from = page->back().version + 1;
  }
  if (shown == 0 && !store->stream_version(stream).value_or(0)) {
    fmt::print(stderr, "ticketctl: replay: no stream {}\n", stream);
    return 1;
  }
  return 0;
}

// The HS256 secret: --jwt-secret, or the demo's file in the data directory ("" if neither).
std::string secret_or_demo(const std::string& data_dir, std::string secret) {
  if (secret.empty()) {
    std::ifstream in(ticketd::app::demo_secret_path(data_dir));
    std::getline(in, secret);
  }
  return secret;
}

int run_token(const std::string& data_dir, std::string secret, const std::string& role_text, ticketd::Principal who,
              std::int64_t ttl_seconds) {
  secret = secret_or_demo(data_dir, std::move(secret));
  if (secret.empty()) {
    fmt::print(stderr, "ticketctl: token: no secret: pass --jwt-secret or set TICKETD_JWT_SECRET\n");
    return 2;
  }
  auto role = ticketd::parse_role(role_text);
  if (!role || *role == ticketd::Role::system) {
    fmt::print(stderr,
               "ticketctl: token: unknown role {} (customer, agent, admin, manager, auditor, global_admin, "
               "integration)\n",
               role_text);
    return 2;
  }
  who.role = *role;
  auto now = std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
  auto token = ticketd::http::mint_hs256(secret, who, ticketd::Timestamp{now.time_since_epoch()},
                                         std::chrono::seconds{ttl_seconds});
  if (!token) {
    fmt::print(stderr, "ticketctl: token: {}\n", token.error().message);
    return 1;
  }
  fmt::print("{}\n", *token);
  return 0;
}

// Asks the running ticketd to pull `system` for `tenant` (POST /api/v1/integrations/{system}/sync)
// as a short-lived admin of the tenant; prints its report.
int run_sync(const std::string& data_dir, std::string secret, const std::string& url, const std::string& system,
             const std::string& tenant, const std::string& since) {
  secret = secret_or_demo(data_dir, std::move(secret));
  if (secret.empty()) {
    fmt::print(stderr, "ticketctl: sync: no secret: pass --jwt-secret or set TICKETD_JWT_SECRET\n");
    return 2;
  }
  std::string base = url;
  if (base.empty()) {
    std::ifstream in(ticketd::app::http_addr_path(data_dir));
    std::string addr;
    std::getline(in, addr);
    if (addr.empty()) {
      fmt::print(stderr, "ticketctl: sync: no --url and no {} (is ticketd running?)\n",
                 ticketd::app::http_addr_path(data_dir));
      return 2;
    }
    base = "http://" + addr;
  }
  const auto now = std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
  auto token = ticketd::http::mint_hs256(secret, ticketd::Principal{"ticketctl", tenant, ticketd::Role::admin, "", ""},
                                         ticketd::Timestamp{now.time_since_epoch()}, std::chrono::seconds(300));
  if (!token) {
    fmt::print(stderr, "ticketctl: sync: {}\n", token.error().message);
    return 1;
  }
  std::string target = base + "/api/v1/integrations/" + system + "/sync";
  if (!since.empty()) {
    if (!ticketd::parse_rfc3339(since)) {
      fmt::print(stderr, "ticketctl: sync: --since must be an RFC 3339 time (2025-01-31T10:00:00Z)\n");
      return 2;
    }
    target += "?since=" + since;
  }
  ticketd::RestClient client(std::chrono::minutes(10));
  auto answer = client.send({"POST", target, {{"Authorization", "Bearer " + *token}}, ""});
  if (!answer) {
    fmt::print(stderr, "ticketctl: sync: {}\n", answer.error().message);
    return 1;
  }
  if (answer->status != 200) {
    fmt::print(stderr, "ticketctl: sync: ticketd answered {}: {}\n", answer->status, answer->body);
    return 1;
  }
  fmt::print("{}\n", answer->body);
  return 0;
}

int run_backup_keys(const std::string& data_dir, const std::string& to) {
  const std::string keys = ticketd::app::key_store_dir(data_dir);
  if (!std::filesystem::exists(keys)) {
    fmt::print(stderr, "ticketctl: backup-keys: no key store in {}\n", keys);
    return 1;
  }
  if (std::filesystem::exists(to)) {
    fmt::print(stderr, "ticketctl: backup-keys: {} exists; a backup goes into a new directory\n", to);
    return 1;
  }
  if (auto done = ticketd::backup_subject_key_store(keys, to); !done) {
    fmt::print(stderr, "ticketctl: backup-keys: {} (is ticketd running? it holds the key store)\n",
               done.error().message);
    return 1;
  }
  fmt::print("key store backed up to {}\n", to);
  return 0;
}

// Puts the backup in place, then destroys again the keys of every subject the log says was
// erased (a backup taken before an erasure must not bring the person back).
int run_restore_keys(const std::string& data_dir, const std::string& from) {
  auto store = open_read_only(data_dir);
  if (!store) return 1;
  const std::string dir = ticketd::app::key_store_dir(data_dir);
  if (auto done = ticketd::restore_subject_key_store(from, dir); !done) {
    fmt::print(stderr, "ticketctl: restore-keys: {}\n", done.error().message);
    return 1;
  }
  auto keys = ticketd::open_subject_key_store(dir);
  if (!keys) {
    fmt::print(stderr, "ticketctl: restore-keys: {}\n", keys.error().message);
    return 1;
  }
  constexpr std::size_t kPage = 4096;
  std::size_t erased = 0;
  for (std::uint64_t after = 0;;) {
    auto page = store->read_all(after, kPage);
    if (!page) {
      fmt::print(stderr, "ticketctl: restore-keys: reading the log: {}\n", page.error().message);
      return 1;
    }
    for (const auto& r : *page) {
      if (r.type != ticketd::kPrivacyErased) continue;
      auto erasure = ticketd::decode_erasure(r.data);
      auto done =
          erasure ? (*keys)->erase(erasure->subject) : ticketd::Result<std::size_t>(std::unexpected(erasure.error()));
      // The log holds this erasure already: it is not pending.
      auto recorded = done ? (*keys)->erasure_recorded(erasure->subject) : ticketd::Result<void>{};
      if (!done || !recorded) {
        fmt::print(stderr, "ticketctl: restore-keys: position {}: {}\n", r.position,
                   (!done ? done.error() : recorded.error()).message);
        return 1;
      }
      erased += *done;
    }
    if (page->size() < kPage) break;
    after = page->back().position;
  }
  fmt::print("key store restored from {} to {}; {} keys of erased subjects destroyed again\n", from, dir, erased);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App cli{"ticketctl: inspect and verify a ticketd data directory"};
  cli.require_subcommand(1);
  cli.fallthrough();  // global options (--data-dir) also after the subcommand
  std::string data_dir = ticketd::app::kDefaultDataDir;
  cli.add_option("--data-dir", data_dir, "data directory")->envname(ticketd::app::kDataDirEnv);

  auto* verify = cli.add_subcommand("verify", "walk the hash chain; exit 1 at the first broken record");

  std::uint64_t after = 0;
  std::uint64_t limit = 100;
  auto* dump = cli.add_subcommand("dump", "print stored records as JSON lines");
  dump->add_option("--after", after, "print records after this position");
  dump->add_option("--limit", limit, "at most this many records")->check(CLI::Range(1, 100000000));
  bool sealed = false;
  dump->add_flag("--sealed", sealed, "print the stored bytes (personal fields sealed)");

  std::string stream;
  std::string as_of;
  auto* replay = cli.add_subcommand("replay", "print a stream's events, optionally up to a time");
  replay->add_option("--stream", stream, "stream (ticket) id")->required();
  replay->add_option("--as-of", as_of, "RFC 3339 time; events after it are left out");
  bool state = false;
  replay->add_flag("--state", state, "print the ticket's state (rebuilt from its events) instead of the events");
  replay->add_flag("--sealed", sealed, "print the stored bytes (personal fields sealed)");

  std::string projection;
  auto* rebuild = cli.add_subcommand("rebuild", "drop and rebuild read models from the log (ticketd stopped)");
  rebuild->add_option("--projection", projection, "only this projection (default: all)");

  std::string backup_to;
  auto* backup_keys =
      cli.add_subcommand("backup-keys", "copy the data subjects' key store to a new directory (ticketd stopped)");
  backup_keys->add_option("--to", backup_to, "the backup directory (must not exist)")->required();

  std::string restore_from;
  auto* restore_keys = cli.add_subcommand(
      "restore-keys", "put a key store backup in place (ticketd stopped, no key store in the data directory)");
  restore_keys->add_option("--from", restore_from, "the backup directory")->required();

  std::string secret, role_text;
  ticketd::Principal who;
  std::int64_t ttl = 3600;
  auto* token = cli.add_subcommand("token", "mint an HS256 bearer token with the configured secret");
  token->add_option("--jwt-secret", secret, "the HS256 secret")->envname("TICKETD_JWT_SECRET");
  token->add_option("--role", role_text, "role")->required();
  token->add_option("--tenant", who.tenant, "tenant id")->required();
  token->add_option("--sub", who.sub, "user id")->required();
  token->add_option("--ttl", ttl, "seconds until it expires")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{31536000}));
  token->add_option("--name", who.name, "display name claim");
  token->add_option("--email", who.email, "email claim");

  std::string sync_system, sync_tenant, sync_since, sync_url;
  auto* sync = cli.add_subcommand("sync", "ask the running ticketd to pull an integration's changed tickets");
  sync->add_option("--system", sync_system, "jira, zammad or smax")->required();
  sync->add_option("--tenant", sync_tenant, "the tenant whose connection to pull")->required();
  sync->add_option("--since", sync_since, "RFC 3339 time (default: the last pull, with an overlap)");
  sync->add_option("--url", sync_url, "ticketd's http://HOST:PORT (default: <data-dir>/http.addr)");
  sync->add_option("--jwt-secret", secret, "the HS256 secret")->envname("TICKETD_JWT_SECRET");

  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return cli.exit(e) == 0 ? 0 : 2;
  }
  if (*verify) return run_verify(data_dir);
  if (*dump) return run_dump(data_dir, after, limit, sealed);
  if (*rebuild) return run_rebuild(data_dir, projection);
  if (*replay) return run_replay(data_dir, stream, as_of, state, sealed);
  if (*backup_keys) return run_backup_keys(data_dir, backup_to);
  if (*restore_keys) return run_restore_keys(data_dir, restore_from);
  if (*sync) return run_sync(data_dir, secret, sync_url, sync_system, sync_tenant, sync_since);
  if (*token) {
    if (who.tenant.empty() || who.sub.empty()) {
      fmt::print(stderr, "ticketctl: token: --tenant and --sub must not be empty\n");
      return 2;
    }
    return run_token(data_dir, secret, role_text, who, ttl);
  }
  return 2;
}
