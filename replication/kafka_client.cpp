#include "replication/kafka_client.h"

#include <spdlog/spdlog.h>

#include <array>

namespace ticketd::kafka {

namespace {

void log_line(const rd_kafka_t*, int level, const char* facility, const char* text) {
  // Syslog levels; librdkafka reports a broker it cannot reach as an error (3), which it
  // retries by itself: a warning here.
  if (level <= 2) {
    spdlog::error("kafka {}: {}", facility, text);
  } else if (level <= 4) {
    spdlog::warn("kafka {}: {}", facility, text);
  } else {
    spdlog::debug("kafka {}: {}", facility, text);
  }
}

}  // namespace

Result<Handle> make_handle(rd_kafka_type_t type, const std::string& bootstrap, const Settings& settings, void* opaque,
                           void (*configure)(rd_kafka_conf_t*)) {
  std::array<char, 512> err{};
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  auto set = [&](const std::string& name, const std::string& value) -> Result<void> {
    if (rd_kafka_conf_set(conf, name.c_str(), value.c_str(), err.data(), err.size()) != RD_KAFKA_CONF_OK) {
      return make_error(Errc::validation, "kafka setting " + name + ": " + err.data());
    }
    return {};
  };
  Result<void> ok = set("bootstrap.servers", bootstrap);
  for (const auto& [name, value] : settings) {
    if (ok) ok = set(name, value);
  }
  if (!ok) {
    rd_kafka_conf_destroy(conf);
    return std::unexpected(ok.error());
  }
  rd_kafka_conf_set_log_cb(conf, log_line);
  rd_kafka_conf_set_opaque(conf, opaque);
  if (configure != nullptr) configure(conf);
  rd_kafka_t* rk = rd_kafka_new(type, conf, err.data(), err.size());  // takes conf when it succeeds
  if (rk == nullptr) {
    rd_kafka_conf_destroy(conf);
    return make_error(Errc::unavailable, std::string("kafka: ") + err.data());
  }
  return Handle(rk);
}

}  // namespace ticketd::kafka
