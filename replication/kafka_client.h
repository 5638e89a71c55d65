// What the relay and the follower share about librdkafka (internal to replication/):
// configuration with errors as values, and librdkafka's log lines sent to spdlog (they
// name brokers and topics, never record contents).
#pragma once

#include <librdkafka/rdkafka.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "base/error.h"

namespace ticketd::kafka {

struct HandleDeleter {
  void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
};
using Handle = std::unique_ptr<rd_kafka_t, HandleDeleter>;

using Settings = std::vector<std::pair<std::string, std::string>>;

// A producer or consumer on `bootstrap` with `settings`; `opaque` is passed to callbacks,
// `configure` may set callbacks on the configuration before the handle is made.
[[nodiscard]] Result<Handle> make_handle(rd_kafka_type_t type, const std::string& bootstrap, const Settings& settings,
                                         void* opaque, void (*configure)(rd_kafka_conf_t*) = nullptr);

}  // namespace ticketd::kafka
