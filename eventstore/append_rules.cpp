#include "eventstore/append_rules.h"

#include <string_view>
#include <unordered_set>

#include "eventstore/record_codec.h"

namespace ticketd {
namespace {

std::unexpected<Error> validation_error(std::string field, std::string message) {
  Error e{Errc::validation, "invalid append: " + field + " " + message, {}, std::nullopt, {}, {}};
  e.fields.push_back({std::move(field), std::move(message)});
  return std::unexpected<Error>(std::move(e));
}

}  // namespace

Result<void> validate_append(AppendRequest& request, const EventStoreLimits& limits) {
  if (request.stream.empty() || request.stream.size() > limits.max_stream_id_bytes ||
      request.stream.find('\0') != std::string::npos) {
    return validation_error("stream", "must be 1-" + std::to_string(limits.max_stream_id_bytes) + " bytes without NUL");
  }
  if (request.events.empty()) return validation_error("events", "must not be empty");
  if (request.events.size() > limits.max_events_per_append) {
    return validation_error("events",
                            "more than " + std::to_string(limits.max_events_per_append) + " events in one append");
  }
  std::unordered_set<std::string_view> ids;
  for (auto& e : request.events) {
    for (const std::string* f : {&e.event_id, &e.type}) {
      if (f->empty() || f->size() > limits.max_field_bytes) {
        return validation_error(f == &e.event_id ? "event_id" : "type",
                                "must be 1-" + std::to_string(limits.max_field_bytes) + " bytes");
      }
    }
    for (const std::string* f : {&e.actor.sub, &e.actor.role, &e.actor.tenant, &e.correlation_id, &e.causation_id}) {
      if (f->size() > limits.max_field_bytes) {
        return validation_error("actor/correlation", "field longer than " + std::to_string(limits.max_field_bytes));
      }
    }
    if (!ids.insert(e.event_id).second) {
      return validation_error("event_id", "repeated within one append: " + e.event_id);
    }
    auto data = minify_json_object(e.data, limits.max_event_data_bytes);
    if (!data) return std::unexpected(data.error());
    e.data = std::move(*data);
  }
  return {};
}

Result<void> check_expected_position(const AppendRequest& request, std::uint64_t next_position) {
  if (request.expected_position == 0 || request.expected_position == next_position) return {};
  return make_error(Errc::conflict, "the append expected position " + std::to_string(request.expected_position) +
                                        " but the log's next position is " + std::to_string(next_position));
}

EventRecord seal_record(NewEvent& event, const std::string& stream, std::uint64_t position, std::uint64_t version,
                        const std::string& prev_hash, std::string& stored) {
  EventRecord r;
  r.position = position;
  r.stream = stream;
  r.version = version;
  r.event_id = std::move(event.event_id);
  r.type = std::move(event.type);
  r.schema = event.schema;
  r.time = event.time;
  r.actor = std::move(event.actor);
  r.correlation_id = std::move(event.correlation_id);
  r.causation_id = std::move(event.causation_id);
  r.data = std::move(event.data);
  const std::string canonical = canonical_bytes(r);
  r.prev_hash = prev_hash;
  r.hash = chain_hash(r.prev_hash, canonical);
  stored = stored_form(canonical, r);
  return r;
}

}  // namespace ticketd
