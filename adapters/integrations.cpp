#include "adapters/integrations.h"

#include <pthread.h>
#include <spdlog/spdlog.h>

#include <deque>

#include "adapters/connection_codec.h"
#include "adapters/external_fetch.h"
#include "adapters/payloads.h"
#include "adapters/webhook_signature.h"
#include "base/json_fields.h"
#include "base/json_writer.h"

namespace ticketd {

namespace {

constexpr std::string_view kInboxScope = "inbox";

std::string subject_of(const std::string& tenant, const std::string& system) {
  return "integration:" + tenant + "/" + system;
}

}  // namespace

// What an integration met, for GET .../status; kept in the store as the JSON it renders.
struct Integrations::Counters {
  std::uint64_t received = 0, duplicates = 0, bad_signatures = 0, applied = 0, stale = 0, refused = 0, retried = 0,
                pulled = 0;
  // Partial deliveries completed by a read of the ticket; those mapped as they came because
  // the system could not be read.
  std::uint64_t refetched = 0, refetch_failed = 0;
  std::map<std::string, std::uint64_t> unknown_statuses, unknown_priorities, unknown_types;
  std::deque<std::string> refusals;  // newest last
  std::string last_delivery_at, last_applied_at, last_pull_at;

  // One refused change, the newest kRefusalsShown kept.
  void refuse(std::string why) {
    ++refused;
    refusals.push_back(std::move(why));
    while (refusals.size() > kRefusalsShown) refusals.pop_front();
  }
  // What one application of an external ticket met.
  void note(const InboundReport& report) {
    if (report.stale) ++stale;
    for (const auto& v : report.unknown_statuses) ++unknown_statuses[v];
    for (const auto& v : report.unknown_priorities) ++unknown_priorities[v];
    for (const auto& v : report.unknown_types) ++unknown_types[v];
    for (const auto& r : report.refused) refuse(r);
  }

  std::string json() const {
    JsonWriter w;
    w.begin_object();
    w.key("received").value(received).key("duplicates").value(duplicates).key("bad_signatures").value(bad_signatures);
    w.key("applied").value(applied).key("stale").value(stale).key("refused").value(refused);
    w.key("retried").value(retried).key("pulled").value(pulled);
    w.key("refetched").value(refetched).key("refetch_failed").value(refetch_failed);
    const std::pair<const char*, const std::map<std::string, std::uint64_t>*> maps[] = {
        {"unknown_statuses", &unknown_statuses},
        {"unknown_priorities", &unknown_priorities},
        {"unknown_types", &unknown_types}};
    for (const auto& [name, map] : maps) {
      w.key(name).begin_object();
      for (const auto& [value, n] : *map) w.key(value).value(n);
      w.end_object();
    }
    w.key("refusals").begin_array();
    for (const auto& r : refusals) w.value(r);
    w.end_array();
    w.key("last_delivery_at").value(last_delivery_at).key("last_applied_at").value(last_applied_at);
    w.key("last_pull_at").value(last_pull_at);
    w.end_object();
    return w.take();
  }

  static Counters parse(std::string_view json) {
    Counters c;
    simdjson::dom::parser parser;
    simdjson::dom::element root;
    if (parser.parse(json.data(), json.size()).get(root) != simdjson::SUCCESS) return c;
    JsonFields in{root};
    const std::pair<const char*, std::uint64_t*> numbers[] = {{"received", &c.received},
                                                              {"duplicates", &c.duplicates},
                                                              {"bad_signatures", &c.bad_signatures},
                                                              {"applied", &c.applied},
                                                              {"stale", &c.stale},
                                                              {"refused", &c.refused},
                                                              {"retried", &c.retried},
                                                              {"pulled", &c.pulled},
                                                              {"refetched", &c.refetched},
                                                              {"refetch_failed", &c.refetch_failed}};
    for (const auto& [name, field] : numbers) *field = static_cast<std::uint64_t>(in.opt_i64(name).value_or(0));
    const std::pair<const char*, std::map<std::string, std::uint64_t>*> maps[] = {
        {"unknown_statuses", &c.unknown_statuses},
        {"unknown_priorities", &c.unknown_priorities},
        {"unknown_types", &c.unknown_types}};
    for (const auto& [name, map] : maps) {
      simdjson::dom::object o;
      if (root[name].get_object().get(o) != simdjson::SUCCESS) continue;
      for (auto [value, n] : o) {
        std::int64_t count = 0;
        if (n.get_int64().get(count) == simdjson::SUCCESS)
          (*map)[std::string(value)] = static_cast<std::uint64_t>(count);
      }
    }
    for (auto& r : in.strs("refusals")) c.refusals.push_back(std::move(r));
    c.last_delivery_at = in.opt_str("last_delivery_at").value_or("");
    c.last_applied_at = in.opt_str("last_applied_at").value_or("");
    c.last_pull_at = in.opt_str("last_pull_at").value_or("");
    return c;
  }
};

Integrations::Integrations(CommandEngine& engine, IntegrationStore& store, FieldCipher& cipher, IdSource& ids,
                           const Clock& clock, Outbox::Options outbox)
    : engine_(engine), store_(store), cipher_(cipher), ids_(ids), clock_(clock), inbound_(engine, store, ids) {
  for (auto system : kExternalSystems) {
    outboxes_.push_back(std::make_unique<Outbox>(
        system, engine, store, cipher, [this](const std::string& t, const std::string& s) { return connection(t, s); },
        clock, outbox));
  }
}

Integrations::~Integrations() { stop(); }

void Integrations::start() {
  if (worker_.joinable()) return;
  {
    std::lock_guard lock(mu_);
    stopping_ = false;
    pending_ = true;  // what a previous run left
  }
  worker_ = std::thread([this] { run(); });
  pthread_setname_np(worker_.native_handle(), "integrations");
  for (auto& o : outboxes_) o->start();
}

void Integrations::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (worker_.joinable()) worker_.join();
  for (auto& o : outboxes_) o->stop();
  std::lock_guard lock(mu_);
  for (const auto& [key, c] : counters_) save(key.first, key.second);
}

Integrations::Counters& Integrations::counters(const std::string& tenant, const std::string& system) {
  auto& slot = counters_[{tenant, system}];
  if (!slot) {
    auto stored = store_.status(tenant, system);
    slot = std::make_unique<Counters>(stored && *stored ? Counters::parse(**stored) : Counters{});
  }
  return *slot;
}

void Integrations::save(const std::string& tenant, const std::string& system) {
  if (auto ok = store_.put_status(tenant, system, counters(tenant, system).json()); !ok) {
    spdlog::warn("integrations: cannot store the status of {}/{}: {}", tenant, system, ok.error().message);
  }
}

Result<http::WebhookOutcome> Integrations::receive(const http::WebhookDelivery& d) {
  const auto system = parse_external_system(d.system);
  if (!system) return http::WebhookOutcome::not_configured;
  auto c = connection(d.tenant, d.system);
  if (!c && c.error().code == Errc::not_found) return http::WebhookOutcome::not_configured;
  if (!c) return std::unexpected(c.error());
  if (!c->inbound) return http::WebhookOutcome::not_configured;
  if (!signature_valid(*system, c->webhook_secret.value_or(""), d.headers, d.body)) {
    std::lock_guard lock(mu_);
    ++counters(d.tenant, d.system).bad_signatures;
    return http::WebhookOutcome::bad_signature;
  }
  JsonWriter w;
  w.begin_object();
  FieldSealer sealer(cipher_, kInboxScope);
  sealer.field(w, "body", subject_of(d.tenant, d.system), d.body);
  w.end_object();
  if (auto ok = sealer.status(); !ok) return std::unexpected(ok.error());
  const Timestamp now = clock_.now();
  auto enqueued = store_.enqueue(d.tenant, d.system, delivery_id(d.headers, d.body), w.take(), now);
  if (!enqueued) return std::unexpected(enqueued.error());
  std::lock_guard lock(mu_);
  Counters& counts = counters(d.tenant, d.system);
  switch (*enqueued) {
    case Enqueued::full:
      return make_error(Errc::unavailable, "the integration inbox is full; deliver again later");
    case Enqueued::duplicate:
      ++counts.duplicates;
      return http::WebhookOutcome::duplicate;
    case Enqueued::accepted:
      break;
  }
  ++counts.received;
  counts.last_delivery_at = format_rfc3339(now);
  pending_ = true;
  wake_.notify_all();
  return http::WebhookOutcome::accepted;
}

Result<http::ConnectionSettings> Integrations::connection(const std::string& tenant, const std::string& system) {
  // The store is read under the lock: a reader that read the old settings before a configure() could
  // otherwise put them back into the cache after configure() cleared it.
  std::lock_guard lock(mu_);
  if (auto it = connections_.find({tenant, system}); it != connections_.end()) return it->second;
  auto stored = store_.connection(tenant, system);
  if (!stored) return std::unexpected(stored.error());
  if (!*stored) return make_error(Errc::not_found, "tenant " + tenant + " has no " + system + " connection");
  auto opened = open_connection(**stored, cipher_);
  if (!opened) return opened;
  if (connections_.size() >= kMaxCachedConnections) connections_.clear();
  connections_[{tenant, system}] = *opened;
  return opened;
}

Result<http::ConnectionSettings> Integrations::configure(const std::string& tenant, const std::string& system,
                                                         http::ConnectionSettings settings, const Principal& by) {
  auto current = connection(tenant, system);
  if (!current && current.error().code != Errc::not_found) return std::unexpected(current.error());
  if (current) {  // secrets left out keep their value
    for (auto field :
         {&http::ConnectionSettings::api_token, &http::ConnectionSettings::pat, &http::ConnectionSettings::token,
          &http::ConnectionSettings::password, &http::ConnectionSettings::webhook_secret}) {
      if (!(settings.*field)) settings.*field = (*current).*field;
    }
  }
  auto sealed = seal_connection(settings, tenant, system, cipher_);
  if (!sealed) return std::unexpected(sealed.error());
  {
    std::lock_guard lock(mu_);  // no reader takes the old settings from the cache after this
    connections_.erase({tenant, system});
    if (auto ok = store_.put_connection(tenant, system, *sealed); !ok) return std::unexpected(ok.error());
  }
  spdlog::info("integrations: {} connection of tenant {} configured by {}", system, tenant, by.sub);
  return settings;
}

Result<std::string> Integrations::status(const std::string& tenant, const std::string& system) {
  std::lock_guard lock(mu_);
  std::string json = counters(tenant, system).json();
  json.pop_back();
  return json + fmt::format(",\"inbox_depth\":{}}}", store_.inbox_depth());
}

Result<std::vector<http::DeadLetterView>> Integrations::dead_letters(const std::string& tenant,
                                                                     const std::string& system) {
  auto letters = store_.dead_letters(tenant, system, kMaxDeadLettersShown);
  if (!letters) return std::unexpected(letters.error());
  std::vector<http::DeadLetterView> out;
  for (auto& l : *letters) out.push_back({l.id, l.key, l.position, l.error, l.attempts, l.at});
  return out;
}

Result<bool> Integrations::retry_dead_letter(const std::string& tenant, const std::string& system, std::uint64_t id) {
  const auto s = parse_external_system(system);
  if (!s) return make_error(Errc::not_found, "no system " + system);
  return outboxes_[static_cast<std::size_t>(*s)]->retry(tenant, id);
}

Outbox::Stats Integrations::outbox_stats() const {
  Outbox::Stats sum{UINT64_MAX};
  for (const auto& o : outboxes_) {
    const auto s = o->stats();
    sum.position = std::min(sum.position, s.position);
    sum.pushed += s.pushed;
    sum.retried_calls += s.retried_calls;
    sum.dead_lettered += s.dead_lettered;
    sum.echoes_skipped += s.echoes_skipped;
  }
  return sum;
}

bool Integrations::apply(const InboxEntry& entry) {
  auto record = [&](auto&& update) {
    std::lock_guard lock(mu_);
    Counters& c = counters(entry.tenant, entry.system);
    update(c);
    c.last_applied_at = format_rfc3339(clock_.now());
    if (std::chrono::steady_clock::now() - last_saved_ >= kStatusSaveEvery) {
      save(entry.tenant, entry.system);
      last_saved_ = std::chrono::steady_clock::now();
    }
  };
  auto refuse = [&](const std::string& why) {
    record([&](Counters& c) { c.refuse(why); });
    return true;
  };
  const auto system = parse_external_system(entry.system);
  auto c = connection(entry.tenant, entry.system);
  if (!c && c.error().code != Errc::not_found) return false;  // the store or the key store: try again
  if (!system || !c) return refuse("delivery " + entry.delivery + ": the connection is gone");
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(entry.payload).get(root) != simdjson::SUCCESS) return refuse("a damaged inbox entry");
  JsonFields in{root};
  FieldOpener opener(cipher_, kInboxScope);
  const std::string body = opener.field(in, "body");
  if (!opener.status()) return false;  // the key store: try again
  if (!in.ok) return refuse("a damaged inbox entry");
  auto ticket = parse_webhook(*system, body);
  if (!ticket) return refuse("delivery " + entry.delivery + ": " + ticket.error().message);
  if (ticket->thin) {  // the body names the ticket only: read it from the system
    auto fetched = fetch_ticket(*system, *c, ticket->key, client_);
    if (!fetched && fetched.error().code == Errc::unavailable) {
      spdlog::warn("integrations: {}/{} cannot be read now; delivery {} waits", entry.tenant, entry.system,
                   entry.delivery);
      std::lock_guard lock(mu_);
      ++counters(entry.tenant, entry.system).retried;
      return false;
    }
    if (!fetched)
      return refuse("delivery " + entry.delivery + ": fetching " + ticket->key + ": " + fetched.error().message);
    ticket = std::move(fetched);
  } else if (ticket->partial) {  // fields left out: read them, or map what came
    auto fetched = fetch_ticket(*system, *c, ticket->key, client_);
    if (fetched) fill_missing(*ticket, *fetched);
    record([&](Counters& n) { ++(fetched ? n.refetched : n.refetch_failed); });
  }
  std::unique_lock applying(apply_mu_);
  auto report = inbound_.apply(entry.tenant, *system, *c, *ticket, entry.delivery);
  applying.unlock();
  if (!report) {
    spdlog::warn("integrations: delivery {} of {}/{} waits: {}", entry.delivery, entry.tenant, entry.system,
                 report.error().message);
    std::lock_guard lock(mu_);
    ++counters(entry.tenant, entry.system).retried;
    return false;
  }
  record([&](Counters& k) {
    ++k.applied;
    k.note(*report);
  });
  return true;
}

Result<Integrations::PullReport> Integrations::pull(const std::string& tenant, const std::string& system,
                                                    std::optional<Timestamp> since) {
  const auto sys = parse_external_system(system);
  if (!sys) return make_error(Errc::not_found, "no adapter for " + system);
  auto c = connection(tenant, system);
  if (!c) return std::unexpected(c.error());
  std::lock_guard applying(apply_mu_);
  PullReport report;
  if (since) {
    report.since = *since;
  } else {
    auto mark = store_.pull_watermark(tenant, system);
    if (!mark) return std::unexpected(mark.error());
    report.since = *mark ? **mark - kPullOverlap : clock_.now() - kFirstPullWindow;
  }
  const std::string delivery = "pull:" + format_rfc3339(clock_.now());
  Timestamp newest = report.since;
  std::string cursor;
  for (;;) {
    if (report.pages >= kMaxPullPages) break;
    auto page = fetch_changed(*sys, *c, report.since, cursor, client_);
    if (!page) return std::unexpected(page.error());
    ++report.pages;
    for (const ExternalTicket& t : page->tickets) {
      auto applied = inbound_.apply(tenant, *sys, *c, t, delivery);
      if (!applied) return std::unexpected(applied.error());
      ++report.tickets;
      report.refused += applied->refused.size();
      if (t.updated && *t.updated > newest) newest = *t.updated;
      std::lock_guard lock(mu_);
      counters(tenant, system).note(*applied);
    }
    if (!page->next) break;
    cursor = *page->next;
  }
  if (auto ok = store_.set_pull_watermark(tenant, system, newest); !ok) return std::unexpected(ok.error());
  std::lock_guard lock(mu_);
  Counters& k = counters(tenant, system);
  k.last_pull_at = format_rfc3339(clock_.now());
  k.pulled += report.tickets;
  save(tenant, system);
  return report;
}

Result<http::SyncReport> Integrations::sync(const std::string& tenant, const std::string& system,
                                            std::optional<Timestamp> since) {
  auto pulled = pull(tenant, system, since);
  if (!pulled) return std::unexpected(pulled.error());
  return http::SyncReport{pulled->pages, pulled->tickets, pulled->refused, format_rfc3339(pulled->since)};
}

void Integrations::pull_due() {
  auto all = store_.connections();
  if (!all) return;
  for (const auto& [tenant, system] : *all) {
    auto c = connection(tenant, system);
    if (!c || c->pull_interval_s <= 0 || !c->inbound) continue;
    auto& last = last_pull_[{tenant, system}];
    const auto now = std::chrono::steady_clock::now();
    if (last.time_since_epoch().count() != 0 && now - last < std::chrono::seconds(c->pull_interval_s)) continue;
    last = now;
    if (auto pulled = pull(tenant, system); !pulled) {
      spdlog::warn("integrations: the pull of {}/{} failed: {}", tenant, system, pulled.error().message);
    }
  }
}

void Integrations::run() {
  auto last_forget = std::chrono::steady_clock::now();
  std::uint64_t applied_up_to = 0;  // entries are applied in sequence order
  for (;;) {
    {
      std::unique_lock lock(mu_);
      wake_.wait_for(lock, kRetryPause, [&] { return stopping_ || pending_; });
      if (stopping_) return;
      pending_ = false;
    }
    auto entries = store_.inbox(applied_up_to, kInboxBatch);
    if (!entries) {
      spdlog::warn("integrations: cannot read the inbox: {}", entries.error().message);
      continue;
    }
    bool all_done = true;
    for (const InboxEntry& e : *entries) {
      {
        std::lock_guard lock(mu_);
        if (stopping_) return;
      }
      if (!apply(e)) {
        all_done = false;
        break;  // keep the order: try this one again after the pause
      }
      if (auto ok = store_.finish(e.seq); !ok) {
        spdlog::warn("integrations: cannot remove an applied inbox entry: {}", ok.error().message);
        all_done = false;
        break;
      }
      applied_up_to = e.seq;
    }
    if (all_done && entries->size() == kInboxBatch) {
      std::lock_guard lock(mu_);
      pending_ = true;  // more waiting
    }
    pull_due();
    if (std::chrono::steady_clock::now() - last_forget > std::chrono::minutes(10)) {
      last_forget = std::chrono::steady_clock::now();
      (void)store_.forget_deliveries(clock_.now() - IntegrationStore::kDeliveryMemory);
    }
  }
}

}  // namespace ticketd
