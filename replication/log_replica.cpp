#include "replication/log_replica.h"

#include <pthread.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <charconv>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "events/erasure_codec.h"
#include "eventstore/record_codec.h"
#include "replication/kafka_client.h"
#include "replication/topics.h"

namespace ticketd {

namespace {

// A decimal position or offset, the whole of `text`.
std::optional<std::uint64_t> to_number(std::string_view text) {
  std::uint64_t n = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return n;
}

NewEvent as_new_event(const EventRecord& r) {
  NewEvent e;
  e.event_id = r.event_id;
  e.type = r.type;
  e.schema = r.schema;
  e.time = r.time;
  e.actor = r.actor;
  e.correlation_id = r.correlation_id;
  e.causation_id = r.causation_id;
  e.data = r.data;
  return e;
}

}  // namespace

struct LogReplica::Impl {
  EventStore& store;
  FieldCipher& cipher;
  std::string bootstrap;
  FetchKeys fetch_keys;
  Applied applied;
  const Clock& clock;
  ReplicaOptions options;

  kafka::Handle consumer;
  std::thread thread;
  std::atomic<bool> stopping{false};

  // Replica thread only.
  std::uint64_t next_position = 1;
  std::string last_hash;
  std::int64_t next_offset = RD_KAFKA_OFFSET_BEGINNING;
  bool started_at_stored_offset = false;
  bool rewound = false;
  std::uint64_t saved_offset_position = 0;
  std::chrono::steady_clock::time_point last_offset_save = std::chrono::steady_clock::now();

  // Appends in flight (their callbacks run on the store's syncer thread).
  std::mutex pending_mu;
  std::condition_variable pending_cv;
  std::size_t pending = 0;
  std::optional<Error> append_error;

  std::atomic<std::uint64_t> leader_position{0};
  std::atomic<std::int64_t> newest_seen_time_us{0};
  std::atomic<std::int64_t> consumed_offset{0};
  std::atomic<std::uint64_t> duplicates{0};
  std::atomic<std::uint64_t> keys_adopted{0};
  LatencyHistogram apply_lag;
  mutable std::mutex error_mu;
  std::optional<Error> error;

  Impl(EventStore& s, FieldCipher& c, std::string b, FetchKeys f, Applied a, const Clock& k, ReplicaOptions o)
      : store(s),
        cipher(c),
        bootstrap(std::move(b)),
        fetch_keys(std::move(f)),
        applied(std::move(a)),
        clock(k),
        options(o) {}

  Result<void> assign(std::int64_t offset) {
    rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(list, kLogTopic, 0)->offset = offset;
    const auto err = rd_kafka_assign(consumer.get(), list);
    rd_kafka_topic_partition_list_destroy(list);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return make_error(Errc::unavailable, std::string("kafka assign: ") + rd_kafka_err2str(err));
    }
    return {};
  }

  std::unexpected<Error> stop_at(std::uint64_t position, const std::string& why) {
    return make_error(Errc::conflict, fmt::format("replication stopped at position {}: {}", position, why));
  }

  Result<void> drain() {
    std::unique_lock lock(pending_mu);
    pending_cv.wait(lock, [&] { return pending == 0; });
    if (append_error) return std::unexpected(*append_error);
    return {};
  }

  void save_offset(bool now) {
    if (!now && std::chrono::steady_clock::now() - last_offset_save < options.offset_every) return;
    last_offset_save = std::chrono::steady_clock::now();
    const std::uint64_t durable = store.head().position;
    if (durable == saved_offset_position || durable + 1 != next_position) return;
    if (store.put_meta(kOffsetKey, fmt::format("{} {}", next_offset, durable))) saved_offset_position = durable;
  }

  // Fetches and adopts the keys `data` names that the local store has never held.
  Result<void> ensure_keys(const EventRecord& r) {
    auto ids = sealed_key_ids(r.data);
    if (!ids) return std::unexpected(ids.error());
    std::vector<std::string> missing;
    for (const auto& id : *ids) {
      auto held = cipher.keys().key(id);
      if (!held) return std::unexpected(held.error());
      if (*held) continue;
      auto owner = cipher.keys().subject_of(id);
      if (!owner) return std::unexpected(owner.error());
      if (!*owner) missing.push_back(id);  // never held here (a destroyed one stays destroyed)
    }
    if (missing.empty()) return {};
    for (int attempt = 0;; ++attempt) {
      auto fetched = fetch_keys(missing);
      if (fetched) {
        for (const auto& f : *fetched) {
          if (auto ok = cipher.keys().adopt(f.subject, f.key); !ok) return ok;
          keys_adopted.fetch_add(1);
        }
        return {};
      }
      if (attempt == 0 || attempt % 20 == 0) {
        spdlog::warn("replication: position {} waits for keys from the leader: {}", r.position,
                     fetched.error().message);
      }
      const auto until = std::chrono::steady_clock::now() + options.key_retry_pause;
      while (std::chrono::steady_clock::now() < until) {
        if (stopping.load()) return make_error(Errc::unavailable, "stopping");
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    }
  }

  Result<void> append(EventRecord r) {
    AppendRequest request{r.stream, ExpectedVersion::exact(r.version - 1), {as_new_event(r)}, r.position};
    {
      std::lock_guard lock(pending_mu);
      ++pending;
    }
    auto shared = std::make_shared<EventRecord>(std::move(r));
    store.append_async(std::move(request), [this, shared](Result<AppendOk> done) {
      std::optional<Error> failed;
      if (!done) {
        failed = done.error();
      } else if (done->duplicate || done->first_position != shared->position) {
        failed = Error{Errc::conflict,
                       fmt::format("position {} was not appended where the leader has it", shared->position),
                       {},
                       std::nullopt,
                       {},
                       {}};
      }
      if (!failed) {
        apply_lag.observe(std::chrono::duration_cast<std::chrono::microseconds>(clock.now() - shared->time));
        if (applied) applied(*shared);
      }
      std::lock_guard lock(pending_mu);
      if (failed && !append_error) {
        failed->message = fmt::format("replication stopped at position {}: {}", shared->position, failed->message);
        append_error = std::move(failed);
      }
      --pending;
      pending_cv.notify_all();
    });
    return {};
  }

  Result<void> handle(const rd_kafka_message_t& m) {
    const std::string_view key(static_cast<const char*>(m.key), m.key_len);
    const std::string_view value(static_cast<const char*>(m.payload), m.len);
    const auto keyed = to_number(key);
    auto r = decode_record(value);
    if (!keyed || !r || r->position != *keyed) {
      return stop_at(next_position, fmt::format("the message at offset {} is not a log record", m.offset));
    }
    consumed_offset.store(m.offset + 1);
    if (r->position > leader_position.load()) {
      leader_position.store(r->position);
      newest_seen_time_us.store(r->time.time_since_epoch().count());
    }
    if (r->position < next_position) {  // republished: must equal what the log holds
      if (auto ok = drain(); !ok) return ok;
      auto local = store.read_all(r->position - 1, 1);
      if (!local) return std::unexpected(local.error());
      if (local->empty() || local->front().hash != r->hash) {
        return stop_at(r->position, "a duplicate with a different hash than the local record");
      }
      duplicates.fetch_add(1);
      next_offset = m.offset + 1;
      return {};
    }
    if (r->position > next_position) {
      if (started_at_stored_offset && !rewound) {
        rewound = true;
        spdlog::warn("replication: offset {} holds position {}, expected {}; reading the topic from its beginning",
                     m.offset, r->position, next_position);
        return assign(RD_KAFKA_OFFSET_BEGINNING);
      }
      return stop_at(next_position, fmt::format("a gap: the topic's next record is position {}", r->position));
    }
    auto canonical = canonical_of_stored(value);
    if (!canonical || r->prev_hash != last_hash || chain_hash(r->prev_hash, *canonical) != r->hash) {
      return stop_at(r->position, "the hash chain does not continue (prev_hash or hash do not match)");
    }
    if (canonical_bytes(*r) != *canonical) {
      return stop_at(r->position, "the record does not re-encode to the leader's bytes");
    }
    if (auto ok = ensure_keys(*r); !ok) return ok;
    next_position = r->position + 1;
    last_hash = r->hash;
    next_offset = m.offset + 1;
    if (r->type == kPrivacyErased) {
      auto erasure = decode_erasure(r->data);
      if (!erasure) return stop_at(r->position, "a privacy.erased record that does not decode");
      if (auto ok = drain(); !ok) return ok;
      if (auto erased = cipher.erase(erasure->subject); !erased) return std::unexpected(erased.error());
      if (auto ok = append(std::move(*r)); !ok) return ok;
      if (auto ok = drain(); !ok) return ok;
      return cipher.keys().erasure_recorded(erasure->subject);
    }
    if (auto ok = append(std::move(*r)); !ok) return ok;
    std::size_t in_flight = 0;
    {
      std::lock_guard lock(pending_mu);
      in_flight = pending;
    }
    if (in_flight >= options.max_pending_appends) return drain();
    return {};
  }

  void fail(const Error& e) {
    spdlog::error("{}", e.message);
    std::lock_guard lock(error_mu);
    error = e;
  }

  void run() {
    while (!stopping.load()) {
      rd_kafka_message_t* m = rd_kafka_consumer_poll(consumer.get(), static_cast<int>(options.poll_wait.count()));
      if (m == nullptr) {
        if (auto ok = drain(); !ok) return fail(ok.error());
        save_offset(false);
        continue;
      }
      Result<void> handled;
      if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        handled = handle(*m);
      } else if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        spdlog::warn("replication: kafka: {}", rd_kafka_message_errstr(m));
      }
      rd_kafka_message_destroy(m);
      if (!handled) {
        if (stopping.load()) break;
        return fail(handled.error());
      }
      save_offset(false);
    }
    if (auto ok = drain(); ok) save_offset(true);
  }
};

LogReplica::LogReplica(EventStore& store, FieldCipher& cipher, std::string bootstrap, FetchKeys fetch_keys,
                       Applied applied, const Clock& clock, ReplicaOptions options)
    : impl_(std::make_unique<Impl>(store, cipher, std::move(bootstrap), std::move(fetch_keys), std::move(applied),
                                   clock, options)) {}

LogReplica::~LogReplica() { stop(); }

Result<void> LogReplica::start() {
  const kafka::Settings settings{
      {"group.id", "ticketd-follower"},  // required by librdkafka; offsets live in the local log
      {"enable.auto.commit", "false"},
      {"enable.auto.offset.store", "false"},
      {"auto.offset.reset", "earliest"},
      // A follower wants each record as soon as it is in the topic (lag), not big batches.
      {"fetch.wait.max.ms", "10"},
      {"fetch.error.backoff.ms", "10"},
      {"log_level", "4"},
  };
  auto made = kafka::make_handle(RD_KAFKA_CONSUMER, impl_->bootstrap, settings, impl_.get());
  if (!made) return std::unexpected(made.error());
  impl_->consumer = std::move(*made);
  rd_kafka_poll_set_consumer(impl_->consumer.get());
  const LogHead head = impl_->store.head();
  impl_->next_position = head.position + 1;
  impl_->last_hash = head.hash;
  auto stored = impl_->store.get_meta(kOffsetKey);
  if (!stored) return std::unexpected(stored.error());
  if (*stored) {
    const auto space = (*stored)->find(' ');
    const auto offset = to_number(std::string_view(**stored).substr(0, space));
    const auto position =
        space == std::string::npos ? std::nullopt : to_number(std::string_view(**stored).substr(space + 1));
    if (offset && position && *position <= head.position) {
      impl_->next_offset = static_cast<std::int64_t>(*offset);
      impl_->started_at_stored_offset = true;
    }
  }
  if (auto ok = impl_->assign(impl_->next_offset); !ok) return ok;
  Impl* impl = impl_.get();
  impl_->thread = std::thread([impl] { impl->run(); });
  pthread_setname_np(impl_->thread.native_handle(), "kafka-replica");
  return {};
}

void LogReplica::stop() {
  if (!impl_->thread.joinable()) return;
  impl_->stopping.store(true);
  impl_->thread.join();
  if (impl_->consumer) {
    rd_kafka_consumer_close(impl_->consumer.get());
    impl_->consumer.reset();
  }
}

ReplicaStats LogReplica::stats() const {
  ReplicaStats s;
  s.position = impl_->store.head().position;
  s.leader_position = impl_->leader_position.load();
  s.duplicates = impl_->duplicates.load();
  s.keys_adopted = impl_->keys_adopted.load();
  if (impl_->consumer) {
    std::int64_t low = 0, high = 0;
    if (rd_kafka_get_watermark_offsets(impl_->consumer.get(), kLogTopic, 0, &low, &high) ==
        RD_KAFKA_RESP_ERR_NO_ERROR) {
      const std::int64_t consumed = std::max<std::int64_t>(impl_->consumed_offset.load(), low);
      s.lag_records = high > consumed ? static_cast<std::uint64_t>(high - consumed) : 0;
    }
  }
  if (s.lag_records > 0 || s.position < s.leader_position) {
    const Timestamp newest{std::chrono::microseconds{impl_->newest_seen_time_us.load()}};
    auto local = impl_->store.read_all(s.position == 0 ? 0 : s.position - 1, 1);
    if (local && !local->empty()) {
      s.lag_seconds = std::max(0.0, std::chrono::duration<double>(impl_->clock.now() - local->front().time).count());
    } else if (newest.time_since_epoch().count() > 0) {
      s.lag_seconds = std::max(0.0, std::chrono::duration<double>(impl_->clock.now() - newest).count());
    }
  }
  if (auto e = error()) {
    s.stopped = true;
    s.error = e->message;
  }
  return s;
}

const LatencyHistogram& LogReplica::apply_lag() const { return impl_->apply_lag; }

std::optional<Error> LogReplica::error() const {
  std::lock_guard lock(impl_->error_mu);
  return impl_->error;
}

}  // namespace ticketd
