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

// Attachment contents (RocksDB with blob files).
inline std::string attachment_dir(const std::string& data_dir) { return data_dir + "/attachments"; }

// The data subjects' keys (privacy/subject_key_store.h): losing it loses every sealed
// personal field, so it is backed up on its own (ticketctl backup-keys).
inline std::string key_store_dir(const std::string& data_dir) { return data_dir + "/keys"; }

// Streamed uploads waiting to be stored (emptied at start).
// The sync adapters' store: connections, the webhook inbox, external links.
inline std::string integration_dir(const std::string& data_dir) { return data_dir + "/integrations"; }
inline std::string upload_dir(const std::string& data_dir) { return data_dir + "/uploads"; }

// The bound HTTP address "HOST:PORT", written once ticketd accepts requests.
inline std::string http_addr_path(const std::string& data_dir) { return data_dir + "/http.addr"; }

// The embedded Kafka cluster's bootstrap list "HOST:PORT,...", written when it starts.
inline std::string kafka_bootstrap_path(const std::string& data_dir) { return data_dir + "/kafka.bootstrap"; }

// The replication secret --demo made up when none was configured (reused on restart).
inline std::string demo_replication_secret_path(const std::string& data_dir) {
  return data_dir + "/demo-replication-secret";
}

// The HS256 secret --demo made up when none was configured (reused on restart; ticketctl
// token falls back to it).
inline std::string demo_secret_path(const std::string& data_dir) { return data_dir + "/demo-jwt-secret"; }

}  // namespace ticketd::app
