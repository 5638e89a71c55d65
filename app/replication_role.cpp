#include "app/replication_role.h"

#include <fmt/format.h>

#include <fstream>

#include "app/data_dir.h"
#include "replication/embedded_kafka.h"
#include "replication/leader_keys_client.h"
#include "replication/log_relay.h"
#include "replication/log_replica.h"
#include "replication/replication_status.h"
#include "replication/topics.h"

namespace ticketd::app {

struct ReplicationRole::Parts {
  std::unique_ptr<EmbeddedKafka> embedded;
  std::unique_ptr<LogRelay> relay;
  std::unique_ptr<LogReplica> replica;
  std::unique_ptr<http::ReplicationView> view;
};

ReplicationRole::ReplicationRole(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}
ReplicationRole::~ReplicationRole() { stop(); }

Result<void> ReplicationRole::check(const ReplicationSettings& s) {
  if (s.kafka.empty()) return make_error(Errc::validation, "--kafka: off, embedded or HOST:PORT,...");
  if (!s.follow.empty()) {
    if (s.kafka == "off" || s.kafka == "embedded") {
      return make_error(Errc::validation,
                        "--follow needs --kafka HOST:PORT,... of the leader's cluster (the leader writes it to "
                        "<its data dir>/kafka.bootstrap)");
    }
    if (auto client = LeaderKeysClient::make(s.follow, s.secret); !client) return std::unexpected(client.error());
  }
  return {};
}

namespace {

// A leader on a follower's data directory: the follower marker goes, the relay starts a
// window before the head.
Result<void> promote_if_follower(EventStore& store) {
  auto leader = store.get_meta(LogReplica::kLeaderKey);
  if (!leader) return std::unexpected(leader.error());
  if (!*leader) return {};
  const LogHead head = store.head();
  fmt::print("promoted: this data directory followed {}; it continues the chain as the leader at position {} hash {}\n",
             **leader, head.position, head.hash);
  const std::size_t window = RelayOptions{}.max_in_flight;
  if (auto ok = LogRelay::store_checkpoint(store, head.position > window ? head.position - window : 0); !ok) return ok;
  return store.delete_meta({std::string(LogReplica::kLeaderKey), std::string(LogReplica::kOffsetKey)});
}

}  // namespace

Result<std::unique_ptr<ReplicationRole>> ReplicationRole::start(const ReplicationSettings& s, EventStore& store,
                                                                FieldCipher& cipher, CommandEngine& engine,
                                                                const Clock& clock) {
  auto parts = std::make_unique<Parts>();
  if (s.follow.empty()) {
    if (auto ok = promote_if_follower(store); !ok) return std::unexpected(ok.error());
  }
  if (s.kafka == "off") return std::unique_ptr<ReplicationRole>(new ReplicationRole(std::move(parts)));
  std::string bootstrap = s.kafka;
  if (s.kafka == "embedded") {
    auto cluster = EmbeddedKafka::start();
    if (!cluster) return std::unexpected(cluster.error());
    parts->embedded = std::move(*cluster);
    bootstrap = parts->embedded->bootstrap();
    fmt::print("kafka bootstrap {}\n", bootstrap);
    std::ofstream(kafka_bootstrap_path(s.data_dir), std::ios::trunc) << bootstrap << "\n";
  }
  if (s.follow.empty()) {
    // The embedded cluster starts empty: its topics get the whole log again.
    if (parts->embedded) {
      if (auto ok = LogRelay::store_checkpoint(store, 0); !ok) return std::unexpected(ok.error());
    }
    parts->relay = std::make_unique<LogRelay>(
        store, bootstrap, [&engine](const EventRecord& r) { return engine.tenant_of(r); }, clock);
    if (auto ok = parts->relay->start(); !ok) return std::unexpected(ok.error());
    parts->view = std::make_unique<RelayStatus>(*parts->relay);
    fmt::print("relay publishing to {} and {} from position {}\n", kLogTopic, kTicketEventsTopic,
               parts->relay->stats().delivered);
  } else {
    if (auto ok = store.put_meta(LogReplica::kLeaderKey, s.follow); !ok) return std::unexpected(ok.error());
    auto client = LeaderKeysClient::make(s.follow, s.secret);
    if (!client) return std::unexpected(client.error());
    parts->replica = std::make_unique<LogReplica>(
        store, cipher, bootstrap,
        [client = std::move(*client)](const std::vector<std::string>& ids) { return client.fetch(ids); },
        [&engine](const EventRecord& r) { engine.note_replicated(r); }, clock);
    if (auto ok = parts->replica->start(); !ok) return std::unexpected(ok.error());
    parts->view = std::make_unique<ReplicaStatus>(*parts->replica);
    fmt::print("following {} through {} from position {}\n", s.follow, kLogTopic, store.head().position);
  }
  return std::unique_ptr<ReplicationRole>(new ReplicationRole(std::move(parts)));
}

bool ReplicationRole::follower() const { return parts_->replica != nullptr; }

const http::ReplicationView* ReplicationRole::view() const { return parts_->view.get(); }

void ReplicationRole::stop() {
  if (parts_->relay) parts_->relay->stop();
  if (parts_->replica) parts_->replica->stop();
}

}  // namespace ticketd::app
