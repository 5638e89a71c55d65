#include "replication/log_relay.h"

#include <pthread.h>
#include <spdlog/spdlog.h>

#include <array>
#include <condition_variable>
#include <deque>

#include "eventstore/log_follower.h"
#include "eventstore/record_codec.h"
#include "replication/analytics_event.h"
#include "replication/kafka_client.h"
#include "replication/topics.h"

namespace ticketd {

namespace {

Result<std::uint64_t> load_checkpoint(const EventStore& store) {
  auto stored = store.get_meta(LogRelay::kCheckpointKey);
  if (!stored) return std::unexpected(stored.error());
  if (!*stored) return std::uint64_t{0};
  try {
    return std::stoull(**stored);
  } catch (const std::exception&) {
    return make_error(Errc::internal, "the relay checkpoint is not a number");
  }
}

}  // namespace

struct LogRelay::Impl {
  EventStore& store;
  std::string bootstrap;
  TenantOf tenant_of;
  const Clock& clock;
  RelayOptions options;

  kafka::Handle producer;
  std::unique_ptr<LogFollower> follower;
  std::thread thread;
  std::atomic<bool> stopping{false};

  // Relay thread only (delivery reports run inside rd_kafka_poll on it).
  std::deque<std::uint8_t> outstanding;  // deliveries still awaited, for positions delivered+1...
  std::uint64_t stored_checkpoint = 0;
  bool failed = false;  // a delivery failed for good: start again from delivered

  std::atomic<std::uint64_t> produced{0};
  std::atomic<std::uint64_t> delivered{0};
  std::atomic<std::uint64_t> restarts{0};
  mutable std::mutex error_mu;
  std::string last_error;

  Impl(EventStore& s, std::string b, TenantOf t, const Clock& c, RelayOptions o)
      : store(s), bootstrap(std::move(b)), tenant_of(std::move(t)), clock(c), options(o) {}

  static void on_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
    static_cast<Impl*>(opaque)->delivered_one(static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(m->_private)),
                                              m->err);
  }
  static void configure(rd_kafka_conf_t* conf) { rd_kafka_conf_set_dr_msg_cb(conf, on_delivery); }

  Result<void> make_producer() {
    const kafka::Settings settings{
        {"enable.idempotence", "true"},
        {"acks", "all"},
        {"message.timeout.ms", "0"},  // never expire: wait for Kafka to come back
        {"linger.ms", "20"},
        {"queue.buffering.max.messages", std::to_string(2 * options.max_in_flight + 16)},
        {"log_level", "4"},
    };
    auto made = kafka::make_handle(RD_KAFKA_PRODUCER, bootstrap, settings, this, configure);
    if (!made) return std::unexpected(made.error());
    producer = std::move(*made);
    return {};
  }

  void delivered_one(std::uint64_t position, rd_kafka_resp_err_t err) {
    if (err == RD_KAFKA_RESP_ERR__PURGE_QUEUE || err == RD_KAFKA_RESP_ERR__PURGE_INFLIGHT) return;
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      failed = true;
      std::lock_guard lock(error_mu);
      last_error = fmt::format("position {}: {}", position, rd_kafka_err2str(err));
      return;
    }
    const std::uint64_t base = delivered.load() + 1;
    if (position < base || position - base >= outstanding.size()) return;  // from before a restart
    auto& left = outstanding[position - base];
    if (left > 0) --left;
    std::uint64_t done = base - 1;
    while (!outstanding.empty() && outstanding.front() == 0) {
      outstanding.pop_front();
      ++done;
    }
    delivered.store(done);
  }

  // Produces one message; waits (serving delivery reports) while librdkafka's queue is full.
  bool produce(const char* topic, std::int32_t partition, const std::string& key, const std::string& value,
               const std::vector<KafkaHeader>& headers, std::uint64_t position) {
    for (;;) {
      rd_kafka_headers_t* hdrs = rd_kafka_headers_new(headers.size());
      for (const auto& h : headers) {
        rd_kafka_header_add(hdrs, h.name.data(), static_cast<ssize_t>(h.name.size()), h.value.data(),
                            static_cast<ssize_t>(h.value.size()));
      }
      std::array<rd_kafka_vu_t, 7> vus{};
      vus[0].vtype = RD_KAFKA_VTYPE_TOPIC;
      vus[0].u.cstr = topic;
      vus[1].vtype = RD_KAFKA_VTYPE_PARTITION;
      vus[1].u.i32 = partition;
      vus[2].vtype = RD_KAFKA_VTYPE_KEY;
      vus[2].u.mem = {const_cast<char*>(key.data()), key.size()};
      vus[3].vtype = RD_KAFKA_VTYPE_VALUE;
      vus[3].u.mem = {const_cast<char*>(value.data()), value.size()};
      vus[4].vtype = RD_KAFKA_VTYPE_MSGFLAGS;
      vus[4].u.i = RD_KAFKA_MSG_F_COPY;
      vus[5].vtype = RD_KAFKA_VTYPE_HEADERS;
      vus[5].u.headers = hdrs;
      vus[6].vtype = RD_KAFKA_VTYPE_OPAQUE;
      vus[6].u.ptr = reinterpret_cast<void*>(static_cast<std::uintptr_t>(position));
      rd_kafka_error_t* error = rd_kafka_produceva(producer.get(), vus.data(), vus.size());
      const auto err = error == nullptr ? RD_KAFKA_RESP_ERR_NO_ERROR : rd_kafka_error_code(error);
      if (error != nullptr) rd_kafka_error_destroy(error);
      if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return true;  // the message owns hdrs now
      rd_kafka_headers_destroy(hdrs);
      if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        failed = true;
        std::lock_guard lock(error_mu);
        last_error = fmt::format("position {}: {}", position, rd_kafka_err2str(err));
        return false;
      }
      rd_kafka_poll(producer.get(), 50);
      if (stopping.load()) return false;
    }
  }

  Result<void> publish(std::span<const EventRecord> batch) {
    for (const EventRecord& r : batch) {
      // Bounded: wait while the window is full.
      while (outstanding.size() >= options.max_in_flight && !failed && !stopping.load()) {
        rd_kafka_poll(producer.get(), 50);
      }
      if (failed || stopping.load()) return make_error(Errc::unavailable, "relay interrupted");
      const std::string stored = stored_form(canonical_bytes(r), r);
      const std::string key = std::to_string(r.position);
      const std::string tenant = tenant_of ? tenant_of(r) : std::string();
      auto analytics = analytics_message(r, tenant);
      outstanding.push_back(analytics ? 2 : 1);
      if (!produce(kLogTopic, 0, key, stored, {}, r.position)) return make_error(Errc::unavailable, "produce failed");
      if (analytics && !produce(kTicketEventsTopic, RD_KAFKA_PARTITION_UA, analytics->key, analytics->value,
                                analytics->headers, r.position)) {
        return make_error(Errc::unavailable, "produce failed");
      }
      produced.store(r.position);
    }
    return {};
  }

  void save_checkpoint() {
    const std::uint64_t now = delivered.load();
    if (now == stored_checkpoint) return;
    if (auto ok = store.put_meta(kCheckpointKey, std::to_string(now)); !ok) {
      spdlog::warn("relay: cannot store the checkpoint: {}", ok.error().message);
      return;
    }
    stored_checkpoint = now;
  }

  // After a failed delivery: drop what is in flight and follow again from delivered.
  void restart() {
    rd_kafka_purge(producer.get(), RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    rd_kafka_poll(producer.get(), 0);
    producer.reset();
    outstanding.clear();
    restarts.fetch_add(1);
    {
      std::lock_guard lock(error_mu);
      spdlog::warn("relay: {}; publishing again after position {}", last_error, delivered.load());
    }
    const auto until = std::chrono::steady_clock::now() + options.retry_pause;
    while (!stopping.load() && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (auto made = make_producer(); !made) {
      spdlog::error("relay: {}", made.error().message);
      return;  // failed stays set: the next round tries again
    }
    follower->seek(delivered.load());
    produced.store(delivered.load());
    failed = false;
  }

  void run() {
    auto last_save = std::chrono::steady_clock::now();
    while (!stopping.load()) {
      if (failed || !producer) {
        restart();
        continue;
      }
      auto polled = follower->poll();
      rd_kafka_poll(producer.get(), 0);
      if (!polled) {
        if (!failed && !stopping.load()) {
          spdlog::error("relay: {}", polled.error().message);
          failed = true;
        }
        continue;
      }
      if (*polled == 0) {
        // Nothing new: serve delivery reports for a while, or until the log grows.
        if (!outstanding.empty()) {
          rd_kafka_poll(producer.get(), 5);
        } else {
          (void)store.wait_beyond(follower->position(), std::chrono::milliseconds(20));
        }
      }
      if (std::chrono::steady_clock::now() - last_save >= options.checkpoint_every) {
        save_checkpoint();
        last_save = std::chrono::steady_clock::now();
      }
    }
  }
};

LogRelay::LogRelay(EventStore& store, std::string bootstrap, TenantOf tenant_of, const Clock& clock,
                   RelayOptions options)
    : impl_(std::make_unique<Impl>(store, std::move(bootstrap), std::move(tenant_of), clock, options)) {}

LogRelay::~LogRelay() { stop(); }

Result<void> LogRelay::start() {
  auto checkpoint = load_checkpoint(impl_->store);
  if (!checkpoint) return std::unexpected(checkpoint.error());
  if (auto made = impl_->make_producer(); !made) return made;
  impl_->delivered.store(*checkpoint);
  impl_->produced.store(*checkpoint);
  impl_->stored_checkpoint = *checkpoint;
  Impl* impl = impl_.get();
  impl_->follower = std::make_unique<LogFollower>(
      impl_->store, *checkpoint, [impl](std::span<const EventRecord> batch) { return impl->publish(batch); },
      LogFollower::Options{.batch_events = impl_->options.batch_events});
  impl_->thread = std::thread([impl] { impl->run(); });
  pthread_setname_np(impl_->thread.native_handle(), "kafka-relay");
  return {};
}

void LogRelay::stop(std::chrono::milliseconds flush) {
  if (!impl_->thread.joinable()) return;
  impl_->stopping.store(true);
  impl_->thread.join();
  if (impl_->producer) {
    const auto until = std::chrono::steady_clock::now() + flush;
    while (!impl_->outstanding.empty() && !impl_->failed && std::chrono::steady_clock::now() < until) {
      rd_kafka_poll(impl_->producer.get(), 20);
    }
    impl_->save_checkpoint();
    rd_kafka_purge(impl_->producer.get(), RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    rd_kafka_poll(impl_->producer.get(), 0);
    impl_->producer.reset();
  }
}

RelayStats LogRelay::stats() const {
  RelayStats s;
  s.head = impl_->store.head().position;
  s.produced = impl_->produced.load();
  s.delivered = impl_->delivered.load();
  s.restarts = impl_->restarts.load();
  {
    std::lock_guard lock(impl_->error_mu);
    s.last_error = impl_->last_error;
  }
  if (s.delivered < s.head) {
    auto next = impl_->store.read_all(s.delivered, 1);
    if (next && !next->empty()) {
      const auto age = impl_->clock.now() - next->front().time;
      s.lag_seconds = std::max(0.0, std::chrono::duration<double>(age).count());
    }
  }
  return s;
}

Result<void> LogRelay::store_checkpoint(EventStore& store, std::uint64_t position) {
  return store.put_meta(kCheckpointKey, std::to_string(position));
}

}  // namespace ticketd
