// A plain librdkafka consumer for the replication tests: reads one partition of a topic
// from its beginning until `count` messages arrived or a deadline passed.
#pragma once

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace ticketd::test {

struct ConsumedMessage {
  std::string key;
  std::string value;
  std::map<std::string, std::string> headers;
  std::int32_t partition = 0;
  std::int64_t offset = 0;
};

inline std::vector<ConsumedMessage> consume(const std::string& bootstrap, const std::string& topic,
                                            std::vector<std::int32_t> partitions, std::size_t count,
                                            std::chrono::seconds limit = std::chrono::seconds(60)) {
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), err, sizeof err);
  rd_kafka_conf_set(conf, "group.id", "ticketd-test", err, sizeof err);
  rd_kafka_conf_set(conf, "enable.auto.commit", "false", err, sizeof err);
  rd_kafka_conf_set(conf, "log_level", "3", err, sizeof err);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
  if (rk == nullptr) throw std::runtime_error(err);
  rd_kafka_poll_set_consumer(rk);
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(static_cast<int>(partitions.size()));
  for (auto p : partitions)
    rd_kafka_topic_partition_list_add(list, topic.c_str(), p)->offset = RD_KAFKA_OFFSET_BEGINNING;
  rd_kafka_assign(rk, list);
  rd_kafka_topic_partition_list_destroy(list);
  std::vector<ConsumedMessage> out;
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (out.size() < count && std::chrono::steady_clock::now() < deadline) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 100);
    if (m == nullptr) continue;
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      ConsumedMessage c;
      c.key.assign(static_cast<const char*>(m->key), m->key_len);
      c.value.assign(static_cast<const char*>(m->payload), m->len);
      c.partition = m->partition;
      c.offset = m->offset;
      rd_kafka_headers_t* hdrs = nullptr;
      if (rd_kafka_message_headers(m, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        const char* name = nullptr;
        const void* value = nullptr;
        size_t size = 0;
        for (size_t i = 0; rd_kafka_header_get_all(hdrs, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR; ++i) {
          c.headers[name] = std::string(static_cast<const char*>(value), size);
        }
      }
      out.push_back(std::move(c));
    }
    rd_kafka_message_destroy(m);
  }
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  return out;
}

// Produces raw messages to partition 0 of `topic` and waits for their delivery.
inline void produce_raw(const std::string& bootstrap, const std::string& topic,
                        const std::vector<std::pair<std::string, std::string>>& messages) {
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), err, sizeof err);
  rd_kafka_conf_set(conf, "log_level", "3", err, sizeof err);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (rk == nullptr) throw std::runtime_error(err);
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
  bool ok = rkt != nullptr;
  for (const auto& [key, value] : messages) {
    ok = ok && rd_kafka_produce(rkt, 0, RD_KAFKA_MSG_F_COPY, const_cast<char*>(value.data()), value.size(), key.data(),
                                key.size(), nullptr) == 0;
  }
  ok = ok && rd_kafka_flush(rk, 30000) == RD_KAFKA_RESP_ERR_NO_ERROR;
  if (rkt != nullptr) rd_kafka_topic_destroy(rkt);
  rd_kafka_destroy(rk);
  if (!ok) throw std::runtime_error("produce_raw: messages not produced and delivered");
}

}  // namespace ticketd::test
