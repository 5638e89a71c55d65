// Names of the streams in the log. Ticket streams are named by the ticket id (a UUID),
// which never contains ':'; every other stream is "<kind>:<id>".
#pragma once

#include <string>
#include <string_view>

namespace ticketd::streams {

inline constexpr std::string_view kTenantPrefix = "tenant:";
inline constexpr std::string_view kUserPrefix = "user:";
inline constexpr std::string_view kTicketNumbersPrefix = "ticket-numbers:";
inline constexpr std::string_view kPrivacyPrefix = "privacy:";

inline std::string tenant(std::string_view id) { return std::string(kTenantPrefix) + std::string(id); }
inline std::string user(std::string_view sub) { return std::string(kUserPrefix) + std::string(sub); }
inline std::string privacy(std::string_view sub) { return std::string(kPrivacyPrefix) + std::string(sub); }
inline std::string ticket_numbers(int year) { return std::string(kTicketNumbersPrefix) + std::to_string(year); }

// Whether `stream` names a ticket (no kind prefix).
inline bool is_ticket(std::string_view stream) { return stream.find(':') == std::string_view::npos; }

}  // namespace ticketd::streams
