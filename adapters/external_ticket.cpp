#include "adapters/external_ticket.h"

#include "adapters/payloads.h"

namespace ticketd {

std::string_view name_of(ExternalSystem s) {
  switch (s) {
    case ExternalSystem::jira:
      return "jira";
    case ExternalSystem::zammad:
      return "zammad";
    case ExternalSystem::smax:
      return "smax";
  }
  return "";
}

std::optional<ExternalSystem> parse_external_system(std::string_view name) {
  for (auto s : kExternalSystems) {
    if (name_of(s) == name) return s;
  }
  return std::nullopt;
}

Result<ExternalTicket> parse_webhook(ExternalSystem system, std::string_view body) {
  switch (system) {
    case ExternalSystem::jira:
      return parse_jira_webhook(body);
    case ExternalSystem::zammad:
      return parse_zammad_webhook(body);
    case ExternalSystem::smax:
      return parse_smax_webhook(body);
  }
  return make_error(Errc::internal, "unknown system");
}

void fill_missing(ExternalTicket& t, const ExternalTicket& full) {
  for (auto field : {&ExternalTicket::subject, &ExternalTicket::description, &ExternalTicket::status,
                     &ExternalTicket::status_category, &ExternalTicket::priority, &ExternalTicket::type}) {
    if (!(t.*field)) t.*field = full.*field;
  }
  if (!t.updated) t.updated = full.updated;
  if (t.reporter.id.empty()) t.reporter = full.reporter;
  t.partial = false;
}

std::optional<Timestamp> parse_external_time(std::string_view text) {
  // Jira writes the offset without a colon ("-0800"); RFC 3339 wants "-08:00".
  std::string s(text);
  if (s.size() >= 5) {
    const std::size_t sign = s.size() - 5;
    if ((s[sign] == '+' || s[sign] == '-') && s.find(':', sign) == std::string::npos) s.insert(sign + 3, ":");
  }
  return parse_rfc3339(s);
}

}  // namespace ticketd
