// The embedded Kafka cluster of `--kafka embedded`: librdkafka's mock cluster
// (rdkafka_mock.h), brokers in this process on loopback that speak the Kafka protocol, so
// kcat and any Kafka client can use them. It keeps everything in memory: its topics are
// empty at every start (docs/replication.md says what that means). Production runs a
// real cluster (`--kafka host:port,...`).
//
// The fault controls are the mock cluster's own (tests inject broker outages, request
// errors and leader changes with them). Thread-safe as librdkafka's mock API is.
#pragma once

#include <memory>
#include <string>

#include "base/error.h"

namespace ticketd {

class EmbeddedKafka {
 public:
  static constexpr int kBrokers = 3;

  // Starts `brokers` brokers and creates ticketd's topics (replication/topics.h) with a
  // replication factor of min(3, brokers). Errc::unavailable when librdkafka cannot.
  [[nodiscard]] static Result<std::unique_ptr<EmbeddedKafka>> start(int brokers = kBrokers);
  ~EmbeddedKafka();
  EmbeddedKafka(const EmbeddedKafka&) = delete;
  EmbeddedKafka& operator=(const EmbeddedKafka&) = delete;

  // "127.0.0.1:PORT,..." of every broker.
  [[nodiscard]] const std::string& bootstrap() const;

  // Fault injection. Broker ids are 1..brokers.
  [[nodiscard]] Result<void> set_broker_up(int broker_id, bool up);
  // The next `count` produce requests (any broker) fail with a retriable error
  // (NOT_LEADER_OR_FOLLOWER), as a leader election would make them.
  void fail_produce_requests(int count);
  [[nodiscard]] Result<void> set_partition_leader(const std::string& topic, int partition, int broker_id);

 private:
  struct Impl;
  explicit EmbeddedKafka(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ticketd
