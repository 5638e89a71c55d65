// The stored form of an event record and the bytes its hash covers.
//
// Stored form (one compact JSON object, keys in exactly this order):
//   {"position":P,"stream":S,"version":V,"event_id":E,"type":T,"schema":N,
//    "time":"RFC3339 UTC, 6 fraction digits","actor":{"sub":..,"role":..,"tenant":..},
//    "correlation_id":C,"causation_id":K,"data":{...minified...},
//    "prev_hash":"<64 hex>","hash":"<64 hex>"}
// Canonical bytes: the stored form with its fixed-length tail
// `,"prev_hash":"<64 hex>","hash":"<64 hex>"}` (kHashTailBytes) replaced by `}`.
// hash = hex(SHA-256(prev_hash as its 64 ASCII hex digits ++ canonical bytes)).
// prev_hash of position 1 is 64 '0' digits. docs/event-log.md tells an outside
// verifier the same.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "base/error.h"
#include "eventstore/event.h"

namespace ticketd {

inline constexpr std::size_t kHashHexBytes = 64;
inline constexpr std::string_view kGenesisHash = "0000000000000000000000000000000000000000000000000000000000000000";
// Length of `,"prev_hash":"` + 64 + `","hash":"` + 64 + `"}`.
inline constexpr std::size_t kHashTailBytes = 14 + kHashHexBytes + 10 + kHashHexBytes + 2;

// Canonical bytes of `r` (its hash fields are ignored).
[[nodiscard]] std::string canonical_bytes(const EventRecord& r);

// hash = SHA-256(prev_hash ++ canonical) as hex.
[[nodiscard]] std::string chain_hash(std::string_view prev_hash, std::string_view canonical);

// Stored form of `r`, from its canonical bytes and its prev_hash/hash.
[[nodiscard]] std::string stored_form(std::string_view canonical, const EventRecord& r);

// Canonical bytes recovered from a stored form (no parsing; see the header comment).
[[nodiscard]] Result<std::string> canonical_of_stored(std::string_view stored);

// Parses a stored form with simdjson. Errc::internal if it is not a well-formed record.
[[nodiscard]] Result<EventRecord> decode_record(std::string_view stored);

// Validates that `json` is a JSON object (UTF-8, at most `max_bytes`) and returns it minified.
[[nodiscard]] Result<std::string> minify_json_object(std::string_view json, std::size_t max_bytes);

}  // namespace ticketd
