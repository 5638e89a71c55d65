#include "replication/analytics_event.h"

#include "base/json_writer.h"
#include "base/timestamp.h"
#include "events/streams.h"

namespace ticketd {

std::optional<KafkaMessage> analytics_message(const EventRecord& record, const std::string& tenant) {
  if (!streams::is_ticket(record.stream)) return std::nullopt;
  const std::string time = format_rfc3339(record.time);
  const std::string position = std::to_string(record.position);
  JsonWriter w;
  w.begin_object();
  w.key("schema_version").value(kAnalyticsSchemaVersion);
  w.key("position").value(record.position);
  w.key("tenant").value(tenant);
  w.key("ticket_id").value(record.stream);
  w.key("ticket_version").value(record.version);
  w.key("event_id").value(record.event_id);
  w.key("type").value(record.type);
  w.key("event_schema").value(static_cast<std::uint64_t>(record.schema));
  w.key("time").value(time);
  w.key("actor").begin_object();
  w.key("sub").value(record.actor.sub).key("role").value(record.actor.role).key("tenant").value(record.actor.tenant);
  w.end_object();
  w.key("correlation_id").value(record.correlation_id);
  w.key("causation_id").value(record.causation_id);
  w.key("data").raw(record.data);
  w.end_object();
  KafkaMessage m;
  m.key = record.stream;
  m.value = w.take();
  m.headers = {{"ce_specversion", "1.0"},
               {"ce_id", position},
               {"ce_source", "/ticketd/tenants/" + tenant},
               {"ce_type", "ticketd." + record.type},
               {"ce_time", time},
               {"ce_subject", record.stream},
               {"ce_dataschema", kAnalyticsSchemaUri},
               {"content-type", "application/json"},
               {"ce_tenant", tenant},
               {"ce_position", position}};
  return m;
}

std::string structured_cloudevent(const KafkaMessage& message) {
  JsonWriter w;
  w.begin_object();
  for (const auto& h : message.headers) {
    if (h.name.starts_with("ce_")) {
      w.key(std::string_view(h.name).substr(3)).value(h.value);
    } else if (h.name == "content-type") {
      w.key("datacontenttype").value(h.value);
    }
  }
  w.key("data").raw(message.value);
  w.end_object();
  return w.take();
}

}  // namespace ticketd
