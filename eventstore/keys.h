// RocksDB key layout of the event store (internal to eventstore/).
//
// Column families:
//   default      "head" -> BE64(position) ++ hash hex            (the durable-on-sync head)
//   log          BE64(position) -> stored record (record_codec.h)
//   stream_index stream \0 BE64(version) -> BE64(position)
//   event_ids    stream \0 event_id -> BE64(position) ++ BE64(version)
//   snapshots    stream -> BE64(version) ++ state bytes
//   meta         any key -> any value (EventStore::put_meta)
// Stream ids never contain \0, so a stream's keys form one contiguous range.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace ticketd::keys {

inline constexpr std::string_view kHead = "head";
inline constexpr const char* kLogFamily = "log";
inline constexpr const char* kStreamIndexFamily = "stream_index";
inline constexpr const char* kEventIdsFamily = "event_ids";
inline constexpr const char* kSnapshotsFamily = "snapshots";
inline constexpr const char* kMetaFamily = "meta";

inline void put_be64(std::string& out, std::uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>((v >> shift) & 0xff));
}

inline std::string be64(std::uint64_t v) {
  std::string s;
  put_be64(s, v);
  return s;
}

inline std::uint64_t read_be64(std::string_view s) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < 8 && i < s.size(); ++i) v = (v << 8) | static_cast<unsigned char>(s[i]);
  return v;
}

inline std::string stream_prefix(std::string_view stream) {
  std::string k(stream);
  k.push_back('\0');
  return k;
}

inline std::string stream_version_key(std::string_view stream, std::uint64_t version) {
  std::string k = stream_prefix(stream);
  put_be64(k, version);
  return k;
}

inline std::string event_id_key(std::string_view stream, std::string_view event_id) {
  std::string k = stream_prefix(stream);
  k.append(event_id);
  return k;
}

}  // namespace ticketd::keys
