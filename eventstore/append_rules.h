// What every EventStore implementation does to an append, whatever its storage: the
// field rules and limits (validate_append), and turning a proposed event into the
// record the log holds, chained to the one before it (seal_record).
#pragma once

#include <cstdint>
#include <string>

#include "base/error.h"
#include "eventstore/event.h"
#include "eventstore/event_store.h"

namespace ticketd {

// Checks `request` against `limits` and the field rules (stream 1..max bytes without NUL,
// 1..max events, non-empty event_id and type, ids unique within the append, data a JSON
// object) and minifies each event's data in place. Errc::validation or Errc::too_large.
[[nodiscard]] Result<void> validate_append(AppendRequest& request, const EventStoreLimits& limits);

// Errc::conflict when `request` names an expected_position other than `next_position`
// (the position its first event would get).
[[nodiscard]] Result<void> check_expected_position(const AppendRequest& request, std::uint64_t next_position);

// The record `event` becomes at `position` / `version` of `stream` after `prev_hash`,
// with its hash; `stored` receives its stored form (record_codec.h). `event` is moved from.
[[nodiscard]] EventRecord seal_record(NewEvent& event, const std::string& stream, std::uint64_t position,
                                      std::uint64_t version, const std::string& prev_hash, std::string& stored);

}  // namespace ticketd
