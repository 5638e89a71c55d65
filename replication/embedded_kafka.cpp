#include "replication/embedded_kafka.h"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <algorithm>
#include <array>
#include <vector>

#include "replication/topics.h"

namespace ticketd {

struct EmbeddedKafka::Impl {
  rd_kafka_t* handle = nullptr;  // the mock cluster's bookkeeping instance
  rd_kafka_mock_cluster_t* cluster = nullptr;
  std::string bootstrap;
  ~Impl() {
    if (cluster != nullptr) rd_kafka_mock_cluster_destroy(cluster);
    if (handle != nullptr) rd_kafka_destroy(handle);
  }
};

EmbeddedKafka::EmbeddedKafka(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
EmbeddedKafka::~EmbeddedKafka() = default;

Result<std::unique_ptr<EmbeddedKafka>> EmbeddedKafka::start(int brokers) {
  auto impl = std::make_unique<Impl>();
  std::array<char, 512> err{};
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  // Quiet: the bookkeeping instance connects to nothing.
  rd_kafka_conf_set(conf, "log_level", "3", err.data(), err.size());
  impl->handle = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err.data(), err.size());
  if (impl->handle == nullptr) {
    rd_kafka_conf_destroy(conf);
    return make_error(Errc::unavailable, std::string("embedded kafka: ") + err.data());
  }
  impl->cluster = rd_kafka_mock_cluster_new(impl->handle, brokers);
  if (impl->cluster == nullptr) return make_error(Errc::unavailable, "embedded kafka: the mock cluster did not start");
  const int replicas = std::min(3, brokers);
  for (auto [topic, partitions] : {std::pair{kLogTopic, 1}, std::pair{kTicketEventsTopic, kTicketEventsPartitions}}) {
    if (rd_kafka_mock_topic_create(impl->cluster, topic, partitions, replicas) != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return make_error(Errc::unavailable, std::string("embedded kafka: cannot create topic ") + topic);
    }
  }
  impl->bootstrap = rd_kafka_mock_cluster_bootstraps(impl->cluster);
  return std::unique_ptr<EmbeddedKafka>(new EmbeddedKafka(std::move(impl)));
}

const std::string& EmbeddedKafka::bootstrap() const { return impl_->bootstrap; }

Result<void> EmbeddedKafka::set_broker_up(int broker_id, bool up) {
  const auto err = up ? rd_kafka_mock_broker_set_up(impl_->cluster, broker_id)
                      : rd_kafka_mock_broker_set_down(impl_->cluster, broker_id);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return make_error(Errc::validation, rd_kafka_err2str(err));
  return {};
}

void EmbeddedKafka::fail_produce_requests(int count) {
  constexpr std::int16_t kProduceApiKey = 0;
  std::vector<rd_kafka_resp_err_t> errors(static_cast<std::size_t>(std::max(count, 0)),
                                          RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION);
  rd_kafka_mock_push_request_errors_array(impl_->cluster, kProduceApiKey, errors.size(), errors.data());
}

Result<void> EmbeddedKafka::set_partition_leader(const std::string& topic, int partition, int broker_id) {
  const auto err = rd_kafka_mock_partition_set_leader(impl_->cluster, topic.c_str(), partition, broker_id);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return make_error(Errc::validation, rd_kafka_err2str(err));
  return {};
}

}  // namespace ticketd
