// Where ticketd keeps its files inside the data directory (--data-dir / TICKETD_DATA_DIR).
#pragma once

#include <string>

namespace ticketd::app {

inline constexpr const char* kDefaultDataDir = "./data";
inline constexpr const char* kDataDirEnv = "TICKETD_DATA_DIR";

// The RocksDB event store.
inline std::string event_store_dir(const std::string& data_dir) { return data_dir + "/events"; }

// The SQLite read models (projections).
inline std::string read_model_path(const std::string& data_dir) { return data_dir + "/readmodels.sqlite"; }

}  // namespace ticketd::app
