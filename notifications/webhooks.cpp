#include "notifications/webhooks.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "base/json_fields.h"
#include "base/json_writer.h"
#include "base/parallel_queues.h"
#include "http/metrics.h"
#include "http/retry_backoff.h"
#include "notifications/standard_webhook.h"
#include "replication/analytics_event.h"

namespace ticketd {

namespace {

constexpr std::string_view kScope = "webhook";

std::string subject_of(const std::string& tenant, const std::string& id) { return "webhook:" + tenant + "/" + id; }

bool wants(const http::WebhookSubscription& s, std::string_view type) {
  return std::any_of(s.event_types.begin(), s.event_types.end(), [&](const auto& t) { return t == "*" || t == type; });
}

}  // namespace

Webhooks::Webhooks(CommandEngine& engine, IntegrationStore& store, FieldCipher& cipher, IdSource& ids,
                   const Clock& clock, Options options)
    : engine_(engine),
      store_(store),
      cipher_(cipher),
      ids_(ids),
      clock_(clock),
      options_(options),
      client_(options.call_timeout) {}

Webhooks::~Webhooks() { stop(); }

Result<void> Webhooks::start() {
  if (follower_) return {};
  auto stored = store_.subscriptions();
  if (!stored) return std::unexpected(stored.error());
  std::map<std::string, std::vector<std::shared_ptr<const Subscription>>> loaded;
  for (const StoredSubscription& s : *stored) {
    simdjson::dom::parser parser;
    simdjson::dom::element root;
    if (parser.parse(s.stored.data(), s.stored.size()).get(root) != simdjson::SUCCESS) {
      return make_error(Errc::internal, "a stored webhook subscription is not JSON");
    }
    JsonFields in{root};
    FieldOpener opener(cipher_, kScope);
    auto sub = std::make_shared<Subscription>();
    sub->view.id = s.id;
    sub->view.url = in.str("url");
    sub->view.event_types = in.strs("event_types");
    sub->view.description = in.str("description");
    sub->view.created_at = in.str("created_at");
    sub->after = static_cast<std::uint64_t>(in.i64("after"));
    auto key = webhook_key(opener.field(in, "secret"));
    if (auto ok = opener.status(); !ok) return std::unexpected(ok.error());
    if (!in.ok || !key) return make_error(Errc::internal, "a stored webhook subscription does not match its schema");
    sub->key = std::move(*key);
    loaded[s.tenant].push_back(std::move(sub));
  }
  for (auto& [tenant, subs] : loaded) {
    std::stable_sort(subs.begin(), subs.end(), [](const auto& a, const auto& b) { return a->after < b->after; });
  }
  auto position = store_.outbox_position(kSystem);
  if (!position) return std::unexpected(position.error());
  const std::uint64_t from = position->value_or(engine_.log().head().position);
  if (!*position) {
    if (auto ok = store_.set_outbox_position(kSystem, from); !ok) return ok;
  }
  position_.store(from);
  {
    std::lock_guard lock(mu_);
    subscriptions_ = std::move(loaded);
    stopping_ = false;
  }
  follower_ = std::make_unique<LogFollower>(
      engine_.log(), from, [this](std::span<const EventRecord> batch) { return handle(batch); },
      outbox_follower_options("webhooks"));
  follower_->start();
  return {};
}

void Webhooks::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (follower_) follower_->stop();
  follower_.reset();
}

void Webhooks::render_metrics(std::string& out) const {
  const Stats s = stats();
  http::append_series(out, "ticketd_webhooks_outbox_position", "gauge",
                      "The last log position the webhook outbox handled.", s.position);
  http::append_series(out, "ticketd_webhooks_delivered_total", "counter",
                      "Webhook deliveries a receiver accepted (2xx).", s.delivered);
  http::append_series(out, "ticketd_webhooks_retried_total", "counter", "Webhook calls tried again.", s.retried_calls);
  http::append_series(out, "ticketd_webhooks_dead_lettered_total", "counter", "Webhook deliveries given up on.",
                      s.dead_lettered);
}

Webhooks::Stats Webhooks::stats() const {
  return {position_.load(), delivered_.load(), retried_calls_.load(), dead_lettered_.load()};
}

Result<std::vector<http::WebhookSubscription>> Webhooks::subscriptions(const std::string& tenant) {
  std::lock_guard lock(mu_);
  std::vector<http::WebhookSubscription> out;
  if (auto it = subscriptions_.find(tenant); it != subscriptions_.end()) {
    for (const auto& s : it->second) out.push_back(s->view);
  }
  return out;
}

Result<http::WebhookSubscription> Webhooks::subscribe(const std::string& tenant, http::WebhookSubscription s,
                                                      const Principal& by) {
  const std::string secret = s.secret.value_or(new_webhook_secret());
  auto key = webhook_key(secret);
  if (!key) {
    return make_error(Errc::validation, fmt::format("the secret must be {} and the base64 of {} to {} bytes",
                                                    kWebhookSecretPrefix, kMinKeyBytes, kMaxKeyBytes));
  }
  auto sub = std::make_shared<Subscription>();
  sub->view = std::move(s);
  sub->view.secret.reset();
  sub->view.id = "wh_" + ids_.next_id();
  sub->view.created_at = format_rfc3339(clock_.now());
  sub->key = std::move(*key);
  sub->after = engine_.log().head().position;
  const std::string& id = sub->view.id;

  std::lock_guard lock(mu_);  // held across the write: the count and the write are one step
  auto& mine = subscriptions_[tenant];
  if (mine.size() >= kMaxSubscriptionsPerTenant) {
    return make_error(Errc::conflict, fmt::format("tenant {} has {} webhook subscriptions, the most allowed", tenant,
                                                  kMaxSubscriptionsPerTenant));
  }
  FieldSealer sealer(cipher_, kScope);
  JsonWriter w;
  w.begin_object().key("url").value(sub->view.url).key("event_types").begin_array();
  for (const auto& t : sub->view.event_types) w.value(t);
  w.end_array().key("description").value(sub->view.description).key("created_at").value(sub->view.created_at);
  w.key("after").value(sub->after);
  sealer.field(w, "secret", subject_of(tenant, id), secret);
  w.end_object();
  if (auto ok = sealer.status(); !ok) return std::unexpected(ok.error());
  if (auto ok = store_.put_subscription({tenant, id, w.take()}); !ok) return std::unexpected(ok.error());
  mine.push_back(sub);
  spdlog::info("webhooks: subscription {} of tenant {} added by {}", id, tenant, by.sub);
  http::WebhookSubscription answer = sub->view;
  answer.secret = secret;
  return answer;
}

Result<void> Webhooks::unsubscribe(const std::string& tenant, const std::string& id, const Principal& by) {
  std::lock_guard lock(mu_);
  auto it = subscriptions_.find(tenant);
  if (it == subscriptions_.end()) return make_error(Errc::not_found, "no webhook subscription " + id);
  auto& mine = it->second;
  auto found = std::find_if(mine.begin(), mine.end(), [&](const auto& s) { return s->view.id == id; });
  if (found == mine.end()) return make_error(Errc::not_found, "no webhook subscription " + id);
  if (auto ok = store_.remove_subscription(tenant, id); !ok) return ok;
  mine.erase(found);
  // The sealed secret can no longer be opened by anyone.
  if (auto erased = cipher_.erase(subject_of(tenant, id)); !erased) return std::unexpected(erased.error());
  spdlog::info("webhooks: subscription {} of tenant {} removed by {}", id, tenant, by.sub);
  return {};
}

Result<std::vector<http::WebhookDeadLetterView>> Webhooks::dead_letters(const std::string& tenant) {
  auto letters = store_.dead_letters(tenant, std::string(kSystem), kMaxDeadLettersShown);
  if (!letters) return std::unexpected(letters.error());
  std::vector<http::WebhookDeadLetterView> out;
  for (const auto& l : *letters) out.push_back({l.id, l.key, l.position, l.error, l.attempts, l.at});
  return out;
}

std::vector<Webhooks::Delivery> Webhooks::deliveries_of(const EventRecord& r, const std::string* only) {
  std::vector<Delivery> out;
  const std::string tenant = engine_.tenant_of(r);
  std::vector<std::shared_ptr<const Subscription>> matching;
  {
    std::lock_guard lock(mu_);
    auto it = subscriptions_.find(tenant);
    if (it == subscriptions_.end()) return out;
    for (const auto& s : it->second) {
      if ((only ? s->view.id == *only : r.position > s->after) && wants(s->view, r.type)) matching.push_back(s);
    }
  }
  if (matching.empty()) return out;
  auto message = analytics_message(r, tenant);
  if (!message) return out;
  const std::string body = structured_cloudevent(*message);
  for (auto& s : matching) out.push_back({r.position, tenant, std::move(s), body});
  return out;
}

Result<bool> Webhooks::deliver(const Delivery& d, int max_attempts, DeadLetter* letter) {
  const std::string id = fmt::format("{}_{}", d.subscription->view.id, d.position);
  RetryBackoff backoff(options_.first_backoff, options_.max_backoff);
  std::string error;
  for (int attempt = 1;; ++attempt) {
    const auto timestamp = std::chrono::duration_cast<std::chrono::seconds>(clock_.now().time_since_epoch()).count();
    RestRequest request{"POST",
                        d.subscription->view.url,
                        {{"Content-Type", kCloudEventsJson},
                         {"webhook-id", id},
                         {"webhook-timestamp", std::to_string(timestamp)},
                         {"webhook-signature", webhook_signature(d.subscription->key, id, timestamp, d.body)}},
                        d.body};
    auto answer = client_.send(request);
    std::optional<std::chrono::seconds> retry_after;
    bool again = false;
    if (!answer) {
      error = answer.error().message;
      again = answer.error().code == Errc::unavailable;
    } else if (answer->status >= 200 && answer->status < 300) {
      delivered_.fetch_add(1);
      return true;
    } else {
      error = fmt::format("the receiver answered {}", answer->status);
      again = answer->worth_retrying();
      retry_after = answer->retry_after;
    }
    if (!again) break;
    if (attempt >= max_attempts) {
      if (attempt > 1) error = fmt::format("{} (after {} attempts)", error, attempt);
      break;
    }
    retried_calls_.fetch_add(1);
    std::unique_lock lock(mu_);
    if (wake_.wait_for(lock, backoff.next(retry_after), [&] { return stopping_; })) {
      return make_error(Errc::unavailable, "the webhook outbox is stopping");
    }
  }
  DeadLetter fresh{0,     d.tenant, std::string(kSystem),        d.subscription->view.id, d.position,
                   error, 1,        format_rfc3339(clock_.now())};
  if (letter) {
    fresh = *letter;
    fresh.error = error;
    ++fresh.attempts;
    fresh.at = format_rfc3339(clock_.now());
  }
  spdlog::warn("webhooks: subscription {} of tenant {} gave up on position {} (a dead letter)", d.subscription->view.id,
               d.tenant, d.position);
  if (auto ok = store_.put_dead_letter(fresh); !ok) return std::unexpected(ok.error());
  if (!letter) dead_lettered_.fetch_add(1);
  return false;
}

Result<void> Webhooks::handle(std::span<const EventRecord> batch) {
  std::map<std::string, std::vector<Delivery>> by_subscription;  // each in log order
  std::uint64_t last = position_.load();
  for (const EventRecord& r : batch) {
    if (r.position <= last) continue;
    for (Delivery& d : deliveries_of(r, nullptr)) {
      by_subscription[d.tenant + "/" + d.subscription->view.id].push_back(std::move(d));
    }
    last = r.position;
  }
  std::vector<std::vector<Delivery>> queues;
  for (auto& [key, queue] : by_subscription) queues.push_back(std::move(queue));
  auto ok = drain_queues(queues, options_.parallel_subscriptions,
                         [&](const Delivery& d) { return deliver(d, options_.max_attempts, nullptr); });
  if (!ok) return ok;
  position_.store(last);
  return store_.set_outbox_position(kSystem, last);
}

Result<bool> Webhooks::retry_dead_letter(const std::string& tenant, std::uint64_t id) {
  auto letter = store_.dead_letter(tenant, std::string(kSystem), id);
  if (!letter) return std::unexpected(letter.error());
  if (!*letter) return make_error(Errc::not_found, fmt::format("no webhook dead letter {}", id));
  auto records = engine_.log().read_all((*letter)->position - 1, 1);
  if (!records) return std::unexpected(records.error());
  if (records->empty() || records->front().position != (*letter)->position) {
    return make_error(Errc::not_found, "the dead letter's record is not in the log");
  }
  DeadLetter copy = **letter;
  auto deliveries = deliveries_of(records->front(), &copy.key);
  if (deliveries.empty()) {
    return make_error(Errc::not_found, "the dead letter's subscription " + copy.key + " no longer exists");
  }
  auto done = deliver(deliveries.front(), 1, &copy);
  if (!done) return std::unexpected(done.error());
  if (*done) {
    if (auto ok = store_.remove_dead_letter(tenant, std::string(kSystem), id); !ok) return std::unexpected(ok.error());
  }
  return *done;
}

}  // namespace ticketd
